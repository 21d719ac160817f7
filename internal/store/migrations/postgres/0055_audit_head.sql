-- Issue 20 point 6: the audit chain's keyed head. At each seal the sealer records the newest link
-- (seq and hash) with an HMAC under a key that lives outside the database (--audit-key-file), so
-- that someone with only database access can neither recompute the chain nor quietly delete its
-- newest records: verify checks the chain still holds this link and the MAC is the key's. One row.
CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL,
	mac TEXT NOT NULL,
	at BIGINT NOT NULL
);
