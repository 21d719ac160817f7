-- Issue 20 item 2 (two-factor sign-in): an account's TOTP secret (RFC 6238), its recovery codes
-- and the sign-in stage of a session. secret is the base32 shared secret (kept as the
-- authenticator app holds it: see the README's security section); confirmed_at is NULL while
-- enrolment awaits its first code; last_step is the last 30-second time-step whose code was
-- accepted, so that no code is accepted twice. recovery_codes keeps the SHA-256 of each one-use
-- code, shown once. sessions.pending is '' for a session that has finished signing in, 'code'
-- while it awaits the second factor and 'enrol' while its account must first enrol.
CREATE TABLE second_factors (
  account_id   INTEGER PRIMARY KEY REFERENCES accounts(id),
  secret       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  confirmed_at INTEGER,
  last_step    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE recovery_codes (
  id         INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  code_hash  TEXT NOT NULL,
  used_at    INTEGER
);
CREATE INDEX recovery_codes_account ON recovery_codes(account_id);
ALTER TABLE sessions ADD COLUMN pending TEXT NOT NULL DEFAULT '';
-- Issue 20 item 1 (S14): supplier access as a grant. An administrator requests access for a
-- supplier person's account (processor: the supplier firm, free text until the processors
-- register lands), with a reason (a fault reference, an upgrade), a scope (config: read the
-- configuration only; calls: read calls and people with special-category text masked; named:
-- only the calls of call_refs, space-separated) and a window of hours. Another person, the DPO,
-- approves (the window runs from then: starts_at to ends_at) or refuses (refusal says why).
-- state: requested, approved, refused, ended (ended early, or past ends_at and wound up by the
-- job: sessions ended, summary_at when the DPO's summary was sent).
CREATE TABLE supplier_grants (
  id           INTEGER PRIMARY KEY,
  account_id   INTEGER NOT NULL REFERENCES accounts(id),
  processor    TEXT NOT NULL,
  reason       TEXT NOT NULL,
  scope        TEXT NOT NULL,
  call_refs    TEXT NOT NULL DEFAULT '',
  hours        INTEGER NOT NULL,
  state        TEXT NOT NULL DEFAULT 'requested',
  requested_by INTEGER NOT NULL REFERENCES people(id),
  requested_at INTEGER NOT NULL,
  decided_by   INTEGER REFERENCES people(id),
  decided_at   INTEGER,
  refusal      TEXT NOT NULL DEFAULT '',
  starts_at    INTEGER,
  ends_at      INTEGER,
  summary_at   INTEGER
);
CREATE INDEX supplier_grants_account ON supplier_grants(account_id, state);
