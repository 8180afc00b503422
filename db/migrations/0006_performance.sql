-- Issue 9 (docs/performance.md): what the close reads of a million ballots without scanning them all.
-- The flagged ballots of an award (published at close): a partial index, empty while nobody flags, so a ballot
-- insert pays nothing for it. Queries must say `status = 'flagged'` for SQLite to use it.
CREATE INDEX ballots_flagged ON ballots (ceremony_id, tracker) WHERE status = 'flagged';
