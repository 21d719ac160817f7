package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// outage is a way to make the database unavailable to a store, and to end it.
type outage struct {
	start, end func()
}

// unavailableEnv is a console over a store that the test can cut off from its database: on
// SQLite another process holding the write lock longer than the store's busy timeout, on
// PostgreSQL the server going away (connections cut, new ones refused).
func unavailableEnv(t *testing.T, se *storetest.Env) (*env, outage) {
	ctx := context.Background()
	cut := *se
	var o outage
	if se.Engine == "sqlite" {
		s, err := store.Open(ctx, se.DSN, store.Options{Now: se.Clock.Now, BusyTimeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		cut.S = s
		conn, err := se.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		o.start = func() {
			if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
				t.Fatal(err)
			}
		}
		o.end = func() {
			if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		proxy, dsn := storetest.NewProxy(t, se.DSN)
		cut.S = storetest.OpenDSN(t, "postgres", dsn, se.Clock)
		o.start, o.end = proxy.Stop, proxy.Start
	}
	return newEnv(t, &cut), o
}

// An unavailable database is a 503 with Retry-After and a message that the desk is briefly
// unavailable, on the API and the console, not a 500; the console's page keeps the note that was
// being sent, and sending it again once the database is back saves it (issue 21, fault 2).
func TestUnavailableDatabaseIsACalm503(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, o := unavailableEnv(t, se)
		c := e.call("Printer on the third floor jams", e.f.ServiceDesk.ID)
		ann := e.signIn(e.f.Ann)
		token := e.tokenOf(e.f.Ann)
		note := "Replaced the fuser unit; the jams stopped after 40 test pages"

		o.start()
		// The API: a read (its audit record cannot be written) and a write.
		for _, req := range []struct{ method, path, body string }{
			{"GET", "/api/v1/calls/" + c.Ref, ""},
			{"POST", "/api/v1/calls", `{"summary": "Projector flickers", "customer_id": ` + strconv.FormatInt(e.f.Dan.ID, 10) + `}`},
		} {
			r, _ := http.NewRequest(req.method, e.url+req.path, strings.NewReader(req.body))
			r.Header.Set("Authorization", "Bearer "+token)
			r.Header.Set("Content-Type", "application/json")
			res := e.client().do(r)
			if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
				t.Fatalf("API %s %s with the database unavailable: %d, Retry-After %q\n%s", req.method, req.path, res.status, res.header.Get("Retry-After"), res.body)
			}
			var p struct{ Code, Detail string }
			if err := json.Unmarshal([]byte(res.body), &p); err != nil || p.Code != "unavailable" || !strings.Contains(p.Detail, "briefly unavailable") {
				t.Errorf("API problem %+v (%v)", p, err)
			}
		}
		// The console: the note being added is kept on a calm page, ready to send again.
		form := map[string]string{"version": strconv.FormatInt(c.Version, 10), "text": note}
		r := ann.postMultipart("/calls/"+c.Ref+"/note", form)
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
			t.Fatalf("console note with the database unavailable: %d, Retry-After %q\n%s", r.status, r.header.Get("Retry-After"), r.body)
		}
		r.has(t, "briefly unavailable", "Nothing you typed is lost", note, `action="/calls/`+c.Ref+`/note"`,
			`name="version" value="`+strconv.FormatInt(c.Version, 10)+`"`, "Send again").lacks(t, "Something went wrong")
		page := ann.get("/calls/" + c.Ref)
		if page.status != http.StatusServiceUnavailable {
			t.Fatalf("console call page with the database unavailable: %d", page.status)
		}
		page.has(t, "briefly unavailable", "Try this page again").lacks(t, "Printer on the third floor jams")

		o.end()
		ann.post("/calls/"+c.Ref+"/note", url.Values{"version": {strconv.FormatInt(c.Version, 10)}, "text": {note}}).must(t, http.StatusSeeOther)
		ann.get("/calls/"+c.Ref).must(t, http.StatusOK).has(t, "Replaced the fuser unit")
	})
}

// Terminating every backend of the database (pg_terminate_backend, as an operator or a failover
// does) gives no request an error: a dead pooled connection is retried once on a new one before
// anything is sent (issue 21, fault 3).
func TestTerminatedBackendsFailNoRequest(t *testing.T) {
	t.Parallel()
	if len(storetest.Engines(t)) < 2 {
		t.Skip("PostgreSQL is not configured: " + storetest.EnvPostgres)
	}
	se := storetest.NewEnv(t, "postgres", start)
	e := newEnv(t, se)
	c := e.call("Printer on the third floor jams", e.f.ServiceDesk.ID)
	ann := e.signIn(e.f.Ann)
	token := e.tokenOf(e.f.Ann)
	requests := func() []string {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failed []string
		for i := range 9 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var status int
				var what string
				switch i % 3 {
				case 0:
					what = "API GET call"
					status, _ = e.apiGet(token, "/api/v1/calls/"+c.Ref)
				case 1:
					what = "API POST entry"
					status, _ = e.apiPost(token, "/api/v1/calls/"+c.Ref+"/entries", `{"kind": "note", "text": "checked the toner"}`)
				case 2:
					what = "console call page"
					status = ann.get("/calls/" + c.Ref).status
				}
				if status >= 500 {
					mu.Lock()
					failed = append(failed, what+": "+strconv.Itoa(status))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return failed
	}
	for round := range 3 {
		if failed := requests(); len(failed) > 0 { // fills the pool
			t.Fatalf("before terminating: %v", failed)
		}
		killed := se.DB.Count(t, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
		if failed := requests(); len(failed) > 0 {
			t.Errorf("round %d, after %d backends were terminated: %v", round, killed, failed)
		}
	}
}
