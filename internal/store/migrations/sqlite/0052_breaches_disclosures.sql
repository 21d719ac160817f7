-- Issue 19 items 3 and 4: the breach register (policy 22, 15.6) and the disclosure log (policy 24,
-- S15, P16). A breach is reported by any member of staff and assessed by the Data Protection
-- Officer; its 72-hour clock runs from aware_at and escalates once at 24, 48 and 60 hours
-- (breach_escalations: one row per breach and mark, so several instances send each once).
-- A disclosure records who asked, on what basis, who approved it and what went; the people it is
-- about are linked, each with any exemption from their subject access bundle and its reason.
CREATE TABLE breaches (
  id              INTEGER PRIMARY KEY,
  reporter_id     INTEGER REFERENCES people(id),
  reported_by     TEXT NOT NULL,
  reported_at     INTEGER NOT NULL,
  aware_at        INTEGER NOT NULL,
  report          TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('open', 'closed')),
  assessment      TEXT NOT NULL DEFAULT '',
  people_count    INTEGER,
  data_categories TEXT NOT NULL DEFAULT '',
  risk            TEXT NOT NULL DEFAULT '' CHECK (risk IN ('', 'none', 'risk', 'high')),
  notify          TEXT NOT NULL DEFAULT '' CHECK (notify IN ('', 'yes', 'no')),
  decision        TEXT NOT NULL DEFAULT '',
  approved_by     TEXT NOT NULL DEFAULT '',
  notified_at     INTEGER,
  ico_reference   TEXT NOT NULL DEFAULT '',
  people_told     TEXT NOT NULL DEFAULT '' CHECK (people_told IN ('', 'yes', 'no', 'not needed')),
  actions         TEXT NOT NULL DEFAULT '',
  closed_at       INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX breaches_reporter ON breaches(reporter_id);
CREATE INDEX breaches_aware ON breaches(aware_at);
CREATE INDEX breaches_open ON breaches(aware_at) WHERE state = 'open' AND notified_at IS NULL;
CREATE TABLE breach_people (
  id         INTEGER PRIMARY KEY,
  breach_id  INTEGER NOT NULL REFERENCES breaches(id) ON DELETE CASCADE,
  person_id  INTEGER NOT NULL REFERENCES people(id),
  linked_by  TEXT NOT NULL,
  linked_at  INTEGER NOT NULL,
  UNIQUE (breach_id, person_id)
);
CREATE INDEX breach_people_person ON breach_people(person_id);
CREATE TABLE breach_escalations (
  breach_id  INTEGER NOT NULL REFERENCES breaches(id) ON DELETE CASCADE,
  hours      INTEGER NOT NULL,
  sent_at    INTEGER NOT NULL,
  recipients INTEGER NOT NULL,
  PRIMARY KEY (breach_id, hours)
);
CREATE TABLE disclosures (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('police', 'regular', 'other')),
  organisation  TEXT NOT NULL,
  requester     TEXT NOT NULL,
  reference     TEXT NOT NULL DEFAULT '',
  form          TEXT NOT NULL DEFAULT '',
  basis         TEXT NOT NULL,
  requested     TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'refused')),
  approver      TEXT NOT NULL DEFAULT '',
  decision      TEXT NOT NULL DEFAULT '',
  decided_at    INTEGER,
  logged_by     TEXT NOT NULL,
  received_at   INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  version       INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE disclosure_people (
  id            INTEGER PRIMARY KEY,
  disclosure_id INTEGER NOT NULL REFERENCES disclosures(id) ON DELETE CASCADE,
  person_id     INTEGER NOT NULL REFERENCES people(id),
  exemption     TEXT NOT NULL DEFAULT '',
  linked_by     TEXT NOT NULL,
  linked_at     INTEGER NOT NULL,
  UNIQUE (disclosure_id, person_id)
);
CREATE INDEX disclosure_people_person ON disclosure_people(person_id);

-- The two record classes of the retention schedule (defaults the DPO can change): breaches, from
-- their closing, and disclosures, from their request. SQLite cannot change a CHECK: the table is
-- rebuilt (nothing refers to it).
CREATE TABLE retention_rules_new (
  class      TEXT PRIMARY KEY CHECK (class IN ('closed_calls', 'special_category', 'attachments', 'diary_entries',
               'emails', 'subject_requests', 'leavers', 'audit_records', 'import_reports', 'lifted_holds', 'erasure_decisions',
               'breaches', 'disclosures')),
  months     INTEGER NOT NULL CHECK (months BETWEEN 1 AND 1200),
  start      TEXT NOT NULL CHECK (start IN ('closed', 'left', 'created', 'lifted', 'erased')),
  action     TEXT NOT NULL CHECK (action IN ('anonymise', 'delete')),
  reason     TEXT NOT NULL DEFAULT '',
  changed_by TEXT NOT NULL,
  changed_at INTEGER NOT NULL,
  CHECK (
      (class IN ('closed_calls', 'special_category') AND start = 'closed' AND action = 'anonymise')
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
      OR (class = 'disclosures' AND start = 'created' AND action = 'delete'))
);
INSERT INTO retention_rules_new (class, months, start, action, reason, changed_by, changed_at)
  SELECT class, months, start, action, reason, changed_by, changed_at FROM retention_rules;
DROP TABLE retention_rules;
ALTER TABLE retention_rules_new RENAME TO retention_rules;
INSERT INTO retention_rules (class, months, start, action, reason, changed_by, changed_at) VALUES
  ('breaches', 72, 'closed', 'delete',
   'A closed breach, with the people it affected, is kept six years after it is closed (limitation period) to show '
   || 'the ICO and any claimant how it was handled (policy 19.4, 22); an open breach is never swept',
   'calldesk', 0),
  ('disclosures', 72, 'created', 'delete',
   'A disclosure to a third party, with the people it named, is kept six years from the request (limitation period) '
   || 'to answer the person or a complaint about it (policy 24)',
   'calldesk', 0);
CREATE INDEX breaches_closed ON breaches(closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX disclosures_received ON disclosures(received_at);
