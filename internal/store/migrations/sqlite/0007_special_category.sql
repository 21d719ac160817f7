-- A call whose customer was warned that its text looks like special-category personal data
-- (health, religion...) and sent it anyway (S8): the console shows the mark.
ALTER TABLE calls ADD COLUMN special_category INTEGER NOT NULL DEFAULT 0 CHECK (special_category IN (0, 1));
