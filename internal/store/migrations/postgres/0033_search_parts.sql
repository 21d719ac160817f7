-- Issue 15 points 7 and 8: a call's search vector in weighted parts, so a search matches only
-- what its reader may read (store/search_parts.go): A, the call information; B, its email-only
-- text (S13: the support role's); C and D, the same two of a call marked special category (S8:
-- its group's and the DPO's). Migrate rebuilds every call's vector after this file
-- (afterMigration, with the one query that builds documents).
-- triage_pending marks a call opened by an email whose description awaits a support analyst's
-- triage (the "triage" setting, serve --mail-description).
ALTER TABLE calls ADD COLUMN triage_pending BOOLEAN NOT NULL DEFAULT false;
