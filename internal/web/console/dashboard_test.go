package console_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// TestDashboard (issue 18 item 8): the console's home shows the analyst their queues' counts,
// their own calls at risk or breached (overdue first), and their team's calls logged and resolved
// today and this week; another analyst's page does not list them. Both engines.
func TestDashboard(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		storetest.ServiceLevels(t, se.S, e.f)
		storetest.ReportCalls(t, se) // Service Desk: F1 (logged Mon 1, resolved Wed 3 March), F3 (Tue 2), F5 (20 Feb)
		logAt := func(at time.Time, summary string) desk.Call {
			t.Helper()
			se.Clock.Set(at)
			c, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Bob), desk.NewCall{CustomerID: e.f.Dan.ID, Summary: summary,
				Source: desk.SourcePhone, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Ann.ID})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		late := logAt(time.Date(2027, 3, 4, 9, 0, 0, 0, time.UTC), "Cannot reach the file server") // respond due Thu 13:00
		soon := logAt(time.Date(2027, 3, 5, 8, 30, 0, 0, time.UTC), "Projector shows no picture")  // respond due Fri 12:30
		se.Clock.Set(time.Date(2027, 3, 5, 12, 0, 0, 0, time.UTC))                                 // Friday noon: 3.5 h of 4 used
		ann, bob := e.signIn(e.f.Ann), e.signIn(e.f.Bob)
		r := ann.get("/").must(t, http.StatusOK)
		r.has(t, "Your desk today", `href="/queues/mine"`, `href="/queues/at-risk"`, late.Ref, soon.Ref, "Calls of Service Desk")
		if strings.Index(r.body, late.Ref) > strings.Index(r.body, soon.Ref) {
			t.Errorf("the breached call is not listed before the one at risk")
		}
		for _, c := range []struct{ row, logged, resolved string }{{"Today", "1", "0"}, {"This week", "4", "1"}} {
			re := regexp.MustCompile(`<th scope="row">` + c.row + `[^<]*(<time[^>]*>[^<]*</time>\))?</th><td>` + c.logged + `</td><td>` + c.resolved + `</td>`)
			if !re.MatchString(r.body) {
				t.Errorf("%s: want %s logged and %s resolved:\n%s", c.row, c.logged, c.resolved, r.body)
			}
		}
		bob.get("/").must(t, http.StatusOK).has(t, "Your desk today").lacks(t, late.Ref, soon.Ref)
		e.client().get("/").must(t, http.StatusUnauthorized)
	})
}
