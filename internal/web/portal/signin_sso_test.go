package portal_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/sso"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
	"calldesk/internal/web/portal"
)

// ssoPortal is the portal and console offering single sign-on through the example OpenID
// provider (ssotest.Directory: Ann, Dan, Zed whom calldesk does not know) and crewjam's SAML
// identity provider (ssotest.SAMLUsers), as serve wires them: one callback and one assertion
// consumer service, on the console, for both. adjust may change the portal further.
func ssoPortal(t *testing.T, se *storetest.Env, adjust func(*portal.Portal)) (*env, *ssotest.SAMLIdP) {
	// The providers run on the real clock and calldesk checks their tokens' times (an ID token
	// issued in its future is refused): the desk's test clock starts at the real time here, and
	// the relying party keeps it, so a test can still move it on (a sign-in left too long).
	se.Clock.Set(time.Now())
	idp := ssotest.StartSAMLIdP(t)
	e := newEnvWith(t, se, func(e *env, c *console.Console, p *portal.Portal) {
		op := ssotest.Start(t, ssotest.Directory(), map[string]string{"calldesk": e.url + "/signin/oidc/callback"})
		var err error
		c.SSO, err = sso.New(context.Background(), sso.Config{Issuer: op.URL, ClientID: "calldesk", ClientSecret: ssotest.Secret,
			RedirectURL: e.url + "/signin/oidc/callback", Domain: "uni.example", CookieKey: bytes.Repeat([]byte{1}, 32),
			Store: e.s, Now: se.Clock.Now, EndSession: true})
		if err != nil {
			t.Fatal(err)
		}
		kp := ssotest.NewKeyPair(t, "calldesk")
		c.SAML, err = sso.NewSAML(context.Background(), sso.SAMLConfig{ACSURL: e.url + "/signin/saml/acs",
			MetadataURL: e.url + "/saml/metadata", KeyPEM: kp.KeyPEM, CertificatePEM: kp.CertPEM,
			IdPMetadataURL: idp.URL + "/metadata", CookieKey: bytes.Repeat([]byte{2}, 32), Store: e.s})
		if err != nil {
			t.Fatal(err)
		}
		p.SSO, p.SAML = c.SSO, c.SAML
		if adjust != nil {
			adjust(p)
		}
	})
	meta := e.client().get("/saml/metadata").must(t, http.StatusOK)
	idp.Register(t, "calldesk", []byte(meta.body))
	return e, idp
}

// oidcSignIn follows the portal's "sign in with your university account" link through the
// provider's login as username, and returns calldesk's answer at the callback.
func (c *client) oidcSignIn(next, username string) response {
	c.e.t.Helper()
	r := c.get("/portal/signin/oidc?next="+url.QueryEscape(next)).must(c.e.t, http.StatusFound)
	cb := ssotest.SignIn(c.e.t, c.hc, r.location, username)
	if !strings.HasPrefix(cb.String(), c.e.url+"/signin/oidc/callback?") {
		c.e.t.Fatalf("the provider sent the browser to %s", cb)
	}
	return c.get(strings.TrimPrefix(cb.String(), c.e.url))
}

