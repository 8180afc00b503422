-- Laurel 0005: the results documents of an award. Version 1 is written at finalization; each correction after
-- the announcement adds the next version, which cites the one before. Documents never change or go away.
-- document: the canonical JSON text that was hashed and signed; jws: the compact JWS (EdDSA) over it.
CREATE TABLE results (
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  version INTEGER NOT NULL CHECK (version >= 1),
  document TEXT NOT NULL,
  hash TEXT NOT NULL,
  jws TEXT NOT NULL,
  kid TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (ceremony_id, version)
);

-- The ceremony: what the presenter has revealed of the finalized results, category by category (the finalists,
-- then the winner). The public results page shows exactly these until the announcement makes everything public.
CREATE TABLE reveals (
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  category_id TEXT NOT NULL REFERENCES categories (id),
  stage TEXT NOT NULL CHECK (stage IN ('finalists', 'winner')),
  step INTEGER NOT NULL CHECK (step >= 1),
  PRIMARY KEY (ceremony_id, category_id, stage),
  UNIQUE (ceremony_id, step)
);
