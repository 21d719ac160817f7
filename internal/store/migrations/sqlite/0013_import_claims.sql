-- A scheduled import runs once a day however many calldesk instances share the database: the
-- instance that first claims (source, day) runs it; the others find the claim taken.
CREATE TABLE import_claims (
  source     TEXT NOT NULL,
  day        TEXT NOT NULL,
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (source, day)
);
