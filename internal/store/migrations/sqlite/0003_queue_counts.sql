-- The console counts the calls in each queue on every queue page: this index answers those counts
-- from the index alone (state, group, analyst) without reading the calls.
CREATE INDEX calls_queue ON calls(state, group_id, analyst_id);
