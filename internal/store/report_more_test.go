package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestReportMoreCounts checks the grouped counts behind the reopen, cancellation, customer,
// hold and backlog-trend reports against the fixture's known answers (storetest.ReportMoreCalls)
// and against independent counts straight from the tables, on both engines; and that erasing a
// customer leaves them as they were.
func TestReportMoreCounts(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		calls := storetest.ReportMoreCalls(t, e.Env, storetest.ReportCalls(t, e.Env))
		from, to := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)

		// Reopens: F1, resolved on 3 March, had been reopened.
		v, err := e.S.ReportVolume(ctx, store.ReportFilter{}, time.UTC, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if tot := volumeTotals(v); tot.Resolved != 1 || tot.Reopened != 1 || tot.Logged != 6 || tot.Cancelled != 1 {
			t.Errorf("volume %+v", tot)
		}
		re := 0
		for _, c := range v {
			re += c.ResolvedReopened
		}
		if re != 1 {
			t.Errorf("resolved after a reopening: %d, want 1", re)
		}

		// Events by group: one pass, the counts in the order asked.
		g, err := e.S.ReportEventsByGroup(ctx, store.ReportFilter{}, []string{"logged", "cancelled", "reopened"}, from, to)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][3]int{"": {1, 0, 0}, "Networks": {2, 0, 0}, "Service Desk": {3, 1, 1}}
		if len(g) != len(want) {
			t.Fatalf("by group %+v", g)
		}
		for _, row := range g {
			if w := want[row.Group]; [3]int{row.Counts[0], row.Counts[1], row.Counts[2]} != w {
				t.Errorf("%q: %v, want %v", row.Group, row.Counts, w)
			}
		}
		if _, err := e.S.ReportEventsByGroup(ctx, store.ReportFilter{}, []string{"held"}, from, to); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("an unknown event: %v", err)
		}

		// Customers by kind and department.
		readCustomers := func() map[string]int {
			t.Helper()
			cs, err := e.S.ReportCustomers(ctx, store.ReportFilter{}, from, to)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, c := range cs {
				out[string(c.Kind)+"/"+c.Department] += c.Logged
			}
			return out
		}
		cust := readCustomers()
		if cust["staff/Computing"] != 2 || cust["student/Computing"] != 2 || cust["visitor/Library"] != 2 || len(cust) != 3 {
			t.Errorf("customers %v", cust)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls c JOIN people p ON p.id = c.customer_id WHERE p.department = 'Library' AND c.logged_at >= ? AND c.logged_at < ?`,
			from.UnixMicro(), to.UnixMicro()); n != 2 {
			t.Errorf("independent count of Library's calls: %d", n)
		}
		only, err := e.S.ReportCustomers(ctx, store.ReportFilter{Source: desk.SourcePortal}, from, to)
		if err != nil || len(only) != 2 {
			t.Errorf("portal calls by customer: %+v %v", only, err)
		}

		// Holds: F2 26 hours and F6 24 hours ran their time, F5 ended early, F7 is on hold.
		hs, err := e.S.ReportHolds(ctx, store.ReportFilter{}, from, to)
		if err != nil {
			t.Fatal(err)
		}
		var ran []time.Duration
		early, on := 0, 0
		for _, h := range hs {
			switch {
			case h.OnHold:
				on++
			case h.OffHoldAt.IsZero():
				early++
			default:
				ran = append(ran, h.OffHoldAt.Sub(h.HeldAt))
			}
		}
		if len(ran) != 2 || ran[0]+ran[1] != 50*time.Hour || early != 1 || on != 1 {
			t.Errorf("holds: ran %v, early %d, on hold %d (%+v)", ran, early, on, hs)
		}
		p2, err := e.S.ReportHolds(ctx, store.ReportFilter{GroupID: e.F.Networks.ID}, from, to)
		if err != nil || len(p2) != 2 {
			t.Errorf("Networks' holds: %+v %v", p2, err)
		}
		for _, h := range p2 {
			if want := calls["F2"].Priority; h.HeldAt.Equal(calls["F2"].HeldAt) && h.Priority != want {
				t.Errorf("F2's hold priority %v, want %v", h.Priority, want)
			}
		}

		// The open calls' flow: 5 open now; logged and ended per day.
		flow, err := e.S.ReportOpenFlow(ctx, store.ReportFilter{}, time.UTC, from, e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if flow.OpenNow != 5 {
			t.Errorf("open now %d, want 5", flow.OpenNow)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE state NOT IN ('resolved','closed','cancelled')`); n != 5 {
			t.Errorf("independent count of open calls: %d", n)
		}
		got := map[int][2]int{}
		for _, d := range flow.Days {
			got[d.Day.Day()] = [2]int{d.Logged, d.Ended}
		}
		wantFlow := map[int][2]int{1: {2, 0}, 2: {1, 1}, 3: {0, 1}, 5: {1, 0}, 6: {2, 0}}
		if len(got) != len(wantFlow) {
			t.Errorf("flow %v, want %v", got, wantFlow)
		}
		for d, w := range wantFlow {
			if got[d] != w {
				t.Errorf("flow on %d March: %v, want %v", d, got[d], w)
			}
		}

		// Erasing Fay keeps her kind and department, and so the figures.
		dpo := storetest.Actor(e.F.Eve)
		if _, err := e.S.ErasePerson(ctx, dpo, desk.Erasure{PersonID: calls["F6"].CustomerID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
			Decision: "asked in writing", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		after := readCustomers()
		if len(after) != len(cust) || after["visitor/Library"] != 2 {
			t.Errorf("customers after an erasure: %v, before %v", after, cust)
		}
		hs2, err := e.S.ReportHolds(ctx, store.ReportFilter{}, from, to)
		if err != nil || len(hs2) != len(hs) {
			t.Errorf("holds after an erasure: %+v %v", hs2, err)
		}
	})
}

// TestReportVolumeOf: counting only some events gives the same figures for those, nothing for
// the others, and an unknown event is refused.
func TestReportVolumeOf(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		storetest.ReportCalls(t, e.Env)
		from, to := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)
		some, err := e.S.ReportVolumeOf(ctx, store.ReportFilter{}, time.UTC, from, to, "resolved", "reopened")
		if err != nil {
			t.Fatal(err)
		}
		re := 0
		for _, c := range some {
			re += c.ResolvedReopened
		}
		if tot := volumeTotals(some); tot != (store.VolumeCount{Resolved: 1, Reopened: 1}) || re != 1 {
			t.Errorf("resolved and reopened only: %+v, %d resolved after a reopening", tot, re)
		}
		if _, err := e.S.ReportVolumeOf(ctx, store.ReportFilter{}, time.UTC, from, to, "held"); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("an unknown event: %v", err)
		}
	})
}
