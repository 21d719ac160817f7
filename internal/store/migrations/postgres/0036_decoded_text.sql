-- Issue 15 (the mention finder's cost): the text a person reads in a stored email and in a file,
-- decoded once when it is stored (desk.MailText, desk.FileText), so that erasure and the subject
-- access request narrow them in the database (LIKE on the needles) instead of reading and
-- decoding every one. NULL: not decoded yet (rows stored before this migration, which the
-- finder reads and decodes as before). Personal data with the same treatment as its source.
ALTER TABLE mail_messages ADD COLUMN raw_text TEXT;
ALTER TABLE attachments ADD COLUMN data_text TEXT;
