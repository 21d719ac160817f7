-- Issue 17 point 4 (breach warnings and escalations). An escalation point: when a call's respond
-- or resolve clock (target) has used percent% of its allowed time (over 100 allowed: 150 is half
-- the time again past the deadline), optionally only for calls of one priority (NULL: any), do
-- action: notify_analyst (the call's analyst, else its group's mailbox), notify_leads (the leads
-- of the call's group), notify_managers (people with the service_manager role), raise_priority
-- (one step, P4 to P3...) or reassign (to group_id). A point fires for calls that cross it from
-- the moment it is made (created_at), not for crossings before it existed.
CREATE TABLE sla_escalation_points (
  id         INTEGER PRIMARY KEY,
  target     TEXT NOT NULL CHECK (target IN ('respond', 'resolve')),
  percent    INTEGER NOT NULL CHECK (percent BETWEEN 1 AND 1000),
  priority   INTEGER CHECK (priority BETWEEN 1 AND 4),
  action     TEXT NOT NULL CHECK (action IN ('notify_analyst', 'notify_leads', 'notify_managers', 'raise_priority', 'reassign')),
  group_id   INTEGER REFERENCES support_groups(id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK ((action = 'reassign') = (group_id IS NOT NULL))
);
CREATE INDEX sla_escalation_points_group ON sla_escalation_points (group_id) WHERE group_id IS NOT NULL;
-- Which point fired for which call, and when: the row is inserted in the transaction that does
-- the point's action and writes its audit record, so a point fires once per call however many
-- instances run the job (the second insert does nothing, and that instance does nothing).
CREATE TABLE sla_escalations_fired (
  call_id  INTEGER NOT NULL REFERENCES calls(id),
  point_id INTEGER NOT NULL REFERENCES sla_escalation_points(id) ON DELETE CASCADE,
  fired_at INTEGER NOT NULL,
  PRIMARY KEY (call_id, point_id)
);
CREATE INDEX sla_escalations_fired_point ON sla_escalations_fired (point_id);
-- A group's leads are told when a call of the group crosses a notify_leads point.
ALTER TABLE group_members ADD COLUMN lead INTEGER NOT NULL DEFAULT 0;
