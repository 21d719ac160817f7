package console_test

import (
	"net/http"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// TestCallPageShowsServiceLevel (issue 17 point 5): the call page shows the rule that applies and
// why, and both clocks evaluated now: target, state in words, deadline in the desk's zone,
// working time used and left, the pauses, and by how much a target was met; a call no rule
// applies to says there is no target and why.
func TestCallPageShowsServiceLevel(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		slaDesk(t, e)
		a := e.call("Printer jams", e.f.ServiceDesk.ID)
		n := e.noTarget("Switch down", e.f.Networks.ID)
		e.clock.Advance(time.Hour) // 10:00 to 11:00 on hold
		cur := e.callNow(t, a.Ref)
		if _, err := e.s.UpdateCall(e.ctx, storetest.Actor(e.f.Ann), a.Ref, cur.Version, desk.Transition{Action: desk.ActHold,
			Until: e.clock.Now().Add(time.Hour), Reason: "waiting for the customer"}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Hour)
		if _, err := e.s.ReleaseHolds(e.ctx, 10); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(30 * time.Minute) // 11:30: the first public update, 1h 30m of working time in
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), a.Ref, desk.EntryUpdate, "Looking at it now"); err != nil {
			t.Fatal(err)
		}
		c := e.signIn(e.f.Ann)
		r := c.get("/calls/" + a.Ref)
		r.must(t, http.StatusOK)
		r.has(t, `<h2 id="sla-title">Service level</h2>`, `Rule: <strong>`, "counted in calendar &#39;Desk hours&#39;",
			// Respond: met, paused while on hold.
			`<h3>Respond</h3>`, `<dd>4h of working time</dd>`, `<span class="sla-time sla-done">met</span> <span class="muted">(met)</span>`,
			`met with 2h 30m to spare`, `<dt>Was due</dt><dd><time datetime="2026-03-02T14:00:00Z">Mon 2 Mar 2026 14:00 UTC</time>`,
			`from <time datetime="2026-03-02T10:00:00Z">Mon 2 Mar 2026 10:00 UTC</time> to <time datetime="2026-03-02T11:00:00Z">Mon 2 Mar 2026 11:00 UTC</time>`,
			// Resolve: running, 28h 30m left: Monday to 18:00, Tuesday, Wednesday, Thursday 08:00-10:00.
			`<h3>Resolve</h3>`, `<dd>30h of working time</dd>`, `28h 30m left`, `<dt>Deadline</dt><dd><time datetime="2026-03-05T10:00:00Z">Thu 5 Mar 2026 10:00 UTC</time>`,
			`<dd>1h 30m (28h 30m left)</dd>`)
		c.get("/calls/"+n.Ref).must(t, http.StatusOK).has(t, "No target applies.", "no service-level rule matches").lacks(t, "<h3>Respond</h3>")
	})
}
