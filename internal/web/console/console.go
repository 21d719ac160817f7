// Package console is the analysts' web console: server-rendered pages (html/template with a
// little htmx) where analysts sign in, work their queues, log calls on behalf of customers and act
// on calls. It sits beside the JSON API in package web, which mounts it at the root.
//
// Every page is one file (queue.go, call_show.go...) with its typed page data and its template in
// templates/. Handlers return errors; one adapter (middleware.go) turns them into pages, redirects
// to sign-in, or re-rendered forms, and logs only the internal ones.
package console

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/sso"
	"calldesk/internal/store"
	"calldesk/internal/web"
	"calldesk/internal/web/pages"
)

// Console serves the analysts' console. Build it with its fields and call Handler once.
type Console struct {
	// FirstContactWindow is how soon after logging a call resolved by the analyst who logged it
	// counts as resolved at the first contact (the first-contact report); 10 minutes when 0.
	FirstContactWindow time.Duration
	// Store is the database; Audit records reads of personal data; Sessions signs people in.
	// All three are required.
	Store    *store.Store
	Audit    *audit.Recorder
	Sessions *access.Sessions
	// Grants are the supplier grants (issue 20 item 1); one on Store and Now, with grants of at
	// most 8 hours, when nil.
	Grants *access.Grants
	// Log receives one record per internal error; slog.Default() when nil.
	Log *slog.Logger
	// Now is the clock (time.Now when nil): the same one the sessions and the hold timer use.
	Now func() time.Time
	// Secure marks the session cookie Secure (sent over HTTPS only). Set it when calldesk is
	// served over TLS, directly or behind a TLS-terminating proxy.
	Secure bool
	// Proxies are the reverse proxies trusted to name the client in X-Forwarded-For: the address
	// the audit trail records and sign-in throttling counts.
	Proxies web.Proxies
	// Refresh is how often a queue refreshes itself (default 30 s).
	Refresh time.Duration
	// Zone is the desk's time zone: times are shown in it and hold times typed in it (UTC when
	// nil). A UK desk sets Europe/London, so 09:00 means 09:00 in summer too.
	Zone *time.Location
	// AttachmentMax is the largest file that may be attached to a diary entry, in bytes
	// (desk.DefaultAttachmentMax, 25 MiB, when 0). Form posts may be up to
	// desk.MaxAttachmentsPerEntry such files.
	AttachmentMax int64
	// AttachmentTypes are the extensions of the files that may be attached, as
	// desk.ParseAttachmentTypes reads them (desk.DefaultAttachmentTypes when empty). Whatever the
	// list, a file's content must be what its extension says, and web pages, SVG, scripts and
	// programs are always refused.
	AttachmentTypes []string
	// SSO, when set, offers single sign-on through the university's OpenID provider: a button
	// on the sign-in page, /signin/oidc and its callback /signin/oidc/callback (the redirect URL
	// to register), and sign-out at the provider too for sessions begun there.
	SSO *sso.OIDC
	// SAML, when set, offers single sign-on through the university's SAML identity provider
	// (Shibboleth, ADFS): a button on the sign-in page, /signin/saml, its assertion consumer
	// service /signin/saml/acs and calldesk's SP metadata at /saml/metadata (the URLs to
	// register with the provider or federation).
	SAML *sso.SAML
	// ShredWindow, when set, is serve's --shred-window ("01:00-05:00"), in which PostgreSQL's
	// shredding runs; empty: it runs within a minute of being due.
	ShredWindow string
	// Imports, when set, lets administrators confirm a directory import the guard rail held.
	Imports Imports
	// Quarantine, when set, offers support analysts the messages from unknown senders, to make
	// a call of or discard (/mail/quarantine).
	Quarantine Quarantine
	// BreachMail, when set, writes the email that tells the Data Protection Officer of a breach
	// reported from the console (dpo.Mailer); nil when email is not set up.
	BreachMail store.BreachMail
	// MailDescription is the setting for calls opened by an email (serve --mail-description):
	// "call" (or ""), their description is call information at once; "triage", it awaits a
	// support analyst's triage (desk.Call.TriagePending). The administrators' email page shows it.
	MailDescription string
	// Mailboxes, when set, reports the incoming mailboxes' state for the administrators' email
	// page: connected or not, the last error and when, what was taken in.
	Mailboxes func() []MailboxState
	// Portal, when set, finishes the single sign-ons started on the portal: they come back to
	// the console's callback and assertion consumer service with a portal page to return to.
	Portal SSOHandoff
	// Contacts are the university's and the Data Protection Officer's contact details, which the
	// privacy notice and the DPO's exports name (serve's --controller-name, --controller-contact,
	// --dpo-contact).
	Contacts dpo.Contacts
	// Evidence, when set, are the compliance page's evidence providers (dpo.Providers when nil).
	Evidence []dpo.Provider

	pages     pages.Templates
	static    *pages.Assets
	nameCache nameCache
	listed    listMemory
	board     boardCache
}

