-- Issue 18 item 8 (the analysts' dashboard): calls resolved since a moment (today, this week), in
-- any state since (a resolved call is closed days later). Partial on resolved_at IS NOT NULL, so
-- logging a call (resolved_at NULL) writes nothing to it: only resolving does.
CREATE INDEX calls_resolved_since ON calls (resolved_at) WHERE resolved_at IS NOT NULL;
