package console_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"calldesk/internal/directory"
	"calldesk/internal/directory/csvtest"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// importsEnv is a console whose administrator Cat may confirm imports of a "campus" CSV source;
// write(n) writes an n-person export to its file.
func importsEnv(t *testing.T, se *storetest.Env) (*env, *directory.Scheduler, func(n int)) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "people.csv")
	write := func(n int) {
		var b bytes.Buffer
		if _, err := csvtest.Write(&b, n, 5, 0); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sch := &directory.Scheduler{Store: se.S, Config: directory.Config{Sources: []directory.SourceConfig{{Name: "campus", Kind: "csv",
		Path: path, Mapping: csvtest.Mapping}}}}
	e := newEnvWith(t, se, func(c *console.Console) { c.Imports = sch })
	e.grant(se, e.f.Cat, "analyst,admin")
	return e, sch, write
}

// TestAdminImports: administrators see every directory import run; one the guard rail held is
// confirmed from the page and goes through; other analysts may not see the page.
func TestAdminImports(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, sch, write := importsEnv(t, se)
		write(200)
		sc, _ := sch.Config.Find("campus")
		if res, err := sch.Config.Run(e.ctx, se.S, sc, "test", false, false); err != nil || res.Created != 200 {
			t.Fatalf("first import: %+v %v", res, err)
		}
		write(50) // a truncated export: held
		held, _ := sch.Config.Run(e.ctx, se.S, sc, "nightly schedule", false, false)
		if held.State != "held" {
			t.Fatalf("truncated: %+v", held)
		}
		run := url.Values{"run": {fmt.Sprint(held.RunID)}}
		e.signIn(e.f.Ann).get("/admin/imports").must(t, http.StatusForbidden)
		cat := e.signIn(e.f.Cat)
		cat.get("/admin/imports").must(t, http.StatusOK).has(t, "Directory imports", "campus", "Held", "truncated export", "Confirm and import now", "nightly schedule")
		cat.get("/admin/imports").must(t, http.StatusOK).has(t, fmt.Sprintf(`name="run" value="%d"`, held.RunID))
		// A confirmation must say which run it confirms; one of a run since followed by another
		// (the nightly schedule ran again while the page was open) is refused, changing nothing.
		cat.post("/admin/imports/campus/confirm", nil).must(t, http.StatusUnprocessableEntity).has(t, "does not say which run")
		cat.post("/admin/imports/campus/confirm", url.Values{"run": {fmt.Sprint(held.RunID - 1)}}).must(t, http.StatusConflict).
			has(t, "has run again since the run you confirmed")
		cat.post("/admin/imports/campus/confirm", run).must(t, http.StatusOK).has(t, "campus: done", "150 left", "confirmed by Cat Carter")
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_source = 'campus' AND active = 1`); n != 50 {
			t.Fatalf("%d active after the confirmation, want 50", n)
		}
		cat.post("/admin/imports/nope/confirm", run).must(t, http.StatusNotFound)
	})
}

// TestAdminImportsLeaversHeld (issue 13, point 15): an import that rejected a row goes in but
// makes nobody a leaver; the page shows the leavers held and why, and the administrator's
// confirmation makes them leavers.
func TestAdminImportsLeaversHeld(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, sch, write := importsEnv(t, se)
		write(200)
		sc, _ := sch.Config.Find("campus")
		if res, err := sch.Config.Run(e.ctx, se.S, sc, "test", false, false); err != nil || res.Created != 200 {
			t.Fatalf("first import: %+v %v", res, err)
		}
		write(199) // the last person has gone, and a row cannot be used
		b, err := os.ReadFile(sc.Path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sc.Path, append(b, []byte("P9999999"+strings.Repeat(",", strings.Count(csvtestHeader(b), ","))+"\r\n")...), 0o600); err != nil {
			t.Fatal(err)
		}
		bad, _ := sch.Config.Run(e.ctx, se.S, sc, "nightly schedule", false, false)
		if bad.State != "done" || bad.LeaversHeld != 1 || bad.Left != 0 {
			t.Fatalf("an export with a bad row: %+v", bad)
		}
		cat := e.signIn(e.f.Cat)
		cat.get("/admin/imports").must(t, http.StatusOK).has(t, "Done, 1 leavers held", "1 records were rejected", "Confirm the leavers and import now", "line 201")
		cat.post("/admin/imports/campus/confirm", url.Values{"run": {fmt.Sprint(bad.RunID)}}).must(t, http.StatusOK).has(t, "campus: done", "1 left", "confirmed by Cat Carter")
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_source = 'campus' AND active = 1`); n != 199 {
			t.Fatalf("%d active after the confirmation, want 199", n)
		}
	})
}

// csvtestHeader is the header line of an export.
func csvtestHeader(b []byte) string {
	h, _, _ := strings.Cut(string(b), "\n")
	return h
}
