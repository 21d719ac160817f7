package monitor_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/monitor"
	"calldesk/internal/store/storetest"
)

// sample finds the value of the metric name whose labels include want (name=value pairs): a
// counter's or gauge's value, a histogram's count. ok is false when there is none.
func sample(t *testing.T, reg *prometheus.Registry, name string, want ...string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Logf("gather: %v", err) // a failed collector; the others are there
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(want); i += 2 {
				if have[want[i]] != want[i+1] {
					continue metrics
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

// labelValues lists every label value of every metric in reg.
func labelValues(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	mfs, _ := reg.Gather()
	var out []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				out = append(out, l.GetName()+"="+l.GetValue())
			}
		}
	}
	return out
}

// app is a stand-in for calldesk's handler: muxes inside muxes, as the API, console and portal
// are mounted in web.Server.
func app() http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /api/v1/calls/{ref}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"ref":"`+r.PathValue("ref")+`"}`) })
	api.HandleFunc("POST /api/v1/calls", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	console := http.NewServeMux()
	console.HandleFunc("GET /people/{id}", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	console.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	top := http.NewServeMux()
	top.Handle("/api/v1/", api)
	top.Handle("/", console)
	return top
}

// Requests are counted and timed by the pattern of the innermost route that answered them, never
// their path (which holds references and ids), with their method and status; a method nobody
// uses is OTHER.
func TestRequestMetricsByRoutePattern(t *testing.T) {
	s := storetest.Open(t, "sqlite", nil)
	m := monitor.NewMetrics(monitor.Sources{Store: s})
	h := monitor.Edge{Health: &monitor.Health{Store: s}, Metrics: m}.Handler(app())
	do := func(method, path string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec.Code
	}
	for _, ref := range []string{"F0012345", "R0012346", "F0012347"} {
		if code := do("GET", "/api/v1/calls/"+ref); code != 200 {
			t.Fatalf("GET call %s: %d", ref, code)
		}
	}
	do("POST", "/api/v1/calls")
	do("GET", "/people/4711")
	do("GET", "/no/such/page/ann.archer@uni.example")
	do("BREW", "/people/4711")
	do("GET", "/healthz")
	reg := m.Registry()
	for _, c := range []struct {
		route, method, code string
		n                   float64
	}{
		{"/api/v1/calls/{ref}", "GET", "200", 3},
		{"/api/v1/calls", "POST", "201", 1},
		{"/people/{id}", "GET", "404", 1},
		{"/", "GET", "404", 1},
		{"/healthz", "GET", "200", 1},
	} {
		if v, _ := sample(t, reg, "calldesk_http_requests_total", "route", c.route, "method", c.method, "code", c.code); v != c.n {
			t.Errorf("requests to %s %s answered %s: %v, want %v", c.method, c.route, c.code, v, c.n)
		}
	}
	if v, _ := sample(t, reg, "calldesk_http_request_duration_seconds", "route", "/api/v1/calls/{ref}", "method", "GET"); v != 3 {
		t.Errorf("latency samples of GET /api/v1/calls/{ref}: %v, want 3", v)
	}
	if v, _ := sample(t, reg, "calldesk_http_requests_total", "method", "OTHER"); v != 1 {
		t.Errorf("the BREW request: %v, want counted once as OTHER", v)
	}
	for _, l := range labelValues(t, reg) {
		for _, bad := range []string{"F0012345", "R0012346", "4711", "ann.archer", "BREW"} {
			if strings.Contains(l, bad) {
				t.Errorf("label %s holds %q from a request's path or method", l, bad)
			}
		}
	}
	if v, ok := sample(t, reg, "calldesk_http_requests_in_flight"); !ok || v != 0 {
		t.Errorf("requests in flight after all answered: %v %v", v, ok)
	}
}

// /metrics on the main address needs the token: none, a wrong one or another scheme get 401;
// the right one gets the metrics. Without a token /metrics is not served there at all.
func TestMetricsToken(t *testing.T) {
	s := storetest.Open(t, "sqlite", nil)
	m := monitor.NewMetrics(monitor.Sources{Store: s, Version: "test"})
	srv := httptest.NewServer(monitor.Edge{Health: &monitor.Health{Store: s}, Metrics: m, Token: "s3cret-metrics"}.Handler(app()))
	defer srv.Close()
	get := func(base, auth string) (int, string) {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, auth := range []string{"", "Bearer wrong", "Basic czNjcmV0LW1ldHJpY3M=", "s3cret-metrics", "Bearer s3cret-metric"} {
		if code, body := get(srv.URL, auth); code != http.StatusUnauthorized || strings.Contains(body, "calldesk_") {
			t.Errorf("/metrics with Authorization %q: %d %.80q", auth, code, body)
		}
	}
	code, body := get(srv.URL, "Bearer s3cret-metrics")
	if code != http.StatusOK || !strings.Contains(body, `calldesk_build_info{version="test"} 1`) || !strings.Contains(body, "go_goroutines") ||
		!strings.Contains(body, "calldesk_db_open_connections") {
		t.Errorf("/metrics with the token: %d %.300q", code, body)
	}
	open := httptest.NewServer(monitor.Edge{Health: &monitor.Health{Store: s}, Metrics: m}.Handler(app()))
	defer open.Close()
	if code, body := get(open.URL, "Bearer s3cret-metrics"); code != http.StatusNotFound || strings.Contains(body, "calldesk_") {
		t.Errorf("/metrics with no token configured: %d %.80q, want the application's 404", code, body)
	}
}

// The figures read at each scrape, on both engines: the pools, SQLite's writer (its batches
// counted as writes commit), the unsealed audit records (sealing empties the queue), the read
// audit queue, the service-level counts as the queues count them, the background tasks' runs
// and failures, and the IMAP intake.
func TestScrapeFigures(t *testing.T) {
	// Monday 2 March 2026 09:00 GMT: working hours of the fixture's calendar.
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		storetest.ServiceLevels(t, e.S, e.F)
		rec := audit.NewRecorder(e.S)
		defer rec.Close()
		jobs := monitor.NewJobs(e.Clock.Now)
		jobs.Scheduled("audit seal", time.Second)
		jobs.Started("audit seal")
		jobs.Finished("audit seal", 20*time.Millisecond, nil)
		jobs.Started("audit seal")
		jobs.Finished("audit seal", 3*time.Second, errors.New("disk full"))
		m := monitor.NewMetrics(monitor.Sources{Store: e.S, AuditQueue: rec.Queued, Jobs: jobs, Mailboxes: func() []monitor.Mailbox {
			return []monitor.Mailbox{{Name: "servicedesk", Connected: true, Delivered: 5, Failed: 1, Connects: 2}}
		}})
		reg := m.Registry()
		// Two P3 calls (respond within 4 working hours).
		for _, summary := range []string{"printer jams", "monitor flickers"} {
			if _, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: summary, CustomerID: e.F.Dan.ID,
				GroupID: e.F.ServiceDesk.ID, Impact: desk.Medium, Urgency: desk.Medium}); err != nil {
				t.Fatal(err)
			}
		}
		pools := map[string][]string{"sqlite": {"read", "write"}, "postgres": {"main"}}[e.Engine]
		for _, p := range pools {
			if v, ok := sample(t, reg, "calldesk_db_max_open_connections", "pool", p); !ok || v < 1 {
				t.Errorf("pool %s: max open %v %v", p, v, ok)
			}
			if _, ok := sample(t, reg, "calldesk_db_wait_count_total", "pool", p); !ok {
				t.Errorf("pool %s: no wait count", p)
			}
		}
		batches, hasWriter := sample(t, reg, "calldesk_sqlite_writer_batch_size")
		if hasWriter != (e.Engine == "sqlite") || (hasWriter && batches < 2) {
			t.Errorf("writer batches: %v %v on %s", batches, hasWriter, e.Engine)
		}
		if busy, ok := sample(t, reg, "calldesk_sqlite_writer_busy_seconds_total"); ok != hasWriter || (ok && busy <= 0) {
			t.Errorf("writer busy: %v s, %v on %s", busy, ok, e.Engine)
		}
		if v, ok := sample(t, reg, "calldesk_audit_unsealed_records"); !ok || v < 2 {
			t.Errorf("unsealed audit records after two calls were logged: %v %v", v, ok)
		}
		if _, err := audit.Seal(ctx, e.S); err != nil {
			t.Fatal(err)
		}
		if v, ok := sample(t, reg, "calldesk_audit_unsealed_records"); !ok || v != 0 {
			t.Errorf("unsealed audit records after sealing: %v %v", v, ok)
		}
		if v, ok := sample(t, reg, "calldesk_audit_read_queue_depth"); !ok || v != 0 {
			t.Errorf("read audit queue: %v %v", v, ok)
		}
		sla := func(band string) float64 {
			v, ok := sample(t, reg, "calldesk_sla_calls", "band", band)
			if !ok {
				t.Errorf("no calldesk_sla_calls{band=%q}", band)
			}
			return v
		}
		if r, b := sla("at_risk"), sla("breached"); r != 0 || b != 0 {
			t.Errorf("at 09:00: at risk %v, breached %v", r, b)
		}
		e.Clock.Advance(3*time.Hour + 30*time.Minute) // 12:30: 3h30 of 4h used
		if r, b := sla("at_risk"), sla("breached"); r != 2 || b != 0 {
			t.Errorf("at 12:30: at risk %v, breached %v; want 2, 0", r, b)
		}
		e.Clock.Advance(time.Hour) // 13:30: both late
		if r, b := sla("at_risk"), sla("breached"); r != 0 || b != 2 {
			t.Errorf("at 13:30: at risk %v, breached %v; want 0, 2", r, b)
		}
		if v, _ := sample(t, reg, "calldesk_job_runs_total", "job", "audit seal"); v != 2 {
			t.Errorf("job runs: %v", v)
		}
		if v, _ := sample(t, reg, "calldesk_job_failures_total", "job", "audit seal"); v != 1 {
			t.Errorf("job failures: %v", v)
		}
		if v, _ := sample(t, reg, "calldesk_job_duration_seconds", "job", "audit seal"); v != 2 {
			t.Errorf("job duration samples: %v", v)
		}
		if v, _ := sample(t, reg, "calldesk_imap_messages_ingested_total", "mailbox", "servicedesk"); v != 5 {
			t.Errorf("IMAP ingested: %v", v)
		}
		if v, _ := sample(t, reg, "calldesk_imap_connected", "mailbox", "servicedesk"); v != 1 {
			t.Errorf("IMAP connected: %v", v)
		}
		// A database that does not answer leaves its figures out; the rest are still served.
		e.S.Close()
		srv := httptest.NewServer(m.Handler())
		defer srv.Close()
		res, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), "calldesk_job_runs_total") || strings.Contains(string(b), "calldesk_sla_calls{") {
			t.Errorf("scrape with the database closed: %d %.400q", res.StatusCode, b)
		}
	})
}
