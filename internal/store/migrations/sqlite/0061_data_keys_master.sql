-- No query needs data keys by master key often enough to keep an index entry for each new key:
-- rotation reads the keys in id order, a batch after the last (RotateKeys), and the status and
-- retirement counts are rare administrative reads. Logging a special-category call makes a data
-- key, and this index was a third of that key's writes (issue 20's create benchmark).
DROP INDEX data_keys_master;
