-- Issue 20 point 3: a subject access bundle's redaction candidates (another person's identifier
-- withheld from the requester, and the sentence it stands in, copied from a record) are sealed
-- under the bundle's data key, as its model and zip are (migration 0059), when calldesk runs with
-- a master key file: original and context, an empty value staying as it is. key_id is that key
-- (NULL: the row is plain, written before, or by calldesk without master keys). No index on it:
-- the rows are read by bundle (sar_redactions_bundle) and sealed in id order; rekey looks here
-- only for a bundle's key (an erasure replaces the keys of the few bundles whose candidates it
-- scrubbed), never for a call's (sealedTable.sealsFor, data_keys.go).
ALTER TABLE sar_redactions ADD COLUMN key_id BIGINT;
-- A bundle's key is destroyed when it expires, and its candidates go with its content from now
-- on (ExpireSARBundles): those of the bundles that expired before go too, rather than be sealed
-- later under a key made for content that is gone.
DELETE FROM sar_redactions WHERE bundle_id IN (SELECT id FROM sar_bundles WHERE state = 'expired');
