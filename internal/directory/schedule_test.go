package directory_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"calldesk/internal/directory"
	"calldesk/internal/directory/csvtest"
	"calldesk/internal/store/storetest"
)

// campus writes an n-person export and a configuration whose one source imports it at 02:00.
func campus(t *testing.T, n int) (directory.Config, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "people.csv")
	var b bytes.Buffer
	if _, err := csvtest.Write(&b, n, 3, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return directory.Config{Sources: []directory.SourceConfig{{Name: "campus", Kind: "csv", Path: path, Mapping: csvtest.Mapping,
		Schedule: "02:00"}}}, path
}

// TestScheduledImportRunsOnce: the nightly import waits for its time, then runs once a day, even
// with two instances checking at the same moment on the same database.
func TestScheduledImportRunsOnce(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	storetest.EachEnv(t, time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		cfg, _ := campus(t, 300)
		ctx := context.Background()
		runs := func() int { return e.DB.Count(t, `SELECT COUNT(*) FROM import_runs`) }
		instance := func() *directory.Scheduler {
			return &directory.Scheduler{Store: e.S, Config: cfg, Zone: london, Now: e.Clock.Now}
		}
		// 01:30 in London (summer time): not yet.
		if err := instance().Due(ctx); err != nil || runs() != 0 {
			t.Fatalf("before its time: %d runs (%v)", runs(), err)
		}
		// 02:05 in London: two instances at once, one import.
		e.Clock.Advance(35 * time.Minute)
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := instance().Due(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if runs() != 1 || e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_source = 'campus'`) != 300 {
			t.Fatalf("at its time: %d runs", runs())
		}
		// Later the same day: nothing more; the next night: again.
		e.Clock.Advance(6 * time.Hour)
		instance().Due(ctx)
		if runs() != 1 {
			t.Fatalf("later that day: %d runs", runs())
		}
		e.Clock.Advance(18 * time.Hour)
		instance().Due(ctx)
		if runs() != 2 {
			t.Fatalf("the next night: %d runs", runs())
		}
	})
}

// TestScheduledImportCutShortRunsAgain (issue 21 point 7): an instance that stops in the middle of
// the nightly import (here its context ends; a killed process's transaction rolls back the same
// way) leaves the day unclaimed, so the next check, on this or another instance, imports. (The
// day was once claimed before the import, in a transaction of its own: a cut-short import was
// then not run again until the next night.)
func TestScheduledImportCutShortRunsAgain(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 7, 1, 3, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		const n = 20000
		cfg, _ := campus(t, n)
		runs := func() int { return e.DB.Count(t, `SELECT COUNT(*) FROM import_runs`) }
		sch := &directory.Scheduler{Store: e.S, Config: cfg, Now: e.Clock.Now}
		cut := 0
		for wait := 20 * time.Millisecond; cut == 0 && wait < 5*time.Second; wait *= 2 {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			err := sch.Due(ctx)
			cancel()
			if runs() > 0 {
				break // done before the end came: the source is too small for this machine
			}
			if err == nil {
				t.Fatalf("an import cut short after %v returned no error", wait)
			}
			cut++
		}
		if cut == 0 {
			t.Fatal("no import was cut short")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM import_claims`); n != 0 {
			t.Fatalf("an import cut short left %d claims", n)
		}
		if err := sch.Due(context.Background()); err != nil {
			t.Fatal(err)
		}
		if runs() != 1 || e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_source = 'campus'`) != n {
			t.Fatalf("after %d imports cut short, the next check: %d runs", cut, runs())
		}
		if err := sch.Due(context.Background()); err != nil || runs() != 1 {
			t.Fatalf("checked again the same day: %d runs (%v)", runs(), err)
		}
	})
}