// samlSignIn follows the portal's SAML link through the identity provider's login as user and
// posts its response, from the provider's page, to calldesk's assertion consumer service.
func (c *client) samlSignIn(next, user string) response {
	c.e.t.Helper()
	r := c.get("/portal/signin/saml?next="+url.QueryEscape(next)).must(c.e.t, http.StatusFound)
	action, form, origin := ssotest.SAMLSignIn(c.e.t, c.hc, r.location, user)
	if action != c.e.url+"/signin/saml/acs" {
		c.e.t.Fatalf("the identity provider posts to %q", action)
	}
	req, _ := http.NewRequest("POST", action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", origin)
	return c.do(req)
}

func TestPortalSingleSignOn(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, _ := ssoPortal(t, se, nil)
		dc := e.call(e.f.Dan, "Printer jammed on level 2")

		// The sign-in page offers both, keeping where the person was going.
		e.client().get("/portal/signin?next=/portal/calls/"+dc.Ref).must(t, http.StatusOK).
			has(t, `href="/portal/signin/oidc?next=%2fportal%2fcalls%2f`+dc.Ref+`"`, "Sign in with your university account",
				`href="/portal/signin/saml?next=`, "Sign in through your institution")

		// OpenID Connect: Dan comes back to the page he asked for, with a portal session (not a
		// console one: the console's cookie is not set).
		dan := e.client()
		r := dan.oidcSignIn("/portal/calls/"+dc.Ref, "ddawson@uni.example").must(t, http.StatusSeeOther)
		if r.location != "/portal/calls/"+dc.Ref {
			t.Fatalf("after signing in: sent to %q", r.location)
		}
		if ck := r.header.Values("Set-Cookie"); !strings.Contains(strings.Join(ck, ";"), "calldesk_portal=") || strings.Contains(strings.Join(ck, ";"), "calldesk_session=") {
			t.Fatalf("cookies set: %q", ck)
		}
		dan.get("/portal/calls/"+dc.Ref).must(t, http.StatusOK).has(t, "Printer jammed on level 2")
		dan.get("/queues/unassigned").must(t, http.StatusUnauthorized)

		// Signed in through single sign-on, his identity is proved: a request for a copy of his data
		// has its deadline at once.
		r = dan.post("/portal/me/request", url.Values{"kind": {"access"}}).must(t, http.StatusSeeOther)
		dan.get(r.location).must(t, http.StatusOK).has(t, "Due by").lacks(t, "once we have checked who you are")

		// Signing out ends the calldesk session and asks the provider to end its own.
		r = dan.post("/portal/signout", nil).must(t, http.StatusSeeOther)
		if !strings.Contains(r.location, "/end_session") || !strings.Contains(r.location, "client_id=calldesk") {
			t.Fatalf("signing out of an OpenID session goes to %q, not the provider's end-session endpoint", r.location)
		}
		dan.get("/portal/").must(t, http.StatusUnauthorized)

		// An analyst is somebody's customer too: Ann signs in to the portal through SAML.
		ann := e.client()
		if r := ann.samlSignIn("/portal/", "aarcher").must(t, http.StatusSeeOther); r.location != "/portal/" {
			t.Fatalf("after SAML: sent to %q", r.location)
		}
		ann.get("/portal/").must(t, http.StatusOK).has(t, "Ann")
		if n := e.db.Count(t, `SELECT COUNT(*) FROM sessions WHERE via = 'saml'`); n != 1 {
			t.Fatalf("%d SAML sessions, want 1", n)
		}
		// SAML sessions end locally only.
		if r := ann.post("/portal/signout", nil).must(t, http.StatusSeeOther); r.location != "/portal/signin?out=1" {
			t.Fatalf("signing out of a SAML session goes to %q", r.location)
		}

		// Nobody gets an account silently: Zed is told what to do, on the portal's page, and the
		// refusal is recorded.
		zed := e.client()
		zed.oidcSignIn("/portal/", "zed@uni.example").must(t, http.StatusForbidden).
			has(t, "We cannot sign you in", "Ask the service desk to add you", "SupportMe").lacks(t, "Sign in to calldesk")
		zed.samlSignIn("/portal/", "zed").must(t, http.StatusForbidden).has(t, "We cannot sign you in")
		zed.get("/portal/").must(t, http.StatusUnauthorized)
		if n := e.db.Count(t, `SELECT COUNT(*) FROM people WHERE first_name = 'Zed'`); n != 0 {
			t.Fatalf("%d people named Zed, want none", n)
		}
		if n := e.db.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'session.sso_refused' AND detail LIKE '%unknown identity%'`); n != 2 {
			t.Fatalf("%d refusals of Zed recorded, want 2", n)
		}

		// A supplier-only account gets nothing, the portal included, and is told why; with the
		// customer role beside it, the portal as a customer (issue 13 point 2).
		e.db.MustExec(t, `UPDATE accounts SET roles = 'supplier' WHERE login = 'aarcher'`)
		sup := e.client()
		sup.samlSignIn("/portal/", "aarcher").must(t, http.StatusForbidden).has(t, "We cannot sign you in", "supplier access is open only under a running grant")
		sup.get("/portal/").must(t, http.StatusUnauthorized)
		e.db.MustExec(t, `UPDATE accounts SET roles = 'supplier,customer' WHERE login = 'aarcher'`)
		cust := e.client()
		if r := cust.samlSignIn("/portal/", "aarcher").must(t, http.StatusSeeOther); r.location != "/portal/" {
			t.Fatalf("a supplier who is a customer: sent to %q", r.location)
		}
		cust.get("/portal/").must(t, http.StatusOK)

		// A forged state is refused on the portal's own sign-in page, which offers to start again.
		eve := e.client()
		r = eve.get("/portal/signin/oidc?next=/portal/me").must(t, http.StatusFound)
		cb := ssotest.SignIn(t, eve.hc, r.location, "ddawson@uni.example")
		q := cb.Query()
		q.Set("state", "forged")
		eve.get("/signin/oidc/callback?"+q.Encode()).must(t, http.StatusUnauthorized).
			has(t, "Sign in to SupportMe", "its state differs", `href="/portal/signin/oidc?next=%2fportal%2fme"`)
		eve.get("/portal/me").must(t, http.StatusUnauthorized)

		// A SAML response with no sign-in of this browser behind it (replayed, or the sign-in
		// took too long) is refused on the page of the part of calldesk named by its RelayState.
		req, _ := http.NewRequest("POST", e.url+"/signin/saml/acs", strings.NewReader(url.Values{"SAMLResponse": {"PHNhbWw+"}, "RelayState": {"portal."}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		eve.do(req).must(t, http.StatusUnauthorized).has(t, "Sign in to SupportMe", "not started from this browser")
	})
}

func TestPortalEnrolsPartners(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, _ := ssoPortal(t, se, func(p *portal.Portal) { p.EnrolPartners = true })

		// Zed, unknown, becomes a partner with a customer's account, from what the provider says.
		zed := e.client()
		if r := zed.oidcSignIn("/portal/me", "zed@uni.example").must(t, http.StatusSeeOther); r.location != "/portal/me" {
			t.Fatalf("after enrolling: sent to %q", r.location)
		}
		zed.get("/portal/me").must(t, http.StatusOK).has(t, "Zed", "Zulu", "zed@uni.example", "From: Your organisation&#39;s sign-in service")
		people, err := e.s.FindPeopleByIdentity(e.ctx, "username", "zed")
		if err != nil || len(people) != 1 {
			t.Fatalf("people with username zed: %v %v", people, err)
		}
		p := people[0]
		if p.Kind != desk.Partner || p.Source != desk.FromSignIn || p.Email != "zed@uni.example" || !p.Active {
			t.Fatalf("enrolled %+v", p)
		}
		acct, err := e.s.FindAccountByPerson(e.ctx, p.ID)
		if err != nil || access.Can(acct, access.WorkCalls) || !access.Can(acct, access.UsePortal) || acct.PasswordHash != "" || acct.Login != "zed" {
			t.Fatalf("account %+v %v", acct, err)
		}
		if n := e.db.Count(t, `SELECT COUNT(*) FROM audit_log WHERE (action = 'person.create' AND object_id = ?) OR (action = 'account.create' AND object_id = ?)`, strconv.FormatInt(p.ID, 10), strconv.FormatInt(acct.ID, 10)); n != 2 {
			t.Fatalf("%d audit records of the enrolment, want 2", n)
		}

		// The next sign-in finds the same person; the console stays closed to partners.
		again := e.client()
		again.oidcSignIn("/portal/", "zed@uni.example").must(t, http.StatusSeeOther)
		if n := e.db.Count(t, `SELECT COUNT(*) FROM people WHERE first_name = 'Zed'`); n != 1 {
			t.Fatalf("%d Zeds after a second sign-in", n)
		}
		con := e.client()
		r := con.get("/signin/oidc?next=/").must(t, http.StatusFound)
		cb := ssotest.SignIn(t, con.hc, r.location, "zed@uni.example")
		con.get(strings.TrimPrefix(cb.String(), e.url)).must(t, http.StatusForbidden).has(t, "SupportMe")

		// The console never enrols anybody: Bob of elsewhere.example, unknown, signing in to the
		// console is refused and not created.
		bob := e.client()
		r = bob.get("/signin/oidc?next=/").must(t, http.StatusFound)
		cb = ssotest.SignIn(t, bob.hc, r.location, "bbaker@elsewhere.example")
		bob.get(strings.TrimPrefix(cb.String(), e.url)).must(t, http.StatusForbidden).has(t, "unknown identity")
		if n := e.db.Count(t, `SELECT COUNT(*) FROM people WHERE email = 'bob@elsewhere.example'`); n != 0 {
			t.Fatalf("the console enrolled Bob")
		}
		// Through the portal he is enrolled, under his whole scoped identity (another domain's).
		bob.oidcSignIn("/portal/", "bbaker@elsewhere.example").must(t, http.StatusSeeOther)
		if people, _ := e.s.FindPeopleByIdentity(e.ctx, "username", "bbaker@elsewhere.example"); len(people) != 1 || people[0].Kind != desk.Partner {
			t.Fatalf("Bob of elsewhere: %+v", people)
		}

		// SAML enrols too, from givenName, sn and mail.
		sz := e.client()
		sz.samlSignIn("/portal/", "zed").must(t, http.StatusSeeOther)
		// zed (uid) matches the partner enrolled above by username: no second record.
		if n := e.db.Count(t, `SELECT COUNT(*) FROM people WHERE first_name = 'Zed'`); n != 1 {
			t.Fatalf("%d Zeds after SAML", n)
		}
	})
}

func TestPortalSSOOnly(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, _ := ssoPortal(t, se, func(p *portal.Portal) { p.Sessions.Passwords = access.PasswordsAdmins })
		// Customers sign in through single sign-on only: no password form, and a posted password
		// is refused.
		e.client().get("/portal/signin").must(t, http.StatusOK).has(t, "Sign in with your university account").
			lacks(t, `type="password"`)
		r := e.client().post("/portal/signin", url.Values{"login": {e.f.Dan.Username}, "password": {password}, "next": {"/portal/"}})
		if r.status == http.StatusSeeOther {
			t.Fatal("a customer signed in with a password while single sign-on is required")
		}
	})
}
