package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web"
)

// env is one API server over a seeded store, with a token for Ann (an analyst in Service Desk).
type env struct {
	t     *testing.T
	s     *store.Store
	f     storetest.Fixture
	clock *storetest.Clock
	buf   *audit.Recorder
	logs  *storetest.SyncBuffer // what the server logged
	url   string
	token string // Ann's
	ctx   context.Context
}

// apiTest runs fn on every engine against a fresh server; tests run in parallel.
func apiTest(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		e := &env{t: t, s: s, clock: clock, logs: &storetest.SyncBuffer{}, ctx: context.Background()}
		e.f = storetest.Seed(t, s)
		log := slog.New(slog.NewTextHandler(e.logs, nil))
		// A long interval: tests flush the buffer themselves.
		e.buf = audit.NewRecorder(s)
		t.Cleanup(e.buf.Close)
		srv := &web.Server{Store: s, Audit: e.buf, Log: log, Now: clock.Now}
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		e.url = hs.URL
		e.token = e.tokenFor(e.f.Ann, time.Time{}, desk.RoleAnalyst)
		fn(t, e)
	})
}

// tokenFor gives p an account with roles and returns a new API token for it.
func (e *env) tokenFor(p desk.Person, expires time.Time, roles ...desk.Role) string {
	e.t.Helper()
	acct, err := e.s.CreateAccount(e.ctx, e.f.Admin, desk.Account{PersonID: p.ID, Login: p.Username, Roles: roles})
	if err != nil {
		e.t.Fatal(err)
	}
	token, hash, err := access.NewToken()
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.s.CreateToken(e.ctx, e.f.Admin, acct.ID, "test", hash, expires); err != nil {
		e.t.Fatal(err)
	}
	return token
}

// response is what the server answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

// req sends a request with Ann's token. body is sent as is when it is a string or []byte, and
// encoded as JSON otherwise; nil sends none.
func (e *env) req(method, path string, body any) response {
	e.t.Helper()
	return e.reqAs(e.token, method, path, body)
}

// reqAs sends a request with token ("" for none).
func (e *env) reqAs(token, method, path string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	r, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(r)
}

// send sends r and reads the whole response.
func (e *env) send(r *http.Request) response {
	e.t.Helper()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatalf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// ok checks the status and decodes the JSON body into v (unknown fields are an error, so the
// tests' types must match what the server sends).
func (e *env) ok(r response, status int, v any) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		e.t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if v == nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		e.t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem checks that r is a problem response with status and returns it.
func (e *env) problem(r response, status int) web.Problem {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		e.t.Fatalf("Content-Type %q, want application/problem+json: %s", ct, r.body)
	}
	var p web.Problem
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		e.t.Fatalf("decode problem %s: %v", r.body, err)
	}
	if p.Status != status || p.Title == "" || p.Detail == "" || p.Code == "" || p.Type != web.ProblemType+p.Code {
		e.t.Fatalf("incomplete problem: %+v", p)
	}
	return p
}

// call logs a call for Dan through the store, as the fixture for a test.
func (e *env) call(n desk.NewCall) desk.Call {
	e.t.Helper()
	if n.Summary == "" {
		n.Summary = "Printer on level 2 jams"
	}
	if n.CustomerID == 0 {
		n.CustomerID = e.f.Dan.ID
	}
	c, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Bob), n)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// stored reads a call from the store.
