-- The console's "All open calls" queue lists open calls newest (or oldest) first, 25 at a time.
-- Without this index the engine sorted every open call on each page; with it, it reads the page's
-- 25 calls in order and stops.
CREATE INDEX calls_open_logged ON calls(logged_at, id) WHERE state NOT IN ('resolved','closed','cancelled');
