-- Issue 15 point 9: each audit record says through which screen or route its action was done
-- (console, api, portal, sar, email, directory, sso, calldesk), so "who has seen my data" can
-- name it; '' on records from before, which keep the guess from their detail and actor.
ALTER TABLE audit_log ADD COLUMN surface TEXT NOT NULL DEFAULT '';
