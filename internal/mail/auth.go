package mail

import (
	"strings"

	"calldesk/internal/desk"

	"github.com/emersion/go-msgauth/authres"
)

// AuthCheck reads the sender verdicts of the university's own receiving mail server from a
// message's Authentication-Results headers (RFC 8601), parsed with go-msgauth's authres.
//
// Only a header whose authserv-id is ServID counts: anybody can add an Authentication-Results
// header to a message before it reaches the university, so headers of other ids are ignored.
// Of several headers with that id, the topmost counts: the receiving server adds its header above
// those already there, so a header with the trusted id further down was in the message before it
// arrived (a forgery, unless the server removes those, as RFC 8601 section 5 asks).
type AuthCheck struct {
	// ServID is the authserv-id of the university's MX (e.g. "mx.uni.example"); "" trusts none,
	// and every message's verdict is none.
	ServID string
	// OwnDomains are the university's own mail domains; a From in one of them, or in a
	// subdomain of one, is OwnDomain.
	OwnDomains []string
}

// Verdict decides a message's MailAuth from its Authentication-Results header values (in the
// order of the message, top first) and its From address. DMARC decides where the server gave a
// DMARC result of pass or fail; otherwise SPF or DKIM passing is a pass, and neither passing
// with one of them failing (fail, softfail, permerror) is a fail; anything else is none.
func (c AuthCheck) Verdict(headers []string, from string) desk.MailAuth {
	v := desk.MailAuth{Result: desk.AuthNone, OwnDomain: c.own(from)}
	if c.ServID == "" {
		return v
	}
	for _, h := range headers {
		id, results, err := authres.Parse(stripComments(h))
		if !strings.EqualFold(id, c.ServID) {
			continue
		}
		if err != nil && len(results) == 0 {
			return v // the trusted header cannot be read: no verdict
		}
		return decide(v, results)
	}
	return v
}

// decide sets v's result and method from one header's results.
func decide(v desk.MailAuth, results []authres.Result) desk.MailAuth {
	var dmarc, spf, dkim []authres.ResultValue
	for _, r := range results {
		switch r := r.(type) {
		case *authres.DMARCResult:
			dmarc = append(dmarc, r.Value)
		case *authres.SPFResult:
			spf = append(spf, r.Value)
		case *authres.DKIMResult:
			dkim = append(dkim, r.Value)
		}
	}
	has := func(vs []authres.ResultValue, want ...authres.ResultValue) bool {
		for _, x := range vs {
			for _, w := range want {
				if x == w {
					return true
				}
			}
		}
		return false
	}
	failed := []authres.ResultValue{authres.ResultFail, authres.ResultSoftFail, authres.ResultHardFail, authres.ResultPermError}
	switch {
	case has(dmarc, authres.ResultFail):
		v.Result, v.Method = desk.AuthFail, "dmarc"
	case has(dmarc, authres.ResultPass):
		v.Result, v.Method = desk.AuthPass, "dmarc"
	case has(dkim, authres.ResultPass):
		v.Result, v.Method = desk.AuthPass, "dkim"
	case has(spf, authres.ResultPass):
		v.Result, v.Method = desk.AuthPass, "spf"
	case has(spf, failed...) || has(dkim, failed...):
		v.Result, v.Method = desk.AuthFail, "spf+dkim"
	}
	return v
}

// own reports whether addr is in one of the own domains or a subdomain of one.
func (c AuthCheck) own(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	domain := strings.ToLower(strings.TrimSuffix(addr[at+1:], "."))
	for _, d := range c.OwnDomains {
		d = strings.ToLower(strings.Trim(strings.TrimSpace(d), "."))
		if d != "" && (domain == d || strings.HasSuffix(domain, "."+d)) {
			return true
		}
	}
	return false
}

// stripComments takes RFC 5322 comments ("(sender IP is 192.0.2.1)") out of a header value,
// outside quoted strings: authres does not, and a comment holding ";" or "=" would be misread.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && (quoted || depth > 0):
			escaped = true
		case quoted:
			if r == '"' {
				quoted = false
			}
		case r == '(':
			depth++
			continue
		case r == ')' && depth > 0:
			depth--
			continue
		case depth > 0:
		case r == '"':
			quoted = true
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}
