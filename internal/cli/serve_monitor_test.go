package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// fetch makes a request and returns the status and body.
func fetch(t *testing.T, method, url, token string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServeHealthAndMetrics (issue 21 point 6) runs calldesk serve on each engine with a metrics
// token (from CALLDESK_METRICS_TOKEN_FILE) and a debug address, logs and reads calls for a person with a distinctive name over the
// API, looks her up in the console and the portal, and scrapes: /healthz and /readyz answer on
// both addresses; /metrics needs the token on the main address and none on the debug one; the
// requests are counted by route pattern; and nothing of the person, her calls or her id is in
// any label or anywhere in the scrape.
func TestServeHealthAndMetrics(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			s := storetest.OpenDSN(t, engine, dsn, nil)
			f := storetest.Seed(t, s)
			zelda, err := s.CreatePerson(ctx, f.Admin, desk.Person{FirstName: "Zelda", LastName: "Quarrington", Username: "zquarrington",
				Email: "zelda.quarrington@uni.example", Kind: desk.Student, StudentNumber: "20269977", Department: "Physics"})
			if err != nil {
				t.Fatal(err)
			}
			acct, err := s.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Ann.ID, Login: "aarcher", Roles: []desk.Role{desk.RoleAnalyst}})
			if err != nil {
				t.Fatal(err)
			}
			tok, hash, err := access.NewToken()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateToken(ctx, f.Admin, acct.ID, "test", hash, time.Time{}); err != nil {
				t.Fatal(err)
			}
			s.Close()

			// The token from a file, as a systemd unit's credentials give it.
			tokenFile := filepath.Join(t.TempDir(), "metrics-token")
			if err := os.WriteFile(tokenFile, []byte("m3trics-t0ken\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			debug := "http://" + freeAddr(t)
			rs := startServe(t, dsn, map[string]string{"CALLDESK_METRICS_TOKEN_FILE": tokenFile}, "--debug-addr", strings.TrimPrefix(debug, "http://"))
			for _, base := range []string{rs.base, debug} {
				if code, body := fetch(t, "GET", base+"/healthz", "", nil); code != 200 || !strings.Contains(body, `"status":"alive"`) {
					t.Errorf("%s/healthz: %d %s", base, code, body)
				}
				if code, body := fetch(t, "GET", base+"/readyz", "", nil); code != 200 || !strings.Contains(body, `"status":"ready"`) ||
					!strings.Contains(body, `"name":"jobs","ok":true`) {
					t.Errorf("%s/readyz: %d %s", base, code, body)
				}
			}

			var refs []string
			for _, summary := range []string{"Zelda Quarrington cannot print", "VPN drops for zelda.quarrington@uni.example"} {
				code, body := fetch(t, "POST", rs.base+"/api/v1/calls", tok, map[string]any{"summary": summary, "customer_id": zelda.ID})
				if code != 201 {
					t.Fatalf("create call: %d %s", code, body)
				}
				var c struct{ Ref string }
				json.Unmarshal([]byte(body), &c)
				refs = append(refs, c.Ref)
			}
			for _, ref := range refs {
				if code, body := fetch(t, "GET", rs.base+"/api/v1/calls/"+ref, tok, nil); code != 200 {
					t.Fatalf("GET call %s: %d %s", ref, code, body)
				}
			}
			for _, path := range []string{fmt.Sprintf("/api/v1/people/%d", zelda.ID), "/api/v1/people?q=Quarrington",
				"/api/v1/calls?q=zelda.quarrington%40uni.example", "/api/v1/calls/" + refs[0] + "/entries"} {
				if code, body := fetch(t, "GET", rs.base+path, tok, nil); code != 200 {
					t.Fatalf("GET %s: %d %s", path, code, body)
				}
			}
			// Pages without a session, and paths no route has, with her details in them.
			for _, path := range []string{"/calls/" + refs[0], fmt.Sprintf("/people/%d", zelda.ID), "/portal/calls/" + refs[1],
				"/nothing/here/zelda.quarrington@uni.example", "/search?q=Quarrington"} {
				fetch(t, "GET", rs.base+path, "", nil)
			}

			if code, body := fetch(t, "GET", rs.base+"/metrics", "", nil); code != 401 || strings.Contains(body, "calldesk_http") {
				t.Errorf("/metrics without the token: %d %.100q", code, body)
			}
			code, scrape := fetch(t, "GET", rs.base+"/metrics", "m3trics-t0ken", nil)
			if code != 200 {
				t.Fatalf("/metrics with the token: %d %s", code, scrape)
			}
			code, debugScrape := fetch(t, "GET", debug+"/metrics", "", nil)
			if code != 200 || !strings.Contains(debugScrape, "calldesk_http_requests_total") {
				t.Fatalf("/metrics on the debug address: %d %.200q", code, debugScrape)
			}
			counted := func(route, method, status string) float64 {
				re := regexp.MustCompile(`(?m)^calldesk_http_requests_total\{code="` + status + `",method="` + method + `",route="` +
					regexp.QuoteMeta(route) + `"\} (\d+)$`)
				m := re.FindStringSubmatch(scrape)
				if m == nil {
					return 0
				}
				var n float64
				fmt.Sscan(m[1], &n)
				return n
			}
			for _, c := range []struct {
				route, method, code string
				n                   float64
			}{
				{"/api/v1/calls", "POST", "201", 2},
				{"/api/v1/calls/{ref}", "GET", "200", 2},
				{"/api/v1/people/{id}", "GET", "200", 1},
				{"/api/v1/calls/{ref}/entries", "GET", "200", 1},
				{"/healthz", "GET", "200", 1},
				{"/readyz", "GET", "200", 1},
			} {
				if n := counted(c.route, c.method, c.code); n != c.n {
					t.Errorf("%s %s answered %s: counted %v, want %v", c.method, c.route, c.code, n, c.n)
				}
			}
			for _, want := range []string{"calldesk_db_open_connections", "calldesk_audit_unsealed_records", "calldesk_sla_calls{band=\"breached\"}",
				`calldesk_job_runs_total{job="audit seal"}`, "calldesk_audit_read_queue_depth", "go_goroutines", "process_open_fds"} {
				if !strings.Contains(scrape, want) {
					t.Errorf("the scrape has no %s", want)
				}
			}
			// The runner reports to the metrics: the audit seal (every second) has runs counted.
			runs := regexp.MustCompile(`(?m)^calldesk_job_runs_total\{job="audit seal"\} ([1-9]\d*)$`)
			for deadline := time.Now().Add(10 * time.Second); !runs.MatchString(debugScrape); {
				if time.Now().After(deadline) {
					t.Fatalf("no run of the audit seal counted in 10 s: %s", regexp.MustCompile(`(?m)^calldesk_job_runs_total.*$`).FindAllString(debugScrape, -1))
				}
				time.Sleep(200 * time.Millisecond)
				_, debugScrape = fetch(t, "GET", debug+"/metrics", "", nil)
			}
			if strings.Contains(scrape, "calldesk_sqlite_writer_queue_depth") != (engine == "sqlite") {
				t.Errorf("SQLite writer figures on %s: %v", engine, strings.Contains(scrape, "calldesk_sqlite_writer_queue_depth"))
			}
			// Nothing of hers anywhere: not her name, email, student number, id, nor her calls' references.
			for _, sc := range []string{scrape, debugScrape} {
				for _, bad := range append([]string{"Zelda", "Quarrington", "zquarrington", "zelda.quarrington", "20269977"}, refs...) {
					if strings.Contains(strings.ToLower(sc), strings.ToLower(bad)) {
						t.Errorf("the scrape holds %q", bad)
					}
				}
				for _, line := range strings.Split(sc, "\n") {
					if strings.HasPrefix(line, "#") || !strings.Contains(line, "{") {
						continue
					}
					labels := line[strings.Index(line, "{"):strings.LastIndex(line, "}")]
					if regexp.MustCompile(fmt.Sprintf(`[/="]%d[/"]`, zelda.ID)).MatchString(labels) {
						t.Errorf("a label holds her id %d: %s", zelda.ID, line)
					}
					if m := regexp.MustCompile(`route="([^"]*)"`).FindStringSubmatch(labels); m != nil && regexp.MustCompile(`/\d`).MatchString(m[1]) {
						t.Errorf("a route label holds a number from a path: %s", line)
					}
				}
			}
		})
	}
}
