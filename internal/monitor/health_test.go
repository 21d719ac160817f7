package monitor_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"calldesk/internal/monitor"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

var start = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// probe calls a health handler and decodes its answer.
func probe(t *testing.T, h http.HandlerFunc) (int, monitor.Status) {
	t.Helper()
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest("GET", "/readyz", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var st monitor.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	return rec.Code, st
}

// check returns the named check of a readiness answer.
func check(t *testing.T, st monitor.Status, name string) monitor.Check {
	t.Helper()
	for _, c := range st.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %q check in %+v", name, st)
	return monitor.Check{}
}

// /healthz answers 200 "alive" without reading the database: a closed store does not change it.
func TestHealthzNeedsNoDatabase(t *testing.T) {
	s := storetest.Open(t, "sqlite", nil)
	h := &monitor.Health{Store: s}
	s.Close()
	code, st := probe(t, h.Live)
	if code != http.StatusOK || st.Status != "alive" {
		t.Errorf("/healthz with the database closed = %d %+v, want 200 alive", code, st)
	}
}

// /readyz is 200 on a migrated database and 503, saying which check failed, when the schema is
// behind this binary's (and again 200 once it is current), or when the database is closed.
func TestReadyzDatabaseAndSchema(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		h := &monitor.Health{Store: e.S, Timeout: 5 * time.Second}
		code, st := probe(t, h.Ready)
		if code != http.StatusOK || st.Status != "ready" || !check(t, st, "database").OK || !check(t, st, "schema").OK {
			t.Fatalf("/readyz on a migrated database = %d %+v", code, st)
		}
		_, known, err := e.S.SchemaState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// One migration behind, as a database a newer binary meets before migrate ran.
		var name string
		var at int64
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT name, applied_at FROM schema_migrations WHERE version = ?`), known).Scan(&name, &at); err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, `DELETE FROM schema_migrations WHERE version = ?`, known)
		code, st = probe(t, h.Ready)
		if code != http.StatusServiceUnavailable || st.Status != "not ready" {
			t.Fatalf("/readyz with the schema behind = %d %+v, want 503", code, st)
		}
		if c := check(t, st, "schema"); c.OK || !strings.Contains(c.Detail, "older than this calldesk") || !strings.Contains(c.Detail, "migrate") {
			t.Errorf("schema check = %+v", c)
		}
		if !check(t, st, "database").OK {
			t.Errorf("the database answered, yet its check failed: %+v", st)
		}
		e.DB.MustExec(t, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, known, name, at)
		if code, st = probe(t, h.Ready); code != http.StatusOK {
			t.Fatalf("/readyz with the schema current again = %d %+v", code, st)
		}
		// Newer than this binary: another calldesk upgraded it.
		e.DB.MustExec(t, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, known+1, "from_the_future", at)
		code, st = probe(t, h.Ready)
		if c := check(t, st, "schema"); code != http.StatusServiceUnavailable || c.OK || !strings.Contains(c.Detail, "newer than this calldesk") {
			t.Errorf("/readyz with a newer schema = %d %+v", code, st)
		}
		e.DB.MustExec(t, `DELETE FROM schema_migrations WHERE version = ?`, known+1)

		e.S.Close()
		code, st = probe(t, h.Ready)
		if code != http.StatusServiceUnavailable || check(t, st, "database").OK || check(t, st, "schema").OK {
			t.Errorf("/readyz with the database closed = %d %+v, want 503 with database and schema failing", code, st)
		}
	})
}

// On PostgreSQL, a server that goes away makes /readyz 503 at once (within its timeout, not
// the driver's), and 200 again when it is back, with no restart.
func TestReadyzPostgresOutage(t *testing.T) {
	if !strings.Contains(strings.Join(storetest.Engines(t), " "), "postgres") {
		t.Skip("PostgreSQL not configured")
	}
	dsn := storetest.DSN(t, "postgres")
	storetest.OpenDSN(t, "postgres", dsn, nil) // migrated
	proxy, via := storetest.NewProxy(t, dsn)
	s, err := store.Open(context.Background(), via, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := &monitor.Health{Store: s, Timeout: time.Second}
	if code, st := probe(t, h.Ready); code != http.StatusOK {
		t.Fatalf("/readyz = %d %+v", code, st)
	}
	proxy.Stop()
	began := time.Now()
	code, st := probe(t, h.Ready)
	if code != http.StatusServiceUnavailable || check(t, st, "database").OK {
		t.Errorf("/readyz with PostgreSQL gone = %d %+v, want 503", code, st)
	}
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("/readyz took %s with PostgreSQL gone; its timeout is 1s", took)
	}
	if strings.Contains(strings.Join([]string{st.Checks[0].Detail, st.Checks[1].Detail}, " "), "127.0.0.1") {
		t.Errorf("the public answer names the database's address: %+v", st)
	}
	proxy.Start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, st = probe(t, h.Ready)
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz after PostgreSQL came back = %d %+v", code, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A background task that has neither started nor finished a run for three times its interval
// (and at least a minute) makes /readyz 503, naming it; a run brings it back. The clock is the
// tracker's, injected.
func TestReadyzStalledJob(t *testing.T) {
	clock := storetest.NewClock(start)
	s := storetest.Open(t, "sqlite", clock)
	jobs := monitor.NewJobs(clock.Now)
	h := &monitor.Health{Store: s, Jobs: jobs}
	jobs.Scheduled("audit seal", time.Second)
	jobs.Scheduled("retention", time.Hour)
	if code, st := probe(t, h.Ready); code != http.StatusOK || !check(t, st, "jobs").OK {
		t.Fatalf("/readyz as the tasks are scheduled = %d %+v", code, st)
	}
	// Runs every second for 50 s: ready throughout.
	for range 50 {
		clock.Advance(time.Second)
		jobs.Started("audit seal")
		jobs.Finished("audit seal", 5*time.Millisecond, nil)
	}
	if code, st := probe(t, h.Ready); code != http.StatusOK {
		t.Fatalf("/readyz with the seal running = %d %+v", code, st)
	}
	// Nothing for 61 s: the seal is more than a minute late; retention (hourly) is not late.
	clock.Advance(61 * time.Second)
	code, st := probe(t, h.Ready)
	c := check(t, st, "jobs")
	if code != http.StatusServiceUnavailable || c.OK || !strings.Contains(c.Detail, "audit seal") || strings.Contains(c.Detail, "retention") {
		t.Fatalf("/readyz with the seal stalled = %d %+v", code, st)
	}
	if !check(t, st, "database").OK || !check(t, st, "schema").OK {
		t.Errorf("a stalled task failed the other checks: %+v", st)
	}
	jobs.Started("audit seal")
	if code, st := probe(t, h.Ready); code != http.StatusOK {
		t.Fatalf("/readyz once the seal started again = %d %+v", code, st)
	}
	// A run that does not end is stalled too, and said to be.
	clock.Advance(2 * time.Minute)
	_, st = probe(t, h.Ready)
	if c := check(t, st, "jobs"); c.OK || !strings.Contains(c.Detail, "has not ended") {
		t.Errorf("a run stuck for 2 minutes: %+v", c)
	}
	jobs.Finished("audit seal", 2*time.Minute, nil)
	// Retention, hourly, goes stale after three hours.
	clock.Set(start.Add(3*time.Hour - time.Minute))
	jobs.Started("audit seal")
	jobs.Finished("audit seal", time.Millisecond, nil)
	if code, st := probe(t, h.Ready); code != http.StatusOK {
		t.Fatalf("/readyz 2h59m after retention was scheduled = %d %+v", code, st)
	}
	clock.Set(start.Add(3*time.Hour + time.Minute))
	jobs.Started("audit seal")
	jobs.Finished("audit seal", time.Millisecond, nil)
	_, st = probe(t, h.Ready)
	if c := check(t, st, "jobs"); c.OK || !strings.Contains(c.Detail, "retention (every 1h0m0s") || strings.Contains(c.Detail, "audit seal") {
		t.Errorf("retention three hours late: %+v", c)
	}
}
