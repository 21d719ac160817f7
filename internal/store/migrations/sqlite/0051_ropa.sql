-- Issue 19 items 1, 2 and 8: the Data Protection Officer's records of processing (article 30,
-- policy 19.2), the privacy notice generated from them (14.3) and the evidence of compliance (7.2).
--
-- processing_activities is one record per processing activity of calldesk, as it stands now; the
-- data categories, retention and location are not stored: they are derived from the register of
-- personal data (store/register.go) for the register tables the activity names (tables, comma
-- separated), so they cannot drift. Every change is kept whole in processing_versions with its
-- reason.
CREATE TABLE processing_activities (
  id                INTEGER PRIMARY KEY,
  code              TEXT NOT NULL UNIQUE,
  name              TEXT NOT NULL,
  purpose           TEXT NOT NULL,
  lawful_basis      TEXT NOT NULL,
  special_condition TEXT NOT NULL DEFAULT '',
  people            TEXT NOT NULL,
  recipients        TEXT NOT NULL DEFAULT '',
  transfers         TEXT NOT NULL DEFAULT '',
  security          TEXT NOT NULL DEFAULT '',
  tables            TEXT NOT NULL DEFAULT '',
  obligation        TEXT NOT NULL DEFAULT '',
  automated         TEXT NOT NULL DEFAULT '',
  version           INTEGER NOT NULL DEFAULT 1,
  reviewed_at       INTEGER,
  reviewed_by       TEXT NOT NULL DEFAULT '',
  changed_by        TEXT NOT NULL,
  changed_at        INTEGER NOT NULL
);
CREATE TABLE processing_versions (
  activity_id INTEGER NOT NULL REFERENCES processing_activities(id),
  version     INTEGER NOT NULL,
  record      TEXT NOT NULL,
  reason      TEXT NOT NULL,
  changed_by  TEXT NOT NULL,
  changed_at  INTEGER NOT NULL,
  PRIMARY KEY (activity_id, version)
);
-- privacy_notices keeps every published version of the notice whole (body: JSON of its items),
-- so what a person was shown can be read again; calls.notice_version is the version whose
-- summary the person saw when they logged the call on the portal.
CREATE TABLE privacy_notices (
  version      INTEGER PRIMARY KEY,
  body         TEXT NOT NULL,
  reason       TEXT NOT NULL,
  published_by TEXT NOT NULL,
  published_at INTEGER NOT NULL
);
ALTER TABLE calls ADD COLUMN notice_version INTEGER;
-- audit_verifications: each check of the audit trail's hash chain and its result, the evidence
-- the compliance page shows.
CREATE TABLE audit_verifications (
  id          INTEGER PRIMARY KEY,
  verified_at INTEGER NOT NULL,
  checked     INTEGER NOT NULL,
  problems    INTEGER NOT NULL,
  first       TEXT NOT NULL DEFAULT '',
  by_whom     TEXT NOT NULL
);
