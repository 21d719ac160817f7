-- Sign-in sessions, kept in the database so that several instances share them. The session
-- token itself is never stored, only its SHA-256.
CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES accounts(id),
  via         TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  seen_at     INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  client_addr TEXT NOT NULL DEFAULT '',
  user_agent  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions(account_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

-- Failed sign-ins, by key ("login:<login>" or "addr:<address>"), for throttling.
CREATE TABLE signin_failures (
  id  INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  at  INTEGER NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures(key, at);
