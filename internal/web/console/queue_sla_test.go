package console_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// slaDesk gives the Service Desk a Monday-to-Friday 08:00-18:00 calendar (Europe/London, England
// and Wales bank holidays; the desk's default, being the first) and a rule for P2 to P4: respond
// within 4h, resolve within 30h, both paused on hold and pending. P1 has no rule: such calls have
// no target (noTarget logs one).
func slaDesk(t *testing.T, e *env) {
	t.Helper()
	storetest.ServiceLevels(t, e.s, e.f)
}

// noTarget logs a P1 call (no rule applies) in group.
func (e *env) noTarget(summary string, group int64) desk.Call {
	e.t.Helper()
	c, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Summary: summary, CustomerID: e.f.Dan.ID,
		Source: desk.SourcePhone, GroupID: group, Impact: desk.High, Urgency: desk.High})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// holdCall puts ref on hold for three days.
func (e *env) holdCall(ref string) {
	e.t.Helper()
	cur := e.callNow(e.t, ref)
	if _, err := e.s.UpdateCall(e.ctx, storetest.Actor(e.f.Ann), ref, cur.Version, desk.Transition{Action: desk.ActHold,
		Until: e.clock.Now().Add(72 * time.Hour), Reason: "waiting for the customer"}); err != nil {
		e.t.Fatal(err)
	}
}

// TestQueuesShowServiceLevels (issue 17 point 5): each row says the working time left to respond
// and resolve in words, with the deadline in a <time> (title and text for screen readers); a
// call at 75% is "at risk" in words and in the "At risk" queue, with its count; once its time
// runs out it is overdue and in "Breached"; a paused clock says so; a call no rule applies to has
// no target; a queue sorts by deadline.
func TestQueuesShowServiceLevels(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		slaDesk(t, e)
		a := e.call("Printer jams", e.f.ServiceDesk.ID)
		b := e.call("Monitor flickers", e.f.ServiceDesk.ID)
		n := e.noTarget("Switch down", e.f.Networks.ID)
		c := e.signIn(e.f.Ann)

		r := c.get("/queues/open").must(t, http.StatusOK)
		r.has(t, `<th scope="col" role="columnheader">Respond by</th>`, `<th scope="col" role="columnheader">Resolve by</th>`,
			`<span class="sla-time sla-ok"><time datetime="2026-03-02T13:00:00Z" title="due Mon 2 Mar 2026 13:00 UTC">4h left</time><span class="sla-due">, due Mon 2 Mar 2026 13:00 UTC</span></span>`,
			`30h left`, `<span class="sla-time sla-none">no target</span>`,
			`<span>At risk</span> <span class="count">0<span class="visually-hidden"> calls</span>`,
			`<span>Breached</span> <span class="count">0<span class="visually-hidden"> calls</span>`)
		c.get("/queues/at-risk").must(t, http.StatusOK).has(t, "No calls in this queue", `<option value="" selected>Deadline first</option>`)

		e.clock.Advance(time.Hour) // 10:00: b on hold with 1h of its respond time used
		e.holdCall(b.Ref)
		e.clock.Advance(2*time.Hour + 30*time.Minute) // 12:30: a has used 87% of its respond time
		c = e.signIn(e.f.Ann)                         // after 30 idle minutes
		r = c.get("/queues/at-risk").must(t, http.StatusOK)
		r.has(t, a.Ref, "Calls 1–1 of 1", `<span class="sla-badge">at risk</span>`,
			`<span class="sla-time sla-risk"><strong class="sla-flag">at risk</strong> <time datetime="2026-03-02T13:00:00Z" title="due Mon 2 Mar 2026 13:00 UTC">30m left</time>`,
			`aria-current="page"><span>At risk</span> <span class="count">1<span class="visually-hidden"> calls</span>`)
		r.lacks(t, b.Ref, n.Ref)
		c.get("/queues/open").must(t, http.StatusOK).has(t, `<span class="sla-time sla-paused">paused, 3h left</span>`, `<span class="sla-time sla-paused">paused, 29h left</span>`)

		e.clock.Advance(time.Hour) // 13:30: a's response is 30 minutes late
		c = e.signIn(e.f.Ann)
		c.get("/queues/at-risk").must(t, http.StatusOK).has(t, "No calls in this queue")
		r = c.get("/queues/breached").must(t, http.StatusOK)
		r.has(t, a.Ref, `<span class="sla-badge">overdue</span>`,
			`<span class="sla-time sla-over"><time datetime="2026-03-02T13:00:00Z" title="ran out Mon 2 Mar 2026 13:00 UTC">30m overdue</time><span class="sla-due">, ran out Mon 2 Mar 2026 13:00 UTC</span></span>`,
			`<span>Breached</span> <span class="count">1<span class="visually-hidden"> calls</span>`)
		r.lacks(t, b.Ref, n.Ref)

		// By deadline: a (ran out at 13:00), then b (paused), then n (no target); newest first
		// otherwise.
		due := c.get("/queues/open?sort=due").must(t, http.StatusOK).lacks(t, "Sort is not one of the choices").body
		if ia, ib, in := strings.Index(due, a.Ref+"</a>"), strings.Index(due, b.Ref+"</a>"), strings.Index(due, n.Ref+"</a>"); ia < 0 || ib < ia || in < ib {
			t.Errorf("sorted by deadline: %s at %d, %s at %d, %s at %d", a.Ref, ia, b.Ref, ib, n.Ref, in)
		}
		c.get("/queues/resolved?sort=due").must(t, http.StatusOK).has(t, "Sort is not one of the choices: resolved calls have no deadline left")
		c.get("/queues/resolved").must(t, http.StatusOK).lacks(t, `<option value="due"`)
		newest := c.get("/queues/open").must(t, http.StatusOK).body
		if strings.Index(newest, n.Ref+"</a>") > strings.Index(newest, a.Ref+"</a>") {
			t.Errorf("newest first puts %s before %s", a.Ref, n.Ref)
		}
	})
}
