-- Issue 18 (speed at a million calls): the service-level reports count the clocks that settled
-- (met or missed) in their range, per priority and group, from call_sla. No index led by a
-- clock's stop time, so a year's report read every call_sla row twice, for the range and the one
-- before, and each call's row for its priority.
-- priority: the call's, written with group_id at every evaluation (every change of the call
-- re-evaluates it, as group_id), so the reports read call_sla alone; filled here from the calls.
-- Each clock's index covers what the reports read of it (an index-only scan); partial, so a
-- call's row enters it only when that clock settles, never when the call is logged.
ALTER TABLE call_sla ADD COLUMN priority INTEGER;
UPDATE call_sla s SET priority = c.priority FROM calls c WHERE c.id = s.call_id;
CREATE INDEX IF NOT EXISTS call_sla_respond_settled ON call_sla (respond_stop_at)
  INCLUDE (respond_state, priority, group_id, respond_elapsed) WHERE respond_state IN ('met', 'missed');
CREATE INDEX IF NOT EXISTS call_sla_resolve_settled ON call_sla (resolve_stop_at)
  INCLUDE (resolve_state, priority, group_id, resolve_elapsed) WHERE resolve_state IN ('met', 'missed');
ANALYZE call_sla;
