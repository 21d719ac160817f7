package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// fcrFigures are a set of calls' resolved, first-line fix and first-contact counts.
type fcrFigures [3]int

func sumFCR(rows []store.FirstContactCount, keep func(store.FirstContactCount) bool) fcrFigures {
	var f fcrFigures
	for _, r := range rows {
		if keep == nil || keep(r) {
			f[0] += r.Resolved
			f[1] += r.FirstLineFix
			f[2] += r.FirstContact
		}
	}
	return f
}

// independentFCR counts the first-contact figures of the calls resolved in [from, to) from the
// calls and their diaries alone, in Go, by the report's definitions: not from the columns the
// store keeps (calls.reassigned, calls.resolved_by), so that a counter the store fails to keep
// shows as a difference.
func independentFCR(t *testing.T, e *env, from, to time.Time, window time.Duration) fcrFigures {
	t.Helper()
	ctx := context.Background()
	groups, err := e.S.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	firstLine, byName := map[int64]bool{}, map[string]int64{}
	for _, g := range groups {
		firstLine[g.ID], byName[g.Name] = g.FirstLine, g.ID
	}
	member := func(person int64) bool {
		for _, g := range groups {
			if !g.FirstLine {
				continue
			}
			ms, err := e.S.Members(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m == person {
					return true
				}
			}
		}
		return false
	}
	calls, _, err := e.S.FindCalls(ctx, store.CallFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var f fcrFigures
	for _, c := range calls {
		if c.ResolvedAt.Before(from) || !c.ResolvedAt.Before(to) {
			continue
		}
		diary, err := e.S.Diary(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var groupsSeen []int64
		var resolver int64
		replied := false
		for _, d := range diary {
			switch {
			case d.Kind == desk.EntryAssignment:
				name := strings.TrimPrefix(d.Text, "assigned to ")
				name, _, _ = strings.Cut(name, " / ")
				if len(groupsSeen) == 0 || groupsSeen[len(groupsSeen)-1] != byName[name] {
					groupsSeen = append(groupsSeen, byName[name])
				}
			case d.Kind == desk.EntryStatus && strings.HasPrefix(d.Text, "resolved: "):
				resolver = d.AuthorID
			case (d.Kind == desk.EntryUpdate || d.Kind == desk.EntryEmail) && d.AuthorID != c.LoggedBy &&
				!d.CreatedAt.Before(c.LoggedAt) && !d.CreatedAt.After(c.ResolvedAt):
				replied = true
			}
		}
		moved := len(groupsSeen) > 1
		f[0]++
		if !moved && firstLine[c.GroupID] && resolver != 0 && member(resolver) {
			f[1]++
		}
		if !moved && resolver == c.LoggedBy && c.ResolvedAt.Sub(c.LoggedAt) <= window && c.ReopenedAt.IsZero() && !replied {
			f[2]++
		}
	}
	return f
}

// TestReportFirstContact checks the first-contact report's counts against the fixture's known
// answers (storetest.FirstContactCalls) and against an independent count from the calls' diaries,
// on both engines: in all, per priority, group and source, with filters, the week before, and the
// drill-down's calls.
func TestReportFirstContact(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		calls := storetest.FirstContactCalls(t, e.Env)
		from, to := storetest.FirstContactWeek[0], storetest.FirstContactWeek[1]
		rule := store.FirstContactRule{Window: 10 * time.Minute}
		rows, err := e.S.ReportFirstContact(ctx, store.ReportFilter{}, rule, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := sumFCR(rows, nil), (fcrFigures{8, 6, 3}); got != want {
			t.Errorf("the week: %v, want %v", got, want)
		}
		if got, want := independentFCR(t, e, from, to, rule.Window), (fcrFigures{8, 6, 3}); got != want {
			t.Errorf("the independent count: %v, want %v", got, want)
		}
		for name, c := range map[string]struct {
			keep func(store.FirstContactCount) bool
			want fcrFigures
		}{
			"P1":           {func(r store.FirstContactCount) bool { return r.Priority == 1 }, fcrFigures{1, 1, 1}},
			"P3":           {func(r store.FirstContactCount) bool { return r.Priority == 3 }, fcrFigures{7, 5, 2}},
			"Service Desk": {func(r store.FirstContactCount) bool { return r.GroupID == e.F.ServiceDesk.ID && r.FirstLine }, fcrFigures{7, 6, 2}},
			"Networks":     {func(r store.FirstContactCount) bool { return r.GroupID == e.F.Networks.ID && !r.FirstLine }, fcrFigures{1, 0, 1}},
			"phone":        {func(r store.FirstContactCount) bool { return r.Source == desk.SourcePhone }, fcrFigures{7, 5, 3}},
			"portal":       {func(r store.FirstContactCount) bool { return r.Source == desk.SourcePortal }, fcrFigures{1, 1, 0}},
		} {
			if got := sumFCR(rows, c.keep); got != c.want {
				t.Errorf("%s: %v, want %v", name, got, c.want)
			}
		}
		// A filter narrows the calls as the other reports' do.
		net, err := e.S.ReportFirstContact(ctx, store.ReportFilter{GroupID: e.F.Networks.ID}, rule, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := sumFCR(net, nil); got != (fcrFigures{1, 0, 1}) {
			t.Errorf("Networks only: %v", got)
		}
		// A wider window: G2, resolved 30 minutes after logging, is a first contact too.
		wide, err := e.S.ReportFirstContact(ctx, store.ReportFilter{}, store.FirstContactRule{Window: time.Hour}, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := sumFCR(wide, nil); got != (fcrFigures{8, 6, 4}) {
			t.Errorf("a window of an hour: %v", got)
		}
		before, err := e.S.ReportFirstContact(ctx, store.ReportFilter{}, rule, from.AddDate(0, 0, -7), from)
		if err != nil {
			t.Fatal(err)
		}
		if got := sumFCR(before, nil); got != (fcrFigures{1, 1, 1}) {
			t.Errorf("the week before: %v", got)
		}
		// The drill-down lists the calls behind each figure.
		for event, want := range map[string][]string{
			store.EventFirstLineFix: {"G1", "G2", "G4", "G5", "G6", "G8"},
			store.EventFirstContact: {"G1", "G7", "G8"},
		} {
			refs, err := e.S.ReportFirstContactRefs(ctx, store.ReportFilter{}, rule, event, from, to, 100)
			if err != nil {
				t.Fatal(err)
			}
			var wantRefs []string
			for _, n := range want {
				wantRefs = append(wantRefs, calls[n].Ref)
			}
			if strings.Join(refs, ",") != strings.Join(wantRefs, ",") {
				t.Errorf("%s: %v, want %v", event, refs, wantRefs)
			}
		}
		if _, err := e.S.ReportFirstContactRefs(ctx, store.ReportFilter{}, rule, "logged", from, to, 10); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("an unknown figure: %v", err)
		}
		// Unmarking the Service Desk: no first-line fix is left, the first contacts stay.
		if _, err := e.S.SetGroupFirstLine(ctx, e.F.Admin, e.F.ServiceDesk.ID, false); err != nil {
			t.Fatal(err)
		}
		after, err := e.S.ReportFirstContact(ctx, store.ReportFilter{}, rule, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := sumFCR(after, nil); got != (fcrFigures{8, 0, 3}) {
			t.Errorf("no first-line group: %v", got)
		}
		if got := independentFCR(t, e, from, to, rule.Window); got != (fcrFigures{8, 0, 3}) {
			t.Errorf("no first-line group, counted independently: %v", got)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'group.first_line'`); n != 2 {
			t.Errorf("%d group.first_line audit records, want 2", n)
		}
	})
}

// TestFirstContactBackfill: migration 0049 fills calls.reassigned and calls.resolved_by of the
// calls before it from their diaries, to the same values the store keeps as calls change, so the
// report over calls of before the migration gives the figures it gives over calls since, on
// both engines.
func TestFirstContactBackfill(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		calls := storetest.FirstContactCalls(t, e.Env)
		kept := map[string]store.CallFirstContact{}
		for name, c := range calls {
			x, err := e.S.FindCallFirstContact(ctx, c.Ref)
			if err != nil {
				t.Fatal(err)
			}
			kept[name] = x
		}
		if kept["G3"].Reassigned != 2 || kept["G4"].Reassigned != 0 || kept["G7"].ResolvedBy != e.F.Cat.ID || kept["G9"].ResolvedBy != 0 {
			t.Fatalf("as kept: %+v", kept)
		}
		rule := store.FirstContactRule{Window: 10 * time.Minute}
		before, err := e.S.ReportFirstContact(ctx, store.ReportFilter{}, rule, storetest.FirstContactWeek[0], storetest.FirstContactWeek[1])
		if err != nil {
			t.Fatal(err)
		}
		// The database as it was before 0049 (the first-line mark is set again after).
		undoMigrationsFrom(t, e.DB, 49)
		if applied, err := e.S.Migrate(ctx); err != nil || len(applied) == 0 || applied[0] != 49 {
			t.Fatalf("Migrate: applied %v, err %v", applied, err)
		}
		if _, err := e.S.SetGroupFirstLine(ctx, e.F.Admin, e.F.ServiceDesk.ID, true); err != nil {
			t.Fatal(err)
		}
		for name, c := range calls {
			x, err := e.S.FindCallFirstContact(ctx, c.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if x != kept[name] {
				t.Errorf("%s backfilled %+v, kept %+v", name, x, kept[name])
			}
		}
		after, err := e.S.ReportFirstContact(ctx, store.ReportFilter{}, rule, storetest.FirstContactWeek[0], storetest.FirstContactWeek[1])
		if err != nil {
			t.Fatal(err)
		}
		if got := sumFCR(after, nil); got != sumFCR(before, nil) || got != (fcrFigures{8, 6, 3}) {
			t.Errorf("after the backfill: %v, before %v", got, sumFCR(before, nil))
		}
	})
}

// TestBulkLoadBackfillsFirstContact: a bulk load (the demo, an import) writes calls with their
// diaries and no transitions; Finish fills calls.reassigned and calls.resolved_by from the
// diaries, as the store keeps them for calls logged through it.
func TestBulkLoadBackfillsFirstContact(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		b, err := e.S.Bulk(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		sd, nw, cat := e.F.ServiceDesk, e.F.Networks, e.F.Cat
		at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
		assign := func(m int, text string) desk.Entry {
			return desk.Entry{Kind: desk.EntryAssignment, Text: text, AuthorID: e.F.Ann.ID, CreatedAt: at(m)}
		}
		calls := map[string]struct {
			c     desk.Call
			diary []desk.Entry
			want  store.CallFirstContact
		}{
			// Service Desk, then Networks (to Cat), then back: two moves; Cat resolved it.
			"moved twice": {desk.Call{State: desk.Resolved, GroupID: sd.ID, ResolvedAt: at(30)}, []desk.Entry{
				assign(1, "assigned to "+sd.Name), assign(2, "assigned to "+nw.Name+" / "+cat.Name()), assign(3, "assigned to "+sd.Name),
				{Kind: desk.EntryStatus, Text: "resolved: the port was patched", AuthorID: cat.ID, CreatedAt: at(30)},
			}, store.CallFirstContact{Reassigned: 2, ResolvedBy: cat.ID}},
			// Networks, then Cat within Networks: no move; open.
			"one group": {desk.Call{State: desk.Assigned, GroupID: nw.ID}, []desk.Entry{
				assign(1, "assigned to "+nw.Name), assign(2, "assigned to "+nw.Name+" / "+cat.Name()),
			}, store.CallFirstContact{}},
			"no diary": {desk.Call{State: desk.Unassigned}, nil, store.CallFirstContact{}},
		}
		refs := map[string]string{}
		for name, x := range calls {
			c := x.c
			c.Kind, c.Summary, c.CustomerID, c.Source, c.Impact, c.Urgency, c.Priority, c.LoggedAt =
				desk.Fault, name, e.F.Dan.ID, desk.SourcePhone, desk.Medium, desk.Medium, 3, start
			if err := b.AddCall(ctx, &c, x.diary); err != nil {
				t.Fatal(err)
			}
			refs[name] = c.Ref
		}
		if _, err := b.Finish(ctx, e.F.Admin, "test.load", "first contact", nil); err != nil {
			t.Fatal(err)
		}
		for name, x := range calls {
			got, err := e.S.FindCallFirstContact(ctx, refs[name])
			if err != nil {
				t.Fatal(err)
			}
			if got != x.want {
				t.Errorf("%s: backfilled %+v, want %+v", name, got, x.want)
			}
		}
	})
}
