package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestWallboard (issue 18 item 7): an administrator makes a wallboard link, shown once; with it a
// screen signed in as nobody sees the desk's counts (open, unassigned, at risk, breached, logged
// today, open by state) and no name or summary; the link leaks no referrer; revoking it stops it
// at once; analysts who are not administrators cannot make links. Both engines.
func TestWallboard(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		calls := storetest.ReportCalls(t, se) // the clock ends Fri 5 March 12:00; F4 logged that day at 09:00
		e.grant(se, e.f.Cat, "analyst,admin")
		cat, ann, screen := e.signIn(e.f.Cat), e.signIn(e.f.Ann), e.client()
		ann.get("/admin/wallboards").must(t, http.StatusForbidden)
		cat.post("/admin/wallboards", url.Values{"name": {"  "}}).must(t, http.StatusUnprocessableEntity).has(t, "Name is required")
		made := cat.post("/admin/wallboards", url.Values{"name": {"Service Desk office"}}).must(t, http.StatusOK).has(t, "shown this once")
		link := regexp.MustCompile(`href="(/wallboard/cdk_[A-Za-z0-9_-]+)"`).FindStringSubmatch(made.body)
		if link == nil {
			t.Fatalf("no link on the page:\n%s", made.body)
		}
		cat.get("/admin/wallboards").must(t, http.StatusOK).has(t, "Service Desk office", "Working").lacks(t, link[1])

		r := screen.get(link[1]).must(t, http.StatusOK)
		r.has(t, "<h1>Service Desk office</h1>", "Open calls", "Unassigned", "At risk of missing a target", "Breached",
			"Logged today", "Open calls by state", `hx-trigger="every 30s"`)
		for _, c := range calls {
			r.lacks(t, c.Summary, c.Ref)
		}
		r.lacks(t, e.f.Dan.LastName, e.f.Eve.LastName, e.f.Ann.LastName, e.f.Bob.LastName)
		if got := r.header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("Referrer-Policy %q", got)
		}
		// Open now: F2 (assigned), F4 (unassigned), F5 (assigned); F1 closed, F3 cancelled. F4 today.
		want := regexp.MustCompile(`<span class="board-n">3</span> <span class="board-label">Open calls</span>`)
		if !want.MatchString(r.body) {
			t.Errorf("the open calls' figure is not 3:\n%s", r.body)
		}
		if !regexp.MustCompile(`<span class="board-n">1</span> <span class="board-label">Logged today</span>`).MatchString(r.body) {
			t.Errorf("today's figure is not 1")
		}
		screen.get("/wallboard/cdk_guessed").must(t, http.StatusNotFound)

		boards, err := e.s.Wallboards(e.ctx)
		if err != nil || len(boards) != 1 {
			t.Fatalf("wallboards: %+v %v", boards, err)
		}
		cat.post(fmt.Sprintf("/admin/wallboards/%d/revoke", boards[0].ID), nil).must(t, http.StatusSeeOther)
		screen.get(link[1]).must(t, http.StatusNotFound)
		cat.get("/admin/wallboards").must(t, http.StatusOK).has(t, "Revoked")
	})
}
