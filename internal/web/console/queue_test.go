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
	"calldesk/internal/store"
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
		c.get("/queues/unassigned?page=2").must(t, http.StatusOK).has(t, "Calls 26–27 of 27", "Printer jam number 00", `rel="prev"`)
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
		// Past the last page (calls resolved meanwhile): no Next, a way back to the last page.
		c.get("/queues/unassigned?page=9").must(t, http.StatusOK).lacks(t, `rel="next"`).has(t, "There is no page 9: this list has 2 pages.", `<a href="/queues/unassigned?page=2">Go to the last page (2)</a>`)
		c.get("/queues/unassigned?page=99999999999999999").must(t, http.StatusOK)
		// A cursor that is not one of this list's is said to be so, and the first page shown.
		c.get("/queues/unassigned?cursor=nonsense&page=4").must(t, http.StatusOK).has(t, "was not a place in this list", "Calls 1–25 of 27")
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

// TestLongQueuePagesByCursor (issue 21 point 5): a queue of more than store.ListCountLimit calls
// says "more than 1000" in its count and its summary, and pages by cursor: Next ("]") and
// Previous ("[") say which page this is, a call logged between pages repeats no call, the page
// refreshes itself where it is, and the way back from the second page is the first, read afresh.
func TestLongQueuePagesByCursor(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		b, err := e.s.Bulk(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range store.ListCountLimit + 10 {
			c := desk.Call{Kind: desk.Fault, Summary: fmt.Sprintf("Queued call %04d", i), CustomerID: e.f.Dan.ID, Source: desk.SourcePhone,
				Impact: desk.Medium, Urgency: desk.Medium, Priority: 3, State: desk.Unassigned, LoggedAt: e.clock.Now().Add(-time.Hour)}
			if err := b.AddCall(e.ctx, &c, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.Finish(e.ctx, storetest.Actor(e.f.Ann), "test.load", "long queue", nil); err != nil {
			t.Fatal(err)
		}
		c := e.signIn(e.f.Ann)
		first := c.get("/queues/unassigned").must(t, http.StatusOK)
		first.has(t, "Calls 1–25 of more than 1000", "Page 1 of more than 40", `data-key="]"`, "Queued call 1009",
			`aria-current="page"><span>Unassigned</span> <span class="count">more than 1000<span class="visually-hidden"> calls</span>`,
			`<span>All open calls</span> <span class="count">more than 1000`).lacks(t, `rel="prev"`)
		next := linkOf(t, first, "next")
		if !strings.Contains(next, "cursor=") || !strings.Contains(next, "page=2") {
			t.Fatalf("next page's link %q: want a cursor and the page's number", next)
		}
		e.call("Logged between pages", 0) // newest: at the top of page 1, not again on page 2
		second := c.get(next).must(t, http.StatusOK).has(t, "Calls 26–50 of more than 1000", "Page 2 of more than 40",
			"Queued call 0984", "Queued call 0960", `data-key="["`).lacks(t, "Queued call 0985", "Logged between pages")
		if prev := linkOf(t, second, "prev"); prev != "/queues/unassigned" {
			t.Errorf("the page before the second is %q, want the first", prev)
		}
		third := c.get(linkOf(t, second, "next")).must(t, http.StatusOK).has(t, "Calls 51–75 of", "Page 3 of", "Queued call 0959", "« First")
		back := linkOf(t, third, "prev")
		c.get(back).must(t, http.StatusOK).has(t, "Page 2 of", "Queued call 0984", "Queued call 0960").lacks(t, "Queued call 0959")
		// The self-refresh of page 3 stays on page 3.
		c.poll(linkOf(t, second, "next")).must(t, http.StatusOK).has(t, "Calls 51–75 of", "Queued call 0959")
		// A page number alone goes no further than the count: page 41 at most, by offset.
		c.get("/queues/unassigned?page=500").must(t, http.StatusOK).has(t, "Calls 1001–1011 of", "Page 41 of")
	})
}
