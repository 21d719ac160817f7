package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// walk reads every page of f by cursor, Limit calls at a time, calling between(page number)
// after each page, and returns the refs in the order read.
func walk(t *testing.T, e *env, f store.CallFilter, between func(int)) []string {
	t.Helper()
	var refs []string
	for n := 1; ; n++ {
		p, err := e.S.FindCallsPage(context.Background(), f)
		if err != nil {
			t.Fatalf("page %d: %v", n, err)
		}
		if (n == 1) != (p.Prev == "") {
			t.Fatalf("page %d: prev cursor %q", n, p.Prev)
		}
		for _, c := range p.Calls {
			refs = append(refs, c.Ref)
		}
		if p.Next == "" {
			return refs
		}
		if len(p.Calls) != f.Limit {
			t.Fatalf("page %d: %d calls and a next page", n, len(p.Calls))
		}
		if between != nil {
			between(n)
		}
		f.Cursor = p.Next
		if n > 100 {
			t.Fatal("no end")
		}
	}
}

// Keyset paging (issue 21 point 5): every order reads the same calls by cursor as in one long
// page, ties of the sort key broken by id (calls logged at one instant), whatever the filters;
// calls logged between pages neither repeat a call (as skipping rows by offset would) nor hide
// one (an older one logged meanwhile is read when its place comes); Prev goes back.
func TestFindCallsByCursor(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann := e.F.Ann
		var changed []desk.Call
		for i := range 13 {
			n := desk.NewCall{Summary: fmt.Sprintf("Printer %d jams", i)}
			switch i % 3 {
			case 1:
				n.GroupID = e.F.ServiceDesk.ID
			case 2:
				n.GroupID, n.AnalystID = e.F.ServiceDesk.ID, ann.ID
			}
			if i%4 == 0 {
				n.Impact, n.Urgency = desk.High, desk.High
			}
			c := e.newCall(t, n)
			if i%5 == 0 {
				changed = append(changed, c)
			}
			if i%2 == 0 {
				e.Clock.Advance(time.Minute) // half the calls share their logging instant with the next
			}
		}
		for _, c := range changed { // updated later than logged, in another order
			e.update(t, ann, c, desk.Transition{Action: desk.ActChange, Impact: desk.Low})
		}
		for _, f := range []store.CallFilter{
			{},
			{Sort: "oldest"},
			{Sort: "priority", OpenOnly: true},
			{Sort: "updated"},
			{GroupIDs: []int64{e.F.ServiceDesk.ID}, OpenOnly: true},
			{GroupIDs: []int64{e.F.ServiceDesk.ID, e.F.Networks.ID}, Sort: "oldest", Priority: 3},
			{Conditions: []desk.Condition{desk.CondUnassigned}, Brief: true},
			{AnalystID: ann.ID, OpenOnly: true},
			{CustomerID: e.F.Dan.ID, Text: "printer", Sort: "oldest"},
		} {
			all := f
			all.Limit = 500
			whole, err := e.S.FindCallsPage(ctx, all)
			if err != nil || len(whole.Calls) < 4 {
				t.Fatalf("%+v: %d calls, %v", f, len(whole.Calls), err)
			}
			f.Limit = 3
			if got := walk(t, e, f, nil); !slices.Equal(got, refsOf(whole.Calls)) {
				t.Errorf("%+v by cursor: %v, want %v", f, got, refsOf(whole.Calls))
			}
			// Back from the second page: the first.
			f.Limit = 2
			p1, _ := e.S.FindCallsPage(ctx, f)
			f.Cursor = p1.Next
			p2, _ := e.S.FindCallsPage(ctx, f)
			f.Cursor = p2.Prev
			back, err := e.S.FindCallsPage(ctx, f)
			if err != nil || !slices.Equal(refsOf(back.Calls), refsOf(p1.Calls)) || back.Prev != "" || back.Next == "" {
				t.Errorf("%+v: back from page 2: %v (prev %q), %v; want %v", f, refsOf(back.Calls), back.Prev, err, refsOf(p1.Calls))
			}
		}

		// Calls logged between pages: a newer one is not read (its place was passed), an older
		// one is, and nothing twice.
		before := refsOf(must(e.S.FindCallsPage(ctx, store.CallFilter{Limit: 500})).Calls)
		var older string
		got := walk(t, e, store.CallFilter{Limit: 4}, func(n int) {
			if n != 1 {
				return
			}
			e.newCall(t, desk.NewCall{Summary: "Newer, logged between pages"})
			now := e.Clock.Now()
			e.Clock.Set(start.Add(-time.Hour))
			older = e.newCall(t, desk.NewCall{Summary: "Older, logged between pages"}).Ref
			e.Clock.Set(now)
		})
		if want := append(slices.Clone(before), older); !slices.Equal(got, want) {
			t.Errorf("with calls logged between pages: %v, want %v", got, want)
		}

		// A cursor is for its own order, not with an offset, and not made up.
		p, _ := e.S.FindCallsPage(ctx, store.CallFilter{Limit: 2})
		for _, f := range []store.CallFilter{
			{Cursor: p.Next, Sort: "oldest"},
			{Cursor: p.Next, Offset: 2},
			{Cursor: "bm90IGEgY3Vyc29y"},
			{Cursor: "%%%"},
			{Cursor: p.Next, Text: "printer"}, // a search alone pages by offset
		} {
			if _, err := e.S.FindCallsPage(ctx, f); desk.ErrorCode(err) != desk.EINVALID || desk.AsError(err).Fields["cursor"] == "" {
				t.Errorf("%+v: %v, want EINVALID naming the cursor", f, err)
			}
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Lists and the console's queue counts stop counting at store.ListCountLimit and say so
// (issue 21 point 5): a count costs at most that many index entries, however long the queue.
func TestQueueCountsStopAtTheBound(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		b, err := e.S.Bulk(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range store.ListCountLimit + 1 {
			c := desk.Call{Kind: desk.Fault, Summary: fmt.Sprint("Queued ", i), CustomerID: e.F.Dan.ID, Source: desk.SourcePhone,
				Impact: desk.Medium, Urgency: desk.Medium, Priority: 3, State: desk.Unassigned, LoggedAt: start}
			if i%2 == 1 {
				c.State, c.GroupID, c.AnalystID, c.AssignedAt = desk.Assigned, e.F.ServiceDesk.ID, e.F.Ann.ID, start
			}
			if err := b.AddCall(ctx, &c, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.Finish(ctx, e.F.Admin, "test.load", "bound", nil); err != nil {
			t.Fatal(err)
		}
		e.newCall(t, desk.NewCall{GroupID: e.F.Networks.ID})
		n, err := e.S.CountQueues(ctx, e.F.Ann.ID, []int64{e.F.ServiceDesk.ID})
		want := store.QueueCounts{Mine: 500, Groups: 500, Unassigned: 501, Open: store.ListCountLimit, OpenMore: true}
		if err != nil || n != want {
			t.Fatalf("counts %+v, %v; want %+v", n, err, want)
		}
		p, err := e.S.FindCallsPage(ctx, store.CallFilter{OpenOnly: true, Limit: 5})
		if err != nil || p.Total != store.ListCountLimit || !p.TotalAtLeast || p.TotalExact || len(p.Calls) != 5 || p.Next == "" {
			t.Fatalf("open calls: total %d at least %v exact %v, %d calls, %v", p.Total, p.TotalAtLeast, p.TotalExact, len(p.Calls), err)
		}
		p, err = e.S.FindCallsPage(ctx, store.CallFilter{GroupIDs: []int64{e.F.Networks.ID}, OpenOnly: true})
		if err != nil || p.Total != 1 || p.TotalAtLeast || !p.TotalExact {
			t.Fatalf("Networks' calls: total %d at least %v exact %v, %v", p.Total, p.TotalAtLeast, p.TotalExact, err)
		}
	})
}

// On PostgreSQL the insert-heavy tables are vacuumed after 1% of their rows are inserted (issue 22
// point 5): without it the visibility map stays unset until 20% are, and an index-only count of a
// queue fetches every heap row it counts. (SQLite has no vacuum to tune.)
func TestInsertHeavyTablesVacuumSoon(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		if e.Engine != "postgres" {
			return
		}
		for _, table := range []string{"calls", "diary_entries", "audit_log", "audit_persons", "call_events", "call_sla"} {
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM pg_class WHERE relname = ? AND relkind = 'r'
				AND 'autovacuum_vacuum_insert_scale_factor=0.01' = ANY(reloptions) AND 'autovacuum_vacuum_insert_threshold=1000' = ANY(reloptions)`, table); n != 1 {
				t.Errorf("%s: autovacuum after inserts not set", table)
			}
		}
	})
}
