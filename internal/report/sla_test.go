package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/report"
	"calldesk/internal/store/storetest"
)

// TestServiceLevelReports checks the service-level and time reports (issue 18 item 1) against a
// fixture whose answers are worked out by hand on the desk's calendar (08:00-18:00 Monday to
// Friday, Europe/London, which is UTC in early March; P3 respond within 4 h, resolve within 30 h
// of working time), on both engines:
//
//	A P3, Mon 1 Mar 09:00; public reply 10:00 (1 h, met); resolved 15:00 (6 h, met).
//	B P3, Mon 1 Mar 09:00; public reply Tue 09:00 (10 h, missed); resolved Fri 5 Mar 17:00
//	  (9 + 30 + 9 = 48 h, missed).
//	C P3, Tue 2 Mar 09:00; nothing since: neither clock settled, C is breached by Fri.
//	D P3, Wed 3 Mar 09:00, cancelled 10:00: both clocks ended, not counted.
//	E P3 in Networks, Tue 23 Feb 09:00, reply 10:00 and resolved Wed 24 Feb 09:00 (10 h): the
//	  previous week, both met.
func TestServiceLevelReports(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		f := e.F
		storetest.ServiceLevels(t, e.S, f)
		calls := map[string]desk.Call{}
		at := func(d, h int) { e.Clock.Set(time.Date(2027, 3, d, h, 0, 0, 0, time.UTC)) }
		log := func(name string, group int64) {
			t.Helper()
			c, err := e.S.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{CustomerID: f.Dan.ID, Summary: "Call " + name,
				Source: desk.SourcePhone, GroupID: group, AnalystID: 0})
			if err != nil {
				t.Fatal(err)
			}
			if c.Priority != 3 {
				t.Fatalf("%s is %s, the fixture wants P3", name, c.Priority)
			}
			calls[name] = c
		}
		reply := func(name string) {
			t.Helper()
			if _, err := e.S.AddEntry(ctx, storetest.Actor(f.Ann), calls[name].Ref, desk.EntryUpdate, "Looking at it"); err != nil {
				t.Fatal(err)
			}
		}
		step := func(name string, tr desk.Transition) {
			t.Helper()
			cur, err := e.S.FindCallByRef(ctx, calls[name].Ref)
			if err != nil {
				t.Fatal(err)
			}
			if calls[name], err = e.S.UpdateCall(ctx, storetest.Actor(f.Ann), cur.Ref, cur.Version, tr); err != nil {
				t.Fatalf("%s %s: %v", name, tr.Action, err)
			}
		}
		e.Clock.Set(time.Date(2027, 2, 23, 9, 0, 0, 0, time.UTC))
		log("E", f.Networks.ID)
		e.Clock.Set(time.Date(2027, 2, 23, 10, 0, 0, 0, time.UTC))
		reply("E")
		e.Clock.Set(time.Date(2027, 2, 24, 9, 0, 0, 0, time.UTC))
		step("E", desk.Transition{Action: desk.ActResolve, Text: "Fixed"})
		at(1, 9)
		log("A", f.ServiceDesk.ID)
		log("B", f.ServiceDesk.ID)
		at(1, 10)
		reply("A")
		at(1, 15)
		step("A", desk.Transition{Action: desk.ActResolve, Text: "Fixed"})
		at(2, 9)
		reply("B")
		log("C", f.ServiceDesk.ID)
		at(3, 9)
		log("D", f.ServiceDesk.ID)
		at(3, 10)
		step("D", desk.Transition{Action: desk.ActCancel, Reason: "logged twice"})
		at(5, 17)
		step("B", desk.Transition{Action: desk.ActResolve, Text: "Fixed at last"})
		at(7, 12)

		r := report.Reporter{Store: e.S, Zone: london(t), Now: e.Clock.Now}
		run := func(k report.Kind, v report.Viewer) report.Result { t.Helper(); return firstWeek(t, r, k, v) }
		named, anon := report.Viewer{Named: true}, report.Viewer{}
		res := run(report.ServiceLevels, named)
		for _, c := range []struct {
			tb         int
			label, col string
			want       int
		}{
			{0, "P3", "Responses due in the range", 2},
			{0, "P3", "Within target", 1},
			{0, "P3", "Missed", 1},
			{0, "P3", "% within target", 50},
			{0, "P2", "Responses due in the range", 0},
			{0, "All priorities", "Responses due in the range", 2},
			{1, "P3", "Resolutions due in the range", 2},
			{1, "P3", "Within target", 1},
			{1, "All priorities", "% within target", 50},
			{2, "Service Desk", "Responses due", 2},
			{2, "Service Desk", "% resolved within target", 50},
		} {
			if got := cell(t, res.Tables[c.tb], c.label, c.col); got.N != c.want {
				t.Errorf("service levels table %d %s %s: %+v, want %d", c.tb, c.label, c.col, got, c.want)
			}
		}
		if got := cell(t, res.Tables[0], "P2", "% within target"); got.Text != "-" {
			t.Errorf("a priority with nothing due: %+v", got)
		}
		for _, want := range []string{
			"Resolved within target: 50% of 2, down 50 points on the previous week",
			"responded within target: 50% of 2, down 50 points on the previous week.",
			"open calls at risk of missing a target, 1 breached.",
		} {
			if !strings.Contains(res.Summary, want) {
				t.Errorf("summary %q lacks %q", res.Summary, want)
			}
		}
		// Four targets in the Service Desk is below the smallest group an aggregate viewer sees.
		res = run(report.ServiceLevels, anon)
		if got := cell(t, res.Tables[2], "Service Desk", "Responses due"); !got.Suppressed {
			t.Errorf("a group of four targets, aggregate: %+v", got)
		}
		if got := cell(t, res.Tables[0], "All priorities", "Within target"); got.N != 1 {
			t.Errorf("aggregate totals: %+v", got)
		}

		res = run(report.Times, named)
		for _, c := range []struct {
			label, col string
			want       time.Duration
		}{
			{"P3", "Median to respond", time.Hour},
			{"P3", "90th percentile to respond", 10 * time.Hour},
			{"P3", "Median to resolve", 6 * time.Hour},
			{"P3", "90th percentile to resolve", 48 * time.Hour},
			{"All priorities", "Median to resolve", 6 * time.Hour},
		} {
			if got := cell(t, res.Tables[0], c.label, c.col); got.N != int(c.want/time.Second) || got.Format != report.Duration {
				t.Errorf("times %s %s: %+v, want %s", c.label, c.col, got, c.want)
			}
		}
		if got := cell(t, res.Tables[0], "P3", "Resolutions"); got.N != 2 {
			t.Errorf("P3 resolutions timed: %+v", got)
		}
		if want := "Median working time to resolve: 6 h 0 min, 90th percentile 2 days 0 h, over 2 calls; 10 h 0 min in the previous week."; res.Summary != want {
			t.Errorf("times summary %q, want %q", res.Summary, want)
		}
	})
}
