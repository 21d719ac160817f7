package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
	"calldesk/internal/web/portal"
)

// TestOneClockKeepsWhatPeopleTyped: a hold's reason and a resolution that quote a log line
// looking like an instant are shown as the analyst typed them in the console's diary, in
// another analyst's conflict and on the customer's portal page; only the hold's end is in the
// desk's zone.
func TestOneClockKeepsWhatPeopleTyped(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	storetest.EachEnv(t, time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(_ *env, c *console.Console, p *portal.Portal) { c.Zone, p.Zone = london, london })
		call := e.call(e.f.Dan, "Backups fail")
		ann := e.signInConsole(e.f.Ann)
		reason := "the vendor logged it as 2027-05-31T23:00:00Z-0042"
		hold := func(version int64) response {
			return ann.post("/calls/"+call.Ref+"/hold", url.Values{"version": {fmt.Sprint(version)}, "until": {"2027-07-01T10:00"}, "reason": {reason}})
		}
		hold(call.Version).must(t, http.StatusSeeOther)
		entry := "on hold until Thu 1 Jul 2027 10:00 BST: " + reason
		ann.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, `<div class="entry-text" dir="auto">`+entry+`</div>`)
		hold(call.Version).must(t, http.StatusConflict).has(t, "<li>"+entry+" by Ann Archer at Tue 1 Jun 2027 13:00 BST</li>")
		e.signIn(e.f.Dan).get("/portal/calls/"+call.Ref).must(t, http.StatusOK).has(t, `<p dir="auto">`+entry+"</p>")
	})
}
