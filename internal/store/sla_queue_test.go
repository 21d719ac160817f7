package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// The queues' view of service levels (issue 17 point 5): the at-risk and breached counts match
// the lists, and the stored levels carried forward to now in working time with no re-evaluation:
// a running clock becomes at risk, then overdue; a paused one stands still; an overdue clock on
// hold stops growing; the evening and night do not count.
func TestServiceLevelsNowAndCounts(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		slaDesk(t, e)
		london, _ := time.LoadLocation("Europe/London")
		// Monday 2 March 2026 09:00 GMT: a and b, P3 (respond 4h, resolve 30h).
		newCall := func(summary string) desk.Call {
			c, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: summary, CustomerID: e.F.Dan.ID,
				GroupID: e.F.ServiceDesk.ID, Impact: desk.Medium, Urgency: desk.Medium})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		hold := func(ref string) {
			cur := mustCall(t, e, ref)
			if _, err := e.S.UpdateCall(ctx, storetest.Actor(e.F.Ann), ref, cur.Version, desk.Transition{Action: desk.ActHold,
				Until: e.Clock.Now().Add(72 * time.Hour), Reason: "waiting for the customer"}); err != nil {
				t.Fatal(err)
			}
		}
		a, b := newCall("printer jams"), newCall("monitor flickers")
		counts := func(want store.SLACounts) {
			t.Helper()
			n, err := e.S.CountSLA(ctx)
			if err != nil || n != want {
				t.Errorf("counts at %s: %+v %v, want %+v", e.Clock.Now().Format("Mon 15:04"), n, err, want)
			}
			risk, _, err := e.S.FindCalls(ctx, store.CallFilter{SLA: "at_risk", Limit: 100})
			if err != nil || len(risk) != want.AtRisk {
				t.Errorf("the at-risk list has %d calls (%v), its count %d", len(risk), err, want.AtRisk)
			}
			breached, _, err := e.S.FindCalls(ctx, store.CallFilter{SLA: "breached", Limit: 100})
			if err != nil || len(breached) != want.Breached {
				t.Errorf("the breached list has %d calls (%v), its count %d", len(breached), err, want.Breached)
			}
		}
		now := func() map[string]store.LevelNow {
			t.Helper()
			calls, _, err := e.S.FindCalls(ctx, store.CallFilter{CustomerID: e.F.Dan.ID, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			ls, err := e.S.ServiceLevelsNow(ctx, calls, e.Clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]store.LevelNow{}
			for i, c := range calls {
				out[c.Ref] = ls[i]
			}
			return out
		}
		ls := now()
		if r := ls[a.Ref].Respond; r.State != sla.Running || r.Left != 4*time.Hour || r.Elapsed != 0 ||
			!r.Due.Equal(time.Date(2026, 3, 2, 13, 0, 0, 0, london)) || r.AtRisk || !ls[a.Ref].Exact {
			t.Errorf("respond clock when logged: %+v", r)
		}
		counts(store.SLACounts{})

		e.Clock.Advance(time.Hour) // 10:00: b goes on hold, 1h of its respond time used
		hold(b.Ref)
		e.Clock.Advance(2*time.Hour + 30*time.Minute) // 12:30, nothing re-evaluated a since 09:00
		ls = now()
		if r := ls[a.Ref].Respond; r.State != sla.Running || r.Left != 30*time.Minute || r.Elapsed != 3*time.Hour+30*time.Minute || !r.AtRisk {
			t.Errorf("a's respond clock at 12:30: %+v", r)
		}
		if !ls[a.Ref].AtRisk() || ls[a.Ref].Breached() {
			t.Errorf("a at 12:30 is at risk and not breached: %+v", ls[a.Ref])
		}
		if r := ls[b.Ref].Respond; r.State != sla.Paused || r.Left != 3*time.Hour || !r.Due.IsZero() || r.AtRisk {
			t.Errorf("b's respond clock on hold: %+v", r)
		}
		counts(store.SLACounts{AtRisk: 1})

		e.Clock.Advance(time.Hour) // 13:30: a's response is 30 minutes late
		ls = now()
		if r := ls[a.Ref].Respond; r.State != sla.Overdue || r.Left != -30*time.Minute || !r.Breached() || r.AtRisk ||
			!r.Due.Equal(time.Date(2026, 3, 2, 13, 0, 0, 0, london)) {
			t.Errorf("a's respond clock at 13:30: %+v", r)
		}
		if r := ls[a.Ref].Resolve; r.State != sla.Running || r.Left != 30*time.Hour-4*time.Hour-30*time.Minute {
			t.Errorf("a's resolve clock at 13:30: %+v", r)
		}
		counts(store.SLACounts{Breached: 1})

		// a on hold while overdue: its overrun stops growing; the night does not count for b.
		hold(a.Ref)
		e.Clock.Advance(20 * time.Hour) // Tuesday 09:30
		ls = now()
		if r := ls[a.Ref].Respond; r.State != sla.Overdue || r.Left != -30*time.Minute {
			t.Errorf("a's respond clock on hold, overdue: %+v", r)
		}
		if r := ls[b.Ref].Resolve; r.State != sla.Paused || r.Left != 29*time.Hour {
			t.Errorf("b's resolve clock on hold: %+v", r)
		}
		counts(store.SLACounts{Breached: 1})

		// A call with no stored level (none read) has no targets.
		if l, err := e.S.ServiceLevelNow(ctx, desk.Call{}, e.Clock.Now()); err != nil || l.Respond.State != sla.NoTarget || l.Resolve.State != sla.NoTarget {
			t.Errorf("no level: %+v %v", l, err)
		}
	})
}
