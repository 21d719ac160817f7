package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

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
			`hx-trigger="every 30s"`, `aria-current="page"><span>Unassigned</span> <span class="count" aria-label="27 calls">27`)
		r.lacks(t, "Printer jam number 01", mine.Ref)
		c.get("/queues/unassigned?page=2").must(t, http.StatusOK).has(t, "Calls 26–27 of 27", "Printer jam number 00", `rel="prev"`)
		c.get("/queues/unassigned?sort=oldest").must(t, http.StatusOK).has(t, "Printer jam number 00").lacks(t, "Printer jam number 26")

		// My calls: the accepted one, in progress; my groups' calls: Service Desk's, not Networks'.
		c.get("/queues/mine").must(t, http.StatusOK).has(t, mine.Ref, "In progress", `aria-label="1 calls">1`).lacks(t, net.Ref)
		c.get("/queues/groups").must(t, http.StatusOK).has(t, mine.Ref).lacks(t, net.Ref, "Printer jam")
		open := c.get("/queues/open").must(t, http.StatusOK).has(t, "of 29")
		open.has(t, `aria-label="29 calls">29`)
		// Filters: group, analyst, priority; a bad value is named beside its field, not a crash.
		c.get(fmt.Sprintf("/queues/open?group=%d", e.f.Networks.ID)).must(t, http.StatusOK).has(t, net.Ref, "Calls 1–1 of 1")
		c.get(fmt.Sprintf("/queues/open?analyst=%d", e.f.Ann.ID)).must(t, http.StatusOK).has(t, mine.Ref, "Calls 1–1 of 1")
		c.get("/queues/open?priority=1").must(t, http.StatusOK).has(t, "No calls in this queue")
		c.get("/queues/open?priority=9").must(t, http.StatusOK).has(t, "Priority must be P1 to P4", `aria-invalid="true"`)
		c.get("/queues/open?age=1w").must(t, http.StatusOK).has(t, "No calls in this queue")
		c.get("/queues/nonsense").must(t, http.StatusNotFound).has(t, `there is no queue &#34;nonsense&#34;`)

		// Showing a queue is a read of the customers' data, and audited.
		recs := e.audited(e.f.Dan, "call.search")
		if len(recs) == 0 || recs[0].ActorID != e.f.Ann.ID || !strings.Contains(recs[0].Detail, "console queue") {
			t.Fatalf("queue views audited as %+v", recs)
		}
	})
}
