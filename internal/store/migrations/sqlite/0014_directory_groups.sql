-- Groups a directory pushes through SCIM (Entra ID, Okta): a department, a course cohort, a
-- team. calldesk keeps them, and who is in them, so a person's page can show them; they are not
-- the service desk's own support groups.
CREATE TABLE directory_groups (
  id           INTEGER PRIMARY KEY,
  display_name TEXT NOT NULL,
  external_id  TEXT NOT NULL DEFAULT '',
  source       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  version      INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX directory_groups_name ON directory_groups(source, display_name);
CREATE TABLE directory_group_members (
  group_id  INTEGER NOT NULL REFERENCES directory_groups(id) ON DELETE CASCADE,
  person_id INTEGER NOT NULL REFERENCES people(id),
  PRIMARY KEY (group_id, person_id)
);
CREATE INDEX directory_group_members_person ON directory_group_members(person_id);
