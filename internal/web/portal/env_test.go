package portal_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web"
	"calldesk/internal/web/console"
	"calldesk/internal/web/portal"
)

const password = "correct horse battery staple"

// passwordHash is password's hash, made once for the package's envs: argon2id at the production
// cost is some 40 ms of CPU, and every env made one. Every sign-in still checks the password
// against it.
var passwordHash = sync.OnceValues(func() (string, error) { return access.HashPassword(password) })

// env is the portal and the console mounted in the web server, as serve does, over a seeded
// store: Ann an analyst, Dan and Eve customers.
type env struct {
	t   *testing.T
	s   *store.Store
	f   storetest.Fixture
	buf *audit.Recorder
	url string
	ctx context.Context
	db  *storetest.RawDB
	// clock is the test's clock, which the sessions read: advance it to end them.
	clock *storetest.Clock

	// callbacks are the single sign-on callbacks the server answered (path and query), for the
	// tests that replay them.
	mu        sync.Mutex
	callbacks []string

	// handler serves the console and the portal, as the test server does.
	handler http.Handler
}

// lastCallback is the last single sign-on callback the server answered.
func (e *env) lastCallback() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.callbacks) == 0 {
		e.t.Fatal("no single sign-on callback was answered")
	}
	return e.callbacks[len(e.callbacks)-1]
}

// deskContact is the desk's contact block the test portal shows.
var deskContact = portal.Contact{Phone: "01234 567890", Email: "servicedesk@uni.example", Counter: "Library, ground floor",
	Hours: "Monday to Friday, 8:30 to 17:00"}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func portalTest(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		fn(t, newEnv(t, se))
	})
}

func newEnv(t *testing.T, se *storetest.Env) *env { return newEnvWith(t, se, nil) }

// newEnvWith is newEnv with the console and portal adjusted before they start (single sign-on),
// e.url already known.
func newEnvWith(t *testing.T, se *storetest.Env, adjust func(*env, *console.Console, *portal.Portal)) *env {
	e := &env{t: t, s: se.S, f: se.F, ctx: context.Background(), db: se.DB, clock: se.Clock}
	hs := httptest.NewUnstartedServer(nil)
	t.Cleanup(hs.Close)
	e.url = "http://" + hs.Listener.Addr().String()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.buf = audit.NewRecorder(e.s)
	t.Cleanup(e.buf.Close)
	hash, err := passwordHash()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		p    desk.Person
		role desk.Role
	}{{e.f.Ann, desk.RoleAnalyst}, {e.f.Dan, desk.RoleCustomer}, {e.f.Eve, desk.RoleCustomer}} {
		if _, err := e.s.CreateAccount(e.ctx, e.f.Admin, desk.Account{PersonID: a.p.ID, Login: a.p.Username,
			PasswordHash: hash, Roles: []desk.Role{a.role}}); err != nil {
			t.Fatal(err)
		}
	}
	sessions := &access.Sessions{Store: e.s, Now: se.Clock.Now}
	con := &console.Console{Store: e.s, Audit: e.buf, Sessions: sessions, Log: log, Now: se.Clock.Now}
	por := &portal.Portal{Store: e.s, Audit: e.buf, Sessions: sessions, Log: log, Now: se.Clock.Now,
		Contact: deskContact, PublicURL: e.url, MailDomain: "desk.example"}
	con.Portal = por
	if adjust != nil {
		adjust(e, con, por)
	}
	srv := &web.Server{Store: e.s, Audit: e.buf, Log: log, Now: se.Clock.Now, Console: con.Handler(), Portal: por.Handler()}
	h := srv.Handler()
	e.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/signin/oidc/callback" {
			e.mu.Lock()
			e.callbacks = append(e.callbacks, r.URL.RequestURI())
			e.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
	hs.Config.Handler = e.handler
	hs.Start()
	return e
}

type client struct {
	e  *env
	hc *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signIn signs p in to the portal.
func (e *env) signIn(p desk.Person) *client {
	e.t.Helper()
	c := e.client()
	r := c.post("/portal/signin", url.Values{"login": {p.Username}, "password": {password}, "next": {"/portal/"}})
	if r.status != http.StatusSeeOther || r.location != "/portal/" {
		e.t.Fatalf("sign in %s: %d %q\n%s", p.Username, r.status, r.location, r.body)
	}
	return c
}

// signInConsole signs p in to the analysts' console.
func (e *env) signInConsole(p desk.Person) *client {
	e.t.Helper()
	c := e.client()
	r := c.post("/signin", url.Values{"login": {p.Username}, "password": {password}, "next": {"/"}})
	if r.status != http.StatusSeeOther {
		e.t.Fatalf("console sign in %s: %d\n%s", p.Username, r.status, r.body)
	}
	return c
}

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (c *client) do(req *http.Request) response {
	c.e.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header}
}

func (c *client) get(path string) response {
	c.e.t.Helper()
	req, _ := http.NewRequest("GET", c.e.url+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	req, _ := http.NewRequest("POST", c.e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func (r response) must(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.body)
	}
	return r
}

func (r response) has(t *testing.T, want ...string) response {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Fatalf("the page lacks %q\n%s", w, r.body)
		}
	}
	return r
}

func (r response) lacks(t *testing.T, unwanted ...string) response {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(r.body, w) {
			t.Fatalf("the page has %q\n%s", w, r.body)
		}
	}
	return r
}

// call logs a call for customer through the store, as an analyst would.
func (e *env) call(customer desk.Person, summary string) desk.Call {
	e.t.Helper()
	c, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Summary: summary, CustomerID: customer.ID,
		Source: desk.SourcePhone, ProfileID: e.f.Outlook.ID, GroupID: e.f.ServiceDesk.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) find(ref string) desk.Call {
	e.t.Helper()
	c, err := e.s.FindCallByRef(e.ctx, ref)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// resolve resolves ref as Ann would.
func (e *env) resolve(ref string) desk.Call {
	e.t.Helper()
	c := e.find(ref)
	steps := []desk.Transition{{Action: desk.ActResolve, Text: "reset your mailbox"}}
	if c.State == desk.Assigned {
		steps = append([]desk.Transition{{Action: desk.ActAccept, AnalystID: e.f.Ann.ID}}, steps...)
	}
	c, err := e.s.UpdateCallSteps(e.ctx, storetest.Actor(e.f.Ann), ref, c.Version, steps...)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}
