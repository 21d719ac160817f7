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
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// samlEnv is a console offering single sign-on through a SAML identity provider (samlidp, with
// ssotest.SAMLUsers: Ann as aarcher, Dan, and Zed whom calldesk does not know), registered
// there by the metadata the console serves.
func samlEnv(t *testing.T, se *storetest.Env) (*env, *ssotest.SAMLIdP) {
	idp := ssotest.StartSAMLIdP(t)
	e := newEnvAt(t, se, func(e *env, c *console.Console) {
		kp := ssotest.NewKeyPair(t, "calldesk")
		var err error
		c.SAML, err = sso.NewSAML(context.Background(), sso.SAMLConfig{ACSURL: e.url + "/signin/saml/acs",
			MetadataURL: e.url + "/saml/metadata", KeyPEM: kp.KeyPEM, CertificatePEM: kp.CertPEM,
			IdPMetadataURL: idp.URL + "/metadata", CookieKey: bytes.Repeat([]byte{2}, 32), Store: e.s})
		if err != nil {
			t.Fatal(err)
		}
	})
	meta := e.client().get("/saml/metadata").must(t, http.StatusOK).has(t, `entityID="`+e.url+`/saml/metadata"`)
	idp.Register(t, "calldesk", []byte(meta.body))
	return e, idp
}

// samlSignIn follows the console's SAML link to the identity provider, signs in there as user
// and posts the provider's response to the console (from the provider's site, as its page does),
// returning the console's answer.
func (c *client) samlSignIn(next, user string) response {
	c.e.t.Helper()
	r := c.get("/signin/saml?next="+url.QueryEscape(next)).must(c.e.t, http.StatusFound)
	action, form, origin := ssotest.SAMLSignIn(c.e.t, c.hc, r.location, user)
	if action != c.e.url+"/signin/saml/acs" {
		c.e.t.Fatalf("the identity provider posts to %q", action)
	}
	return c.crossSitePost(action, form, origin)
}

// crossSitePost posts form to action from origin's page, as the browser does for a SAML response.
func (c *client) crossSitePost(action string, form url.Values, origin string) response {
	req, _ := http.NewRequest("POST", action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", origin)
	return c.do(req)
}

func TestSAMLSingleSignOn(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, idp := samlEnv(t, se)

		e.client().get("/signin").must(t, http.StatusOK).has(t, `href="/signin/saml?next=%2f"`, "Sign in through your institution").
			lacks(t, "/signin/oidc")
		ann := e.client()
		r := ann.samlSignIn("/calls", "aarcher").must(t, http.StatusSeeOther)
		if r.location != "/calls" {
			t.Fatalf("after signing in: sent to %q, want /calls", r.location)
		}
		ann.get("/queues/unassigned").must(t, http.StatusOK).has(t, "Ann")
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM sessions WHERE via = 'saml'`); n != 1 {
			t.Fatalf("%d SAML sessions recorded, want 1", n)
		}

		zed := e.client()
		zed.samlSignIn("/", "zed").must(t, http.StatusForbidden).has(t, "Cannot sign you in", "unknown identity", "Ask the service desk")
		zed.get("/queues/unassigned").must(t, http.StatusUnauthorized)

		e.client().samlSignIn("/", "ddawson").must(t, http.StatusForbidden).has(t, "SupportMe")
		e.grant(se, e.f.Dan, "supplier")
		e.client().samlSignIn("/", "ddawson").must(t, http.StatusForbidden).has(t, "supplier access is open only under a running grant")
		e.grant(se, e.f.Dan, "customer")

		// A response posted by a browser that never started the sign-in: sign-in page, the reason.
		e.client().crossSitePost(e.url+"/signin/saml/acs", url.Values{"SAMLResponse": {"PHg+"}}, idp.URL).
			must(t, http.StatusUnauthorized).has(t, "not started from this browser")
		// Other form posts from another site are still refused.
		e.client().crossSitePost(e.url+"/signin", url.Values{"login": {"bbaker"}}, idp.URL).must(t, http.StatusForbidden)
	})
}

// Without a SAML identity provider configured there are no SAML routes.
func TestNoSAMLUnconfigured(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		e.client().get("/signin").must(t, http.StatusOK).lacks(t, "/signin/saml")
		e.client().get("/signin/saml").must(t, http.StatusNotFound)
		e.client().get("/saml/metadata").must(t, http.StatusNotFound)
	})
}
