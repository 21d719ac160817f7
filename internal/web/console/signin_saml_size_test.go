package console_test

import (
	"net/http"
	"strings"
	"testing"

	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store/storetest"
)

// TestSAMLLargeResponse (issue 13 review, point 12): the assertion consumer service takes what
// the SAML code takes (sso.MaxResponse, 1 MiB), not the 256 KiB of other anonymous posts: a
// 300 KiB post (a response with many group attributes) reaches the SAML code and signs in; a
// post over 1 MiB is refused by it, as a response that could not be read.
func TestSAMLLargeResponse(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, _ := samlEnv(t, se)
		c := e.client()
		r := c.get("/signin/saml?next=%2Fcalls").must(t, http.StatusFound)
		action, form, origin := ssotest.SAMLSignIn(t, c.hc, r.location, "aarcher")
		form.Set("padding", strings.Repeat("g", 300<<10))
		r = c.crossSitePost(action, form, origin)
		if r.status != http.StatusSeeOther || r.location != "/calls" {
			t.Fatalf("a 300 KiB response: %d %q\n%.300s", r.status, r.location, r.body)
		}

		c = e.client()
		r = c.get("/signin/saml?next=%2Fcalls").must(t, http.StatusFound)
		action, form, origin = ssotest.SAMLSignIn(t, c.hc, r.location, "aarcher")
		form.Set("padding", strings.Repeat("g", 1<<20))
		c.crossSitePost(action, form, origin).has(t, "could not be read")
	})
}
