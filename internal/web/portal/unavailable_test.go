package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// A customer logging a call while the database is unavailable gets a calm 503 page (with
// Retry-After) that keeps what they typed and sends it again: once the database is back, that
// sends the call (issue 21, fault 2). The outage: on SQLite another process holding the write
// lock longer than the store's busy timeout; on PostgreSQL the server going away.
func TestPortalKeepsWhatWasTypedWhileUnavailable(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		ctx := context.Background()
		cut := *se
		var begin, end func()
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
			begin = func() { conn.ExecContext(ctx, `BEGIN IMMEDIATE`) }
			end = func() { conn.ExecContext(ctx, `ROLLBACK`) }
		} else {
			proxy, dsn := storetest.NewProxy(t, se.DSN)
			cut.S = storetest.OpenDSN(t, "postgres", dsn, se.Clock)
			begin, end = proxy.Stop, proxy.Start
		}
		e := newEnv(t, &cut)
		dan := e.signIn(e.f.Dan)
		description := "Since this morning the wifi drops every few minutes in the library reading room"
		form := url.Values{"category": {strconv.FormatInt(e.f.Wifi.ID, 10)}, "summary": {"Wifi keeps dropping"}, "description": {description}}

		begin()
		r := dan.post("/portal/calls/new", form)
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
			t.Fatalf("a call sent with the database unavailable: %d, Retry-After %q\n%s", r.status, r.header.Get("Retry-After"), r.body)
		}
		r.has(t, "briefly unavailable", "Nothing you typed is lost", description, "Wifi keeps dropping",
			`action="/portal/calls/new"`, "Send again").lacks(t, "Something went wrong")
		end()
		dan.post("/portal/calls/new", form).must(t, http.StatusSeeOther)
		if n := e.db.Count(t, `SELECT COUNT(*) FROM calls WHERE summary = 'Wifi keeps dropping'`); n != 1 {
			t.Fatalf("%d calls sent again, want 1", n)
		}
	})
}
