-- Files attached to a call's diary entries. The content lives in the row (data), so a write of an
-- entry and its files is one transaction and a backup holds everything; lists read the metadata
-- columns only. sha256 is the hex digest of data.
CREATE TABLE attachments (
  id           INTEGER PRIMARY KEY,
  call_id      INTEGER NOT NULL REFERENCES calls(id),
  entry_id     INTEGER REFERENCES diary_entries(id),
  filename     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  data         BLOB NOT NULL,
  uploaded_by  INTEGER REFERENCES people(id),
  created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_call ON attachments(call_id, id);
CREATE INDEX attachments_entry ON attachments(entry_id) WHERE entry_id IS NOT NULL;
CREATE INDEX attachments_uploaded_by ON attachments(uploaded_by) WHERE uploaded_by IS NOT NULL;
