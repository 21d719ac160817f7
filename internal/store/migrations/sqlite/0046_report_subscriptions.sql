-- Issue 18 item 5 (scheduled reports): an account's subscription to a report, sent weekly or
-- monthly by email as its summary sentence and a link, never its figures' personal data (P18).
-- kind: the report (internal/report Kind); every: week or month; filter: the report's filter as
-- a URL query of ids and words (group=3&priority=2), no text typed; next_at: when it is next due
-- (the job moves it on in the transaction that queues the email, so one instance sends it);
-- last_sent_at: when it was last queued. A subscription ends with its account: deleting the
-- account deletes it, and the job drops those of accounts no longer active.
CREATE TABLE report_subscriptions (
  id           INTEGER PRIMARY KEY,
  account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  kind         TEXT NOT NULL,
  every        TEXT NOT NULL CHECK (every IN ('week', 'month')),
  filter       TEXT NOT NULL DEFAULT '',
  next_at      INTEGER NOT NULL,
  last_sent_at INTEGER,
  created_at   INTEGER NOT NULL
);
CREATE INDEX report_subscriptions_due ON report_subscriptions (next_at);
CREATE INDEX report_subscriptions_account ON report_subscriptions (account_id);