func (e *env) stored(ref string) desk.Call {
	e.t.Helper()
	c, err := e.s.FindCallByRef(e.ctx, ref)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// counts is how much the database holds: bad requests must not change it.
type counts struct{ calls, diary, audit int }

func (e *env) counts() counts {
	e.t.Helper()
	calls, n, err := e.s.FindCalls(e.ctx, store.CallFilter{Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	c := counts{calls: n}
	for _, call := range calls {
		d, err := e.s.Diary(e.ctx, call.ID, true)
		if err != nil {
			e.t.Fatal(err)
		}
		c.diary += len(d)
	}
	if _, c.audit, err = e.s.FindAudit(e.ctx, store.AuditFilter{}); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// audits returns the records about one object, newest first, after flushing the read buffer.
func (e *env) audits(objectType, id string) []desk.AuditRecord {
	e.t.Helper()
	recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{ObjectType: objectType, ObjectID: id})
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// The API's JSON as the tests read it. Decoding is strict, so these must list every field sent.

type apiSnapshot struct {
	Name          string `json:"name"`
	Username      string `json:"username"`
	Email         string `json:"email"`
	StudentNumber string `json:"student_number"`
	Department    string `json:"department"`
	Phone         string `json:"phone"`
	JobTitle      string `json:"job_title"`
	Kind          string `json:"kind"`
}

type apiCall struct {
	Ref          string      `json:"ref"`
	Kind         string      `json:"kind"`
	Summary      string      `json:"summary"`
	Description  string      `json:"description"`
	CustomerID   int64       `json:"customer_id"`
	Customer     apiSnapshot `json:"customer"`
	AltEmail     string      `json:"alt_email"`
	AltPhone     string      `json:"alt_phone"`
	Source       string      `json:"source"`
	ProfileID    int64       `json:"profile_id"`
	Impact       string      `json:"impact"`
	Urgency      string      `json:"urgency"`
	Priority     string      `json:"priority"`
	GroupID      int64       `json:"group_id"`
	AnalystID    int64       `json:"analyst_id"`
	State        string      `json:"state"`
	Condition    string      `json:"condition"`
	Urgent       bool        `json:"urgent"`
	HoldUntil    *time.Time  `json:"hold_until"`
	HoldReason   string      `json:"hold_reason"`
	Resolution   string      `json:"resolution"`
	CancelReason string      `json:"cancel_reason"`
	LoggedAt     time.Time   `json:"logged_at"`
	LoggedBy     int64       `json:"logged_by"`
	AssignedAt   *time.Time  `json:"assigned_at"`
	AcceptedAt   *time.Time  `json:"accepted_at"`
	HeldAt       *time.Time  `json:"held_at"`
	OffHoldAt    *time.Time  `json:"off_hold_at"`
	ResolvedAt   *time.Time  `json:"resolved_at"`
	ClosedAt     *time.Time  `json:"closed_at"`
	CancelledAt  *time.Time  `json:"cancelled_at"`
	ReopenedAt   *time.Time  `json:"reopened_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	Version      int64       `json:"version"`
	Special      bool        `json:"special_category"`
	Diary        []apiEntry  `json:"diary"`
	SLA          *apiSLA     `json:"sla"`
}

// apiSLA is a call's service level as the API sends it (issue 17).
type apiSLA struct {
	RuleID   int64     `json:"rule_id"`
	Rule     string    `json:"rule"`
	Why      string    `json:"why"`
	Respond  apiTarget `json:"respond"`
	Resolve  apiTarget `json:"resolve"`
	AtRisk   bool      `json:"at_risk"`
	Breached bool      `json:"breached"`
}

type apiTarget struct {
	State    string     `json:"state"`
	Within   int64      `json:"within"`
	Elapsed  int64      `json:"elapsed"`
	Due      *time.Time `json:"due"`
	Breached bool       `json:"breached"`
	MetBy    int64      `json:"met_by"`
	MissedBy int64      `json:"missed_by"`
}

type apiEntry struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Public      bool      `json:"public"`
	Text        string    `json:"text"`
	AuthorID    int64     `json:"author_id"`
	Author      string    `json:"author"`
	CreatedAt   time.Time `json:"created_at"`
	CallVersion int64     `json:"call_version"`
}

type apiCallList struct {
	Calls      []apiCall `json:"calls"`
	Total      int       `json:"total"`
	TotalExact bool      `json:"total_exact"`
	TotalMore  bool      `json:"total_more"`
	Limit      int       `json:"limit"`
	Offset     int       `json:"offset"`
	NextCursor string    `json:"next_cursor"`
	PrevCursor string    `json:"prev_cursor"`
}

type apiPerson struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	FirstName     string    `json:"first_name"`
	LastName      string    `json:"last_name"`
	Username      string    `json:"username"`
	Email         string    `json:"email"`
	StudentNumber string    `json:"student_number"`
	Department    string    `json:"department"`
	Phone         string    `json:"phone"`
	JobTitle      string    `json:"job_title"`
	ManagerID     int64     `json:"manager_id"`
	Kind          string    `json:"kind"`
	Active        bool      `json:"active"`
	Source        string    `json:"source"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"`
}
