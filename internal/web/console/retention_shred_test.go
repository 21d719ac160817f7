package console_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// TestRetentionPageShowsShred: the retention page says whether deleted content waits to be
// overwritten in the database files (for the shred window, when serve has one) or when it
// last was.
func TestRetentionPageShowsShred(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(c *console.Console) { c.ShredWindow = "01:00-05:00" })
		e.grant(se, e.f.Bob, "analyst,admin")
		bob := e.signIn(e.f.Bob)
		bob.get("/admin/retention").must(t, http.StatusOK).has(t, "Deleted content in the database files", "nothing deleted yet")
		if se.Engine == "postgres" {
			se.DB.MustExec(t, `UPDATE maintenance SET due = txid_current() WHERE name = 'shred'`)
		} else {
			se.DB.MustExec(t, `UPDATE maintenance SET due = 1 WHERE name = 'shred'`)
		}
		bob.get("/admin/retention").must(t, http.StatusOK).has(t, "waiting for the shred window (01:00-05:00, desk time)")
		did := false
		for deadline := time.Now().Add(3 * time.Minute); !did && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			var err error
			if did, err = se.S.ShredIfDue(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if !did {
			t.Fatal("no shred within 3 minutes")
		}
		bob.get("/admin/retention").must(t, http.StatusOK).has(t, "overwritten at <time datetime=").lacks(t, "waiting for the shred window")
	})
}
