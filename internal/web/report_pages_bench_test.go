package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
	"calldesk/internal/web/console"
)

// BenchmarkDashboard and BenchmarkWallboard (issue 18's speed target: the dashboard under 100 ms,
// the wallboard under 50 ms) get the console's home as an analyst of the busiest group, and a
// wallboard by its link, from a real server on a million-call database (CALLDESK_BENCH_DB, as
// the report benchmarks; make bench sets it). Each reports the median of its requests (ms-p50).
// They write a password for the analyst and a wallboard link into the database, as bench.sh's
// page benchmarks do.
func BenchmarkDashboard(b *testing.B) {
	hs, client, _ := reportPagesServer(b)
	benchPage(b, client, hs.URL+"/", "Your desk today")
}

func BenchmarkWallboard(b *testing.B) {
	hs, client, board := reportPagesServer(b)
	benchPage(b, client, hs.URL+board, "Open calls")
}

// reportPagesServer serves the console on CALLDESK_BENCH_DB, signed in (client's cookies) as an
// analyst of the group with the most open calls, and returns a wallboard's path.
func reportPagesServer(b *testing.B) (*httptest.Server, *http.Client, string) {
	b.Helper()
	dsn := os.Getenv("CALLDESK_BENCH_DB")
	if dsn == "" {
		b.Skip("CALLDESK_BENCH_DB names no million-call database (make bench sets it)")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	analysts, err := s.AccountsWithRole(ctx, desk.RoleAnalyst)
	if err != nil {
		b.Fatal(err)
	}
	// The analyst whose groups hold the most open calls: the heaviest dashboard.
	var who desk.Account
	most := -1
	for _, a := range analysts {
		groups, err := s.GroupsOf(ctx, a.PersonID)
		if err != nil || len(groups) == 0 {
			continue
		}
		_, n, err := s.FindCalls(ctx, store.CallFilter{GroupIDs: groups, OpenOnly: true, Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		if n > most {
			who, most = a, n
		}
	}
	if most < 0 {
		b.Fatal("no analyst in a group: was the database loaded by calldesk demo?")
	}
	actor := desk.Actor{Name: "calldesk bench"}
	hash, err := access.HashPassword("report-pages-bench")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.SetPassword(ctx, actor, who.ID, hash, ""); err != nil {
		b.Fatal(err)
	}
	token, th, err := access.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateWallboard(ctx, actor, "bench screen", th); err != nil {
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
	form := url.Values{"login": {who.Login}, "password": {"report-pages-bench"}, "next": {"/"}}
	req, _ := http.NewRequest("POST", hs.URL+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res, err := client.Do(req); err != nil || res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in as %s: %v %v", who.Login, res, err)
	}
	b.Logf("signed in as %s, whose groups hold %d open calls", who.Login, most)
	return hs, client, "/wallboard/" + token
}

// benchPage gets u b.N times (after one first get, which must hold want) and reports the median.
func benchPage(b *testing.B, client *http.Client, u, want string) {
	b.Helper()
	get := func() string {
		res, err := client.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d: %.300s", u, res.StatusCode, body)
		}
		return string(body)
	}
	if body := get(); !strings.Contains(body, want) {
		b.Fatalf("GET %s lacks %q: %.500s", u, want, body)
	}
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		get()
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
}
