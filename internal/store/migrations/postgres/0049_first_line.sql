-- Issue 18 (first-contact resolution and first-line fix). support_groups.first_line marks the
-- groups of the Service Desk's first line. calls.reassigned counts the times a call's support
-- group changed from one group to another (its first assignment is not one), kept by the store at
-- every assignment in the assignment's own UPDATE; calls.resolved_by is who resolved the call
-- (its latest resolution), written by the resolve's UPDATE. Both are on the call row so that the
-- report reads the resolved calls of its range and nothing else: no join to the diary.
ALTER TABLE support_groups ADD COLUMN first_line INTEGER NOT NULL DEFAULT 0 CHECK (first_line IN (0, 1));
ALTER TABLE calls ADD COLUMN reassigned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN resolved_by BIGINT REFERENCES people(id);

-- Backfill from the diary, which records every assignment as "assigned to <group>" or
-- "assigned to <group> / <analyst>" (by its author) and every resolution as "resolved: ..."
-- (by the analyst who resolved). A call whose diary retention has removed loses nothing it
-- had: it counts as never reassigned, and resolved by nobody known (neither figure counts it).
WITH a AS (
  SELECT d.call_id, d.id, g.id AS gid FROM diary_entries d JOIN support_groups g
    ON d.body = 'assigned to ' || g.name OR substr(d.body, 1, length(g.name) + 15) = 'assigned to ' || g.name || ' / '
  WHERE d.kind = 'assignment'
), b AS (
  SELECT call_id, gid, LAG(gid) OVER (PARTITION BY call_id ORDER BY id) AS prev FROM a
), n AS (
  SELECT call_id, COUNT(*) AS moves FROM b WHERE prev IS NOT NULL AND prev <> gid GROUP BY call_id
)
UPDATE calls SET reassigned = (SELECT n.moves FROM n WHERE n.call_id = calls.id)
WHERE id IN (SELECT call_id FROM n);

UPDATE calls SET resolved_by = (SELECT d.author_id FROM diary_entries d
    WHERE d.call_id = calls.id AND d.kind = 'status' AND substr(d.body, 1, 10) = 'resolved: ' ORDER BY d.id DESC LIMIT 1)
WHERE resolved_at IS NOT NULL;
