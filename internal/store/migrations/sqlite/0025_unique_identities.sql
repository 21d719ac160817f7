-- Issue 13, points 10 and 16: a username and an email address belong to one person whatever
-- their letter case, as sign-in and mail matching assume. A check in code before each write
-- cannot hold that on PostgreSQL, where two pushes at once both pass it; these unique indexes
-- do, on both engines. people_username (case-sensitive) stays for lookups by exact username;
-- people_email becomes unique.
--
-- Upgrading: a database that already holds two people with one username or email address in
-- different letter case cannot take these indexes. Migrate checks for that first and stops,
-- naming each clash and its people (store.identityClashes): nothing is changed or emptied for
-- you. Give all but one of each clashing person another value (or empty it), in the console of
-- the calldesk being upgraded from or at the directory, and run calldesk migrate again.
CREATE UNIQUE INDEX people_username_lower ON people(lower(username)) WHERE username <> '';
DROP INDEX IF EXISTS people_email;
CREATE UNIQUE INDEX people_email_lower ON people(lower(email)) WHERE email <> '';
