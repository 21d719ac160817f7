-- The person register kept in step with the directory (issue 6).
-- directory_source names the import that owns a person (a CSV export, an LDAP tree, SCIM), so a
-- full import of one source never makes another source's people leavers; synced_at is when that
-- source last listed them (the "last synced" of their directory fields); left_at is when a full
-- import first no longer listed them: what retention will count from.
ALTER TABLE people ADD COLUMN directory_source TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN synced_at INTEGER;
ALTER TABLE people ADD COLUMN left_at INTEGER;
CREATE INDEX people_directory_source ON people(directory_source) WHERE directory_source <> '';

-- Where each field of a person came from: the directory source that last set it, and when. A
-- field with no row here was typed in by hand (or predates the sync).
CREATE TABLE person_field_sources (
  person_id INTEGER NOT NULL REFERENCES people(id),
  field     TEXT NOT NULL,
  source    TEXT NOT NULL,
  set_at    INTEGER NOT NULL,
  PRIMARY KEY (person_id, field)
);

-- Every import run: what it did, or why it stopped and waits for an administrator.
CREATE TABLE import_runs (
  id           INTEGER PRIMARY KEY,
  source       TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('done', 'held', 'failed')),
  full_import  INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  duration_ms  INTEGER NOT NULL,
  read_count   INTEGER NOT NULL,
  created      INTEGER NOT NULL,
  updated      INTEGER NOT NULL,
  left_count   INTEGER NOT NULL,
  returned     INTEGER NOT NULL,
  rejected     INTEGER NOT NULL,
  reason       TEXT NOT NULL DEFAULT '',
  problems     TEXT NOT NULL DEFAULT '',
  by_whom      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX import_runs_source ON import_runs(source, id);
