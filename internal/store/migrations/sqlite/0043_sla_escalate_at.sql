-- Issue 17 point 4: when the escalation job must next look at a call: the earliest instant an
-- escalation point that applies will be crossed, or the instant one was crossed when it may not
-- have fired yet, or the call's band (call_sla.band) changes (NULL: nothing to do). Every
-- evaluation sets it; the job, which knows which points fired (sla_escalations_fired), sets it
-- past them.
ALTER TABLE call_sla ADD COLUMN escalate_at INTEGER;
CREATE INDEX call_sla_escalate ON call_sla (escalate_at) WHERE escalate_at IS NOT NULL;
