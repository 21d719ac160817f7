package directory_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/directory"
	"calldesk/internal/directory/csvtest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// writeCampus writes an n-person export (csvtest's people, seed 3) to path, followed by the
// lines of extra.
func writeCampus(t *testing.T, path string, n int, extra ...string) {
	t.Helper()
	var b bytes.Buffer
	if _, err := csvtest.Write(&b, n, 3, 0); err != nil {
		t.Fatal(err)
	}
	for _, l := range extra {
		b.WriteString(l + "\r\n")
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestConfirmAppliesWhatWasReviewed: an administrator's confirmation of an import the guard rail
// held (the Imports page's confirm, calldesk import --force: both Config.Run with force) goes in
// only if the export is what the held run read. Overwritten since (here by a more truncated
// export), the confirmation is refused, saying why, and changes nothing; as reviewed, it applies;
// confirmed once, there is nothing left to confirm.
func TestConfirmAppliesWhatWasReviewed(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		cfg, path := campus(t, 300)
		sc, _ := cfg.Find("campus")
		sch := &directory.Scheduler{Store: e.S, Config: cfg, Now: e.Clock.Now}
		admin := desk.Actor{Name: "Ada Admin"}
		active := func() int {
			return e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_source = 'campus' AND left_at IS NULL`)
		}
		runs := func() int { return e.DB.Count(t, `SELECT COUNT(*) FROM import_runs`) }

		// Nothing held yet: nothing to confirm.
		if _, err := sch.Confirm(ctx, admin, "campus", 0); desk.ErrorCode(err) != desk.ECONFLICT ||
			!strings.Contains(desk.Message(err), "no held import of campus") {
			t.Fatalf("confirming before any run: %v", err)
		}
		if res, err := cfg.Run(ctx, e.S, sc, "test", false, false); err != nil || res.State != store.RunDone || res.Created != 300 {
			t.Fatalf("first import: %+v, %v", res, err)
		}
		// The last run went in: nothing to confirm either.
		if _, err := sch.Confirm(ctx, admin, "campus", 0); desk.ErrorCode(err) != desk.ECONFLICT ||
			!strings.Contains(desk.Message(err), "was not held") {
			t.Fatalf("confirming a run that went in: %v", err)
		}

		// A truncated export (200 of 300) is held; the administrator reviews it.
		writeCampus(t, path, 200)
		held, err := cfg.Run(ctx, e.S, sc, "nightly schedule", false, false)
		if err != nil || held.State != store.RunHeld {
			t.Fatalf("truncated export: %+v, %v", held, err)
		}

		// Before the confirmation, the export is overwritten by a shorter one: refused, nothing changes.
		writeCampus(t, path, 120)
		n := runs()
		_, err = sch.Confirm(ctx, admin, "campus", 0)
		if desk.ErrorCode(err) != desk.ECONFLICT || !strings.Contains(desk.Message(err),
			"the export changed since the run you are confirming") || !strings.Contains(desk.Message(err), "run the import again and review it") {
			t.Fatalf("confirming a changed export: %v", err)
		}
		if _, err := cfg.Run(ctx, e.S, sc, "calldesk import --force", false, true); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("calldesk import --force on a changed export: %v", err)
		}
		if active() != 300 || runs() != n {
			t.Fatalf("after refused confirmations: %d people active, %d runs (was %d)", active(), runs(), n)
		}

		// The export as reviewed: the confirmation applies it.
		writeCampus(t, path, 200)
		res, err := sch.Confirm(ctx, admin, "campus", 0)
		if err != nil || res.State != store.RunDone || res.Left != 100 || active() != 200 {
			t.Fatalf("confirming the reviewed export: %+v, %v; %d active", res, err, active())
		}
		// Confirmed once: a second confirmation has nothing to confirm.
		if _, err := sch.Confirm(ctx, admin, "campus", 0); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("confirming twice: %v", err)
		}
	})
}

// TestConfirmHeldLeaversAsReviewed: the leavers an import held because it rejected a row are
// confirmed only on the export that run read: changed since, the confirmation is refused and
// nobody leaves.
func TestConfirmHeldLeaversAsReviewed(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		cfg, path := campus(t, 200)
		sc, _ := cfg.Find("campus")
		sch := &directory.Scheduler{Store: e.S, Config: cfg, Now: e.Clock.Now}
		admin := desk.Actor{Name: "Ada Admin"}
		active := func() int {
			return e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_source = 'campus' AND left_at IS NULL`)
		}
		if _, err := cfg.Run(ctx, e.S, sc, "test", false, false); err != nil {
			t.Fatal(err)
		}
		// 198 people and a row that cannot be read: the rest goes in, the 2 leavers are held.
		writeCampus(t, path, 198, "a row with too few fields")
		res, err := cfg.Run(ctx, e.S, sc, "nightly schedule", false, false)
		if err != nil || res.State != store.RunDone || res.LeaversHeld != 2 {
			t.Fatalf("an export with a bad row: %+v, %v", res, err)
		}
		// Changed since (the bad row fixed, another person gone): refused, nobody leaves.
		writeCampus(t, path, 197)
		if _, err := sch.Confirm(ctx, admin, "campus", 0); desk.ErrorCode(err) != desk.ECONFLICT ||
			!strings.Contains(desk.Message(err), "the export changed since the run you are confirming") {
			t.Fatalf("confirming the leavers of a changed export: %v", err)
		}
		if active() != 200 {
			t.Fatalf("%d active after a refused confirmation, want 200", active())
		}
		// As reviewed: the two leave.
		writeCampus(t, path, 198, "a row with too few fields")
		if res, err := sch.Confirm(ctx, admin, "campus", 0); err != nil || res.Left != 2 || active() != 198 {
			t.Fatalf("confirming the reviewed leavers: %+v, %v; %d active", res, err, active())
		}
	})
}
