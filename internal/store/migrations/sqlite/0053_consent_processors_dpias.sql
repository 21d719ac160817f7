-- Issue 19 items 5, 6 and 7: consent records, processors and transfers, DPIAs and
-- legitimate-interest assessments (data protection policy 19.3, 18, 21, 12, 8.5).
--
-- Consent: each purpose that rests on consent (the optional contact details a customer adds on
-- the portal, S9; satisfaction surveys) has versioned wordings, a new row each time the DPO
-- changes the words; a consent names the wording the person agreed to, when, and its withdrawal.
-- One live consent per person and purpose.
CREATE TABLE consent_wordings (
  id         INTEGER PRIMARY KEY,
  purpose    TEXT NOT NULL CHECK (purpose IN ('contact_details', 'surveys')),
  version    INTEGER NOT NULL,
  body       TEXT NOT NULL,
  reason     TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (purpose, version)
);
CREATE TABLE consents (
  id           INTEGER PRIMARY KEY,
  person_id    INTEGER NOT NULL REFERENCES people(id),
  wording_id   INTEGER NOT NULL REFERENCES consent_wordings(id),
  purpose      TEXT NOT NULL CHECK (purpose IN ('contact_details', 'surveys')),
  given_at     INTEGER NOT NULL,
  withdrawn_at INTEGER
);
CREATE UNIQUE INDEX consents_live ON consents(person_id, purpose) WHERE withdrawn_at IS NULL;
CREATE INDEX consents_person ON consents(person_id);
CREATE INDEX consents_withdrawn ON consents(withdrawn_at) WHERE withdrawn_at IS NOT NULL;
-- The optional contact details themselves, held only while their consent is live: withdrawing
-- it deletes the row in the same transaction.
CREATE TABLE person_contacts (
  person_id  INTEGER PRIMARY KEY REFERENCES people(id),
  consent_id INTEGER NOT NULL REFERENCES consents(id),
  alt_email  TEXT NOT NULL DEFAULT '',
  alt_phone  TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
);

