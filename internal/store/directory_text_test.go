package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestSyncRejectsBadText (issue 13 point 9, reviewer's finding 8): a record whose text the
// register cannot store (a NUL, bytes that are not UTF-8), from any caller of SyncPeople, is
// rejected with its line and key; the rest go in and the run is recorded, where before the
// whole import failed and recorded nothing. Its person is not made a leaver. Both engines.
func TestSyncRejectsBadText(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		h := syncHelpers{t, e, context.Background()}
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test", Force: true}
		h.sync(staff(10), opt)
		export := staff(10)
		export[3].Person.Department = "Phys\x00ics"
		export[4].Person.JobTitle = "Chimiste g\xe9n\xe9ral"
		opt.Force = false
		res := h.sync(export, opt)
		text := strings.Join(res.Problems, "\n")
		for _, want := range []string{
			`line 5 (key "k0003"): the department holds a NUL character`,
			`line 6 (key "k0004"): the job_title is not valid UTF-8`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("problems lack %q:\n%s", want, text)
			}
		}
		if res.Rejected != 2 || res.Left != 0 || res.State != store.RunDone {
			t.Errorf("rejected %d, left %d, state %q; want 2, 0, done", res.Rejected, res.Left, res.State)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM import_runs`); n != 2 {
			t.Errorf("%d runs recorded, want 2", n)
		}
		if p := h.person("k0003"); !p.Active || p.Department != "Computing" {
			t.Errorf("k0003: active %v, department %q; want active, unchanged", p.Active, p.Department)
		}
	})
}
