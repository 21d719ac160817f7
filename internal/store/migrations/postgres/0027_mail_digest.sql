-- Email intake (issue 14, points 1 and 2).
-- A message is known by its Message-ID AND a digest of what its sender wrote (package mail:
-- the originator headers and the body, line ends normalised, without the trace headers a second
-- delivery changes), so that a different message reusing a Message-ID (list software, clients
-- with constant IDs) is taken in, and the same message delivered twice is recorded as a
-- 'duplicate' (without its raw copy: the first record keeps it). UNIQUE(message_id) becomes a
-- unique index on (message_id, digest) over the rows that are not duplicates, which still stops
-- two instances taking one message in at once. Rows from before have the digest '', which means
-- "unknown": a message with the same Message-ID as such a row is taken for a duplicate, as
-- before.
ALTER TABLE mail_messages ADD COLUMN IF NOT EXISTS digest TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_messages DROP CONSTRAINT IF EXISTS mail_messages_message_id_key;
ALTER TABLE mail_messages DROP CONSTRAINT IF EXISTS mail_messages_disposition_check;
ALTER TABLE mail_messages ADD CONSTRAINT mail_messages_disposition_check
  CHECK (disposition IN ('call', 'entry', 'quarantine', 'discarded', 'automatic', 'rejected', 'duplicate'));
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
  mail_id BIGINT NOT NULL REFERENCES mail_messages(id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  copy_list INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (mail_id, address)
);
CREATE INDEX mail_recipients_address ON mail_recipients(address);
