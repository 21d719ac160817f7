-- The console's queues list open calls 25 at a time, newest or oldest first, by priority, or by
-- last update, and filter them by priority. Without these indexes the engine read and sorted every
-- open call (of the queue's group) on each page; with them it reads the page's calls in order and
-- stops. They hold open calls only (about 1% of a university's million), so they cost little to keep.
CREATE INDEX calls_open_logged ON calls(logged_at, id) WHERE state NOT IN ('resolved','closed','cancelled');
CREATE INDEX calls_open_priority ON calls(priority, logged_at, id) WHERE state NOT IN ('resolved','closed','cancelled');
CREATE INDEX calls_open_updated ON calls(updated_at, id) WHERE state NOT IN ('resolved','closed','cancelled');
CREATE INDEX calls_group_open_priority ON calls(group_id, priority, logged_at, id) WHERE state NOT IN ('resolved','closed','cancelled');
