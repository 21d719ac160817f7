package store_test

import (
	"context"
	"slices"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// A search with more hits than store.SearchExactLimit is counted up to the bound on SQLite and
// said to have more (issue 22 point 3: the count's cost does not grow with the hits), and
// estimated (and said to be) on PostgreSQL; either way the page holds the newest hits.
func TestSearchTotalEstimate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		n := store.SearchExactLimit + 200
		var last desk.Call
		for i := 0; i < n; i++ {
			var err error
			last, err = e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "Printer jams again", CustomerID: e.F.Dan.ID})
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "Scanner is slow", CustomerID: e.F.Dan.ID}); err != nil {
			t.Fatal(err)
		}
		if e.Engine == "postgres" {
			e.DB.MustExec(t, "ANALYZE calls")
		}
		page, err := e.S.FindCallsPage(ctx, store.CallFilter{Text: "printer", Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Calls) != 5 || page.Calls[0].Ref != last.Ref {
			t.Fatalf("first hit %v, want the newest printer call %s", page.Calls, last.Ref)
		}
		switch e.Engine {
		case "sqlite":
			if page.TotalExact || !page.TotalAtLeast || page.Total != store.SearchExactLimit {
				t.Errorf("sqlite: total %d exact %v at least %v, want more than %d", page.Total, page.TotalExact, page.TotalAtLeast, store.SearchExactLimit)
			}
		case "postgres":
			if page.TotalExact || page.Total <= store.SearchExactLimit || page.Total > 3*n {
				t.Errorf("postgres: total %d exact %v, want an estimate above %d (there are %d)", page.Total, page.TotalExact, store.SearchExactLimit, n)
			}
		}
		few, err := e.S.FindCallsPage(ctx, store.CallFilter{Text: "scanner"})
		if err != nil || !few.TotalExact || few.TotalAtLeast || few.Total != 1 {
			t.Errorf("a search with one hit: total %d exact %v err %v, want 1 exactly", few.Total, few.TotalExact, err)
		}
	})
}

// Every page of a search carries the same exact total, whatever its offset, and lists the hits
// newest first without gaps or repeats: on SQLite the page and the count come from one pass over
// the matches (searchCounted), and a page past the last hit has no row to carry the count.
func TestSearchPagesAndTotals(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const n = 23
		var want []string // newest first
		for i := 0; i < n; i++ {
			c, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "Kettle in the staff room trips the fuse", CustomerID: e.F.Dan.ID})
			if err != nil {
				t.Fatal(err)
			}
			want = append([]string{c.Ref}, want...)
			if _, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "Toaster smokes", CustomerID: e.F.Dan.ID}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		for offset := 0; offset <= n+5; offset += 5 {
			page, err := e.S.FindCallsPage(ctx, store.CallFilter{Text: "kettle fuse", Limit: 5, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != n || !page.TotalExact || page.TotalAtLeast {
				t.Errorf("offset %d: total %d exact %v at least %v, want %d exactly", offset, page.Total, page.TotalExact, page.TotalAtLeast, n)
			}
			if wantLen := min(5, max(0, n-offset)); len(page.Calls) != wantLen {
				t.Errorf("offset %d: %d calls, want %d", offset, len(page.Calls), wantLen)
			}
			for _, c := range page.Calls {
				got = append(got, c.Ref)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("the pages list %v, want %v", got, want)
		}
		none, err := e.S.FindCallsPage(ctx, store.CallFilter{Text: "kettle toaster"})
		if err != nil || len(none.Calls) != 0 || none.Total != 0 || !none.TotalExact {
			t.Errorf("a search with no hit: %d calls, total %d exact %v, err %v", len(none.Calls), none.Total, none.TotalExact, err)
		}
	})
}
