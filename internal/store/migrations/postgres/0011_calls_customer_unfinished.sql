-- The portal's "My calls" lists all of a person's unfinished calls (open, or resolved and waiting
-- for their confirmation), then their latest finished ones. Most of a long-served person's calls
-- are finished, so the unfinished ones get their own small index; the query's condition is
-- written exactly as this one's (CallFilter.Unfinished), so that both engines use it.
CREATE INDEX calls_customer_unfinished ON calls(customer_id, updated_at DESC, id DESC) WHERE state NOT IN ('closed', 'cancelled');
