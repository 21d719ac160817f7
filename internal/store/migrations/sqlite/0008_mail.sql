-- Email (issue 5).
-- call_events: every change of a call, written in the same transaction as the change (by the
-- store's audit step), for the notifier to turn into emails exactly once: it claims unprocessed
-- events, enqueues their messages in mail_outbox and marks them processed in one transaction.
-- The call's state, group and analyst are kept as they were just after the change, so that a
-- notification goes to whoever the change concerned, however the call has moved on since.
CREATE TABLE call_events (
  id           INTEGER PRIMARY KEY,
  call_ref     TEXT NOT NULL,
  action       TEXT NOT NULL,
  actor_id     INTEGER REFERENCES people(id),
  state        TEXT NOT NULL,
  group_id     INTEGER,
  analyst_id   INTEGER,
  created_at   INTEGER NOT NULL,
  processed_at INTEGER
);
CREATE INDEX call_events_pending ON call_events(id) WHERE processed_at IS NULL;

-- mail_outbox: messages to send. The sender claims due ones (a lease until locked_until), sends
-- them outside any transaction and records the outcome; failures are retried with backoff until
-- max attempts, then wait in the failed-messages view for an administrator's retry.
CREATE TABLE mail_outbox (
  id           INTEGER PRIMARY KEY,
  message_id   TEXT NOT NULL UNIQUE,
  call_id      INTEGER REFERENCES calls(id),
  kind         TEXT NOT NULL,
  recipient    TEXT NOT NULL,
  subject      TEXT NOT NULL,
  text_body    TEXT NOT NULL,
  html_body    TEXT NOT NULL,
  in_reply_to  TEXT NOT NULL DEFAULT '',
  refs         TEXT NOT NULL DEFAULT '',
  state        TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_at      INTEGER NOT NULL,
  locked_until INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  sent_at      INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_at) WHERE state = 'pending';
CREATE INDEX mail_outbox_failed ON mail_outbox(id) WHERE state = 'failed';
CREATE INDEX mail_outbox_call ON mail_outbox(call_id) WHERE call_id IS NOT NULL;

-- mail_messages: every email taken in from a mailbox, kept whole (raw) with what became of it:
-- a new call, a diary entry of a call (entry_id), quarantine (an unknown sender), discarded by a
-- support analyst, automatic (an auto-reply, bounce or loop), or rejected (could not be read).
-- It is the record that makes taking mail in exactly-once: a message is known by its Message-ID
-- and by its place in the mailbox (mailbox, UIDVALIDITY, UID), so a redelivery changes nothing.
CREATE TABLE mail_messages (
  id           INTEGER PRIMARY KEY,
  message_id   TEXT NOT NULL UNIQUE,
  mailbox      TEXT NOT NULL DEFAULT '',
  uid_validity INTEGER NOT NULL DEFAULT 0,
  uid          INTEGER NOT NULL DEFAULT 0,
  call_id      INTEGER REFERENCES calls(id),
  entry_id     INTEGER REFERENCES diary_entries(id),
  sender       TEXT NOT NULL DEFAULT '',
  subject      TEXT NOT NULL DEFAULT '',
  disposition  TEXT NOT NULL CHECK (disposition IN ('call', 'entry', 'quarantine', 'discarded', 'automatic', 'rejected')),
  reason       TEXT NOT NULL DEFAULT '',
  raw          BLOB,
  size         INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX mail_messages_place ON mail_messages(mailbox, uid_validity, uid) WHERE uid > 0;
CREATE INDEX mail_messages_call ON mail_messages(call_id) WHERE call_id IS NOT NULL;
CREATE INDEX mail_messages_sender ON mail_messages(sender, created_at);
CREATE INDEX mail_messages_quarantine ON mail_messages(id) WHERE disposition = 'quarantine';