-- Processors (policy 18) and the countries their processing takes data to (21). clauses holds
-- the letters of the article 28(3) clauses (a-h) the contract was checked to carry. Dates are
-- days (YYYY-MM-DD); reminded_for is the review date a reminder was last sent for, so that
-- several instances send it once.
CREATE TABLE processors (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  service         TEXT NOT NULL,
  contact         TEXT NOT NULL DEFAULT '',
  contract_date   TEXT NOT NULL,
  contract_months INTEGER NOT NULL DEFAULT 0,
  clauses         TEXT NOT NULL DEFAULT '',
  sub_processors  TEXT NOT NULL DEFAULT '',
  notes           TEXT NOT NULL DEFAULT '',
  review_due      TEXT NOT NULL,
  reminded_for    TEXT NOT NULL DEFAULT '',
  ended_at        INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  version         INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX processors_name ON processors(lower(name));
CREATE TABLE processor_transfers (
  id           INTEGER PRIMARY KEY,
  processor_id INTEGER NOT NULL REFERENCES processors(id) ON DELETE CASCADE,
  country      TEXT NOT NULL,
  safeguard    TEXT NOT NULL
);
CREATE INDEX processor_transfers_processor ON processor_transfers(processor_id);

-- DPIAs (policy 12.2) and legitimate-interest assessments (8.5): their risks, sign-off by the
-- DPO (12.3), review date and documents.
CREATE TABLE dpias (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('dpia', 'lia')),
  title         TEXT NOT NULL,
  processing    TEXT NOT NULL,
  assessment    TEXT NOT NULL DEFAULT '',
  outcome       TEXT NOT NULL DEFAULT '',
  signed_off_by TEXT NOT NULL DEFAULT '',
  signed_off_at INTEGER,
  review_due    TEXT NOT NULL,
  reminded_for  TEXT NOT NULL DEFAULT '',
  retired_at    INTEGER,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  version       INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE dpia_risks (
  id         INTEGER PRIMARY KEY,
  dpia_id    INTEGER NOT NULL REFERENCES dpias(id) ON DELETE CASCADE,
  risk       TEXT NOT NULL,
  likelihood TEXT NOT NULL CHECK (likelihood IN ('remote', 'possible', 'probable')),
  severity   TEXT NOT NULL CHECK (severity IN ('minimal', 'significant', 'severe')),
  mitigation TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dpia_risks_dpia ON dpia_risks(dpia_id);
CREATE TABLE dpia_files (
  id           INTEGER PRIMARY KEY,
  dpia_id      INTEGER NOT NULL REFERENCES dpias(id) ON DELETE CASCADE,
  filename     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  data         BLOB NOT NULL,
  uploaded_by  TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX dpia_files_dpia ON dpia_files(dpia_id);

-- Retention: three record classes join the schedule. SQLite cannot change a CHECK: the table
-- is rebuilt.
CREATE TABLE retention_rules_new (
  class      TEXT PRIMARY KEY CHECK (class IN ('closed_calls', 'special_category', 'attachments', 'diary_entries',
               'emails', 'subject_requests', 'leavers', 'audit_records', 'import_reports', 'lifted_holds', 'erasure_decisions',
               'breaches', 'disclosures', 'consents', 'processors', 'dpias')),
  months     INTEGER NOT NULL CHECK (months BETWEEN 1 AND 1200),
  start      TEXT NOT NULL CHECK (start IN ('closed', 'left', 'created', 'lifted', 'erased', 'withdrawn', 'ended', 'retired')),
  action     TEXT NOT NULL CHECK (action IN ('anonymise', 'delete')),
  reason     TEXT NOT NULL DEFAULT '',
  changed_by TEXT NOT NULL,
  changed_at INTEGER NOT NULL,
  CHECK ((class IN ('closed_calls', 'special_category') AND start = 'closed' AND action = 'anonymise')
      OR (class = 'attachments' AND start = 'closed' AND action = 'delete')
      OR (class = 'diary_entries' AND start = 'closed')
      OR (class = 'emails' AND start = 'created')
      OR (class = 'subject_requests' AND start = 'closed' AND action = 'delete')
      OR (class = 'leavers' AND start = 'left' AND action = 'anonymise')
      OR (class = 'audit_records' AND start = 'created' AND action = 'delete')
      OR (class = 'import_reports' AND start = 'created' AND action = 'delete')
      OR (class = 'lifted_holds' AND start = 'lifted' AND action = 'delete')
      OR (class = 'erasure_decisions' AND start = 'erased' AND action = 'anonymise')
      OR (class = 'breaches' AND start = 'closed' AND action = 'delete')
      OR (class = 'disclosures' AND start = 'created' AND action = 'delete')
      OR (class = 'consents' AND start = 'withdrawn' AND action = 'delete')
      OR (class = 'processors' AND start = 'ended' AND action = 'delete')
      OR (class = 'dpias' AND start = 'retired' AND action = 'delete'))
);
INSERT INTO retention_rules_new (class, months, start, action, reason, changed_by, changed_at)
  SELECT class, months, start, action, reason, changed_by, changed_at FROM retention_rules;
DROP TABLE retention_rules;
ALTER TABLE retention_rules_new RENAME TO retention_rules;
INSERT INTO retention_rules (class, months, start, action, reason, changed_by, changed_at) VALUES
  ('consents', 72, 'withdrawn', 'delete',
   'A withdrawn consent is the evidence that the data it covered was held lawfully until then (UK GDPR 7(1)); '
   || 'kept six years after withdrawal, the limitation period for a claim (Limitation Act 1980 s.5). '
   || 'The details it covered are deleted at once on withdrawal',
   'calldesk', 0),
  ('processors', 72, 'ended', 'delete',
   'A processor''s record (contract, article 28 clauses, transfers) shows how data was protected while it was '
   || 'processed; kept six years after the contract ended (limitation period)',
   'calldesk', 0),
  ('dpias', 72, 'retired', 'delete',
   'A DPIA or legitimate-interest assessment documents a decision about processing (policy 12, 8.5); kept six years '
   || 'after the processing it covers stopped and the assessment was retired (limitation period)',
   'calldesk', 0);
CREATE INDEX processors_ended ON processors(ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX dpias_retired ON dpias(retired_at) WHERE retired_at IS NOT NULL;