// route is one console endpoint and what it needs: access.Public (no session: sign-in, static
// files) or the capability the signed-in account must have, which adapt checks before the
// handler runs. Every route declares it (the literals are positional, so a route without a
// decision does not compile; TestRoleRouteMatrix checks none is empty).
type route struct {
	Method, Pattern string
	Needs           access.Capability
	handle          handlerFunc
}

// routes lists the console's endpoints. Each page's file contributes its own routes.
func (c *Console) routes() []route {
	return slices.Concat(
		c.signinRoutes(),
		c.ssoRoutes(),
		c.samlRoutes(),
		c.staticRoutes(),
		c.queueRoutes(),
		c.callRoutes(),
		c.newCallRoutes(),
		c.personRoutes(),
		c.searchRoutes(),
		c.adminMailRoutes(),
		c.quarantineRoutes(),
		c.adminImportRoutes(),
		c.dpoRoutes(),
		c.dpoConsentRoutes(),
		c.dpoProcessorRoutes(),
		c.dpoDPIARoutes(),
		c.bundleRoutes(),
		c.breachRoutes(),
		c.disclosureRoutes(),
		c.ropaRoutes(),
		c.noticeRoutes(),
		c.complianceRoutes(),
		c.retentionRoutes(),
		c.accountRoutes(),
		c.secondFactorRoutes(),
		c.grantRoutes(),
		c.bulkRoutes(),
		c.viewRoutes(),
		c.adminReplyRoutes(),
		c.adminSLARoutes(),
		c.adminEscalationRoutes(),
		c.reportRoutes(),
		c.wallboardRoutes(),
		c.adminGroupRoutes(),
		c.dashboardRoutes(),
	)
}

// Handler returns the console's handler, protected against cross-origin form posts (CSRF) by the
// standard library's CrossOriginProtection. It panics on a wiring mistake (a missing store, audit
// buffer or session manager, or a template that does not parse), which must stop the program at
// start.
func (c *Console) Handler() http.Handler { return c.handler(http.NewServeMux()) }

// serveMux is what the console's handler is built on: an http.ServeMux, or in the role x route
// matrix test one that notes the patterns registered, so the test sees every handler the
// console serves (TestRoleRouteMatrix checks each comes from routes()).
type serveMux interface {
	http.Handler
	Handle(pattern string, h http.Handler)
}

// handler is Handler, registering every handler on mux.
func (c *Console) handler(mux serveMux) http.Handler {
	if c.Store == nil || c.Audit == nil || c.Sessions == nil {
		panic("console.Console needs Store, Audit and Sessions")
	}
	var err error
	if c.static, err = loadStatic(); err != nil {
		panic(err)
	}
	funcs := templateFuncs()
	funcs["asset"] = c.static.URL
	funcs["refreshSeconds"] = func() int { return int(c.refresh().Seconds()) }
	// Every time a page shows a person goes through the desk's zone (desk.Zone): when and day
	// write times and dates, zoneText the instants kept in stored texts (diary entries, a
	// conflict's changes), zoneName names the zone a form reads typed times in.
	funcs["when"] = c.when
	funcs["day"] = func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return c.zone().Day(t)
	}
	funcs["zoneText"] = c.zone().Text
	funcs["entryText"] = c.entryText
	funcs["zoneName"] = c.zone().String
	if c.pages, err = pages.Parse(templateFiles, funcs); err != nil {
		panic(err)
	}
	for _, rt := range c.routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, c.adapt(rt))
	}
	mux.Handle("/", c.adapt(route{Needs: access.Public, handle: c.notFound}))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(c.forbidCrossOrigin))
	if c.SAML != nil {
		// The identity provider's page posts the response from its own site: the ACS is a
		// cross-origin form post by design, guarded instead by the request ID in this
		// browser's cookie and the provider's signature.
		cop.AddInsecureBypassPattern("POST " + samlACSPath)
	}
	return cop.Handler(mux)
}

func (c *Console) log() *slog.Logger {
	if c.Log == nil {
		return slog.Default()
	}
	return c.Log
}

func (c *Console) now() time.Time {
	if c.Now == nil {
		return time.Now().UTC()
	}
	return c.Now().UTC()
}

// zone is the desk's zone, the one formatter of the times people read (UTC when Zone is nil).
func (c *Console) zone() desk.Zone { return desk.ZoneOf(c.Zone) }

// when shows a time the way calldesk does everywhere: date and minute in the desk's zone with
// the zone's abbreviation at that time ("Thu 1 Jul 2027 10:00 BST"); "" for the zero time.
func (c *Console) when(t time.Time) string { return c.zone().When(t) }

// entryText is a diary entry's text as a person reads it (desk.Zone.EntryText).
func (c *Console) entryText(e desk.Entry) string { return c.zone().EntryText(e.Kind, e.Text) }

func (c *Console) refresh() time.Duration {
	if c.Refresh <= 0 {
		return 30 * time.Second
	}
	return c.Refresh
}
