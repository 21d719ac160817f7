-- Issue 20 points 3 and 4: envelope encryption at rest. Content that would hurt most if the
-- database or a backup leaked (special-category call text, attachments, stored raw emails, subject
-- access bundles) is sealed with AES-256-GCM under a data key of its owner (owner_kind: call,
-- message, bundle, account; owner_id its id). The data key is kept here only wrapped by a master
-- key that lives in a file outside the database (--master-keys); master_keys holds, for each
-- master key the database has seen, a check value sealed under it, so a wrong key file is refused
-- at start-up. Destroying an owner's data key (crypto-shredding) makes every copy of its content
-- unreadable. Backups leave data_keys out and write it to a key backup of their own (backup.go).
-- AUTOINCREMENT: a data key's id is never handed out twice, so a cached key never opens another's.
CREATE TABLE master_keys (
	id TEXT PRIMARY KEY,
	check_value BLOB NOT NULL,
	added_at INTEGER NOT NULL,
	retired_at INTEGER
);
CREATE TABLE data_keys (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	owner_kind TEXT NOT NULL,
	owner_id INTEGER NOT NULL,
	master_id TEXT NOT NULL,
	wrapped BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (owner_kind, owner_id)
);
CREATE INDEX data_keys_master ON data_keys (master_id);
