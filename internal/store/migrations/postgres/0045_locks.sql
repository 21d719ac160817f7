-- Issue 21 point 9: one row per lock that serialises work across instances, claimed with
-- SELECT ... FOR UPDATE in the transaction that needs it (released at its end), in place of
-- PostgreSQL's advisory locks, which distributed PostgreSQL-compatible engines (CockroachDB,
-- YugabyteDB) lack. The migration lock's row is made before any migration runs (lockTableDDL in
-- dialect.go, the same statement as here); the others are seeded here. SQLite has the table too,
-- though its one writer connection serialises everything already, so that both schemas match.
CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY);
INSERT INTO locks (name) VALUES ('migrate'), ('seal'), ('retention') ON CONFLICT (name) DO NOTHING;
