package web_test

import (
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// slaDesk gives the Service Desk a Monday-to-Friday 08:00-18:00 calendar (the desk's default,
// being the first) and a rule for P2 to P4 (respond 4h, resolve 30h, paused on hold and
// pending); P1 calls have no target.
func slaDesk(t *testing.T, e *env) {
	t.Helper()
	storetest.ServiceLevels(t, e.s, e.f)
}

// TestAPIServiceLevels (issue 17 point 5): a call and the lists carry an sla object (rule, why,
// per target within and elapsed in seconds of working time, due, state, breached, met or missed
// by); the lists filter sla=at_risk|breached and sort=due; a bad filter is a 400 naming it.
func TestAPIServiceLevels(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		slaDesk(t, e)
		a := e.call(desk.NewCall{Summary: "Printer jams", GroupID: e.f.ServiceDesk.ID, Impact: desk.Medium, Urgency: desk.Medium})
		n := e.call(desk.NewCall{Summary: "Switch down", GroupID: e.f.Networks.ID, Impact: desk.High, Urgency: desk.High})
		list := func(query string) []apiCall {
			t.Helper()
			var l apiCallList
			e.ok(e.req("GET", "/api/v1/calls?"+query, nil), 200, &l)
			return l.Calls
		}
		// The engines share the clock: the second starts where the first left it (still within
		// Monday's working hours).
		respondDue := a.LoggedAt.Add(4 * time.Hour)

		got := list("")
		if len(got) != 2 || got[0].SLA == nil || got[1].SLA == nil {
			t.Fatalf("list when logged: %+v", got)
		}
		if s := got[1].SLA; s.Rule != "P3 standard" || s.RuleID == 0 || !strings.Contains(s.Why, "Desk hours") || s.AtRisk || s.Breached ||
			s.Respond.State != "running" || s.Respond.Within != 4*3600 || s.Respond.Elapsed != 0 || !s.Respond.Due.Equal(respondDue) ||
			s.Resolve.State != "running" || s.Resolve.Within != 30*3600 {
			t.Errorf("%s when logged: %+v", a.Ref, *s)
		}
		if s := got[0].SLA; s.Respond.State != "none" || s.Resolve.State != "none" || s.Respond.Within != 0 || s.Respond.Due != nil ||
			!strings.Contains(s.Why, "no service-level rule matches") {
			t.Errorf("%s, P1 with no rule: %+v", n.Ref, *s)
		}

		e.clock.Advance(3*time.Hour + 30*time.Minute) // 87% of a's respond time used
		got = list("sla=at_risk")
		if len(got) != 1 || got[0].Ref != a.Ref || !got[0].SLA.AtRisk || got[0].SLA.Respond.Elapsed != 3*3600+1800 {
			t.Errorf("at risk at 12:30: %+v", got)
		}
		if got := list("sla=breached"); len(got) != 0 {
			t.Errorf("breached at 12:30: %+v", got)
		}
		e.clock.Advance(time.Hour) // 30 minutes late
		got = list("sla=breached")
		if len(got) != 1 || got[0].Ref != a.Ref {
			t.Fatalf("breached at 13:30: %+v", got)
		}
		if s := got[0].SLA; !s.Breached || s.AtRisk || s.Respond.State != "overdue" || !s.Respond.Breached || s.Respond.MissedBy != 1800 ||
			s.Respond.Elapsed != 4*3600+1800 || !s.Respond.Due.Equal(respondDue) {
			t.Errorf("a at 13:30: %+v", *s)
		}
		// Deadline first: a (its time ran out), then n (no target).
		if got := list("sort=due"); len(got) != 2 || got[0].Ref != a.Ref || got[1].Ref != n.Ref {
			t.Errorf("sort=due: %+v", got)
		}

		// The call, evaluated afresh: answered 30 minutes late.
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), a.Ref, desk.EntryUpdate, "Looking at it now"); err != nil {
			t.Fatal(err)
		}
		var c apiCall
		e.ok(e.req("GET", "/api/v1/calls/"+a.Ref, nil), 200, &c)
		if s := c.SLA; s == nil || s.Respond.State != "missed" || s.Respond.MissedBy != 1800 || !s.Respond.Breached || !s.Breached ||
			s.Resolve.State != "running" || s.Resolve.Elapsed != 4*3600+1800 || s.Resolve.Breached || s.Rule != "P3 standard" {
			t.Errorf("GET %s: %+v", a.Ref, s)
		}

		for _, q := range []string{"sla=late", "sort=deadline"} {
			p := e.problem(e.req("GET", "/api/v1/calls?"+q, nil), 400)
			name, _, _ := strings.Cut(q, "=")
			if p.Errors[name] == "" {
				t.Errorf("%s: %+v", q, p)
			}
		}
	})
}
