-- Issue 18 item 7 (a wallboard): a screen in the Service Desk's office or at a public counter
-- shows the desk's figures through its own link, with no analyst signed in. name says where the
-- screen is; token_hash is the SHA-256 of the link's random token (the token itself is shown
-- once, when the link is made); revoked_at ends the link. The screen shows counts only: no
-- names, no summaries.
CREATE TABLE wallboards (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_by INTEGER REFERENCES people(id),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
