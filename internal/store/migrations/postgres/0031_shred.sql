-- shred is due when an erasure or a retention sweep deleted or rewrote personal data: the job
-- that compacts the search index then makes the old bytes unreadable in the database's files
-- (SQLite: overwrites the free pages and truncates the WAL; PostgreSQL: vacuums the tables of
-- the register). Clause 23.5, secure electronic deletion.
INSERT INTO maintenance(name, due) VALUES ('shred', 0);
-- On PostgreSQL due holds the id (txid_current) of the newest transaction that asked for it:
-- shredding waits until no snapshot older than that transaction is left (else VACUUM must keep
-- the deleted rows, which such a snapshot may still see).
ALTER TABLE maintenance ALTER COLUMN due TYPE BIGINT;
