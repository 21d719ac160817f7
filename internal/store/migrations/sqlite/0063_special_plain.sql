-- Issue 22 point 3: the special-category calls that are not sealed (marked while calldesk ran
-- without a master key, until calldesk keys seal), and still indexed. While there are none, the
-- special parts of the search index hold blind forms only, and a search looks for the plain
-- words in the other parts alone (search_parts.go: specialAllSealed); this partial index answers
-- "are there any" in one probe, and a call enters it only when it is such a call.
CREATE INDEX calls_special_plain ON calls (id) WHERE special_category AND key_id IS NULL AND anonymised_at IS NULL;
