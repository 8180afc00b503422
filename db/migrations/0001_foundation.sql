-- Laurel 0001: awards, organizers, the event log, commitments, mail outbox, keys.
-- Portable subset for SQLite, PostgreSQL and D1: TEXT ids made by the app, BIGINT epoch milliseconds,
-- INTEGER booleans, TEXT JSON. Each statement ends with a semicolon at the end of a line.

CREATE TABLE ceremonies (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  phase TEXT NOT NULL CHECK (phase IN ('draft', 'nominating', 'voting', 'judging', 'finalized', 'announced', 'amended')),
  time_zone TEXT NOT NULL,
  locales TEXT NOT NULL,
  content TEXT NOT NULL,
  rules TEXT NOT NULL,
  rules_hash TEXT,
  nominees_hash TEXT,
  lot_commitment TEXT,
  lot_secret_wrapped TEXT,
  pepper_wrapped TEXT NOT NULL,
  nominating_opens BIGINT,
  nominating_closes BIGINT,
  voting_opens BIGINT,
  voting_closes BIGINT,
  judging_opens BIGINT,
  judging_closes BIGINT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE tracks (
  id TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  slug TEXT NOT NULL,
  position INTEGER NOT NULL,
  content TEXT NOT NULL,
  UNIQUE (ceremony_id, slug)
);

CREATE TABLE categories (
  id TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  track_id TEXT NOT NULL REFERENCES tracks (id),
  slug TEXT NOT NULL,
  position INTEGER NOT NULL,
  content TEXT NOT NULL,
  k INTEGER,
  winners INTEGER NOT NULL DEFAULT 1 CHECK (winners >= 1),
  minors_allowed INTEGER NOT NULL DEFAULT 0 CHECK (minors_allowed IN (0, 1)),
  UNIQUE (ceremony_id, slug)
);

CREATE TABLE nominees (
  id TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  category_id TEXT NOT NULL REFERENCES categories (id),
  slug TEXT NOT NULL,
  position INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'withdrawn')),
  content TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (category_id, slug)
);
CREATE INDEX nominees_by_ceremony ON nominees (ceremony_id, category_id, position);

CREATE TABLE institutions (
  id TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  slug TEXT NOT NULL,
  position INTEGER NOT NULL,
  weight INTEGER NOT NULL CHECK (weight > 0),
  content TEXT NOT NULL,
  UNIQUE (ceremony_id, slug)
);

-- The event log: one hash chain per award (chain = ceremony id) and one for site-wide changes ('site').
-- The primary key on (chain, seq) is the guard that serializes writers of one chain.
CREATE TABLE events (
  chain TEXT NOT NULL,
  seq BIGINT NOT NULL CHECK (seq >= 1),
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  prev TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (chain, seq)
);

-- Values behind the salted commitments that stand in the event log; erasing a row keeps the chain valid.
CREATE TABLE disclosures (
  commitment TEXT PRIMARY KEY,
  chain TEXT NOT NULL,
  salt TEXT NOT NULL,
  value TEXT NOT NULL
);

CREATE TABLE organizers (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);

-- ceremony_id '*' makes a site organizer: may create awards and act on every award.
CREATE TABLE organizer_roles (
  organizer_id TEXT NOT NULL REFERENCES organizers (id),
  ceremony_id TEXT NOT NULL,
  pseudonym TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (organizer_id, ceremony_id)
);

-- One-time codes (organizer login now, voters later): only a hash of the code is stored.
CREATE TABLE login_codes (
  id TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,
  subject TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
  created_at BIGINT NOT NULL
);
CREATE INDEX login_codes_by_subject ON login_codes (purpose, subject, created_at);

-- Fixed-window counters for throttling (resends, wrong codes, requests per address).
CREATE TABLE throttles (
  key TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (key, window_start)
);

-- Single-use facts: the bootstrap token, spent invitation links.
CREATE TABLE spent_tokens (
  id TEXT PRIMARY KEY,
  spent_at BIGINT NOT NULL
);

-- Mail outbox: every message is queued here first, then delivered at a throttled rate.
-- The address and body are blanked once delivered; status stays for the delivery report.
CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  ceremony_id TEXT,
  kind TEXT NOT NULL,
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  text_body TEXT NOT NULL,
  html_body TEXT,
  status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT,
  last_error TEXT,
  provider_id TEXT,
  created_at BIGINT NOT NULL,
  sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Key material, wrapped (AES-GCM) by the server's master secret.
CREATE TABLE keys (
  kid TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,
  alg TEXT NOT NULL,
  secret_wrapped TEXT NOT NULL,
  public_jwk TEXT,
  created_at BIGINT NOT NULL,
  retired_at BIGINT
);
