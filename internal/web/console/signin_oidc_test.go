package console_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/sso"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// ssoEnv is a console offering single sign-on through the example OpenID provider, whose
// directory is ssotest.Directory (Ann as AArcher@uni.example, Dan, Zed whom calldesk does not
// know).
func ssoEnv(t *testing.T, se *storetest.Env) (*env, string) {
	var op string
	e := newEnvAt(t, se, func(e *env, c *console.Console) {
		srv := ssotest.Start(t, ssotest.Directory(), map[string]string{"calldesk": e.url + "/signin/oidc/callback"})
		op = srv.URL
		var err error
		c.SSO, err = sso.New(context.Background(), sso.Config{Issuer: srv.URL, ClientID: "calldesk", ClientSecret: ssotest.Secret,
			RedirectURL: e.url + "/signin/oidc/callback", Domain: "uni.example", CookieKey: bytes.Repeat([]byte{1}, 32),
			Store: e.s, EndSession: true, PostLogoutRedirectURL: e.url + "/signin?out=1"})
		if err != nil {
			t.Fatal(err)
		}
	})
	return e, op
}

// ssoSignIn follows the console's single sign-on link through the provider's login form as
// username, and returns the console's answer at the callback.
func (c *client) ssoSignIn(next, username string) response {
	c.e.t.Helper()
	r := c.get("/signin/oidc?next="+url.QueryEscape(next)).must(c.e.t, http.StatusFound)
	cb := ssotest.SignIn(c.e.t, c.hc, r.location, username)
	if !strings.HasPrefix(cb.String(), c.e.url+"/signin/oidc/callback") {
		c.e.t.Fatalf("the provider sent the browser to %s", cb)
	}
	return c.get(strings.TrimPrefix(cb.String(), c.e.url))
}

func TestSingleSignOn(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, op := ssoEnv(t, se)

		// The sign-in page offers it; a good sign-in is a session for the matched analyst, back
		// where they were going.
		e.client().get("/signin").must(t, http.StatusOK).has(t, `href="/signin/oidc?next=%2f"`, "Sign in with your university account")
		ann := e.client()
		r := ann.ssoSignIn("/calls", "AArcher@uni.example").must(t, http.StatusSeeOther)
		if r.location != "/calls" {
			t.Fatalf("after signing in: sent to %q, want /calls", r.location)
		}
		ann.get("/queues/unassigned").must(t, http.StatusOK).has(t, "Ann")
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM sessions WHERE via = 'oidc'`); n != 1 {
			t.Fatalf("%d single sign-on sessions recorded, want 1", n)
		}

		// Signing out ends the calldesk session and sends the browser to end the provider's.
		r = ann.post("/signout", nil).must(t, http.StatusSeeOther)
		if !strings.HasPrefix(r.location, op+"/") || !strings.Contains(r.location, "client_id=calldesk") {
			t.Fatalf("sign-out went to %q, not to the provider's end of session", r.location)
		}
		ann.get("/queues/unassigned").must(t, http.StatusUnauthorized)

		// Someone the provider knows but calldesk does not: a page saying what to do, no session.
		zed := e.client()
		zed.ssoSignIn("/", "zed@uni.example").must(t, http.StatusForbidden).
			has(t, "Cannot sign you in", "unknown identity", "Ask the service desk")
		zed.get("/queues/unassigned").must(t, http.StatusUnauthorized)

		// A customer (Dan) is matched, but the console is not for them.
		e.client().ssoSignIn("/", "ddawson@uni.example").must(t, http.StatusForbidden).has(t, "SupportMe")
		// A supplier-only account is refused too, saying why (issue 13 point 2).
		e.grant(se, e.f.Dan, "supplier")
		e.client().ssoSignIn("/", "ddawson@uni.example").must(t, http.StatusForbidden).has(t, "supplier access is open only under a running grant")
		e.grant(se, e.f.Dan, "customer")

		// A forged callback (a state this browser never started) shows sign-in with the reason.
		e.client().get("/signin/oidc/callback?code=x&state=forged").must(t, http.StatusUnauthorized).
			has(t, "not started from this browser")
		recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{ObjectType: "signin", ObjectID: "", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		refused := 0
		for _, r := range recs {
			if r.Action == "session.sso_refused" && r.ClientAddr == "127.0.0.1" {
				refused++
			}
		}
		if refused == 0 {
			t.Fatalf("refused single sign-ons are not in the audit trail: %+v", recs)
		}

		// Password sign-in still works beside it (break-glass administrators).
		e.signIn(e.f.Bob)

	})
}

// Without a provider configured there is no single sign-on: no link, no routes.
func TestNoSingleSignOnUnconfigured(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		e.client().get("/signin").must(t, http.StatusOK).lacks(t, "/signin/oidc")
		e.client().get("/signin/oidc").must(t, http.StatusNotFound)
	})
}
