-- Finding a person everywhere (issue 15 point 2): the full-text index holds the first 200,000
-- characters of a call (summary, description, diary: maxCallDoc), so the mention finder narrows
-- through it only for calls whose text fits, and reads the others whole. search_overflow lists the
-- calls whose text may not fit: a description or a diary of 95,000 characters or more (a call
-- over 200,000 has one or the other, the summary being short). Kept by the indexing (store.go
-- markOverflow); a call that shrinks stays listed, which only costs a direct read. Written to run
-- again (tests undo a later migration and migrate again).
CREATE TABLE IF NOT EXISTS search_overflow (
  call_id INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE
);
INSERT OR IGNORE INTO search_overflow (call_id)
  SELECT c.id FROM calls c WHERE length(c.description) >= 95000
  UNION
  SELECT d.call_id FROM diary_entries d GROUP BY d.call_id HAVING SUM(length(d.body)) >= 95000;
