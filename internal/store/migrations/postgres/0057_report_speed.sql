-- Issue 18 (speed at a million calls): the service-level reports count the clocks that settled
-- (met or missed) in their range, per priority and group, from call_sla. No index led by a
-- clock's stop time, so a year's report read every call_sla row twice, for the range and the one
-- before, and each call's row for its priority.
-- priority: the call's, written with group_id at every evaluation (every change of the call
-- re-evaluates it, as group_id), so the reports read call_sla alone; filled here from the calls.
ALTER TABLE call_sla ADD COLUMN priority INTEGER;
UPDATE call_sla s SET priority = c.priority FROM calls c WHERE c.id = s.call_id;
-- Each clock's index covers what the reports read of it (an index-only scan), led by the stop
-- time: a year is one range, grouped by hashing (SQLite's, led by the grouping, sorts nothing
-- instead). Partial, so a call's row enters it only when that clock settles, never when it is
-- logged.
CREATE INDEX IF NOT EXISTS call_sla_respond_settled ON call_sla (respond_stop_at)
  INCLUDE (respond_state, priority, group_id, respond_elapsed) WHERE respond_state IN ('met', 'missed');
CREATE INDEX IF NOT EXISTS call_sla_resolve_settled ON call_sla (resolve_stop_at)
  INCLUDE (resolve_state, priority, group_id, resolve_elapsed) WHERE resolve_state IN ('met', 'missed');
-- The first-contact report counts a year's resolved calls per priority, group and source with
-- what decides a first-line fix and a first contact (reassigned, resolved_by, logged_by,
-- logged_at, and the call's id, which the look in its diary names): calls_resolved_since covers
-- them now, where it read each call's row. It carries the analyst too: the workload report's
-- resolved calls per analyst are then a range of it, where calls_resolved_analyst (led by the
-- analyst) was read whole, PostgreSQL having no skip scan; calls_assigned_since does the same
-- for the calls assigned in the range (written when a call is assigned to an analyst, never when
-- it is logged without one).
DROP INDEX IF EXISTS calls_resolved_since;
CREATE INDEX calls_resolved_since ON calls (resolved_at, source, group_id, reopened_at, priority, reassigned, resolved_by, logged_by, logged_at)
  INCLUDE (id, analyst_id) WHERE resolved_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS calls_assigned_since ON calls (assigned_at) INCLUDE (analyst_id) WHERE assigned_at IS NOT NULL AND analyst_id IS NOT NULL;
-- The holds report reads the calls that have been on hold (a few in a hundred): their own
-- covering index, where it read every call row (its ranges are OR'd, so no one index served).
CREATE INDEX IF NOT EXISTS calls_held_report ON calls (held_at, off_hold_at, state, priority, group_id) WHERE held_at IS NOT NULL;
ANALYZE call_sla;
ANALYZE calls;
