-- Issue 13: who made a person a leaver: 'directory' (an import no longer listed them), 'scim'
-- (a SCIM push said active false, or deleted them) or 'admin' (an administrator marked them as
-- left); '' while they have not left. A directory brings back only its own leavers: an
-- administrator's decision sticks until an administrator brings the person back. The column
-- holds no personal data: one of these three words, about how the record changed.
ALTER TABLE people ADD COLUMN left_by TEXT NOT NULL DEFAULT '';
-- Leavers from before this column: the last person.leave audit record of each says who.
UPDATE people SET left_by = 'directory' WHERE active = 0 AND left_at IS NOT NULL;
UPDATE people SET left_by = CASE WHEN (SELECT a.detail FROM audit_log a WHERE a.action = 'person.leave' AND a.object_type = 'person'
      AND a.object_id = CAST(people.id AS TEXT) ORDER BY a.id DESC LIMIT 1) LIKE 'marked as left by an administrator%' THEN 'admin'
    WHEN (SELECT a.detail FROM audit_log a WHERE a.action = 'person.leave' AND a.object_type = 'person'
      AND a.object_id = CAST(people.id AS TEXT) ORDER BY a.id DESC LIMIT 1) LIKE 'the directory (%' THEN 'scim'
    ELSE left_by END
  WHERE active = 0 AND left_at IS NOT NULL;
