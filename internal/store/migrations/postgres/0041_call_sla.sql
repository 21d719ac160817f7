-- Issue 17 points 3-6 (service levels of calls): each call's clock history and the result of
-- evaluating it against its rule and calendar, kept beside the call so queues can sort by
-- deadline, the escalation job can find what is due, and reports can count met and breached
-- targets without recomputing calendars. Erasure and anonymisation keep these rows: they hold
-- instants, states and durations, nobody's data.
--
-- history: the events the clocks care about, one per line, "<unix micros> <kind> <state>"
-- (logged, state_changed, accepted, public_response, resolved, reopened, priority_changed,
-- profile_changed); rule_id and calendar_id: the rule and calendar of the last evaluation (NULL
-- when none applied, why says so); config: the service-level configuration version it was made
-- under (a repair re-evaluates rows of an older one).
-- Per target (respond_, resolve_): within (micros of working time allowed), state (none, running,
-- paused, met, breached, ended), due (the deadline while it runs or once breached, else NULL),
-- elapsed (working micros at evaluation), stop_at (when met or stopped), by (the margin in
-- micros: spare when met, overrun when breached), breached_at.
-- due_at: the earliest deadline of the clocks still counting or breached (sorts queues);
-- risk_at: the earliest instant such a clock used 75% of its time (the "at risk" queue);
-- live: 1 while the call is open (its clocks can still change), 0 once resolved, closed or
-- cancelled (a reopen makes it 1 again);
-- queue_key: the order of a queue sorted by deadline, for live calls only: due_at while a clock
-- counts or is overdue; after every such call, those whose clocks are paused, by the working
-- time they have left (2^62 + micros left); then those with no target (2^62 + 2^60).
-- group_id: the call's support group when evaluated (every change of the call re-evaluates it),
-- so a group's queue by deadline reads its first page from call_sla_group_queue alone;
-- band: for live calls, 'ok', 'at_risk' or 'overdue' as at evaluated_at. escalate_at (0043)
-- brings the call back to the escalation job, which re-evaluates it, when its band changes, so
-- the band is at most the job's interval behind; the "at risk" list reads call_sla_band's 'at_risk' rows and the 'ok' rows whose risk_at
-- has passed (those the job has not reached yet), and checks the instants itself.
CREATE TABLE call_sla (
  call_id             BIGINT PRIMARY KEY REFERENCES calls(id),
  history             TEXT NOT NULL,
  config              BIGINT NOT NULL,
  rule_id             BIGINT,
  calendar_id         BIGINT,
  why                 TEXT NOT NULL DEFAULT '',
  respond_within      BIGINT,
  respond_state       TEXT NOT NULL DEFAULT 'none',
  respond_due         BIGINT,
  respond_elapsed     BIGINT,
  respond_stop_at     BIGINT,
  respond_by          BIGINT,
  respond_breached_at BIGINT,
  resolve_within      BIGINT,
  resolve_state       TEXT NOT NULL DEFAULT 'none',
  resolve_due         BIGINT,
  resolve_elapsed     BIGINT,
  resolve_stop_at     BIGINT,
  resolve_by          BIGINT,
  resolve_breached_at BIGINT,
  due_at              BIGINT,
  risk_at             BIGINT,
  live                BIGINT NOT NULL DEFAULT 1,
  queue_key           BIGINT,
  group_id            BIGINT,
  band                TEXT,
  evaluated_at        BIGINT NOT NULL
);
CREATE INDEX call_sla_queue ON call_sla (queue_key, call_id) WHERE queue_key IS NOT NULL;
CREATE INDEX call_sla_band ON call_sla (band, risk_at, queue_key, call_id) WHERE queue_key IS NOT NULL;
CREATE INDEX call_sla_group_queue ON call_sla (group_id, queue_key, call_id) WHERE queue_key IS NOT NULL;
-- The version of the service-level configuration: bumped by every change to calendars, closures,
-- rules, escalation points, the profile tree and which calendar a group or profile uses.
-- backfill_after: the highest call id the repair has made sure has a call_sla row; calls above
-- it that have none (logged before this migration, or loaded in bulk) get one from their
-- timestamps. repair_after: how far (by call id) the repair has re-evaluated the live calls
-- under the current version; a new version starts it again from 0. The repair walks call_sla by
-- its key rather than keep an index of the live calls by version, which every create would write.
CREATE TABLE sla_config (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  version        BIGINT NOT NULL,
  backfill_after BIGINT NOT NULL DEFAULT 0,
  repair_after   BIGINT NOT NULL DEFAULT 0
);
INSERT INTO sla_config (id, version) VALUES (1, 1);
