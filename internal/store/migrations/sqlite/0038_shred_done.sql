-- When shredding (clause 23.5) last finished, in microseconds since 1970 (0: never), for the
-- retention page: "overwritten at", or what it is waiting for.
ALTER TABLE maintenance ADD COLUMN done_at INTEGER NOT NULL DEFAULT 0;
