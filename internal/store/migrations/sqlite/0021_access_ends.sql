-- Issue 13: a session belongs to the surface it was started on (console or portal): a portal
-- session's token sent as the console's cookie, or the reverse, is refused. Sessions begun
-- before this migration do not say which surface they were for, so they are ended: everyone
-- signs in again once.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN surface TEXT NOT NULL DEFAULT '';

-- Sign-in attempts counted atomically, per key ("login:<login>" or "addr:<address>"): an
-- attempt is reserved (the count incremented and returned by one statement) before the password
-- is checked, so parallel guesses, on one instance or several, cannot all pass the limit before
-- any is counted. The count starts again once first_at is a throttling window old.
CREATE TABLE signin_throttle (
  key      TEXT PRIMARY KEY,
  attempts INTEGER NOT NULL,
  first_at INTEGER NOT NULL
);
CREATE INDEX signin_throttle_first ON signin_throttle(first_at);
