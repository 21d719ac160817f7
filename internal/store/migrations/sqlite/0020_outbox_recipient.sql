-- Mail sent to an address, found without reading the whole outbox: what a subject access
-- bundle and an erasure look up for a person (lower(recipient) = their address).
CREATE INDEX mail_outbox_recipient ON mail_outbox(lower(recipient), id) WHERE recipient <> '';
