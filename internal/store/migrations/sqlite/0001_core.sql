-- calldesk core schema (SQLite). Times are Unix microseconds (UTC); booleans are 0/1; 0 or NULL
-- means "none" for optional references and times.
CREATE TABLE people (
  id             INTEGER PRIMARY KEY,
  first_name     TEXT NOT NULL DEFAULT '',
  last_name      TEXT NOT NULL DEFAULT '',
  username       TEXT NOT NULL DEFAULT '',
  email          TEXT NOT NULL DEFAULT '',
  student_number TEXT NOT NULL DEFAULT '',
  department     TEXT NOT NULL DEFAULT '',
  phone          TEXT NOT NULL DEFAULT '',
  job_title      TEXT NOT NULL DEFAULT '',
  manager_id     INTEGER REFERENCES people(id),
  kind           TEXT NOT NULL,
  active         INTEGER NOT NULL DEFAULT 1,
  source         TEXT NOT NULL,
  directory_key  TEXT NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  version        INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX people_username ON people(username) WHERE username <> '';
CREATE UNIQUE INDEX people_directory_key ON people(directory_key) WHERE directory_key <> '';
CREATE INDEX people_email ON people(lower(email)) WHERE email <> '';
CREATE INDEX people_student_number ON people(student_number) WHERE student_number <> '';
CREATE INDEX people_last_name ON people(lower(last_name), lower(first_name));
CREATE INDEX people_manager ON people(manager_id) WHERE manager_id IS NOT NULL;

CREATE TABLE support_groups (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  mailbox    TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX support_groups_name ON support_groups(lower(name));

CREATE TABLE group_members (
  group_id  INTEGER NOT NULL REFERENCES support_groups(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  PRIMARY KEY (group_id, person_id)
);
CREATE INDEX group_members_person ON group_members(person_id);

CREATE TABLE profiles (
  id               INTEGER PRIMARY KEY,
  parent_id        INTEGER REFERENCES profiles(id),
  name             TEXT NOT NULL,
  path             TEXT NOT NULL,
  default_group_id INTEGER REFERENCES support_groups(id),
  default_priority INTEGER NOT NULL DEFAULT 3
);
CREATE UNIQUE INDEX profiles_path ON profiles(lower(path));

CREATE TABLE accounts (
  id            INTEGER PRIMARY KEY,
  person_id     INTEGER NOT NULL UNIQUE REFERENCES people(id),
  login         TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  roles         TEXT NOT NULL DEFAULT '',
  active        INTEGER NOT NULL DEFAULT 1,
  created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX accounts_login ON accounts(lower(login));

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  account_id   INTEGER NOT NULL REFERENCES accounts(id),
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER,
  revoked_at   INTEGER
);

CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO counters(name, value) VALUES ('call_number', 0);

CREATE TABLE calls (
  id                INTEGER PRIMARY KEY,
  number            INTEGER NOT NULL UNIQUE,
  kind              TEXT NOT NULL,
  summary           TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '',
  customer_id       INTEGER NOT NULL REFERENCES people(id),
  customer_snapshot TEXT NOT NULL DEFAULT '{}',
  alt_email         TEXT NOT NULL DEFAULT '',
  alt_phone         TEXT NOT NULL DEFAULT '',
  source            TEXT NOT NULL,
  profile_id        INTEGER REFERENCES profiles(id),
  impact            TEXT NOT NULL,
  urgency           TEXT NOT NULL,
  priority          INTEGER NOT NULL,
  group_id          INTEGER REFERENCES support_groups(id),
  analyst_id        INTEGER REFERENCES people(id),
  state             TEXT NOT NULL,
  urgent            INTEGER NOT NULL DEFAULT 0,
  hold_until        INTEGER,
  hold_reason       TEXT NOT NULL DEFAULT '',
  resolution        TEXT NOT NULL DEFAULT '',
  cancel_note       TEXT NOT NULL DEFAULT '',
  logged_at         INTEGER NOT NULL,
  logged_by         INTEGER REFERENCES people(id),
  assigned_at       INTEGER,
  accepted_at       INTEGER,
  held_at           INTEGER,
  off_hold_at       INTEGER,
  resolved_at       INTEGER,
  closed_at         INTEGER,
  cancelled_at      INTEGER,
  reopened_at       INTEGER,
  updated_at        INTEGER NOT NULL,
  version           INTEGER NOT NULL DEFAULT 1
);
-- Queues: open calls per group / analyst, newest first. The WHERE matches store's openCond.
CREATE INDEX calls_group_open ON calls(group_id, logged_at DESC) WHERE state NOT IN ('resolved','closed','cancelled');
CREATE INDEX calls_analyst_open ON calls(analyst_id, logged_at DESC) WHERE state NOT IN ('resolved','closed','cancelled');
CREATE INDEX calls_state ON calls(state, logged_at DESC);
CREATE INDEX calls_customer ON calls(customer_id, logged_at DESC);
CREATE INDEX calls_logged ON calls(logged_at DESC);
CREATE INDEX calls_hold_until ON calls(hold_until) WHERE state = 'on_hold';
CREATE INDEX calls_resolved_at ON calls(resolved_at) WHERE state = 'resolved';

CREATE TABLE diary_entries (
  id           INTEGER PRIMARY KEY,
  call_id      INTEGER NOT NULL REFERENCES calls(id),
  kind         TEXT NOT NULL,
  public       INTEGER NOT NULL,
  body         TEXT NOT NULL,
  author_id    INTEGER REFERENCES people(id),
  created_at   INTEGER NOT NULL,
  call_version INTEGER NOT NULL
);
CREATE INDEX diary_entries_call ON diary_entries(call_id, id);
CREATE INDEX diary_entries_author ON diary_entries(author_id) WHERE author_id IS NOT NULL;

-- One full-text document per call: summary, description and every diary entry.
CREATE VIRTUAL TABLE call_fts USING fts5(doc, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');

-- The audit trail. Append-only: calldesk never updates or deletes a row of audit_log or audit_chain.
-- AUTOINCREMENT: an id is never handed out twice, even after the newest record was deleted
-- (which audit verify must then report, not the sealer trip over).
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,
  actor_id    INTEGER,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  persons     TEXT NOT NULL DEFAULT '',
  client_addr TEXT NOT NULL DEFAULT '',
  reason      TEXT NOT NULL DEFAULT '',
  detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE TABLE audit_persons (
  person_id INTEGER NOT NULL,
  audit_id  INTEGER NOT NULL,
  PRIMARY KEY (person_id, audit_id)
) WITHOUT ROWID;
-- The hash chain, sealed in commit order by one sealer at a time.
CREATE TABLE audit_chain (
  seq       INTEGER PRIMARY KEY,
  audit_id  INTEGER NOT NULL UNIQUE,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL,
  sealed_at INTEGER NOT NULL
);
-- Records not yet sealed into the chain: a queue, emptied by the sealer as it seals.
CREATE TABLE audit_pending (
  audit_id INTEGER PRIMARY KEY
);
