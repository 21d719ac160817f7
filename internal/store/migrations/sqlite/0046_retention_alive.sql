-- Issue 21 point 7: a real retention sweep's heartbeat. The instance running it renews alive_at
-- while it works; a sweep whose heartbeat has stopped for the lease (its instance died) is marked
-- failed by the next instance that asks for the daily sweep, which then runs it again, instead of
-- the whole six hours a sweep was once given. Existing rows start from their start.
ALTER TABLE retention_runs ADD COLUMN alive_at INTEGER NOT NULL DEFAULT 0;
UPDATE retention_runs SET alive_at = started_at;
