-- Issue 16 (SupportMe brought up to the console): a forgotten local password is reset through a
-- single-use link emailed to the account's person, valid for a short time; only the hash of the
-- link's token is kept. And a call withdrawn on the portal can be put back as it was while the
-- desk has not acted on it since: call_withdrawals remembers the state it was withdrawn from and
-- the version the withdrawal left (any change of the call since moves the version on).
CREATE TABLE password_resets (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  token_hash  TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
);
CREATE INDEX password_resets_account ON password_resets(account_id);
CREATE INDEX password_resets_expires ON password_resets(expires_at);

CREATE TABLE call_withdrawals (
  call_id      INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
  from_state   TEXT NOT NULL,
  from_urgent  INTEGER NOT NULL,
  version      INTEGER NOT NULL,
  withdrawn_at INTEGER NOT NULL
);
