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
