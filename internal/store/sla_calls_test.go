package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// slaDesk gives the fixture's groups the storetest calendar and rules (Monday to Friday
// 08:00-18:00; P2 to P4 respond 4h, resolve 30h, paused on hold and pending) and returns the
// calendar and the P3 rule.
func slaDesk(t testing.TB, e *env) (store.SLACalendar, store.SLARule) {
	t.Helper()
	cal, rules := storetest.ServiceLevels(t, e.S, e.F)
	return cal, rules[1]
}

func (e *env) slaList(t *testing.T, f store.CallFilter) []string {
	t.Helper()
	calls, _, err := e.S.FindCalls(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return refsOf(calls)
}

// A call's clocks from logging to resolution (issue 17 points 3, 5, 6): the deadlines in working
// time, the at-risk and breached lists, the respond clock stopped by the first public update, the
// resolve clock paused on hold, and a priority change recomputing the targets from the history.
func TestCallServiceLevelLifecycle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		slaDesk(t, e)
		london, _ := time.LoadLocation("Europe/London")
		// Monday 2 March 2026 09:00 (GMT): P3, assigned to the Service Desk.
		c, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "printer jams", CustomerID: e.F.Dan.ID,
			GroupID: e.F.ServiceDesk.ID, Impact: desk.Medium, Urgency: desk.Medium})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := e.S.FindCalls(ctx, store.CallFilter{CustomerID: e.F.Dan.ID})
		if err != nil || len(got) != 1 || got[0].SLA == nil {
			t.Fatalf("list: %v %+v", err, got)
		}
		l := got[0].SLA
		if l.RuleName != "P3 standard" || l.Respond.State != "running" || !l.Respond.Due.Equal(time.Date(2026, 3, 2, 13, 0, 0, 0, london)) ||
			!l.Resolve.Due.Equal(time.Date(2026, 3, 5, 9, 0, 0, 0, london)) || !l.DueAt.Equal(l.Respond.Due) ||
			!l.RiskAt.Equal(time.Date(2026, 3, 2, 12, 0, 0, 0, london)) {
			t.Fatalf("service level after logging: %+v", *l)
		}
		if r := e.slaList(t, store.CallFilter{SLA: "at_risk"}); len(r) != 0 {
			t.Errorf("at risk at once: %v", r)
		}
		band := func() string {
			t.Helper()
			var b string
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT band FROM call_sla WHERE call_id = ?`), c.ID).Scan(&b); err != nil {
				t.Fatal(err)
			}
			return b
		}
		e.Clock.Advance(3*time.Hour + 30*time.Minute) // 12:30: 87% of the respond time used
		// At risk before the escalation job has moved its band, and after.
		if r := e.slaList(t, store.CallFilter{SLA: "at_risk"}); len(r) != 1 || r[0] != c.Ref || band() != "ok" {
			t.Errorf("at risk at 12:30, before the job: %v (band %s)", r, band())
		}
		if p, err := e.S.Escalate(ctx, 10, nil); err != nil || p.Calls != 1 || band() != "at_risk" {
			t.Errorf("the escalation job at 12:30: %+v, %v, band %s", p, err, band())
		}
		if r := e.slaList(t, store.CallFilter{SLA: "at_risk"}); len(r) != 1 || r[0] != c.Ref {
			t.Errorf("at risk at 12:30: %v", r)
		}
		if p, err := e.S.Escalate(ctx, 10, nil); err != nil || p.Calls != 0 {
			t.Errorf("a second pass at 12:30 found %+v, %v", p, err)
		}
		if r := e.slaList(t, store.CallFilter{SLA: "breached"}); len(r) != 0 {
			t.Errorf("breached at 12:30: %v", r)
		}
		e.Clock.Advance(time.Hour) // 13:30: the response is 30 minutes late
		if r := e.slaList(t, store.CallFilter{SLA: "breached"}); len(r) != 1 {
			t.Errorf("breached at 13:30: %v", r)
		}
		if r := e.slaList(t, store.CallFilter{SLA: "at_risk"}); len(r) != 0 {
			t.Errorf("at risk at 13:30 (overdue, the band not moved yet): %v", r)
		}
		if p, err := e.S.Escalate(ctx, 10, nil); err != nil || p.Calls != 1 || band() != "overdue" {
			t.Errorf("the escalation job at 13:30: %+v, %v, band %s", p, err, band())
		}
		// The group's queue by deadline reads it from call_sla's own group column.
		if r := e.slaList(t, store.CallFilter{GroupIDs: []int64{e.F.ServiceDesk.ID}, Sort: "due"}); len(r) != 1 || r[0] != c.Ref {
			t.Errorf("the Service Desk by deadline: %v", r)
		}
		if r := e.slaList(t, store.CallFilter{GroupIDs: []int64{e.F.Networks.ID}, Sort: "due"}); len(r) != 0 {
			t.Errorf("Networks by deadline: %v", r)
		}
		if _, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), c.Ref, desk.EntryUpdate, "Looking at it now"); err != nil {
			t.Fatal(err)
		}
		lv, err := e.S.ServiceLevelOf(ctx, mustCall(t, e, c.Ref))
		if err != nil {
			t.Fatal(err)
		}
		if lv.Respond.State != "missed" || lv.Respond.By != 30*time.Minute || lv.Resolve.State != "running" {
			t.Errorf("after the first public update: %+v", lv.ServiceLevel)
		}
		if r := e.slaList(t, store.CallFilter{SLA: "breached"}); len(r) != 0 {
			t.Errorf("breached once responded (the resolve clock runs in time): %v", r)
		}
		// On hold from 13:30 to Tuesday 13:30: the resolve clock pauses; 4.5h used so far.
		cur := mustCall(t, e, c.Ref)
		if _, err := e.S.UpdateCall(ctx, storetest.Actor(e.F.Ann), c.Ref, cur.Version, desk.Transition{Action: desk.ActHold,
			Until: e.Clock.Now().Add(24 * time.Hour), Reason: "waiting for a part"}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(24 * time.Hour)
		lv, err = e.S.ServiceLevelOf(ctx, mustCall(t, e, c.Ref))
		if err != nil {
			t.Fatal(err)
		}
		if lv.Resolve.State != "paused" || lv.Resolve.Elapsed != 4*time.Hour+30*time.Minute || len(lv.Evaluation.Resolve.Pauses) != 1 {
			t.Errorf("on hold: %+v", lv.ServiceLevel)
		}
		if refs, err := e.S.ReleaseHolds(ctx, 10); err != nil || len(refs) != 1 {
			t.Fatalf("release holds: %v %v", refs, err)
		}
		lv, err = e.S.ServiceLevelOf(ctx, mustCall(t, e, c.Ref))
		if err != nil {
			t.Fatal(err)
		}
		// Tuesday 13:30 off hold: 25.5h left: Tuesday 4.5h, Wednesday 10h, Thursday 10h, Friday 08:00 + 1h.
		if lv.Resolve.State != "running" || !lv.Resolve.Due.Equal(time.Date(2026, 3, 6, 9, 0, 0, 0, london)) {
			t.Errorf("off hold: %+v", lv.ServiceLevel)
		}
		// Raised to P1: no P1 rule, so no target (the call says why).
		cur = mustCall(t, e, c.Ref)
		if _, err := e.S.UpdateCall(ctx, storetest.Actor(e.F.Ann), c.Ref, cur.Version, desk.Transition{Action: desk.ActChange,
			Impact: desk.High, Urgency: desk.High}); err != nil {
			t.Fatal(err)
		}
		got, _, _ = e.S.FindCalls(ctx, store.CallFilter{CustomerID: e.F.Dan.ID})
		if l := got[0].SLA; l.RuleID != 0 || l.Resolve.State != "none" || l.Why == "" {
			t.Errorf("P1 without a rule: %+v", *l)
		}
	})
}

func mustCall(t *testing.T, e *env, ref string) desk.Call {
	t.Helper()
	c, err := e.S.FindCallByRef(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A rule change re-evaluates the open calls in the background, audited (issue 17 point 3); a
// call with no service-level row (logged before they were kept) gets one from its timestamps
// and its first public update; closed calls keep the figures they ended with.
func TestRepairSLA(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		_, rule := slaDesk(t, e)
		london, _ := time.LoadLocation("Europe/London")
		open, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "open", CustomerID: e.F.Dan.ID, GroupID: e.F.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		done, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "done", CustomerID: e.F.Eve.ID, GroupID: e.F.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Hour)
		if _, err := e.S.UpdateCall(ctx, storetest.Actor(e.F.Ann), done.Ref, 0, desk.Transition{Action: desk.ActResolve, Text: "fixed"}); err != nil {
			t.Fatal(err)
		}
		// The first pass walks the calls (each has its row already) and repairs nothing.
		if r, err := e.S.RepairSLA(ctx, 100); err != nil || r.Backfilled+r.Reevaluated != 0 || r.Looked != 2 {
			t.Fatalf("nothing to repair at first: %+v %v", r, err)
		}
		if r, err := e.S.RepairSLA(ctx, 100); err != nil || !r.Done() {
			t.Fatalf("then nothing left to look at: %+v %v", r, err)
		}
		audits := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'sla.repair'`)
		rule.Respond.Within = 2 * time.Hour
		if _, err := e.S.UpdateRule(ctx, e.F.Admin, rule, "respond faster"); err != nil {
			t.Fatal(err)
		}
		due := func(ref string) time.Time {
			t.Helper()
			calls, _, err := e.S.FindCalls(ctx, store.CallFilter{Text: "", CustomerID: mustCall(t, e, ref).CustomerID})
			if err != nil || len(calls) != 1 {
				t.Fatal(err, len(calls))
			}
			return calls[0].SLA.Respond.Due
		}
		if got := due(open.Ref); !got.Equal(time.Date(2026, 3, 2, 13, 0, 0, 0, london)) {
			t.Errorf("before the repair the stored deadline is the old one, got %v", got)
		}
		r, err := e.S.RepairSLA(ctx, 100)
		if err != nil || r.Reevaluated != 1 || r.Backfilled != 0 {
			t.Fatalf("repair: %+v %v", r, err)
		}
		if got := due(open.Ref); !got.Equal(time.Date(2026, 3, 2, 11, 0, 0, 0, london)) {
			t.Errorf("after the repair the deadline is 2h after logging, got %v", got)
		}
		if r, err := e.S.RepairSLA(ctx, 100); err != nil || !r.Done() {
			t.Errorf("second pass: %+v %v", r, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'sla.repair'`); n != audits+1 {
			t.Errorf("repair audit records: %d, want %d", n, audits+1)
		}
		// The resolved call kept its figures: responded (by its resolution) after 1h, within 4h.
		if st := e.DB.Count(t, `SELECT respond_by FROM call_sla WHERE call_id = ?`, done.ID); st != int((3 * time.Hour).Microseconds()) {
			t.Errorf("resolved call's respond margin %d", st)
		}

		// A call from before service levels were kept: its row gone, the backfill rebuilds it.
		if _, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), open.Ref, desk.EntryUpdate, "on it"); err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, `DELETE FROM call_sla WHERE call_id = ?`, open.ID)
		e.DB.MustExec(t, `UPDATE sla_config SET backfill_after = 0`)
		r, err = e.S.RepairSLA(ctx, 100)
		if err != nil || r.Backfilled != 1 {
			t.Fatalf("backfill: %+v %v", r, err)
		}
		lv, err := e.S.ServiceLevelOf(ctx, mustCall(t, e, open.Ref))
		if err != nil {
			t.Fatal(err)
		}
		if lv.Respond.State != "met" || lv.Respond.By != time.Hour || lv.Resolve.State != "running" {
			t.Errorf("backfilled: %+v", lv.ServiceLevel)
		}
	})
}

// Lists and counts by service level stop counting at store.SLAListCountLimit and say so: a desk
// with many calls overdue does not count them all for every queue page.
func TestSLACountsStopAtTheLimit(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		slaDesk(t, e)
		for i := range store.SLAListCountLimit + 1 {
			if _, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: fmt.Sprintf("call %d", i), CustomerID: e.F.Dan.ID,
				GroupID: e.F.ServiceDesk.ID}); err != nil {
				t.Fatal(err)
			}
		}
		e.Clock.Advance(5 * time.Hour) // every respond clock has run out
		n, err := e.S.CountSLA(ctx)
		if err != nil || n.Breached != store.SLAListCountLimit || !n.BreachedMore || n.AtRisk != 0 || n.AtRiskMore {
			t.Fatalf("counts %+v, %v", n, err)
		}
		p, err := e.S.FindCallsPage(ctx, store.CallFilter{SLA: "breached", Limit: 5})
		if err != nil || p.Total != store.SLAListCountLimit || !p.TotalAtLeast || p.TotalExact || len(p.Calls) != 5 {
			t.Fatalf("breached list: total %d at least %v exact %v, %d calls, %v", p.Total, p.TotalAtLeast, p.TotalExact, len(p.Calls), err)
		}
		p, err = e.S.FindCallsPage(ctx, store.CallFilter{SLA: "breached", GroupIDs: []int64{e.F.Networks.ID}})
		if err != nil || p.Total != 0 || p.TotalAtLeast || !p.TotalExact {
			t.Fatalf("Networks' breached: %+v, %v", p, err)
		}
	})
}
