-- Subject access request bundles (issue 7 item 2). A bundle is queued by the Data Protection
-- Officer for an access request, built by a background job (progress: done of total calls),
-- reviewed (each redaction candidate released or kept), made final (the zip, with its sha256),
-- then delivered: released to the portal until expires_at, after which the job deletes the zip.
-- model is the gathered bundle (JSON) kept between the build and the final render, then removed.
CREATE TABLE sar_bundles (
  id          INTEGER PRIMARY KEY,
  request_id  INTEGER REFERENCES subject_requests(id),
  person_id   INTEGER NOT NULL REFERENCES people(id),
  state       TEXT NOT NULL CHECK (state IN ('queued', 'building', 'review', 'final', 'delivered', 'expired', 'failed')),
  done        INTEGER NOT NULL DEFAULT 0,
  total       INTEGER NOT NULL DEFAULT 0,
  error       TEXT NOT NULL DEFAULT '',
  model       BLOB,
  zip         BLOB,
  size        INTEGER NOT NULL DEFAULT 0,
  sha256      TEXT NOT NULL DEFAULT '',
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  started_at  INTEGER,
  finished_at INTEGER,
  final_by    TEXT NOT NULL DEFAULT '',
  final_at    INTEGER,
  expires_at  INTEGER,
  version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX sar_bundles_request ON sar_bundles(request_id);
CREATE INDEX sar_bundles_person ON sar_bundles(person_id);
CREATE INDEX sar_bundles_work ON sar_bundles(id) WHERE state IN ('queued', 'building');
CREATE INDEX sar_bundles_delivered ON sar_bundles(expires_at) WHERE state = 'delivered';

-- One candidate redaction of a bundle: another person's identifier found in free text (where),
-- replaced by "[redacted: n]" unless the DPO releases it. decision: '' until decided, then
-- 'keep' or 'release'.
CREATE TABLE sar_redactions (
  id         INTEGER PRIMARY KEY,
  bundle_id  INTEGER NOT NULL REFERENCES sar_bundles(id),
  n          INTEGER NOT NULL,
  location   TEXT NOT NULL,
  original   TEXT NOT NULL,
  kind       TEXT NOT NULL,
  decision   TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'keep', 'release')),
  decided_by TEXT NOT NULL DEFAULT '',
  decided_at INTEGER
);
CREATE UNIQUE INDEX sar_redactions_bundle ON sar_redactions(bundle_id, n);
