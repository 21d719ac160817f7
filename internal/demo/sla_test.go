package demo_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/demo"
	"calldesk/internal/sla"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestServiceLevelDefaults (issue 17 point 7): the demo has the Service Desk's 08:00-18:00
// Monday-to-Friday calendar with the England and Wales bank holidays, a 24x7 Networks calendar
// for the Networks group (the Service Desk's for every other group), and the targets, a
// "day" being the calendar's working day of 10 hours.
func TestServiceLevelDefaults(t *testing.T) {
	storetest.Each(t, storetest.NewClock(now.Add(time.Minute)), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, s, demo.Options{Seed: 3, People: 120, Calls: 50, Now: now}); err != nil {
			t.Fatal(err)
		}
		cals, err := s.Calendars(ctx)
		if err != nil || len(cals) != 2 {
			t.Fatalf("calendars %+v, %v", cals, err)
		}
		net, sd := cals[0], cals[1]
		if sd.Spec.Name != "Service Desk" || sd.Spec.Region != sla.EnglandAndWales || store.EncodeWeek(sd.Spec.Week) != "|08:00-18:00|08:00-18:00|08:00-18:00|08:00-18:00|08:00-18:00|" ||
			net.Spec.Name != "Networks" || store.EncodeWeek(net.Spec.Week) != "00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00" {
			t.Errorf("calendars %+v", cals)
		}
		rules, err := s.Rules(ctx)
		if err != nil || len(rules) != 4 {
			t.Fatalf("rules %+v, %v", rules, err)
		}
		want := [][2]time.Duration{{30 * time.Minute, 4 * time.Hour}, {time.Hour, 10 * time.Hour}, {4 * time.Hour, 30 * time.Hour}, {10 * time.Hour, 100 * time.Hour}}
		for i, r := range rules {
			if int(r.Priority) != i+1 || r.Respond.Within != want[i][0] || r.Resolve.Within != want[i][1] || len(r.Resolve.PauseIn) != 2 {
				t.Errorf("rule %d: %+v", i, r)
			}
		}
		uses, err := s.CalendarUses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		groups, err := s.Groups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			wantCal := sd.ID
			if g.Name == "Networks" {
				wantCal = net.ID
			}
			if uses.Groups[g.ID] != wantCal {
				t.Errorf("group %s uses calendar %d, want %d", g.Name, uses.Groups[g.ID], wantCal)
			}
		}
		// A P2 call logged on a Friday at 17:30 with the Service Desk: resolved by Monday 17:30.
		cal, err := sd.Calendar()
		if err != nil {
			t.Fatal(err)
		}
		due, err := cal.Add(time.Date(2026, 12, 4, 17, 30, 0, 0, cal.Location()), rules[1].Resolve.Within)
		if err != nil || !due.Equal(time.Date(2026, 12, 7, 17, 30, 0, 0, cal.Location())) {
			t.Errorf("P2 logged Friday 17:30 resolves by %v, %v", due, err)
		}
	})
}

// TestDemoCallsAtRiskAndBreached (issue 17 point 7): every demo call gets its service level from
// its history when the demo loads, and on a working morning some open calls are at risk and some
// breached, which the lists by service level find.
func TestDemoCallsAtRiskAndBreached(t *testing.T) {
	storetest.Each(t, storetest.NewClock(now.Add(time.Minute)), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		res, err := demo.Load(ctx, s, demo.Options{Seed: 5, People: 500, Calls: 8000, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d open calls at risk, %d breached", res.AtRisk, res.Breached)
		if res.AtRisk == 0 || res.Breached == 0 {
			t.Fatalf("at risk %d, breached %d: the demo should show both", res.AtRisk, res.Breached)
		}
		for which, n := range map[string]int{"at_risk": res.AtRisk, "breached": res.Breached} {
			p, err := s.FindCallsPage(ctx, store.CallFilter{SLA: which, Limit: 500})
			if err != nil || p.Total != n || len(p.Calls) != min(n, 500) {
				t.Fatalf("%s: %d calls of %d, want %d: %v", which, len(p.Calls), p.Total, n, err)
			}
			for _, c := range p.Calls {
				if c.SLA == nil || !c.State.Open() || (which == "at_risk") != c.SLA.AtRisk(now.Add(time.Minute)) ||
					(which == "breached") != c.SLA.Overdue(now.Add(time.Minute)) {
					t.Fatalf("%s lists %s (%s) with %+v", which, c.Ref, c.State, c.SLA)
				}
			}
		}
		if n, err := s.RepairSLA(ctx, 100); err != nil || !n.Done() {
			t.Errorf("every call evaluated by the load; a repair found %+v, %v", n, err)
		}
	})
}
