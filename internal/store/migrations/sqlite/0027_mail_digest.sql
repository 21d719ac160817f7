-- Email intake (issue 14, points 1 and 2).
-- A message is known by its Message-ID AND a digest of what its sender wrote (package mail:
-- the originator headers and the body, line ends normalised, without the trace headers a second
-- delivery changes), so that a different message reusing a Message-ID (list software, clients
-- with constant IDs) is taken in, and the same message delivered twice is recorded as a
-- 'duplicate' (without its raw copy: the first record keeps it). UNIQUE(message_id) becomes a
-- unique index on (message_id, digest) over the rows that are not duplicates, which still stops
-- two instances taking one message in at once. Rows from before have the digest '', which means
-- "unknown": a message with the same Message-ID as such a row is taken for a duplicate, as
-- before. SQLite cannot drop a column constraint: the table is rebuilt, with every column, index
-- and foreign key (no table refers to mail_messages, so dropping the old one inside the
-- migration's transaction is safe with foreign_keys on).
CREATE TABLE mail_messages_new (
  id           INTEGER PRIMARY KEY,
  message_id   TEXT NOT NULL,
  digest       TEXT NOT NULL DEFAULT '',
  mailbox      TEXT NOT NULL DEFAULT '',
  uid_validity INTEGER NOT NULL DEFAULT 0,
  uid          INTEGER NOT NULL DEFAULT 0,
  call_id      INTEGER REFERENCES calls(id),
  entry_id     INTEGER REFERENCES diary_entries(id),
  sender       TEXT NOT NULL DEFAULT '',
  subject      TEXT NOT NULL DEFAULT '',
  disposition  TEXT NOT NULL CHECK (disposition IN ('call', 'entry', 'quarantine', 'discarded', 'automatic', 'rejected', 'duplicate')),
  reason       TEXT NOT NULL DEFAULT '',
  raw          BLOB,
  size         INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  auth_result  TEXT NOT NULL DEFAULT '',
  auth_method  TEXT NOT NULL DEFAULT '',
  auth_own     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO mail_messages_new (id, message_id, mailbox, uid_validity, uid, call_id, entry_id, sender, subject, disposition,
  reason, raw, size, created_at, auth_result, auth_method, auth_own)
  SELECT id, message_id, mailbox, uid_validity, uid, call_id, entry_id, sender, subject, disposition,
  reason, raw, size, created_at, auth_result, auth_method, auth_own FROM mail_messages;
DROP TABLE mail_messages;
ALTER TABLE mail_messages_new RENAME TO mail_messages;
CREATE UNIQUE INDEX mail_messages_place ON mail_messages(mailbox, uid_validity, uid) WHERE uid > 0;
CREATE INDEX mail_messages_call ON mail_messages(call_id) WHERE call_id IS NOT NULL;
CREATE INDEX mail_messages_sender ON mail_messages(sender, created_at);
CREATE INDEX mail_messages_quarantine ON mail_messages(id) WHERE disposition = 'quarantine';
CREATE INDEX mail_messages_created ON mail_messages(created_at);
CREATE UNIQUE INDEX mail_messages_id_digest ON mail_messages(message_id, digest) WHERE disposition <> 'duplicate';
-- A diary entry made from an email by someone the register does not hold (an address on the
-- call's copy list) shows the message's sender as its author: found by the entry.
CREATE INDEX mail_messages_entry ON mail_messages(entry_id) WHERE entry_id IS NOT NULL;

-- mail_recipients: the To and Cc addresses (lower-cased) of each message taken in. A call's
-- copy list is the recipients of the messages it holds that its customer or an analyst sent
-- (copy_list = 1): they may reply to it (a customer's manager they copied in), anyone else gets
-- a call of their own or waits in quarantine. The recipients of any other message (from someone
-- on the copy list, or with no call) are kept with copy_list = 0, for the subject access
-- request: someone on the copy list cannot copy a third person in.
-- Personal data: erasure and the retention sweeps of mail_messages delete the rows with it.
CREATE TABLE mail_recipients (
  mail_id INTEGER NOT NULL REFERENCES mail_messages(id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  copy_list INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (mail_id, address)
) WITHOUT ROWID; -- the key is the table: one B-tree less to write for each message taken in
CREATE INDEX mail_recipients_address ON mail_recipients(address);
