-- The Data Protection Officer's register of subject requests (issue 7): access, rectification,
-- erasure, restriction, portability, objection; the identity check and any third party's
-- authority recorded; the statutory deadline counted from the later of receipt and identity.
CREATE TABLE subject_requests (
  id               INTEGER PRIMARY KEY,
  person_id        INTEGER NOT NULL REFERENCES people(id),
  kind             TEXT NOT NULL CHECK (kind IN ('access', 'rectification', 'erasure', 'restriction', 'portability', 'objection')),
  state            TEXT NOT NULL CHECK (state IN ('open', 'done', 'refused', 'withdrawn')),
  received_at      INTEGER NOT NULL,
  identity_at      INTEGER,
  identity_how     TEXT NOT NULL DEFAULT '',
  identity_by      TEXT NOT NULL DEFAULT '',
  third_party      TEXT NOT NULL DEFAULT '',
  authority        TEXT NOT NULL DEFAULT '',
  due_at           INTEGER,
  extended_to      INTEGER,
  extension_reason TEXT NOT NULL DEFAULT '',
  details          TEXT NOT NULL DEFAULT '',
  outcome          TEXT NOT NULL DEFAULT '',
  logged_by        TEXT NOT NULL,
  channel          TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX subject_requests_person ON subject_requests(person_id);
CREATE INDEX subject_requests_open_due ON subject_requests(due_at) WHERE state = 'open';
