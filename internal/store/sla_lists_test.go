package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// The "at risk" list on a live desk (issue 22 point 6): calls logged a moment ago, not at risk,
// are due before the older calls at risk, so the list must not walk the open calls in deadline
// order from now, reading each one's band, until it has a page; it reads the calls at risk from
// call_sla_band and sorts them. The plan must hold whatever the statistics say: those a
// migration leaves (call_sla analysed while empty), none, and fresh ones (with which SQLite, at a
// million calls, walked call_sla_queue as well). The list's calls, order and pages stay right,
// and a page's cursors read its first and last calls' keys by the primary key.
func TestAtRiskListPlan(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		slaDesk(t, e)
		pause := []desk.State{desk.OnHold, desk.Pending}
		if _, err := e.S.CreateRule(ctx, e.F.Admin, store.SLARule{Rule: sla.Rule{Name: "P1 urgent", Priority: 1, RespondOn: sla.FirstPublicAction,
			Respond: sla.Target{Within: 30 * time.Minute, PauseIn: pause}, Resolve: sla.Target{Within: 4 * time.Hour, PauseIn: pause}}}, "test"); err != nil {
			t.Fatal(err)
		}
		logCall := func(summary string, level desk.Level) desk.Call {
			t.Helper()
			c, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: summary, CustomerID: e.F.Dan.ID,
				GroupID: e.F.ServiceDesk.ID, Impact: level, Urgency: level})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// Monday 09:00: six P3 calls, due 13:00, at risk from 12:00. 12:20: 300 P1 calls, due
		// 12:50, at risk from 12:42:30. At 12:30 the six are at risk (three of them moved to the
		// band by the escalation job, three not yet), behind 300 calls that are not.
		var want []string
		for i := 0; i < 6; i++ {
			want = append(want, logCall(fmt.Sprintf("printer jams %d", i), desk.Medium).Ref)
		}
		e.Clock.Advance(3*time.Hour + 20*time.Minute)
		for i := 0; i < 300; i++ {
			logCall(fmt.Sprintf("lecture theatre projector down %d", i), desk.High)
		}
		e.Clock.Advance(10 * time.Minute)
		if _, err := e.S.Escalate(ctx, 3, nil); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM call_sla WHERE band = 'at_risk'`); n != 3 {
			t.Fatalf("%d calls in the band at risk, want 3", n)
		}

		first, err := e.S.FindCallsPage(ctx, store.CallFilter{SLA: "at_risk", Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		next, err := e.S.FindCallsPage(ctx, store.CallFilter{SLA: "at_risk", Limit: 4, Cursor: first.Next})
		if err != nil {
			t.Fatal(err)
		}
		if got := append(refsOf(first.Calls), refsOf(next.Calls)...); !slices.Equal(got, want) || first.Total != 6 || next.Next != "" {
			t.Errorf("the list at risk: %v (total %d, then %q), want %v", got, first.Total, next.Next, want)
		}
		prev, err := e.S.FindCallsPage(ctx, store.CallFilter{SLA: "at_risk", Limit: 4, Cursor: next.Prev})
		if err != nil || !slices.Equal(refsOf(prev.Calls), want[:4]) {
			t.Errorf("back from the second page: %v, %v", refsOf(prev.Calls), err)
		}
		if n, err := e.S.CountSLA(ctx); err != nil || n != (store.SLACounts{AtRisk: 6}) {
			t.Errorf("counts %+v, %v", n, err)
		}

		stats := []struct {
			name  string
			apply func()
		}{
			{"the statistics a migration left", func() {}},
			{"fresh statistics", func() { e.DB.MustExec(t, `ANALYZE call_sla`) }},
		}
		if e.Engine == "sqlite" {
			stats = append(stats, struct {
				name  string
				apply func()
			}{"no statistics", func() {
				e.DB.MustExec(t, `DELETE FROM sqlite_stat1 WHERE tbl = 'call_sla'`)
				if e.DB.Count(t, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`) > 0 {
					e.DB.MustExec(t, `DELETE FROM sqlite_stat4 WHERE tbl = 'call_sla'`)
				}
			}})
		}
		after := e.Clock.Now().UnixMicro()
		for _, st := range stats {
			st.apply()
			// A connection reads the statistics when it opens: plan on new ones.
			fresh := *e.Env
			fresh.DB = storetest.Raw(t, e.Engine, e.DSN)
			for _, f := range []store.CallFilter{{SLA: "at_risk"}, {SLA: "at_risk", GroupIDs: []int64{e.F.ServiceDesk.ID, e.F.Networks.ID}}} {
				qs, err := e.S.LevelListQueries(f, after)
				if err != nil {
					t.Fatal(err)
				}
				for _, q := range qs {
					text := queryPlan(t, &fresh, q.SQL, q.Args...)
					if !strings.Contains(text, "call_sla_band") || strings.Contains(text, "call_sla_queue") || strings.Contains(text, "call_sla_group_queue") {
						t.Errorf("%s, groups %v, %s: the calls at risk are not read from call_sla_band alone:\n%s", st.name, f.GroupIDs, q.Name, text)
					}
				}
			}
			// The keys of a page's first and last calls, for its cursors: two rows by the primary
			// key, not every live call's entry in call_sla_queue.
			text := queryPlan(t, &fresh, store.DueKeysQuery, first.Calls[0].ID, first.Calls[3].ID)
			if !strings.Contains(text, "INTEGER PRIMARY KEY") && !strings.Contains(text, "call_sla_pkey") {
				t.Errorf("%s: the page's keys are not read by the primary key:\n%s", st.name, text)
			}
		}
	})
}
