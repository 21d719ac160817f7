-- Single sign-on: the state of each OpenID Connect sign-in that came back, kept (as its SHA-256)
-- until the sign-in could no longer be answered, so that a response can be used once only, even
-- when it is replayed to another calldesk instance.
CREATE TABLE sso_states (
  state_hash TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sso_states_expires ON sso_states(expires_at);
