-- Issue 20 point 3: a call's files and the emails taken in are sealed (AES-256-GCM) under a data
-- key (data_keys, migration 0056) when calldesk runs with a master key file: attachments.data and
-- data_text under the call's key, mail_messages.raw and raw_text under the call's key when the
-- message is on a call, else under the message's own. key_id is that key (NULL: the content is
-- plain, written before, or by calldesk without master keys; or there is no content left). The
-- indexes serve rekey (an erasure re-seals a call's kept content under a new key, row by key).
ALTER TABLE attachments ADD COLUMN key_id INTEGER;
ALTER TABLE mail_messages ADD COLUMN key_id INTEGER;
CREATE INDEX attachments_key ON attachments(key_id) WHERE key_id IS NOT NULL;
CREATE INDEX mail_messages_key ON mail_messages(key_id) WHERE key_id IS NOT NULL;
