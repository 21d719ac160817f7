-- Issue 15 point 10: retention follows the register. Three record classes join the schedule:
-- import_reports (import_runs, from their start), lifted_holds (legal_holds, from their lifting)
-- and erasure_decisions (erasures: the decision's words and who decided, from the erasure; the
-- row itself stays). Their periods are defaults with their reasons; the DPO can change them.
-- SQLite cannot change a CHECK: the table is rebuilt (nothing refers to it).
CREATE TABLE retention_rules_new (
  class      TEXT PRIMARY KEY CHECK (class IN ('closed_calls', 'special_category', 'attachments', 'diary_entries',
               'emails', 'subject_requests', 'leavers', 'audit_records', 'import_reports', 'lifted_holds', 'erasure_decisions')),
  months     INTEGER NOT NULL CHECK (months BETWEEN 1 AND 1200),
  start      TEXT NOT NULL CHECK (start IN ('closed', 'left', 'created', 'lifted', 'erased')),
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
      OR (class = 'erasure_decisions' AND start = 'erased' AND action = 'anonymise'))
);
INSERT INTO retention_rules_new (class, months, start, action, reason, changed_by, changed_at)
  SELECT class, months, start, action, reason, changed_by, changed_at FROM retention_rules;
DROP TABLE retention_rules;
ALTER TABLE retention_rules_new RENAME TO retention_rules;
INSERT INTO retention_rules (class, months, start, action, reason, changed_by, changed_at) VALUES
  ('import_reports', 12, 'created', 'delete',
   'A directory import''s report (its rejected rows quote people''s records) serves to put the feed right; '
   || 'a year covers the yearly intake and its review. The latest run of each source is always kept: a held run waits for its confirmation',
   'calldesk', 0),
  ('lifted_holds', 72, 'lifted', 'delete',
   'A lifted hold shows why data was kept past its schedule; kept six years after lifting, the limitation period '
   || 'for a claim about that keeping (Limitation Act 1980 s.5)',
   'calldesk', 0),
  ('erasure_decisions', 72, 'erased', 'anonymise',
   'The reasons for an erasure and who decided it are kept six years (limitation period) to answer a complaint '
   || 'about it; then they go, and what stays is that the person was erased, when, on which basis and ground, under their pseudonym, '
   || 'so that they are never erased twice and the audit trail''s record of the erasure keeps its row',
   'calldesk', 0);
CREATE INDEX import_runs_started ON import_runs(started_at);
CREATE INDEX legal_holds_lifted ON legal_holds(lifted_at) WHERE lifted_at IS NOT NULL;
