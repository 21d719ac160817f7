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
	// subdomain of one, is OwnDomain. Two domains in one of them are aligned (see aligned), so
	// list only domains the university controls.
	OwnDomains []string
}

// Verdict decides a message's MailAuth from its Authentication-Results header values (in the
// order of the message, top first) and its From address.
//
// A DMARC result of pass or fail decides, unless it names a header.from other than the From's
// domain (then it was about another address and counts for nothing). Without one, SPF and DKIM
// count only where they are aligned with the From, as DMARC would have them (RFC 7489 section
// 3.1, relaxed alignment): a DKIM pass for attacker.example says nothing of dean@uni.example.
// An aligned SPF or DKIM pass is a pass; else an aligned SPF or DKIM fail (fail, softfail,
// permerror) is a fail, whatever unaligned passes stand beside it; anything else (no result,
// only unaligned results, temporary errors) is none: a warning for an own-domain sender, not
// quarantine. See aligned for when a domain is aligned.
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
		return c.decide(v, results, domainOf(from))
	}
	return v
}

// decide sets v's result and method from one header's results for a From in domain from.
func (c AuthCheck) decide(v desk.MailAuth, results []authres.Result, from string) desk.MailAuth {
	var dmarc, spf, dkim []authres.ResultValue
	for _, r := range results {
		switch r := r.(type) {
		case *authres.DMARCResult:
			// header.from is the From domain DMARC was checked for: another one is not this From's.
			if r.From == "" || domainOf(r.From) == from {
				dmarc = append(dmarc, r.Value)
			}
		case *authres.SPFResult:
			// The MAIL FROM domain, or HELO's where MAIL FROM was empty (RFC 7489 section 3.1.2).
			d := domainOf(r.From)
			if d == "" {
				d = domainOf(r.Helo)
			}
			if c.aligned(d, from) {
				spf = append(spf, r.Value)
			}
		case *authres.DKIMResult:
			// The signing domain d=; header.i (within d=) where the server gave no header.d.
			d := r.Domain
			if d == "" {
				d = r.Identifier
			}
			if c.aligned(domainOf(d), from) {
				dkim = append(dkim, r.Value)
			}
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

// aligned reports whether a domain that SPF or DKIM authenticated, d, is aligned with the From's
// domain, from. DMARC's relaxed alignment asks that both have the same organisational domain,
// found with the Public Suffix List; calldesk has no such list, so it takes a rule that never
// aligns more than DMARC would where it matters: the two are equal, or one is a subdomain of the
// other (mail.uni.example and uni.example) where the shorter has at least two labels (a
// top-level domain aligns with nothing), or both are in one of OwnDomains (cs.uni.example and
// lists.uni.example with uni.example own). Two subdomains of an outside organisation
// (sales.supplier.example and mail.supplier.example) are not aligned: such mail's verdict is
// none where DMARC would pass it, which for an outside sender warns nobody. An empty domain (the
// server named none) is aligned with nothing.
func (c AuthCheck) aligned(d, from string) bool {
	if d == "" || from == "" {
		return false
	}
	if d == from {
		return true
	}
	under := func(sub, parent string) bool {
		return strings.Contains(parent, ".") && strings.HasSuffix(sub, "."+parent)
	}
	if under(d, from) || under(from, d) {
		return true
	}
	for _, o := range c.OwnDomains {
		if o = normalDomain(o); o != "" && (d == o || under(d, o)) && (from == o || under(from, o)) {
			return true
		}
	}
	return false
}

// domainOf is the domain of an address, or of a bare domain, lower case and without a final
// dot, quotes (authres keeps an RFC 8601 quoted value's) or angle brackets:
// `"<Bounce@Attacker.Example.>"` and "@attacker.example" give "attacker.example", the null path
// "<>" gives "".
func domainOf(s string) string {
	s = strings.Trim(strings.TrimSpace(s), `"<>`)
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		s = s[at+1:]
	}
	return normalDomain(s)
}

// normalDomain is a domain name lower case, without spaces or leading and trailing dots.
func normalDomain(d string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(d), "."))
}

// own reports whether addr is in one of the own domains or a subdomain of one.
func (c AuthCheck) own(addr string) bool {
	if !strings.Contains(addr, "@") {
		return false
	}
	domain := domainOf(addr)
	for _, d := range c.OwnDomains {
		if d = normalDomain(d); d != "" && (domain == d || strings.HasSuffix(domain, "."+d)) {
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
