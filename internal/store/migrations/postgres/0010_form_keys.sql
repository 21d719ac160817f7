-- The key of each form that logged a call (a random value drawn into the form when it was shown),
-- so that the same form sent twice (a double click, a resent page, a form kept across a sign-in)
-- logs one call: the second send finds the first call instead. Kept for a while, then swept.
CREATE TABLE form_keys (
  form_key   TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  call_ref   TEXT NOT NULL,
  used_at    BIGINT NOT NULL
);
CREATE INDEX form_keys_used ON form_keys(used_at);
