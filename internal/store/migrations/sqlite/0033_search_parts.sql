-- Issue 15 points 7 and 8: a call's search document in parts, so a search matches only what its
-- reader may read (store/search_parts.go): doc, the call information; mail, its email-only text
-- (S13: the support role's); sdoc and smail, the same two of a call marked special category
-- (S8: its group's and the DPO's). FTS5 cannot add columns: the index is made again, and
-- Migrate fills it from every call (afterMigration, with the one query that builds documents).
-- triage_pending marks a call opened by an email whose description awaits a support analyst's
-- triage (the "triage" setting, serve --mail-description).
ALTER TABLE calls ADD COLUMN triage_pending INTEGER NOT NULL DEFAULT 0 CHECK (triage_pending IN (0, 1));
DROP TABLE call_fts;
CREATE VIRTUAL TABLE call_fts USING fts5(doc, mail, sdoc, smail, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');
