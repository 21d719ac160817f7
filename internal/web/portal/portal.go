// Package portal is SupportMe, the self-service portal where staff, students and partners ask
// for help and follow their own calls, in plain words, without reference numbers to remember.
// Package web mounts it under /portal/, beside the analysts' console.
//
// It follows the console's shape: one file per page with its typed page data and its template in
// templates/, handlers that return errors, and one adapter (middleware.go) that turns them into
// pages. A person only ever sees their own calls: anyone else's call, like one that does not
// exist, is "not found", so the portal never confirms that a call exists.
package portal

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/sso"
	"calldesk/internal/store"
	"calldesk/internal/web"
	"calldesk/internal/web/pages"
)

// prefix is where the portal is mounted (web.PortalPrefix); its routes carry it whole.
const prefix = web.PortalPrefix

// Portal serves SupportMe. Build it with its fields and call Handler once.
type Portal struct {
	// Store is the database; Audit records reads of personal data; Sessions signs people in.
	// All three are required.
	Store    *store.Store
	Audit    *audit.Recorder
	Sessions *access.Sessions
	// Log receives one record per internal error; slog.Default() when nil.
	Log *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Secure marks the session cookie Secure (HTTPS only); set it when served over TLS, directly
	// or behind a TLS-terminating proxy.
	Secure bool
	// Proxies are the reverse proxies trusted to name the client in X-Forwarded-For.
	Proxies web.Proxies
	// Zone is the desk's time zone, in which times are shown (UTC when nil).
	Zone *time.Location
	// Retention says, in the privacy summary and notice, how long calls are kept
	// (DefaultRetention when empty).
	Retention string
	// AttachmentMax is the largest file a person may attach, in bytes (desk.DefaultAttachmentMax
	// when 0); AttachmentTypes the extensions accepted (desk.DefaultAttachmentTypes when empty).
	// Serve gives the portal the console's settings, so both accept the same files.
	AttachmentMax   int64
	AttachmentTypes []string
	// SSO and SAML, when set, offer single sign-on through the university's OpenID provider and
	// SAML identity provider: buttons on the sign-in page, starting at /portal/signin/oidc and
	// /portal/signin/saml. The providers send people back to the console's callback and assertion
	// consumer service, which hand portal sign-ins to FinishSSO: set the console's Portal field.
	SSO  *sso.OIDC
	SAML *sso.SAML
	// EnrolPartners lets an identity the register does not hold, signing in through single
	// sign-on, become a partner with a customer's account (S4), from the names and verified email
	// address the provider releases. Off by default: nobody gets an account silently.
	EnrolPartners bool
	// Contact is how to reach the desk otherwise (phone, email, counter, opening hours), shown on
	// every page and on the sign-in page.
	Contact Contact
	// NextSteps is what the confirmation after logging a call says happens next and when
	// (DefaultNextSteps when empty): the desk's usual response time, in words.
	NextSteps string
	// PublicURL (calldesk's public address, for the link) and MailDomain (for Message-IDs) let a
	// person who forgot their local password have a reset link emailed through the outbox; when
	// either is empty, the "forgotten your password?" page says to contact the desk instead.
	PublicURL, MailDomain string

	pages  pages.Templates
	static *pages.Assets
}

// DefaultRetention is how long the privacy notice says calls are kept, when Portal.Retention is
// empty.
const DefaultRetention = "six years after the call is closed"

// route is one portal endpoint and what it needs: access.Public (no session: sign-in, the
// privacy notice, static files) or access.UsePortal, which adapt checks before the handler runs.
// The literals are positional, so a route without a decision does not compile.
type route struct {
	Method, Pattern string
	Needs           access.Capability
	handle          handlerFunc
}

func (p *Portal) routes() []route {
	return slices.Concat(
		p.signinRoutes(),
		p.passwordRoutes(),
		p.ssoRoutes(),
		p.staticRoutes(),
		p.privacyRoutes(),
		p.myCallsRoutes(),
		p.newCallRoutes(),
		p.callRoutes(),
		p.meRoutes(),
	)
}

// Handler returns the portal's handler, protected against cross-origin form posts (CSRF) by the
// standard library's CrossOriginProtection. It panics on a wiring mistake (a missing store, audit
// buffer or session manager, or a template that does not parse).
func (p *Portal) Handler() http.Handler { return p.handler(http.NewServeMux()) }

// serveMux is what the portal's handler is built on: an http.ServeMux, or in the role x route
// matrix test one that notes the patterns registered, so the test sees every handler the portal
// serves (TestPortalRoleRouteMatrix checks each comes from routes()).
type serveMux interface {
	http.Handler
	Handle(pattern string, h http.Handler)
}

// handler is Handler, registering every handler on mux.
func (p *Portal) handler(mux serveMux) http.Handler {
	if p.Store == nil || p.Audit == nil || p.Sessions == nil {
		panic("portal.Portal needs Store, Audit and Sessions")
	}
	var err error
	if p.static, err = loadStatic(); err != nil {
		panic(err)
	}
	funcs := templateFuncs()
	funcs["asset"] = p.static.URL
	funcs["when"] = p.when
	funcs["entryText"] = p.entryText
	if p.pages, err = pages.Parse(templateFiles, funcs); err != nil {
		panic(err)
	}
	for _, rt := range p.routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, p.adapt(rt))
	}
	mux.Handle(prefix, p.adapt(route{Needs: access.Public, handle: p.notFound}))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(p.forbidCrossOrigin))
	return cop.Handler(mux)
}

func (p *Portal) log() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}

func (p *Portal) now() time.Time {
	if p.Now == nil {
		return time.Now().UTC()
	}
	return p.Now().UTC()
}

// retention says how long calls are kept: Portal.Retention when set, otherwise what the retention
// schedule's rule for closed calls says now (so the notice follows the Data Protection Officer's
// changes), or DefaultRetention if the rule cannot be read.
func (p *Portal) retention(ctx context.Context) string {
	if p.Retention != "" {
		return p.Retention
	}
	rules, err := p.Store.RetentionRules(ctx)
	if err != nil {
		return DefaultRetention
	}
	for _, r := range rules {
		if r.Class != store.ClassClosedCalls {
			continue
		}
		what := "anonymised"
		if r.Action == store.Delete {
			what = "deleted"
		}
		return periodWords(r.Months) + " after the call is closed, when it is " + what
	}
	return DefaultRetention
}

// periodWords says a number of months as people would: "six years", "18 months", "one month".
func periodWords(months int) string {
	words := []string{"", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}
	n, unit := months, "month"
	if months%12 == 0 {
		n, unit = months/12, "year"
	}
	s := strconv.Itoa(n)
	if n < len(words) {
		s = words[n]
	}
	if n != 1 {
		unit += "s"
	}
	return s + " " + unit
}

// zone is the desk's zone, the one formatter of the times people read (UTC when Zone is nil).
func (p *Portal) zone() desk.Zone { return desk.ZoneOf(p.Zone) }

// when shows a time as calldesk does everywhere: in the desk's zone, with the zone's
// abbreviation at that time ("Thu 1 Jul 2027 10:00 BST"); "" for the zero time.
func (p *Portal) when(t time.Time) string { return p.zone().When(t) }

// entryText is a diary entry's text as the person reads it (desk.Zone.EntryText).
func (p *Portal) entryText(e desk.Entry) string { return p.zone().EntryText(e.Kind, e.Text) }
