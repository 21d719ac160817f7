package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// upkeepCalls logs n calls one after another, each in a batch of its own, so that each writes a
// segment of the search index; every third is about toner. It returns the toner calls' refs,
// newest first, as a search lists them.
func upkeepCalls(t *testing.T, s *store.Store, f storetest.Fixture, n int) []string {
	t.Helper()
	var toner []string
	for i := range n {
		summary := fmt.Sprintf("Printer %d on level %d jams", i, i%7)
		if i%3 == 0 {
			summary = fmt.Sprintf("Toner cartridge %d empty", i)
		}
		c, err := s.CreateCall(context.Background(), storetest.Actor(f.Ann), desk.NewCall{Summary: summary, CustomerID: f.Dan.ID})
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			toner = append(toner, c.Ref)
		}
	}
	slices.Reverse(toner)
	return toner
}

func searchRefs(t *testing.T, s *store.Store, text string) []string {
	t.Helper()
	calls, total, err := s.FindCalls(context.Background(), store.CallFilter{Text: text, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	refs := make([]string, len(calls))
	for i, c := range calls {
		refs[i] = c.Ref
	}
	if total != len(refs) {
		t.Fatalf("search %q: total %d, %d listed", text, total, len(refs))
	}
	return refs
}

// A live desk's search index is merged back to few segments (issue 22 point 3): FTS5's automerge
// leaves up to three a level, and a search opens each. MergeSearch merges until no level holds
// two, finds the same calls before and after, and says when nothing is left to merge.
func TestSearchUpkeepMergesSegments(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, "sqlite", nil)
	s.SetUpkeepGap(time.Hour) // the background upkeep must not merge while the test counts
	f := storetest.Seed(t, s)
	toner := upkeepCalls(t, s, f, 90)
	before, err := s.SearchSegments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if before < 6 {
		t.Fatalf("the index holds %d segments after 90 batches: the test needs a fragmented one", before)
	}
	if got := searchRefs(t, s, "toner"); !slices.Equal(got, toner) {
		t.Fatalf("before merging, toner finds %v, want %v", got, toner)
	}
	ran, more, err := s.MergeSearch(ctx, 1000)
	if err != nil || more {
		t.Fatalf("MergeSearch: ran %d steps, more %v, err %v", ran, more, err)
	}
	after, err := s.SearchSegments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d segments merged to %d in %d steps", before, after, ran)
	if after > 2 {
		t.Errorf("after merging, %d segments remain (from %d), want at most 2", after, before)
	}
	if got := searchRefs(t, s, "toner"); !slices.Equal(got, toner) {
		t.Errorf("after merging, toner finds %v, want %v", got, toner)
	}
	if got := searchRefs(t, s, "printer jams"); len(got) != 60 {
		t.Errorf("after merging, printer jams finds %d calls, want 60", len(got))
	}
	if ran, more, err := s.MergeSearch(ctx, 1000); err != nil || more || ran != 1 {
		t.Errorf("merging a merged index: ran %d steps, more %v, err %v; want one step that finds nothing", ran, more, err)
	}
	// PostgreSQL has nothing to merge.
	if os.Getenv(storetest.EnvPostgres) != "" {
		s := storetest.Open(t, "postgres", nil)
		if ran, more, err := s.MergeSearch(ctx, 10); ran != 0 || more || err != nil {
			t.Errorf("PostgreSQL: ran %d, more %v, err %v", ran, more, err)
		}
	}
}

// The upkeep runs by itself once writes have added segments, between the desk's writes.
func TestSearchUpkeepRunsAfterWrites(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, "sqlite", nil)
	s.SetUpkeepGap(10 * time.Millisecond)
	f := storetest.Seed(t, s)
	toner := upkeepCalls(t, s, f, 90)
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := s.SearchSegments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n <= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the writes, the index still holds %d segments", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := searchRefs(t, s, "toner"); !slices.Equal(got, toner) {
		t.Errorf("after the upkeep, toner finds %v, want %v", got, toner)
	}
}

// The upkeep merges only while the desk writes nothing else: beside a busy writer, merging the
// big segments of a large index halved the create rate. While calls keep coming it waits; once
// they stop, it merges.
func TestSearchUpkeepWaitsForAQuietWriter(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, "sqlite", nil)
	s.SetUpkeepGap(10 * time.Millisecond)
	s.SetUpkeepQuiet(time.Second)
	f := storetest.Seed(t, s)
	upkeepCalls(t, s, f, 90) // kicks the upkeep
	// Writes every 20 ms for 3 s: the writer is never quiet for a second.
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
		if _, err := s.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: "Busy desk", CustomerID: f.Dan.ID}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := s.UpkeepSteps(); n != 0 {
		t.Errorf("the upkeep ran %d merge steps while calls kept coming", n)
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.UpkeepSteps() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the writes stopped, the upkeep has not merged (last error: %v)", s.UpkeepError())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A search compaction (after an erasure or a sweep) runs a step at a time, each step a write of
// its own, and answers only the requests made before it began: one made while it ran stays due,
// and the next run compacts again. On PostgreSQL there is nothing to merge, and the request is
// answered at once.
func TestSearchCompactionInSteps(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if e.Engine == "sqlite" {
			e.S.SetUpkeepGap(time.Hour)
		}
		toner := upkeepCalls(t, e.S, e.F, 300)
		e.S.SetMergePages(2)
		due := func() int { return e.DB.Count(t, `SELECT due FROM maintenance WHERE name = 'search_compact'`) }
		e.DB.MustExec(t, `UPDATE maintenance SET due = due + 1 WHERE name = 'search_compact'`)
		steps := 0
		e.S.SetAfterMergeStep(func() {
			steps++
			if steps == 1 { // a request made while the compaction runs
				e.DB.MustExec(t, `UPDATE maintenance SET due = due + 1 WHERE name = 'search_compact'`)
			}
		})
		did, err := e.S.CompactSearchIfDue(ctx)
		if err != nil || !did {
			t.Fatalf("compaction: did %v, err %v", did, err)
		}
		if e.Engine == "postgres" {
			if steps != 0 || due() != 0 {
				t.Errorf("postgres: %d merge steps, due %d; want none and answered", steps, due())
			}
			return
		}
		if steps < 2 {
			t.Errorf("the compaction ran in %d steps, want several", steps)
		}
		if n, err := e.S.SearchSegments(ctx); err != nil || n != 1 {
			t.Errorf("after the compaction the index holds %d segments (%v), want 1", n, err)
		}
		if d := due(); d == 0 {
			t.Errorf("a request made during the compaction was answered by it")
		}
		e.S.SetAfterMergeStep(nil)
		if did, err := e.S.CompactSearchIfDue(ctx); err != nil || !did || due() != 0 {
			t.Errorf("the next compaction: did %v, err %v, due %d; want it done and answered", did, err, due())
		}
		if did, err := e.S.CompactSearchIfDue(ctx); err != nil || did {
			t.Errorf("with nothing due: did %v, err %v", did, err)
		}
		if got := searchRefs(t, e.S, "toner"); !slices.Equal(got, toner) {
			t.Errorf("after the compaction, toner finds %d calls, want %d", len(got), len(toner))
		}
	})
}
