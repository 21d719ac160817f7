-- Issue 16 (analysts' productivity): saved views and canned replies.
-- A saved view is a queue's filters and sort kept under a name by an analyst (owner_id), for
-- them alone or shared with one of their groups (group_id). Its name is typed by its owner and
-- may name someone (register: free text); its query holds ids, levels and words only.
CREATE TABLE saved_views (
  id         INTEGER PRIMARY KEY,
  owner_id   INTEGER NOT NULL REFERENCES people(id),
  group_id   INTEGER REFERENCES support_groups(id),
  name       TEXT NOT NULL,
  queue      TEXT NOT NULL,
  query      TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX saved_views_owner_name ON saved_views (owner_id, lower(name));
CREATE INDEX saved_views_group ON saved_views (group_id);
-- A canned reply is a named template of a public update or a resolution, for one group
-- (group_id) or every group (NULL), kept by administrators. {{first_name}} and {{ref}} in its
-- body are filled in with the call's customer's first name and reference when an analyst picks it.
CREATE TABLE canned_replies (
  id         INTEGER PRIMARY KEY,
  group_id   INTEGER REFERENCES support_groups(id),
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('update', 'resolution')),
  body       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX canned_replies_name ON canned_replies (lower(name));
