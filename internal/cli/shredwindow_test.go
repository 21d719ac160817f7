package cli

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
)

func TestParseShredWindow(t *testing.T) {
	for _, c := range []struct {
		in, want string
		bad      bool
	}{
		{in: "01:00-05:00", want: "01:00-05:00"},
		{in: "22:30-02:15", want: "22:30-02:15"},
		{in: "any", want: "any"},
		{in: "01:00-01:00", bad: true},
		{in: "1:00-05:00", bad: true},
		{in: "24:00-05:00", bad: true},
		{in: "01:60-05:00", bad: true},
		{in: "01:00", bad: true},
		{in: "", bad: true},
	} {
		w, err := parseShredWindow(c.in)
		if (err != nil) != c.bad || (!c.bad && w.String() != c.want) {
			t.Errorf("parseShredWindow(%q) = %v, %v", c.in, w, err)
		}
	}
}

// TestShredWindowContains: the window is read on the desk's wall clock, across midnight, and on
// the nights the clocks change (Europe/London: forward at 01:00 GMT on 29 March 2026, back at
// 01:00 GMT on 25 October 2026).
func TestShredWindowContains(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	night, _ := parseShredWindow("01:00-05:00")
	late, _ := parseShredWindow("22:00-02:00")
	anyTime, _ := parseShredWindow("any")
	utc := func(s string) time.Time {
		t.Helper()
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	for _, c := range []struct {
		w    shredWindow
		at   string // UTC
		want bool
	}{
		// Summer: BST is UTC+1.
		{night, "2026-07-01T23:59:00Z", false}, // 00:59 BST
		{night, "2026-07-02T00:00:00Z", true},  // 01:00 BST
		{night, "2026-07-02T03:59:00Z", true},  // 04:59 BST
		{night, "2026-07-02T04:00:00Z", false}, // 05:00 BST
		{night, "2026-07-02T11:00:00Z", false}, // noon
		// Across midnight, in winter (GMT).
		{late, "2026-12-01T21:59:00Z", false},
		{late, "2026-12-01T22:00:00Z", true},
		{late, "2026-12-01T23:59:00Z", true},
		{late, "2026-12-02T00:00:00Z", true},
		{late, "2026-12-02T01:59:00Z", true},
		{late, "2026-12-02T02:00:00Z", false},
		{late, "2026-12-02T12:00:00Z", false},
		// Clocks forward: 01:00 GMT becomes 02:00 BST; the window is 02:00-05:00 BST that night.
		{night, "2026-03-29T00:59:00Z", false}, // 00:59 GMT
		{night, "2026-03-29T01:00:00Z", true},  // 02:00 BST
		{night, "2026-03-29T03:59:00Z", true},  // 04:59 BST
		{night, "2026-03-29T04:00:00Z", false}, // 05:00 BST
		// Clocks back: 02:00 BST becomes 01:00 GMT; 01:00-02:00 comes twice, inside both times.
		{night, "2026-10-24T23:59:00Z", false}, // 00:59 BST
		{night, "2026-10-25T00:00:00Z", true},  // 01:00 BST
		{night, "2026-10-25T00:59:00Z", true},  // 01:59 BST
		{night, "2026-10-25T01:00:00Z", true},  // 01:00 GMT
		{night, "2026-10-25T04:59:00Z", true},  // 04:59 GMT
		{night, "2026-10-25T05:00:00Z", false}, // 05:00 GMT
		{anyTime, "2026-07-02T11:00:00Z", true},
	} {
		if got := c.w.contains(utc(c.at), london); got != c.want {
			t.Errorf("%v contains %s (%s in London) = %v, want %v", c.w, c.at, utc(c.at).In(london).Format("15:04 MST"), got, c.want)
		}
	}
}

// TestShredJobKeepsToTheWindow: serve's job leaves a due shred on PostgreSQL while the desk's
// clock is outside the window, and shreds inside it; SQLite's runs at once.
func TestShredJobKeepsToTheWindow(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	noon := time.Date(2026, 7, 2, 12, 0, 0, 0, london)
	storetest.EachEnv(t, noon, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		if e.Engine == "postgres" {
			e.DB.MustExec(t, `UPDATE maintenance SET due = txid_current() WHERE name = 'shred'`)
		} else {
			e.DB.MustExec(t, `UPDATE maintenance SET due = 1 WHERE name = 'shred'`)
		}
		due := func() bool {
			t.Helper()
			return e.DB.Count(t, `SELECT COUNT(*) FROM maintenance WHERE name = 'shred' AND due <> 0`) == 1
		}
		if e.Engine == "postgres" {
			// Once no transaction older than the deletion is left on the (shared) server, the
			// shred could run: only the window keeps it waiting then.
			for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
				older := e.DB.Count(t, `SELECT COUNT(*) FROM (
					SELECT backend_xmin AS x FROM pg_stat_activity WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid()
					UNION ALL SELECT backend_xid FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
					UNION ALL SELECT transaction FROM pg_prepared_xacts
				) o WHERE age(o.x) >= age((SELECT (due % 4294967296)::text::xid FROM maintenance WHERE name = 'shred'))`)
				if older == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("transactions older than the deletion stayed open for 3 minutes")
				}
			}
		}
		window, _ := parseShredWindow("01:00-05:00")
		job := shredJob(e.S, window, e.Clock.Now, london, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
		if err := job(ctx); err != nil {
			t.Fatal(err)
		}
		if e.Engine == "sqlite" {
			if due() {
				t.Fatal("SQLite's shred waited for the window")
			}
			return
		}
		if !due() {
			t.Fatal("the shred ran at noon, outside the window 01:00-05:00")
		}
		e.Clock.Set(time.Date(2026, 7, 3, 2, 0, 0, 0, london))
		// Inside the window it shreds, once no transaction older than the deletion is open on
		// the (shared) server: the job runs every minute, here every 200 ms.
		for deadline := time.Now().Add(3 * time.Minute); due() && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if err := job(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if due() {
			t.Fatal("the shred did not run inside the window")
		}
	})
}
