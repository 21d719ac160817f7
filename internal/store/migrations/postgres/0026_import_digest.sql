-- Issue 13, point 9 of the review: an administrator's confirmation of a held import applies what
-- was reviewed. Each run records the SHA-256 of the records its source gave (hex); a confirmation
-- whose source now gives something else is refused. Runs before this have none ('') and cannot be
-- confirmed: the import is run again and reviewed.
ALTER TABLE import_runs ADD COLUMN digest TEXT NOT NULL DEFAULT '';
