-- The retention schedule (issue 7 item 5; S18, P15; university data protection policy 23.4-23.5):
-- held as data, one rule per record class, with the period in months, the date it counts from
-- and what happens at its end. The CHECK lists the combinations calldesk can carry out; the
-- defaults are documented in the privacy package's doc (package privacy, "Retention").
CREATE TABLE retention_rules (
  class      TEXT PRIMARY KEY CHECK (class IN ('closed_calls', 'special_category', 'attachments', 'diary_entries',
               'emails', 'subject_requests', 'leavers', 'audit_records')),
  months     INTEGER NOT NULL CHECK (months BETWEEN 1 AND 1200),
  start      TEXT NOT NULL CHECK (start IN ('closed', 'left', 'created')),
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
      OR (class = 'audit_records' AND start = 'created' AND action = 'delete'))
);
INSERT INTO retention_rules (class, months, start, action, reason, changed_by, changed_at) VALUES
  ('special_category', 12, 'closed', 'anonymise', 'calldesk default', 'calldesk', 0),
  ('closed_calls', 72, 'closed', 'anonymise', 'calldesk default', 'calldesk', 0),
  ('attachments', 24, 'closed', 'delete', 'calldesk default', 'calldesk', 0),
  ('diary_entries', 72, 'closed', 'anonymise', 'calldesk default', 'calldesk', 0),
  ('emails', 24, 'created', 'anonymise', 'calldesk default', 'calldesk', 0),
  ('subject_requests', 24, 'closed', 'delete', 'calldesk default', 'calldesk', 0),
  ('leavers', 12, 'left', 'anonymise', 'calldesk default', 'calldesk', 0),
  ('audit_records', 84, 'created', 'delete', 'calldesk default', 'calldesk', 0);

-- A call whose personal data the retention sweep removed, and when: it is never done twice.
ALTER TABLE calls ADD COLUMN anonymised_at INTEGER;
-- The calls the closed-calls rules still have to reach, oldest end first: the sweep takes them
-- from the front of this index, and an anonymised call leaves it.
CREATE INDEX calls_retention ON calls(COALESCE(closed_at, cancelled_at))
  WHERE anonymised_at IS NULL AND state IN ('closed', 'cancelled');
CREATE INDEX people_left ON people(left_at) WHERE left_at IS NOT NULL;
CREATE INDEX mail_messages_created ON mail_messages(created_at);
CREATE INDEX mail_outbox_created ON mail_outbox(created_at);

-- A legal hold exempts a call, or a person (and their calls as customer), from every retention
-- rule until it is lifted with a reason. At most one active hold per call or person.
CREATE TABLE legal_holds (
  id          INTEGER PRIMARY KEY,
  call_id     INTEGER REFERENCES calls(id),
  person_id   INTEGER REFERENCES people(id),
  reason      TEXT NOT NULL CHECK (reason <> ''),
  placed_by   TEXT NOT NULL,
  placed_at   INTEGER NOT NULL,
  lifted_by   TEXT NOT NULL DEFAULT '',
  lifted_at   INTEGER,
  lift_reason TEXT NOT NULL DEFAULT '',
  CHECK ((call_id IS NULL) <> (person_id IS NULL)),
  CHECK (lifted_at IS NULL OR lift_reason <> '')
);
CREATE UNIQUE INDEX legal_holds_call ON legal_holds(call_id) WHERE lifted_at IS NULL AND call_id IS NOT NULL;
CREATE UNIQUE INDEX legal_holds_person ON legal_holds(person_id) WHERE lifted_at IS NULL AND person_id IS NOT NULL;

-- Every retention sweep, dry runs too: who ran it, when, how it ended, and per class what it did.
CREATE TABLE retention_runs (
  id          INTEGER PRIMARY KEY,
  dry_run     INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
  by_whom     TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  error       TEXT NOT NULL DEFAULT ''
);
-- At most one real sweep at a time, across instances.
CREATE UNIQUE INDEX retention_runs_one_running ON retention_runs(dry_run) WHERE state = 'running' AND dry_run = 0;
CREATE TABLE retention_run_classes (
  run_id  INTEGER NOT NULL REFERENCES retention_runs(id),
  class   TEXT NOT NULL,
  action  TEXT NOT NULL,
  months  INTEGER NOT NULL,
  cutoff  INTEGER NOT NULL,
  count   INTEGER NOT NULL,
  oldest  INTEGER,
  newest  INTEGER,
  PRIMARY KEY (run_id, class)
);

-- Where the audit chain now starts after the retention sweep deleted its oldest links: the seq
-- and hash of the last deleted link. audit verify starts from it.
CREATE TABLE audit_anchor (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  seq        INTEGER NOT NULL,
  hash       TEXT NOT NULL,
  deleted_at INTEGER NOT NULL
);
