-- Issue 21 point 5 and issue 22 point 5: every queue's first page, its count and its refresh cost
-- the same however long the queue. Queues page by cursor (the rows after the last row's sort key
-- and id) and count up to 1,000, each from the index of its own order:
--   unassigned, on hold, off hold, resolved: state, then logged_at and id (newest or oldest first);
--   my calls: analyst_id, ...; my groups' and a group's: group_id, ...; all open: calls_open_logged.
-- These three replace indexes of the same columns without the id, so a page and the row value of
-- its cursor are one range of the index on both engines (PostgreSQL sorted the ties by id apart).
-- calls_queue (state, group_id, analyst_id) goes: it served only the grouped count of every queue,
-- which read every open call on each page after a write and is now a bounded count per queue.
-- One index fewer for each call logged (issue 22 point 2); none added.
DROP INDEX IF EXISTS calls_queue;
DROP INDEX IF EXISTS calls_state;
CREATE INDEX IF NOT EXISTS calls_state_logged ON calls(state, logged_at, id);
DROP INDEX IF EXISTS calls_analyst_open;
CREATE INDEX IF NOT EXISTS calls_analyst_open_logged ON calls(analyst_id, logged_at, id) WHERE state NOT IN ('resolved','closed','cancelled');
DROP INDEX IF EXISTS calls_group_open;
CREATE INDEX IF NOT EXISTS calls_group_open_logged ON calls(group_id, logged_at, id) WHERE state NOT IN ('resolved','closed','cancelled');
-- Issue 22 point 5: autovacuum by default vacuums a table after inserts of 20% of its rows (about
-- 200,000 calls in a million), and until then the visibility map is not set, so an index-only
-- scan fetches every heap row it counts (36,779 heap fetches for one unassigned queue's count).
-- The insert-heavy tables are vacuumed after 1% of their rows (at least 1,000) are inserted.
ALTER TABLE calls SET (autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 1000);
ALTER TABLE diary_entries SET (autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 1000);
ALTER TABLE audit_log SET (autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 1000);
ALTER TABLE audit_persons SET (autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 1000);
ALTER TABLE call_events SET (autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 1000);
ALTER TABLE call_sla SET (autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 1000);
