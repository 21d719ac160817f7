package store_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// volumeTotals sums ReportVolume's slots.
func volumeTotals(vs []store.VolumeCount) store.VolumeCount {
	var t store.VolumeCount
	for _, v := range vs {
		t.Logged += v.Logged
		t.SelfService += v.SelfService
		t.Resolved += v.Resolved
		t.Closed += v.Closed
		t.Cancelled += v.Cancelled
		t.Reopened += v.Reopened
	}
	return t
}

// TestReportVolume checks the grouped counts against the fixture's known answers
// (storetest.ReportCalls), with every filter, on both engines.
func TestReportVolume(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		calls := storetest.ReportCalls(t, e.Env)
		from, to := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)
		tests := []struct {
			name string
			f    store.ReportFilter
			want store.VolumeCount
		}{
			{"all", store.ReportFilter{}, store.VolumeCount{Logged: 4, SelfService: 1, Resolved: 1, Closed: 1, Cancelled: 1, Reopened: 1}},
			{"students' calls", store.ReportFilter{CustomerKind: desk.Student}, store.VolumeCount{Logged: 2, SelfService: 1, Resolved: 1, Closed: 1, Cancelled: 1, Reopened: 1}},
			{"staff calls", store.ReportFilter{CustomerKind: desk.Staff}, store.VolumeCount{Logged: 2}},
			{"phone", store.ReportFilter{Source: desk.SourcePhone}, store.VolumeCount{Logged: 2}},
			{"Networks", store.ReportFilter{GroupID: e.F.Networks.ID}, store.VolumeCount{Logged: 1}},
			{"Service Desk", store.ReportFilter{GroupID: e.F.ServiceDesk.ID}, store.VolumeCount{Logged: 2, SelfService: 1, Resolved: 1, Closed: 1, Cancelled: 1, Reopened: 1}},
			{"Software subtree", store.ReportFilter{ProfileID: e.F.Software.ID}, store.VolumeCount{Logged: 2, SelfService: 1, Resolved: 1, Closed: 1, Cancelled: 1, Reopened: 1}},
			{"Outlook only", store.ReportFilter{ProfileID: e.F.Outlook.ID}, store.VolumeCount{Logged: 1, SelfService: 1, Resolved: 1, Closed: 1, Reopened: 1}},
			{"priority of F1", store.ReportFilter{Priority: calls["F1"].Priority, Source: desk.SourcePortal}, store.VolumeCount{Logged: 1, SelfService: 1, Resolved: 1, Closed: 1, Reopened: 1}},
		}
		for _, tt := range tests {
			got, err := e.S.ReportVolume(ctx, tt.f, time.UTC, from, to)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if tot := volumeTotals(got); tot != tt.want {
				t.Errorf("%s: %+v, want %+v", tt.name, tot, tt.want)
			}
		}
		// The days: F1 logged on 1 March, through the portal, by Dan himself.
		got, err := e.S.ReportVolume(ctx, store.ReportFilter{Source: desk.SourcePortal}, time.UTC, from, to)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, v := range got {
			if v.Logged == 1 {
				found = true
				if !v.Day.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) || v.Source != desk.SourcePortal || v.SelfService != 1 {
					t.Errorf("F1's day: %+v", v)
				}
			}
		}
		if !found {
			t.Errorf("no day logged F1: %+v", got)
		}
		// The range is half open: F5 (20 February) is outside; a range from 20 February has it.
		got, err = e.S.ReportVolume(ctx, store.ReportFilter{}, time.UTC, time.Date(2027, 2, 20, 9, 0, 0, 0, time.UTC), from)
		if err != nil || volumeTotals(got).Logged != 1 {
			t.Errorf("February: %+v %v", got, err)
		}
		// Days are the desk's: in Europe/London a call at 23:30 UTC falls on the same day in
		// winter and on the next in summer, across the change of 28 March 2027.
		london, err := time.LoadLocation("Europe/London")
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{time.Date(2027, 3, 27, 23, 30, 0, 0, time.UTC), time.Date(2027, 3, 28, 23, 30, 0, 0, time.UTC)} {
			e.Clock.Set(at)
			if _, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{CustomerID: e.F.Eve.ID, Summary: "late", Source: desk.SourceAPI}); err != nil {
				t.Fatal(err)
			}
		}
		got, err = e.S.ReportVolume(ctx, store.ReportFilter{Source: desk.SourceAPI}, london,
			time.Date(2027, 3, 27, 0, 0, 0, 0, london), time.Date(2027, 3, 31, 0, 0, 0, 0, london))
		if err != nil {
			t.Fatal(err)
		}
		var days []string
		for _, v := range got {
			days = append(days, v.Day.Format("2 Jan 15:04 MST"))
		}
		slices.Sort(days)
		if strings.Join(days, ", ") != "27 Mar 00:00 GMT, 29 Mar 00:00 BST" {
			t.Errorf("the days across the change to summer time: %v", days)
		}
		// An independent count of the same thing, straight from the table.
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE logged_at >= ? AND logged_at < ?`, from.UnixMicro(), to.UnixMicro()); n != 4 {
			t.Errorf("independent count %d", n)
		}
	})
}

// TestReportBacklogAndWorkload checks the open calls by group and age band, and the work per
// analyst, against the fixture's known answers.
func TestReportBacklogAndWorkload(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		storetest.ReportCalls(t, e.Env)
		now := e.Clock.Now()
		bands := []time.Duration{24 * time.Hour, 7 * 24 * time.Hour}
		got, err := e.S.ReportBacklog(ctx, store.ReportFilter{}, now, bands)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.BacklogCount{
			{GroupID: 0, Group: "", Band: 0, Open: 1},                              // F4, 3 hours
			{GroupID: e.F.Networks.ID, Group: "Networks", Band: 1, Open: 1},        // F2, 4 days
			{GroupID: e.F.ServiceDesk.ID, Group: "Service Desk", Band: 2, Open: 1}, // F5, 13 days
		}
		if len(got) != len(want) {
			t.Fatalf("backlog %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("backlog row %d: %+v, want %+v", i, got[i], want[i])
			}
		}
		if _, err := e.S.ReportBacklog(ctx, store.ReportFilter{}, now, []time.Duration{time.Hour, time.Minute}); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("decreasing bands: %v", err)
		}
		staff, err := e.S.ReportBacklog(ctx, store.ReportFilter{CustomerKind: desk.Student}, now, bands)
		if err != nil || len(staff) != 0 {
			t.Errorf("students' open calls: %+v %v", staff, err)
		}

		from, to := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)
		w, err := e.S.ReportWorkload(ctx, store.ReportFilter{}, from, to)
		if err != nil {
			t.Fatal(err)
		}
		wantW := []store.WorkloadCount{
			{AnalystID: e.F.Ann.ID, Name: "Ann Archer", Assigned: 1, Resolved: 1, InHand: 0},
			{AnalystID: e.F.Bob.ID, Name: "Bob Baker", Assigned: 0, Resolved: 0, InHand: 1}, // F5 was assigned in February
			{AnalystID: e.F.Cat.ID, Name: "Cat Carter", Assigned: 1, Resolved: 0, InHand: 1},
		}
		if len(w) != len(wantW) {
			t.Fatalf("workload %+v, want %+v", w, wantW)
		}
		for i := range wantW {
			if w[i] != wantW[i] {
				t.Errorf("workload row %d: %+v, want %+v", i, w[i], wantW[i])
			}
		}

		refs, err := e.S.ReportCallRefs(ctx, store.ReportFilter{}, "logged", from, to, 10)
		if err != nil || len(refs) != 4 {
			t.Errorf("calls logged: %v %v", refs, err)
		}
		if _, err := e.S.ReportCallRefs(ctx, store.ReportFilter{}, "summary", from, to, 10); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("an unknown event: %v", err)
		}
	})
}

// TestReportsSurviveErasure: the figures are the same before and after the customer and an
// analyst are erased (P19: erasure keeps the statistics), the service levels' among them.
func TestReportsSurviveErasure(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		storetest.ServiceLevels(t, e.S, e.F)
		storetest.ReportCalls(t, e.Env)
		// The first-contact fixture's calls (from 8 March, G0 on 1 March): Cat, erased below,
		// logged and resolved G7; Dan, erased too, is the customer of G3 and logged G4 himself.
		fcrCalls := storetest.FirstContactCalls(t, e.Env)
		for _, name := range []string{"G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8"} {
			// Closed, so the retention sweep below anonymises them.
			if _, err := e.S.UpdateCall(ctx, storetest.Actor(e.F.Ann), fcrCalls[name].Ref, 0, desk.Transition{Action: desk.ActClose}); err != nil {
				t.Fatal(err)
			}
		}
		from, to := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)
		bands := []time.Duration{24 * time.Hour, 7 * 24 * time.Hour}
		type figures struct {
			volume  store.VolumeCount
			student store.VolumeCount
			backlog []store.BacklogCount
			work    []store.WorkloadCount
			levels  []store.CallLevel
			figs    string // ReportLevelFigures, what the service-level reports read
			fcr     []store.FirstContactCount
		}
		read := func() figures {
			t.Helper()
			var fg figures
			v, err := e.S.ReportVolume(ctx, store.ReportFilter{}, time.UTC, from, to)
			if err != nil {
				t.Fatal(err)
			}
			fg.volume = volumeTotals(v)
			v, err = e.S.ReportVolume(ctx, store.ReportFilter{CustomerKind: desk.Student}, time.UTC, from, to)
			if err != nil {
				t.Fatal(err)
			}
			fg.student = volumeTotals(v)
			if fg.backlog, err = e.S.ReportBacklog(ctx, store.ReportFilter{}, e.Clock.Now(), bands); err != nil {
				t.Fatal(err)
			}
			if fg.work, err = e.S.ReportWorkload(ctx, store.ReportFilter{}, from, to); err != nil {
				t.Fatal(err)
			}
			for i := range fg.work {
				fg.work[i].Name = "" // an erased analyst's name becomes a pseudonym; the counts stay
			}
			if fg.levels, err = e.S.ReportServiceLevels(ctx, store.ReportFilter{}, from, to); err != nil {
				t.Fatal(err)
			}
			figs, err := e.S.ReportLevelFigures(ctx, store.ReportFilter{}, from, to)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range figs {
				slices.Sort(l.Elapsed)
				fg.figs += fmt.Sprintf("%+v\n", l)
			}
			if fg.fcr, err = e.S.ReportFirstContact(ctx, store.ReportFilter{}, store.FirstContactRule{Window: 10 * time.Minute},
				storetest.FirstContactWeek[0], storetest.FirstContactWeek[1]); err != nil {
				t.Fatal(err)
			}
			// Listed by name, which erasure changes: compare by analyst.
			slices.SortFunc(fg.work, func(a, b store.WorkloadCount) int { return cmp.Compare(a.AnalystID, b.AnalystID) })
			return fg
		}
		before := read()
		dpo := storetest.Actor(e.F.Eve)
		for _, id := range []int64{e.F.Dan.ID, e.F.Cat.ID} {
			if _, err := e.S.ErasePerson(ctx, dpo, desk.Erasure{PersonID: id, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
				Decision: "asked in writing", Confirmed: true}); err != nil {
				t.Fatalf("erase %d: %v", id, err)
			}
		}
		// And a retention sweep, years later, anonymises the closed calls (their diaries blanked).
		rules, err := e.S.RetentionRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if line, err := e.S.SweepClass(ctx, dpo, store.NewRetentionPlan(rules, e.Clock.Now().AddDate(20, 0, 0)), store.ClassClosedCalls, false); err != nil || line.Count < 8 {
			t.Fatalf("the sweep: %+v %v", line, err)
		}
		after := read()
		if before.volume != after.volume || before.student != after.student || len(before.backlog) != len(after.backlog) || len(before.work) != len(after.work) {
			t.Fatalf("figures changed by erasure:\nbefore %+v\nafter  %+v", before, after)
		}
		for i := range before.backlog {
			if before.backlog[i] != after.backlog[i] {
				t.Errorf("backlog row %d: %+v, then %+v", i, before.backlog[i], after.backlog[i])
			}
		}
		for i := range before.work {
			if before.work[i] != after.work[i] {
				t.Errorf("workload row %d: %+v, then %+v", i, before.work[i], after.work[i])
			}
		}
		if !slices.Equal(before.levels, after.levels) || len(before.levels) == 0 {
			t.Errorf("service levels: %+v, then %+v", before.levels, after.levels)
		}
		if before.figs != after.figs || before.figs == "" {
			t.Errorf("service-level figures:\n%s\nthen\n%s", before.figs, after.figs)
		}
		if !slices.Equal(before.fcr, after.fcr) || len(before.fcr) == 0 {
			t.Errorf("first contact: %+v, then %+v", before.fcr, after.fcr)
		}
		if before.volume.Logged != 6 || before.student.Logged != 2 { // ReportCalls' 5 and G0
			t.Errorf("the fixture: %+v, students %+v", before.volume, before.student)
		}
	})
}
