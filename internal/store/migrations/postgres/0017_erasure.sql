-- Erasure that keeps the statistics (issue 7 item 3, UK GDPR article 17). An erased person keeps
-- their row, with a pseudonym for a name and none of their identifiers, so every count, time and
-- category of their calls stays; erased_at says it was done and it cannot be done again.
ALTER TABLE people ADD COLUMN erased_at BIGINT;
ALTER TABLE people ADD COLUMN pseudonym TEXT NOT NULL DEFAULT '';

-- The Data Protection Officer's decision with each erasure: the lawful basis the data was held on,
-- the ground for erasure (policy clause 11.2), their reasons, and what was scrubbed or deleted.
-- The person is named by id and pseudonym only.
CREATE TABLE erasures (
  id          BIGSERIAL PRIMARY KEY,
  person_id   BIGINT NOT NULL UNIQUE REFERENCES people(id),
  pseudonym   TEXT NOT NULL,
  request_id  BIGINT REFERENCES subject_requests(id),
  basis       TEXT NOT NULL,
  ground      TEXT NOT NULL,
  decision    TEXT NOT NULL,
  decided_by  TEXT NOT NULL,
  erased_at   BIGINT NOT NULL,
  counts      TEXT NOT NULL DEFAULT '{}'
);

-- The audit trail keeps no erased person's name: erasure rewrites the personal fields (actor,
-- client address, reason, detail) of the records that name them, keeping in redacted_digest the
-- digest those fields had, which is what the hash chain covers; redacted_by is the audit record of
-- the erasure that did it, so audit verify can tell a redaction from tampering.
ALTER TABLE audit_log ADD COLUMN redacted_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN redacted_by BIGINT;
CREATE INDEX audit_log_actor ON audit_log(actor_id) WHERE actor_id IS NOT NULL;
-- The link formula of each link: links sealed before this migration (1) hashed the personal
-- fields themselves and are verified that way; calldesk seals version 2 links from now on.
ALTER TABLE audit_chain ADD COLUMN v INTEGER NOT NULL DEFAULT 1;

-- Maintenance a change asks for, done later by a job. search_compact is due when an erasure (or a
-- retention sweep) removed words from the search index: the job then rewrites the index so the
-- words are gone from its storage too.
CREATE TABLE maintenance (
  name TEXT PRIMARY KEY,
  due  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO maintenance(name, due) VALUES ('search_compact', 0);
