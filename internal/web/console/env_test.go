package console_test

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
)

// password is every test account's password.
const password = "correct horse battery staple"

// passwordHash is password's hash, made once for the package's envs: argon2id at the production
// cost is some 40 ms of CPU, and every env made one. Every sign-in still checks the password
// against it.
var passwordHash = sync.OnceValues(func() (string, error) { return access.HashPassword(password) })

// env is a console (mounted in the web server, as serve does) over a seeded store. Ann and Bob
// (Service Desk) and Cat (Networks) have analyst accounts; Dan (a student) a customer account.
type env struct {
	t     *testing.T
	s     *store.Store
	f     storetest.Fixture
	clock *storetest.Clock
	buf   *audit.Recorder
	logs  *storetest.SyncBuffer
	url   string
	ctx   context.Context
	// handler is the whole server's handler (API and console), for a second listener.
	handler http.Handler
}

// start is the injected clock's start: a Monday morning.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// consoleTest runs fn on every engine against a fresh console; tests run in parallel.
func consoleTest(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		fn(t, newEnv(t, se))
	})
}

func newEnv(t *testing.T, se *storetest.Env) *env { return newEnvWith(t, se, nil) }

// newEnvWith builds the env, letting adjust change the console before it starts.
func newEnvWith(t *testing.T, se *storetest.Env, adjust func(*console.Console)) *env {
	return newEnvAt(t, se, func(_ *env, c *console.Console) {
		if adjust != nil {
			adjust(c)
		}
	})
}

// newEnvAt is newEnvWith for an adjustment that needs the console's URL (e.url), which is
// known, though not yet served, when adjust runs.
func newEnvAt(t *testing.T, se *storetest.Env, adjust func(*env, *console.Console)) *env {
	e := &env{t: t, s: se.S, clock: se.Clock, logs: &storetest.SyncBuffer{}, ctx: context.Background()}
	hs := httptest.NewUnstartedServer(nil)
	t.Cleanup(hs.Close)
	e.url = "http://" + hs.Listener.Addr().String()
	e.f = se.F
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	e.buf = audit.NewRecorder(e.s)
	t.Cleanup(e.buf.Close)
	hash, err := passwordHash()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		p    desk.Person
		role desk.Role
	}{{e.f.Ann, desk.RoleAnalyst}, {e.f.Bob, desk.RoleAnalyst}, {e.f.Cat, desk.RoleAnalyst}, {e.f.Dan, desk.RoleCustomer}} {
		if _, err := e.s.CreateAccount(e.ctx, e.f.Admin, desk.Account{PersonID: a.p.ID, Login: a.p.Username,
			PasswordHash: hash, Roles: []desk.Role{a.role}}); err != nil {
			t.Fatal(err)
		}
	}
	sessions := &access.Sessions{Store: e.s, Now: e.clock.Now}
	con := &console.Console{Store: e.s, Audit: e.buf, Sessions: sessions, Log: log, Now: e.clock.Now}
	adjust(e, con)
	srv := &web.Server{Store: e.s, Audit: e.buf, Log: log, Now: e.clock.Now, Console: con.Handler()}
	e.handler = srv.Handler()
	hs.Config.Handler = e.handler
	hs.Start()
	return e
}

// client is a browser-like client with its own cookies. It does not follow redirects, so tests
// see them.
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

// signIn signs p in with the test password and returns their client; the test fails if that
// does not succeed.
func (e *env) signIn(p desk.Person) *client {
	e.t.Helper()
	c := e.client()
	r := c.post("/signin", url.Values{"login": {p.Username}, "password": {password}, "next": {"/"}})
	if r.status != http.StatusSeeOther {
		e.t.Fatalf("sign in %s: %d\n%s", p.Username, r.status, r.body)
	}
	return c
}

// response is what a request got back.
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

// post sends a form as a same-origin browser would (Sec-Fetch-Site: same-origin).
func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	req, _ := http.NewRequest("POST", c.e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// must fails the test unless the response has the status; it returns the response.
func (r response) must(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.body)
	}
	return r
}

// has fails the test unless the body contains every string.
func (r response) has(t *testing.T, want ...string) response {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Fatalf("the page lacks %q\n%s", w, r.body)
		}
	}
	return r
}

// lacks fails the test if the body contains any of the strings.
func (r response) lacks(t *testing.T, unwanted ...string) response {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(r.body, w) {
			t.Fatalf("the page has %q\n%s", w, r.body)
		}
	}
	return r
}

// call logs a call for Dan in Service Desk (or unassigned when group is 0).
func (e *env) call(summary string, group int64) desk.Call {
	e.t.Helper()
	c, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Summary: summary, CustomerID: e.f.Dan.ID,
		Source: desk.SourcePhone, ProfileID: e.f.Outlook.ID, GroupID: group})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// audited returns the records concerning person with action,
// newest first.
func (e *env) audited(person desk.Person, action string) []desk.AuditRecord {
	e.t.Helper()
	recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{PersonID: person.ID, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []desk.AuditRecord
	for _, r := range recs {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

// grant gives p's account exactly roles (comma-separated, as stored: "analyst,dpo").
func (e *env) grant(se *storetest.Env, p desk.Person, roles string) {
	e.t.Helper()
	acct, err := e.s.FindAccountByLogin(e.ctx, p.Username)
	if err != nil {
		e.t.Fatal(err)
	}
	se.DB.MustExec(e.t, `UPDATE accounts SET roles = ? WHERE id = ?`, roles, acct.ID)
}
