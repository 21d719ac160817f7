package portal_test

import (
	"net/http"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
	"calldesk/internal/web/portal"
)

// TestPortalSaysWhenToExpect (issue 17 point 5): the customer's call page says when to expect a
// reply and a resolution, in the desk's zone and in words (no jargon, no percentages, never
// "breached"); late, it says so and is sorry; on hold, that the clock is stopped while the desk
// waits; nothing when no target applies or the call is resolved.
func TestPortalSaysWhenToExpect(t *testing.T) {
	t.Parallel()
	london, _ := time.LoadLocation("Europe/London")
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(_ *env, _ *console.Console, p *portal.Portal) { p.Zone = london })
		storetest.ServiceLevels(t, e.s, e.f) // P1 has no rule
		// Tuesday 7 April 2026, 09:00 BST (08:00 UTC): the desk's zone is an hour ahead of UTC.
		e.clock.Advance(time.Date(2026, 4, 7, 8, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
		a := e.call(e.f.Dan, "Printer jams")
		n, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Summary: "Switch down", CustomerID: e.f.Dan.ID,
			Source: desk.SourcePhone, GroupID: e.f.Networks.ID, Impact: desk.High, Urgency: desk.High})
		if err != nil {
			t.Fatal(err)
		}
		jargon := []string{"breach", "Breach", "%", "SLA", "service level", "overdue"}
		c := e.signIn(e.f.Dan)
		c.get("/portal/calls/"+a.Ref).must(t, http.StatusOK).
			has(t, `<h2 id="expect-title">What to expect</h2>`, "We aim to reply by Tuesday 7 April, 13:00.",
				// 30 working hours: Tuesday 9h, Wednesday and Thursday 10h each, Friday 08:00-09:00.
				"We aim to resolve this by Friday 10 April, 09:00.").
			lacks(t, jargon...)
		c.get("/portal/calls/"+n.Ref).must(t, http.StatusOK).lacks(t, "What to expect", "We aim")

		e.clock.Advance(5 * time.Hour) // 14:00 BST: the reply is an hour late
		c = e.signIn(e.f.Dan)
		c.get("/portal/calls/"+a.Ref).must(t, http.StatusOK).
			has(t, "We aimed to reply by Tuesday 7 April, 13:00 and are running late: we are sorry for the wait.",
				"We aim to resolve this by Friday 10 April, 09:00.").
			lacks(t, jargon...)

		cur := e.find(a.Ref)
		if _, err := e.s.UpdateCall(e.ctx, storetest.Actor(e.f.Ann), a.Ref, cur.Version, desk.Transition{Action: desk.ActHold,
			Until: e.clock.Now().Add(48 * time.Hour), Reason: "waiting for the customer's reply"}); err != nil {
			t.Fatal(err)
		}
		c.get("/portal/calls/"+a.Ref).must(t, http.StatusOK).has(t, "While we wait for you, the clock is stopped.").
			lacks(t, "We aim", "running late")

		e.resolve(a.Ref)
		c.get("/portal/calls/"+a.Ref).must(t, http.StatusOK).lacks(t, "What to expect", "We aim", "clock is stopped")
	})
}
