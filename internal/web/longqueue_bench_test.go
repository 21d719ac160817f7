package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web"
	"calldesk/internal/web/console"
)

// BenchmarkLongQueue (issue 21 point 5, issue 22 point 5): one queue of 50,000 unassigned calls
// (CALLDESK_BENCH_QUEUE changes how many), loaded in bulk as an import leaves them (on PostgreSQL
// analysed but not vacuumed), and a call logged before each request, as on a live desk (a write
// that makes every cached count stale). Each sub-benchmark reports the median and the 99th
// percentile of: the API's first page with its count (GET /api/v1/calls?condition=unassigned),
// the API's next page by cursor, the console's queue page (its counts of every queue, its first
// page) and the console's self-refresh of it.
func BenchmarkLongQueue(b *testing.B) {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, "postgres")
	}
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("CALLDESK_BENCH_QUEUE")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			s, f, token := benchStore(b, engine)
			ctx := context.Background()
			bulk, err := s.Bulk(ctx)
			if err != nil {
				b.Fatal(err)
			}
			logged := time.Now().Add(-30 * 24 * time.Hour)
			for i := range n {
				c := desk.Call{Kind: desk.Fault, Summary: "Queued call " + strconv.Itoa(i), CustomerID: f.Dan.ID,
					Customer: desk.SnapshotOf(f.Dan), Source: desk.SourcePhone, Impact: desk.Medium, Urgency: desk.Medium,
					Priority: 3, State: desk.Unassigned, LoggedAt: logged.Add(time.Duration(i) * time.Second)}
				if err := bulk.AddCall(ctx, &c, nil); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := bulk.Finish(ctx, f.Admin, "bench.load", "long queue bench", nil); err != nil {
				b.Fatal(err)
			}
			hash, err := access.HashPassword("long-queue-bench")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Bob.ID, Login: "bob", PasswordHash: hash,
				Roles: []desk.Role{desk.RoleAnalyst}}); err != nil {
				b.Fatal(err)
			}
			buf := audit.NewRecorder(s)
			b.Cleanup(buf.Close)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			con := &console.Console{Store: s, Audit: buf, Sessions: &access.Sessions{Store: s}, Log: log}
			hs := httptest.NewServer((&web.Server{Store: s, Audit: buf, Log: log, Console: con.Handler()}).Handler())
			b.Cleanup(hs.Close)
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			form := url.Values{"login": {"bob"}, "password": {"long-queue-bench"}, "next": {"/"}}
			req, _ := http.NewRequest("POST", hs.URL+"/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if res, err := client.Do(req); err != nil || res.StatusCode != http.StatusSeeOther {
				b.Fatalf("sign in: %v %v", res, err)
			}
			get := func(path string, header ...string) (string, error) {
				r, _ := http.NewRequest("GET", hs.URL+path, nil)
				if strings.HasPrefix(path, "/api/") {
					r.Header.Set("Authorization", "Bearer "+token)
				}
				for i := 0; i+1 < len(header); i += 2 {
					r.Header.Set(header[i], header[i+1])
				}
				res, err := client.Do(r)
				if err != nil {
					return "", err
				}
				defer res.Body.Close()
				body, _ := io.ReadAll(res.Body)
				if res.StatusCode != 200 {
					return "", fmt.Errorf("GET %s: status %d: %.300s", path, res.StatusCode, body)
				}
				return string(body), nil
			}
			logOne := func(i int) {
				if _, err := s.CreateCall(ctx, storetest.Actor(f.Bob), desk.NewCall{Summary: fmt.Sprintf("New call %d", i),
					CustomerID: f.Dan.ID}); err != nil {
					b.Fatal(err)
				}
			}
			// The second page's cursor (or offset, before cursors), from the first page.
			next := "/api/v1/calls?condition=unassigned&offset=25"
			if body, err := get("/api/v1/calls?condition=unassigned"); err != nil {
				b.Fatal(err)
			} else if i := strings.Index(body, `"next_cursor":"`); i >= 0 {
				cur := body[i+len(`"next_cursor":"`):]
				next = "/api/v1/calls?condition=unassigned&cursor=" + url.QueryEscape(cur[:strings.IndexByte(cur, '"')])
			}
			for _, bc := range []struct {
				name, path string
				header     []string
			}{
				{"api_first_page", "/api/v1/calls?condition=unassigned", nil},
				{"api_next_page", next, nil},
				{"html_queue", "/queues/unassigned", nil},
				{"html_refresh", "/queues/unassigned", []string{"HX-Request", "true", "X-Calldesk-Poll", "1"}},
			} {
				b.Run(bc.name, func(b *testing.B) {
					var lat []time.Duration
					for i := 0; b.Loop(); i++ {
						b.StopTimer()
						logOne(i)
						b.StartTimer()
						t0 := time.Now()
						if _, err := get(bc.path, bc.header...); err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(t0))
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
				})
			}
		})
	}
}
