-- Restriction of processing (UK GDPR article 18, issue 7): while restricted_at is set, the
-- person's data is frozen: their record and their calls take no changes and calldesk sends them
-- no email, until the restriction is lifted with a reason.
ALTER TABLE people ADD COLUMN restricted_at BIGINT;
ALTER TABLE people ADD COLUMN restricted_reason TEXT NOT NULL DEFAULT '';
