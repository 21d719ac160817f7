-- Issue 20 point 3: the key column of the rows whose content may be sealed under a data key
-- (data_keys.id; NULL: the row's content is plain). A call marked special category has its text
-- (summary, description, resolution, hold reason, cancellation note) and its diary entries'
-- bodies sealed under the call's key; a subject access bundle its zip and model under the
-- bundle's; an account's second-factor secret under the account's. See data_keys.go.
ALTER TABLE calls ADD COLUMN key_id INTEGER;
ALTER TABLE diary_entries ADD COLUMN key_id INTEGER;
ALTER TABLE sar_bundles ADD COLUMN key_id INTEGER;
ALTER TABLE second_factors ADD COLUMN key_id INTEGER;
