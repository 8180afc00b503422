-- Laurel 0002: verified people (roll, OIDC), public nominations and moderation, nominee contacts and consent.
-- A person is only ever a person_key = HMAC-SHA256(award pepper, normalized identity); no plain address is kept
-- here except nominee contacts, which are erasable.

-- Consent of a nominee to being listed: 'not-asked' (entered by organizers, no contact), 'requested' (a link was
-- mailed), 'given', 'declined'. dedupe_key groups likely duplicates (normalized name + affiliation).
ALTER TABLE nominees ADD COLUMN consent TEXT NOT NULL DEFAULT 'not-asked' CHECK (consent IN ('not-asked', 'requested', 'given', 'declined'));
ALTER TABLE nominees ADD COLUMN consent_at BIGINT;
ALTER TABLE nominees ADD COLUMN dedupe_key TEXT;
ALTER TABLE nominees ADD COLUMN erased INTEGER NOT NULL DEFAULT 0 CHECK (erased IN (0, 1));

-- Contact of a nominee (or of a guardian, for minors): personal data, deleted on erasure.
CREATE TABLE nominee_contacts (
  nominee_id TEXT PRIMARY KEY REFERENCES nominees (id),
  ceremony_id TEXT NOT NULL,
  email TEXT NOT NULL,
  guardian INTEGER NOT NULL DEFAULT 0 CHECK (guardian IN (0, 1)),
  created_at BIGINT NOT NULL
);

-- A public nomination: a verified person proposes a new nominee or supports an existing one in a category.
-- slot numbers a person's nominations in a category from 1; the rules cap it (one per person by default), and
-- the UNIQUE constraint makes two concurrent submissions unable to take the same slot.
CREATE TABLE nominations (
  id TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  category_id TEXT NOT NULL REFERENCES categories (id),
  nominee_id TEXT NOT NULL REFERENCES nominees (id),
  person_key TEXT NOT NULL,
  slot INTEGER NOT NULL CHECK (slot >= 1),
  reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
  decision_reason TEXT,
  created_at BIGINT NOT NULL,
  decided_at BIGINT,
  UNIQUE (ceremony_id, category_id, person_key, slot)
);
CREATE INDEX nominations_by_nominee ON nominations (nominee_id);
CREATE INDEX nominations_by_category ON nominations (ceremony_id, category_id, status);

-- The invited roll of an award that verifies people by roll: who may take part, by person_key.
CREATE TABLE roll_entries (
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  person_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (ceremony_id, person_key)
);

-- Single-use roll codes (mailed or printed): only an HMAC of the code is stored.
CREATE TABLE roll_codes (
  code_hash TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  person_key TEXT NOT NULL,
  used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
  created_at BIGINT NOT NULL
);
CREATE INDEX roll_codes_by_person ON roll_codes (ceremony_id, person_key);

-- OpenID Connect logins in flight: state, the server-issued nonce and the PKCE verifier; spent once.
CREATE TABLE oidc_logins (
  state TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  return_to TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1))
);

-- The OIDC client secret of an award (confidential clients), wrapped by the master secret; never in the rules.
CREATE TABLE oidc_clients (
  ceremony_id TEXT PRIMARY KEY REFERENCES ceremonies (id),
  client_secret_wrapped TEXT NOT NULL
);
