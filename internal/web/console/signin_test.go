package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web"
	"calldesk/internal/web/console"
)

func TestSignInSetsASafeCookieAndSignOutEndsTheSession(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.client()
		// Without a session a page shows the sign-in form in place, returning to the page after.
		c.get("/queues/unassigned").must(t, http.StatusUnauthorized).has(t, `action="/signin"`, `name="next" value="/queues/unassigned"`)
		r := c.post("/signin", url.Values{"login": {e.f.Ann.Username}, "password": {password}, "next": {"/queues/unassigned"}}).
			must(t, http.StatusSeeOther)
		if r.location != "/queues/unassigned" {
			t.Fatalf("after sign-in went to %q", r.location)
		}
		ck := r.header.Get("Set-Cookie")
		for _, want := range []string{"calldesk_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(ck, want) {
				t.Fatalf("cookie %q lacks %s", ck, want)
			}
		}
		if strings.Contains(ck, "Secure") || strings.Contains(ck, "Expires") || strings.Contains(ck, "Max-Age") {
			t.Fatalf("cookie %q: not Secure over plain HTTP, and no lifetime of its own", ck)
		}
		c.get("/queues/unassigned").must(t, http.StatusOK).has(t, "Ann")
		c.post("/signout", nil).must(t, http.StatusSeeOther)
		c.get("/queues/unassigned").must(t, http.StatusUnauthorized)
	})
}

func TestSignInRefusals(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.client()
		r := c.post("/signin", url.Values{"login": {e.f.Ann.Username}, "password": {"wrong"}}).must(t, http.StatusUnauthorized)
		r.has(t, "the login or the password is wrong", `value="`+e.f.Ann.Username+`"`).lacks(t, "wrong\"") // login kept, password not
		c.post("/signin", url.Values{"login": {"nobody"}, "password": {"x"}}).must(t, http.StatusUnauthorized).has(t, "the login or the password is wrong")
		// A customer cannot enter the console.
		c.post("/signin", url.Values{"login": {e.f.Dan.Username}, "password": {password}}).must(t, http.StatusForbidden).has(t, "SupportMe")
		// Five failures for one login, then it waits (429), even with the right password.
		for range 4 {
			c.post("/signin", url.Values{"login": {e.f.Bob.Username}, "password": {"nope"}}).must(t, http.StatusUnauthorized)
		}
		c.post("/signin", url.Values{"login": {e.f.Bob.Username}, "password": {password}}).must(t, http.StatusSeeOther)
		for range 5 {
			c.post("/signin", url.Values{"login": {e.f.Cat.Username}, "password": {"nope"}}).must(t, http.StatusUnauthorized)
		}
		c.post("/signin", url.Values{"login": {e.f.Cat.Username}, "password": {password}}).must(t, http.StatusTooManyRequests).has(t, "too many failed sign-ins")
		// next= never leads off the site.
		r = c.post("/signin", url.Values{"login": {e.f.Ann.Username}, "password": {password}, "next": {"//evil.example/x"}}).must(t, http.StatusSeeOther)
		if r.location != "/" {
			t.Fatalf("next led to %q", r.location)
		}
	})
}

// TestSupplierOnlyRefused (issue 13 point 2): an account whose only role is supplier cannot
// sign in to the console with a password, and a session begun before it became supplier-only
// is refused at its next request; both say why.
func TestSupplierOnlyRefused(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		bob := e.signIn(e.f.Bob)
		bob.get("/queues/mine").must(t, http.StatusOK)
		e.grant(se, e.f.Bob, "supplier")
		bob.get("/queues/mine").must(t, http.StatusForbidden).has(t, "supplier access is open only under a running grant", "Ask the service desk")
		bob.get("/calls/new").must(t, http.StatusForbidden).has(t, "supplier access is open only under a running grant")
		e.client().post("/signin", url.Values{"login": {e.f.Bob.Username}, "password": {password}}).
			must(t, http.StatusForbidden).has(t, "supplier access is open only under a running grant")
		// With the customer role beside it, still not the console.
		e.grant(se, e.f.Bob, "supplier,customer")
		e.client().post("/signin", url.Values{"login": {e.f.Bob.Username}, "password": {password}}).
			must(t, http.StatusForbidden).has(t, "supplier access is open only under a running grant", "SupportMe")
	})
}

func TestSessionTimeoutsUseTheInjectedClock(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		e.clock.Advance(29 * time.Minute)
		c.get("/queues/mine").must(t, http.StatusOK)
		e.clock.Advance(31 * time.Minute)
		c.get("/queues/mine").must(t, http.StatusUnauthorized).has(t, "your session ended after 30 minutes without use")
		// The absolute limit: used every 20 minutes, the session still ends 12 hours after sign-in.
		c = e.signIn(e.f.Ann)
		for range 35 {
			e.clock.Advance(20 * time.Minute)
			c.get("/queues/mine").must(t, http.StatusOK)
		}
		e.clock.Advance(20 * time.Minute)
		c.get("/queues/mine").must(t, http.StatusUnauthorized).has(t, "your session ended 12 hours after you signed in")
	})
}

