-- Laurel 0004: the jury. Jurors belong to one institution of the award and judge the finalists of the categories
-- assigned to them. Names and addresses of jurors are organizer data and never stand in the log: events name a
-- juror by pseudonym, and scores enter the log only as salted commitments until the results are published.

-- invitation: the jti of the one invitation link that can still be spent (NULL once spent or never issued);
-- issuing a new link replaces it, so an older link stops working.
CREATE TABLE jurors (
  id TEXT PRIMARY KEY,
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  institution_id TEXT NOT NULL REFERENCES institutions (id),
  pseudonym TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT,
  weight INTEGER NOT NULL CHECK (weight >= 1),
  invitation TEXT,
  created_at BIGINT NOT NULL,
  UNIQUE (ceremony_id, pseudonym)
);
CREATE INDEX jurors_by_ceremony ON jurors (ceremony_id);

-- A juror's sheet of one category: declared once the juror has stated their conflicts (only then do the
-- finalists' sheets open), submitted once the sheet is locked.
CREATE TABLE jury_assignments (
  juror_id TEXT NOT NULL REFERENCES jurors (id),
  category_id TEXT NOT NULL REFERENCES categories (id),
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  declared INTEGER NOT NULL DEFAULT 0 CHECK (declared IN (0, 1)),
  submitted INTEGER NOT NULL DEFAULT 0 CHECK (submitted IN (0, 1)),
  CHECK (submitted = 0 OR declared = 1),
  PRIMARY KEY (juror_id, category_id)
);
CREATE INDEX jury_assignments_by_ceremony ON jury_assignments (ceremony_id, category_id);

-- Who may not judge a nominee: one juror, or every juror of an institution (e.g. its own nominee).
-- party is 'juror:<id>' or 'institution:<id>', so that each conflict exists once.
CREATE TABLE jury_conflicts (
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  nominee_id TEXT NOT NULL REFERENCES nominees (id),
  party TEXT NOT NULL,
  juror_id TEXT REFERENCES jurors (id),
  institution_id TEXT REFERENCES institutions (id),
  declared_by TEXT NOT NULL CHECK (declared_by IN ('juror', 'organizer')),
  CHECK ((juror_id IS NULL AND institution_id IS NOT NULL) OR (juror_id IS NOT NULL AND institution_id IS NULL)),
  PRIMARY KEY (ceremony_id, nominee_id, party)
);

-- Rubric mode: a juror's scores of one finalist, JSON {criterion: integer}.
CREATE TABLE jury_scores (
  juror_id TEXT NOT NULL REFERENCES jurors (id),
  nominee_id TEXT NOT NULL REFERENCES nominees (id),
  category_id TEXT NOT NULL REFERENCES categories (id),
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  scores TEXT NOT NULL,
  PRIMARY KEY (juror_id, nominee_id)
);

-- Ranking mode: a juror's ranking of a category's finalists, JSON array of nominee ids, best first.
CREATE TABLE jury_rankings (
  juror_id TEXT NOT NULL REFERENCES jurors (id),
  category_id TEXT NOT NULL REFERENCES categories (id),
  ceremony_id TEXT NOT NULL REFERENCES ceremonies (id),
  ranking TEXT NOT NULL,
  PRIMARY KEY (juror_id, category_id)
);
