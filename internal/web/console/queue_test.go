package console_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

func TestQueuesListCountAndFilter(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		ann := storetest.Actor(e.f.Ann)
		for i := range 27 {
			e.call(fmt.Sprintf("Printer jam number %02d", i), 0)
		}
		mine := e.call("Laptop will not start", e.f.ServiceDesk.ID)
		if _, err := e.s.UpdateCall(e.ctx, ann, mine.Ref, mine.Version, desk.Transition{Action: desk.ActAccept}); err != nil {
			t.Fatal(err)
		}
		net := e.call("Switch down in the library", e.f.Networks.ID)
		c := e.signIn(e.f.Ann)

		r := c.get("/queues/unassigned").must(t, http.StatusOK)
		r.has(t, "Calls 1–25 of 27", "Printer jam number 26", `class="cond cond-unassigned">Unassigned`, `rel="next"`,
			`hx-trigger="every 30s"`, `aria-current="page"><span>Unassigned</span> <span class="count">27<span class="visually-hidden"> calls</span>`)
		r.lacks(t, "Printer jam number 01", mine.Ref)
		next := linkOf(t, r, "next")
		if !strings.Contains(next, "cursor=") || !strings.Contains(next, "page=2") {
			t.Fatalf("next page's link %q: want a cursor and the page's number", next)
		}
		p2 := c.get(next).must(t, http.StatusOK).has(t, "Calls 26–27 of 27", "Printer jam number 00", `rel="prev"`, "Page 2 of 2", `data-key="["`)
		p2.lacks(t, `rel="next"`, "Printer jam number 02")
		if prev := linkOf(t, p2, "prev"); prev != "/queues/unassigned" {
			t.Errorf("the previous page of page 2 is %q, want the first page", prev)
		}
		c.get("/queues/unassigned?sort=oldest").must(t, http.StatusOK).has(t, "Printer jam number 00").lacks(t, "Printer jam number 26")

		// My calls: the accepted one, in progress; my groups' calls: Service Desk's, not Networks'.
		c.get("/queues/mine").must(t, http.StatusOK).has(t, mine.Ref, "In progress", `<span class="count">1<span class="visually-hidden"> calls</span>`).lacks(t, net.Ref)
		c.get("/queues/groups").must(t, http.StatusOK).has(t, mine.Ref).lacks(t, net.Ref, "Printer jam")
		open := c.get("/queues/open").must(t, http.StatusOK).has(t, "of 29")
		open.has(t, `<span class="count">29<span class="visually-hidden"> calls</span>`)
		// Filters: group, analyst, priority; a bad value is named beside its field, not a crash.
		c.get(fmt.Sprintf("/queues/open?group=%d", e.f.Networks.ID)).must(t, http.StatusOK).has(t, net.Ref, "Calls 1–1 of 1")
		c.get(fmt.Sprintf("/queues/open?analyst=%d", e.f.Ann.ID)).must(t, http.StatusOK).has(t, mine.Ref, "Calls 1–1 of 1")
		c.get("/queues/open?priority=1").must(t, http.StatusOK).has(t, "No calls in this queue")
		c.get("/queues/open?priority=9").must(t, http.StatusOK).has(t, "Priority must be P1 to P4", `aria-invalid="true"`)
		c.get("/queues/open?age=1w").must(t, http.StatusOK).has(t, "No calls in this queue")
		c.get("/queues/open?age=forever&sort=sideways&profile=x").must(t, http.StatusOK).
			has(t, "Age is not one of the choices", "Sort is not one of the choices", "Profile is not one of the choices")
		// A page number alone is no place in a queue: the first page. A cursor that is not one
		// of this list's is said to be so, and the first page shown.
		c.get("/queues/unassigned?page=9").must(t, http.StatusOK).has(t, "Calls 1–25 of 27")
		c.get("/queues/unassigned?page=99999999999999999").must(t, http.StatusOK)
		c.get("/queues/unassigned?cursor=nonsense&page=4").must(t, http.StatusOK).has(t, "was not a place in this list", "Calls 1–25 of 27")
		c.get(strings.Replace(next, "/unassigned?", "/unassigned?sort=oldest&", 1)).must(t, http.StatusOK).has(t, "was not a place in this list")
		c.get("/queues/nonsense").must(t, http.StatusNotFound).has(t, `there is no queue &#34;nonsense&#34;`)

		// Showing a queue is a read of the customers' data, and audited.
		recs := e.audited(e.f.Dan, "call.search")
		if len(recs) == 0 || recs[0].ActorID != e.f.Ann.ID || !strings.Contains(recs[0].Detail, "console queue") {
			t.Fatalf("queue views audited as %+v", recs)
		}
	})
}

// linkOf is the href of the link with rel in a page, unescaped.
func linkOf(t *testing.T, r response, rel string) string {
	t.Helper()
	m := regexp.MustCompile(`<a href="([^"]*)" rel="` + rel + `"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no %s link in the page", rel)
	}
	return html.UnescapeString(m[1])
}

// poll asks for a page as the queue's self-refresh does.
func (c *client) poll(path string) response {
	c.e.t.Helper()
	req, _ := http.NewRequest("GET", c.e.url+path, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-Calldesk-Poll", "1")
	return c.do(req)
}

// TestQueueRefreshIsNotUse: a queue left open refreshes itself, but that is not the analyst
// using the console: the session still ends after 30 idle minutes, and a refresh showing the
// same calls is not audited again.
func TestQueueRefreshIsNotUse(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		e.call("Printer jam", 0)
		c := e.signIn(e.f.Ann)
		c.get("/queues/unassigned").must(t, http.StatusOK)
		before := len(e.audited(e.f.Dan, "call.search"))
		for range 29 {
			e.clock.Advance(time.Minute)
			c.poll("/queues/unassigned").must(t, http.StatusOK)
		}
		if n := len(e.audited(e.f.Dan, "call.search")); n != before {
			t.Fatalf("29 refreshes showing the same call made %d more audit records, want none", n-before)
		}
		e.call("Scanner jam", 0) // the list changes: the next refresh is audited
		e.clock.Advance(30 * time.Second)
		c.poll("/queues/unassigned").must(t, http.StatusOK)
		if n := len(e.audited(e.f.Dan, "call.search")); n != before+1 {
			t.Fatalf("a refresh showing a new call made %d audit records, want 1", n-before)
		}
		e.clock.Advance(time.Minute)
		r := c.poll("/queues/unassigned").must(t, http.StatusUnauthorized)
		r.has(t, `role="alert"`, "your session ended after 30 minutes without use")
		if r.header.Get("HX-Redirect") != "" {
			t.Fatal("an ended session sent the page away; what is typed in it would be lost")
		}
		c.get("/queues/unassigned").must(t, http.StatusUnauthorized)
	})
}
