package store_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestReportLevelFiguresFollowTheCall checks the service-level reports' grouped figures, read
// from call_sla alone (its priority and group, 0057), against an independent count: every
// settled clock listed with the priority and group of its call's row now (ReportServiceLevels
// joins the calls). X's response settles in P3 and the Service Desk; X then becomes P2 and
// moves to Networks, and its figure must move with it. Both engines.
func TestReportLevelFiguresFollowTheCall(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		f := e.F
		storetest.ServiceLevels(t, e.S, f)
		ann := storetest.Actor(f.Ann)
		at := func(d, h int) { e.Clock.Set(time.Date(2027, 3, d, h, 0, 0, 0, time.UTC)) }
		calls := map[string]desk.Call{}
		for _, name := range []string{"X", "Y", "Z"} {
			c, err := e.S.CreateCall(ctx, ann, desk.NewCall{CustomerID: f.Dan.ID, Summary: "Call " + name,
				Source: desk.SourcePhone, GroupID: f.ServiceDesk.ID})
			if err != nil {
				t.Fatal(err)
			}
			calls[name] = c
		}
		step := func(name string, tr desk.Transition) {
			t.Helper()
			cur, err := e.S.FindCallByRef(ctx, calls[name].Ref)
			if err != nil {
				t.Fatal(err)
			}
			if calls[name], err = e.S.UpdateCall(ctx, ann, cur.Ref, cur.Version, tr); err != nil {
				t.Fatalf("%s %s: %v", name, tr.Action, err)
			}
		}
		at(1, 10)
		for _, name := range []string{"X", "Y"} {
			if _, err := e.S.AddEntry(ctx, ann, calls[name].Ref, desk.EntryUpdate, "Looking at it"); err != nil {
				t.Fatal(err)
			}
		}
		at(1, 15)
		step("Y", desk.Transition{Action: desk.ActResolve, Text: "Fixed"})
		at(2, 9)
		step("X", desk.Transition{Action: desk.ActChange, Impact: desk.High, Urgency: desk.Medium})
		step("X", desk.Transition{Action: desk.ActAssign, GroupID: f.Networks.ID})
		if calls["X"].Priority != 2 || calls["X"].GroupID != f.Networks.ID {
			t.Fatalf("X is %s in group %d, the test wants P2 in Networks", calls["X"].Priority, calls["X"].GroupID)
		}
		at(8, 12)

		from, to := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)
		type key struct {
			clock    string
			priority desk.Priority
			group    int64
			met      bool
		}
		// The independent count: one entry per settled clock, from the calls' rows.
		want := map[key][]time.Duration{}
		levels, err := e.S.ReportServiceLevels(ctx, store.ReportFilter{}, from, to)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range levels {
			for clock, c := range map[string]store.SettledClock{"respond": l.Respond, "resolve": l.Resolve} {
				if c.Settled {
					k := key{clock, l.Priority, l.GroupID, c.Met}
					want[k] = append(want[k], c.Elapsed)
				}
			}
		}
		for _, filter := range []store.ReportFilter{{}, {Source: desk.SourcePhone}} { // call_sla alone, and joined to the calls
			figs, err := e.S.ReportLevelFigures(ctx, filter, from, to)
			if err != nil {
				t.Fatal(err)
			}
			got := map[key][]time.Duration{}
			for _, l := range figs {
				k := key{l.Clock, l.Priority, l.GroupID, l.Met}
				if len(l.Elapsed) != l.Count {
					t.Errorf("%+v: %d times for %d clocks", k, len(l.Elapsed), l.Count)
				}
				got[k] = append(got[k], l.Elapsed...)
			}
			for _, m := range []map[key][]time.Duration{want, got} {
				for _, ds := range m {
					slices.SortFunc(ds, cmp.Compare)
				}
			}
			if len(got) != len(want) {
				t.Errorf("filter %+v: %d groups of figures, the calls give %d:\n got %v\nwant %v", filter, len(got), len(want), got, want)
			}
			for k, ds := range want {
				if !slices.Equal(got[k], ds) {
					t.Errorf("filter %+v, %+v: %v, the calls give %v", filter, k, got[k], ds)
				}
			}
			// X's response: 1 h of working time, met, now P2 in Networks.
			if ds := got[key{"respond", 2, f.Networks.ID, true}]; len(ds) != 1 || ds[0] != time.Hour {
				t.Errorf("filter %+v: X's response under P2 in Networks: %v", filter, ds)
			}
		}
	})
}
