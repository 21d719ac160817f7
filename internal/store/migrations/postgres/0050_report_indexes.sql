-- Issue 18 (speed at a million calls): a report counts the calls whose time of one event (logged,
-- resolved, closed, cancelled, reopened, assigned) falls in its range, per day and source, per
-- group or per analyst.
-- Each event's index covers what those counts read, so a year is a range of one index and no
-- call row is read: closed_at, cancelled_at and reopened_at had no index (a pass over every
-- row), logged_at and resolved_at one without the columns counted (a row read per call).
-- The partial ones (IS NOT NULL) are not written when a call is logged, only when the event
-- happens (assigned_at also when a call is logged straight to an analyst); calls_logged is the
-- index that was there, wider.
DROP INDEX IF EXISTS calls_logged;
CREATE INDEX calls_logged ON calls (logged_at, source, group_id, logged_by, customer_id);
DROP INDEX IF EXISTS calls_resolved_since;
CREATE INDEX calls_resolved_since ON calls (resolved_at, source, group_id, reopened_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS calls_closed_report ON calls (closed_at, source, group_id, resolved_at, cancelled_at) WHERE closed_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS calls_cancelled_report ON calls (cancelled_at, source, group_id, resolved_at) WHERE cancelled_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS calls_reopened_report ON calls (reopened_at, source, group_id) WHERE reopened_at IS NOT NULL;
-- The workload counts per analyst: led by the analyst, each analyst's range is read in turn and
-- nothing is sorted (grouping a year's rows by analyst sorted half a million of them).
CREATE INDEX IF NOT EXISTS calls_assigned_report ON calls (analyst_id, assigned_at) WHERE assigned_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS calls_resolved_analyst ON calls (analyst_id, resolved_at) WHERE resolved_at IS NOT NULL;
