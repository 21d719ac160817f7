-- The university's mail server's verdict on an incoming email's sender (issue 13), read from
-- its Authentication-Results header: pass, fail or none, the check that decided (dmarc, dkim,
-- spf, spf+dkim), and whether the From claimed one of the university's own domains. Empty for
-- mail taken in before calldesk read verdicts.
ALTER TABLE mail_messages ADD COLUMN auth_result TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_messages ADD COLUMN auth_method TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_messages ADD COLUMN auth_own INTEGER NOT NULL DEFAULT 0;
