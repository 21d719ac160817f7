-- Seals what an erasure wrote into the audit records it rewrote (issue 15 point 6). rewrites lists
-- the erasures that rewrote a record's personal fields, in order, each with the digest of the
-- fields it wrote: "<erasure's audit id>:<sha256 hex>;" appended per erasure. The last digest
-- must match the record's fields, and each erasure's own (sealed) record attests its entries, so
-- audit verify shows an edit of a rewritten record. Records rewritten before this migration have
-- none: their rewritten words are covered by nothing, as before.
ALTER TABLE audit_log ADD COLUMN rewrites TEXT NOT NULL DEFAULT '';

-- audit verify compares, page by page of the chain, each sealed record's links to the people it
-- concerns (audit_persons, which "who has seen my data" reads) with the persons its hash covers.
CREATE INDEX audit_persons_audit ON audit_persons(audit_id, person_id);
