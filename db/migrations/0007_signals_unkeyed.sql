-- Issue 9 (docs/performance.md): a ballot's network signals without an index on their tracker. Each ballot wrote
-- one more entry at a random place of that primary key's B-tree, so one more page per ballot for the writer to
-- log and to copy back (about an eighth of the writer thread's time). No query looks signals up by tracker: the
-- fraud review reads them by network (ballot_signals_by_network) and joins each to its ballot by the ballot's key.
-- One row per ballot still holds: a ballot's signals are inserted in the same atomic batch as the ballot, which
-- its own primary key makes the only one with that tracker.
CREATE TABLE ballot_signals_unkeyed (
  tracker TEXT NOT NULL,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  network TEXT NOT NULL,
  agent TEXT NOT NULL
);
INSERT INTO ballot_signals_unkeyed (tracker, ceremony_id, network, agent)
  SELECT tracker, ceremony_id, network, agent FROM ballot_signals;
DROP TABLE ballot_signals;
ALTER TABLE ballot_signals_unkeyed RENAME TO ballot_signals;
CREATE INDEX ballot_signals_by_network ON ballot_signals (ceremony_id, network);
