-- Issue 13, point 15: an import that rejected any row makes nobody a leaver; it applies the rest
-- and records here how many leavers it held for a clean export or an administrator's
-- confirmation.
ALTER TABLE import_runs ADD COLUMN leavers_held INTEGER NOT NULL DEFAULT 0;
