package store_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// unavailable fails the test unless err is EUNAVAILABLE with the message people are shown.
func unavailable(t *testing.T, what string, err error) {
	t.Helper()
	if code := desk.ErrorCode(err); code != desk.EUNAVAILABLE {
		t.Fatalf("%s: %v (code %q), want EUNAVAILABLE", what, err, code)
	}
	if desk.Message(err) != store.Unavailable && !strings.Contains(desk.Message(err), "briefly unavailable") {
		t.Errorf("%s: message %q", what, desk.Message(err))
	}
}

// A full disk is EUNAVAILABLE, not an internal error, and the write left nothing (issue 21,
// fault 2).
func TestDiskFullIsUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	before := e.footprint(t)
	if err := e.S.FillDisk(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "Printer jams", CustomerID: e.F.Dan.ID,
		Description: strings.Repeat("The printer on the third floor jams on every page. ", 1500)})
	unavailable(t, "a call logged with the disk full", err)
	if after := e.footprint(t); after != before {
		t.Errorf("the refused write left %+v, was %+v", after, before)
	}
}

// A database another process holds locked longer than the busy timeout is EUNAVAILABLE.
func TestLockedDatabaseIsUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	s, err := store.Open(ctx, e.DSN, store.Options{Now: e.Clock.Now, BusyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := e.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "Printer jams", CustomerID: e.F.Dan.ID})
	unavailable(t, "a call logged while another process holds the lock", err)
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "Printer jams", CustomerID: e.F.Dan.ID}); err != nil {
		t.Fatalf("after the lock was let go: %v", err)
	}
}

// PostgreSQL refusing connections (the server gone: connections cut, new ones refused) is
// EUNAVAILABLE for reads and writes; when it is back, the same store serves again.
func TestPostgresDownIsUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, postgresOrSkip(t))
	ctx := context.Background()
	proxy, dsn := storetest.NewProxy(t, e.DSN)
	s := storetest.OpenDSN(t, "postgres", dsn, e.Clock)
	ann := storetest.Actor(e.F.Ann)
	c, err := s.CreateCall(ctx, ann, desk.NewCall{Summary: "Printer jams", CustomerID: e.F.Dan.ID})
	if err != nil {
		t.Fatal(err)
	}
	proxy.Stop()
	_, err = s.FindCallByRef(ctx, c.Ref)
	unavailable(t, "a call read with PostgreSQL down", err)
	_, err = s.CreateCall(ctx, ann, desk.NewCall{Summary: "Printer jams again", CustomerID: e.F.Dan.ID})
	unavailable(t, "a call logged with PostgreSQL down", err)
	_, _, err = s.FindAudit(ctx, store.AuditFilter{Limit: 1})
	unavailable(t, "the audit trail read with PostgreSQL down", err)
	proxy.Start()
	if _, err := s.FindCallByRef(ctx, c.Ref); err != nil {
		t.Fatalf("read when PostgreSQL is back: %v", err)
	}
	if _, err := s.CreateCall(ctx, ann, desk.NewCall{Summary: "Printer jams again", CustomerID: e.F.Dan.ID}); err != nil {
		t.Fatalf("write when PostgreSQL is back: %v", err)
	}
}

// A pooled PostgreSQL connection whose backend was terminated (pg_terminate_backend, a server
// restart) is retried once on a new connection before anything is done: terminating every
// backend of the database gives no store call an error (issue 21, fault 3).
func TestTerminatedBackendsAreRetried(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.EnvViaPgBouncer) == "1" {
		t.Skip("through PgBouncer the store's connections are PgBouncer's, which keeps them when a server connection is terminated")
	}
	e := newEnv(t, postgresOrSkip(t))
	ctx := context.Background()
	ann := storetest.Actor(e.F.Ann)
	c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Summary: "Printer jams", CustomerID: e.F.Dan.ID})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		// Fill the pool: eight calls at once leave eight idle connections, just used.
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.S.FindCallByRef(ctx, c.Ref); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		killed := e.DB.Count(t, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
		if killed == 0 {
			t.Fatal("no backend to terminate")
		}
		errs := make(chan error, 16)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				switch i % 4 {
				case 0:
					_, err = e.S.FindCallByRef(ctx, c.Ref)
				case 1:
					_, err = e.S.AddEntry(ctx, ann, c.Ref, desk.EntryNote, "checked the toner")
				case 2:
					_, _, err = e.S.FindAudit(ctx, store.AuditFilter{ObjectType: "call", ObjectID: c.Ref})
				case 3:
					_, err = e.S.CreateCall(ctx, ann, desk.NewCall{Summary: "Another printer jams", CustomerID: e.F.Dan.ID})
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("round %d: after %d backends were terminated: %v", round, killed, err)
			}
		}
	}
}

// postgresOrSkip is "postgres", or skips the test where PostgreSQL is not configured (Engines
// fails it under CI instead).
func postgresOrSkip(t *testing.T) string {
	t.Helper()
	if len(storetest.Engines(t)) < 2 {
		t.Skip("PostgreSQL is not configured: " + storetest.EnvPostgres)
	}
	return "postgres"
}
