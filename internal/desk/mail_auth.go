package desk

// MailAuth is what the university's own receiving mail server found of an incoming email's
// sender, read from the Authentication-Results header it added (RFC 8601): whether the From
// address is really the sender's. calldesk trusts the From of inbound mail to decide whose call a
// message is; for an address in the university's own domains a forged From would put words in an
// analyst's or a customer's mouth, so such mail that fails the check is quarantined, and support
// analysts see the verdict on every email.
type MailAuth struct {
	// Result is AuthPass, AuthFail or AuthNone; "" for mail taken in before calldesk read it.
	Result string
	// Method is the check that decided: "dmarc", "dkim", "spf" or "spf+dkim" (neither passed
	// for the From's domain, and one failed for it); "" with AuthNone.
	Method string
	// OwnDomain says the From address is in one of the university's own domains.
	OwnDomain bool
}

// Verdicts of MailAuth.Result.
const (
	AuthPass = "pass" // DMARC passed or, without a DMARC verdict, SPF or DKIM passed for the From's domain (aligned)
	AuthFail = "fail" // DMARC failed or, without a DMARC verdict, neither passed aligned and one failed aligned
	AuthNone = "none" // no verdict: no header of the trusted server, or none of its results decides for the From's domain
)

// Unverified reports whether the message claims to come from the university's own domain and
// the check failed: it goes to quarantine, credited to nobody.
func (a MailAuth) Unverified() bool { return a.OwnDomain && a.Result == AuthFail }

// Warn reports whether an analyst should be warned: a sender in the university's own domain
// whose address was not shown to be theirs (fail, or no verdict).
func (a MailAuth) Warn() bool { return a.OwnDomain && a.Result != "" && a.Result != AuthPass }

// Words say the verdict in a line, for the console: "Sender verified (DMARC pass)", "Sender
// could not be verified (SPF and DKIM fail)", "Sender not verified (the university's mail server
// gave no verdict for the From address's domain)"; "" for mail taken in before calldesk read
// verdicts.
func (a MailAuth) Words() string {
	method := a.MethodWords()
	switch a.Result {
	case AuthPass:
		return "Sender verified (" + method + " pass)"
	case AuthFail:
		return "Sender could not be verified (" + method + " fail)"
	case AuthNone:
		return "Sender not verified (the university's mail server gave no verdict for the From address's domain)"
	}
	return ""
}

// MethodWords names the check that decided: "DMARC", "SPF", "DKIM", "SPF and DKIM" ("" none).
func (a MailAuth) MethodWords() string {
	return map[string]string{"dmarc": "DMARC", "spf": "SPF", "dkim": "DKIM", "spf+dkim": "SPF and DKIM"}[a.Method]
}