func TestCrossOriginFormPostsAreRefused(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		for _, h := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site"},
			{"Origin": "https://evil.example"},
		} {
			req, _ := http.NewRequest("POST", e.url+"/signout", nil)
			for k, v := range h {
				req.Header.Set(k, v)
			}
			c.do(req).must(t, http.StatusForbidden).has(t, "sent from another site")
		}
		// The session was not ended by the forged sign-out.
		c.get("/queues/mine").must(t, http.StatusOK)
	})
}

func TestStaticFilesAreHashedAndCached(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		page := c.get("/queues/mine").must(t, http.StatusOK)
		for _, name := range []string{"console.", "htmx.", "console."} {
			i := strings.Index(page.body, `"/static/`+name)
			if i < 0 {
				t.Fatalf("page links no /static/%s*", name)
			}
			path := page.body[i+1 : i+1+strings.Index(page.body[i+1:], `"`)]
			r := c.get(path).must(t, http.StatusOK)
			if r.header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Fatalf("%s: Cache-Control %q", path, r.header.Get("Cache-Control"))
			}
		}
		c.get("/static/htmx.0000.js").must(t, http.StatusNotFound)
		if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Fatalf("CSP %q", csp)
		}
	})
}

func TestSecureCookieOverTLS(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		hs := httptest.NewTLSServer(e.handler)
		t.Cleanup(hs.Close)
		hc := hs.Client()
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		res, err := hc.PostForm(hs.URL+"/signin", url.Values{"login": {e.f.Ann.Username}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if ck := res.Header.Get("Set-Cookie"); res.StatusCode != http.StatusSeeOther || !strings.Contains(ck, "; Secure") {
			t.Fatalf("sign-in over TLS: %d, cookie %q", res.StatusCode, ck)
		}
	})
}

// TestSignInThrottlingBehindAProxy: behind a trusted load balancer, failures count against the
// client named in X-Forwarded-For, not the balancer, and the audit trail records the client.
func TestSignInThrottlingBehindAProxy(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		proxies, err := web.ParseProxies("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		e := newEnvWith(t, se, func(c *console.Console) { c.Proxies = proxies })
		send := func(client, login, pw string) response {
			req, _ := http.NewRequest("POST", e.url+"/signin", strings.NewReader(url.Values{"login": {login}, "password": {pw}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", client)
			return e.client().do(req)
		}
		for i := range 20 {
			send("203.0.113.66", fmt.Sprintf("guess%d", i), "x").must(t, http.StatusUnauthorized)
		}
		send("203.0.113.66", e.f.Ann.Username, password).must(t, http.StatusTooManyRequests)
		// Another client behind the same balancer is not locked out.
		send("198.51.100.5", e.f.Ann.Username, password).must(t, http.StatusSeeOther)
		recs := e.audited(e.f.Ann, "session.start")
		if len(recs) != 1 || recs[0].ClientAddr != "198.51.100.5" {
			t.Fatalf("sign-in audited as %+v, want from 198.51.100.5", recs)
		}
	})
}

// TestNextCannotLeaveTheSite is the security review's reproduction: /signin?next=/a/../%5Cevil.example
// redirected to /\evil.example, which browsers resolve to another host.
func TestNextCannotLeaveTheSite(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		hostile := []string{"/a/../%5Cevil.example", "/a/..%5Cevil.example", "/%2F%2Fevil.example", "/%09/evil.example", "//evil.example"}
		for _, next := range hostile {
			r := e.client().post("/signin", url.Values{"login": {e.f.Ann.Username}, "password": {password}, "next": {next}}).must(t, http.StatusSeeOther)
			if r.location != "/" {
				t.Errorf("signing in with next=%q went to %q", next, r.location)
			}
		}
		c := e.signIn(e.f.Ann)
		for _, next := range hostile {
			// As typed in a link: the query escaped once more.
			r := c.get("/signin?next="+url.QueryEscape(next)).must(t, http.StatusSeeOther)
			if r.location != "/" {
				t.Errorf("GET /signin?next=%s went to %q", url.QueryEscape(next), r.location)
			}
		}
		r := c.get("/signin?next=/a/../%5Cevil.example").must(t, http.StatusSeeOther)
		if r.location != "/" {
			t.Errorf("GET /signin?next=/a/../%%5Cevil.example went to %q", r.location)
		}
	})
}
