-- Laurel 0003: the public vote. Who voted (marks) and what was voted (ballots) live apart: no shared key, no
-- timestamps. The ballot log is a Merkle tree whose leaves are appended at checkpoints.

-- Who has voted in a category. sealed_tracker is the current ballot's tracker encrypted under the award's seal
-- key, which is destroyed when voting closes: until then it lets a later ballot supersede the earlier one
-- (last-counts) and a withdrawn nominee's voters vote again; afterwards nothing links a mark to a ballot.
CREATE TABLE marks (
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  category_id TEXT NOT NULL REFERENCES categories (id),
  person_key TEXT NOT NULL,
  sealed_tracker TEXT,
  PRIMARY KEY (ceremony_id, category_id, person_key)
);

-- What was voted, keyed by tracker = SHA-256(receipt). batch: the checkpoint that appended its leaf (public).
CREATE TABLE ballots (
  tracker TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  category_id TEXT NOT NULL REFERENCES categories (id),
  nominee_id TEXT NOT NULL REFERENCES nominees (id),
  status TEXT NOT NULL CHECK (status IN ('counted', 'flagged', 'voided', 'superseded')),
  batch INTEGER,
  reason TEXT
);
CREATE INDEX ballots_unlogged ON ballots (ceremony_id, batch);
CREATE INDEX ballots_by_nominee ON ballots (ceremony_id, category_id, nominee_id, status);

-- Status changes of ballots not yet reported by a checkpoint event (voided, superseded, restored, flagged).
-- batch: the checkpoint that reported it (NULL until then).
CREATE TABLE ballot_changes (
  id TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  tracker TEXT NOT NULL,
  change TEXT NOT NULL CHECK (change IN ('voided', 'superseded', 'restored', 'flagged', 'unflagged')),
  batch INTEGER
);
CREATE INDEX ballot_changes_unreported ON ballot_changes (ceremony_id, batch);

-- Checkpoints of the ballot log: tree size and root after each batch (the event holds the same).
CREATE TABLE checkpoints (
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  batch INTEGER NOT NULL CHECK (batch >= 1),
  tree_size BIGINT NOT NULL,
  root TEXT NOT NULL,
  closing INTEGER NOT NULL DEFAULT 0 CHECK (closing IN (0, 1)),
  PRIMARY KEY (ceremony_id, batch)
);

-- The leaves of the ballot log in order: each tracker once (UNIQUE), so no ballot can be appended twice.
CREATE TABLE log_leaves (
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  idx BIGINT NOT NULL,
  tracker TEXT NOT NULL,
  hash TEXT NOT NULL,
  batch INTEGER NOT NULL,
  PRIMARY KEY (ceremony_id, idx),
  UNIQUE (ceremony_id, tracker)
);

-- Perfect-subtree hashes of the ballot log above the leaves (level >= 1), enough to answer any proof in
-- O(log n) reads.
CREATE TABLE tree_nodes (
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  level INTEGER NOT NULL,
  idx BIGINT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (ceremony_id, level, idx)
);

-- Network signals of a ballot for fraud review, as HMACs under the award's signal key (deleted at finalization).
CREATE TABLE ballot_signals (
  tracker TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  network TEXT NOT NULL,
  agent TEXT NOT NULL
);
CREATE INDEX ballot_signals_by_network ON ballot_signals (ceremony_id, network);

-- Keys of an award, wrapped by the master secret: receipt (kept), seal (destroyed at close), signals
-- (destroyed at finalization). Destroying a key is deleting its row.
CREATE TABLE ceremony_keys (
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  purpose TEXT NOT NULL CHECK (purpose IN ('receipt', 'seal', 'signals')),
  wrapped TEXT NOT NULL,
  PRIMARY KEY (ceremony_id, purpose)
);

-- Finalists of each category, computed when voting closes (or picked by organizers), with why.
CREATE TABLE finalists (
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  category_id TEXT NOT NULL REFERENCES categories (id),
  nominee_id TEXT NOT NULL REFERENCES nominees (id),
  position INTEGER NOT NULL,
  why TEXT NOT NULL CHECK (why IN ('top-k', 'tie-included', 'tie-broken', 'organizer', 'wildcard')),
  reason TEXT,
  PRIMARY KEY (ceremony_id, category_id, nominee_id)
);
