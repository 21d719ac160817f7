package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestAdminImportConfirmChangedExport: the Imports page's confirmation of a held import is
// refused, saying why, when the export has changed since the run the administrator reviewed, and
// changes nothing; with the export as it was, it goes in.
func TestAdminImportConfirmChangedExport(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, sch, write := importsEnv(t, se)
		write(200)
		sc, _ := sch.Config.Find("campus")
		if res, err := sch.Config.Run(e.ctx, se.S, sc, "test", false, false); err != nil || res.Created != 200 {
			t.Fatalf("first import: %+v %v", res, err)
		}
		write(150) // held: 25% leavers
		held, _ := sch.Config.Run(e.ctx, se.S, sc, "nightly schedule", false, false)
		if held.State != "held" {
			t.Fatalf("truncated: %+v", held)
		}
		run := url.Values{"run": {fmt.Sprint(held.RunID)}}
		active := func() int {
			return se.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_source = 'campus' AND active = 1`)
		}
		write(20) // overwritten before the administrator confirms
		cat := e.signIn(e.f.Cat)
		cat.post("/admin/imports/campus/confirm", run).must(t, http.StatusConflict).
			has(t, "the export changed since the run you are confirming", "run the import again and review it")
		if n := active(); n != 200 {
			t.Fatalf("%d active after a refused confirmation, want 200", n)
		}
		write(150)
		cat.post("/admin/imports/campus/confirm", run).must(t, http.StatusOK).has(t, "campus: done", "50 left")
		if n := active(); n != 150 {
			t.Fatalf("%d active after the confirmation, want 150", n)
		}
	})
}
