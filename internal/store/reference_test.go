package store_test

import (
	"context"
	"regexp"
	"sync"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

var refPattern = regexp.MustCompile(`^[FR][0-9]{7}$`)

// createConcurrently logs perWorker calls from each worker on each store, alternating faults and
// requests, and returns every call created.
func createConcurrently(t *testing.T, stores []*store.Store, f storetest.Fixture, workers, perWorker int) []desk.Call {
	t.Helper()
	var mu sync.Mutex
	var calls []desk.Call
	var wg sync.WaitGroup
	for si, s := range stores {
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWorker {
					kind := desk.Fault
					if (si+w+i)%2 == 1 {
						kind = desk.Request
					}
					c, err := s.CreateCall(context.Background(), storetest.Actor(f.Ann), desk.NewCall{Kind: kind,
						Summary: "Concurrent call", CustomerID: f.Dan.ID})
					if err != nil {
						t.Errorf("store %d worker %d: %v", si, w, err)
						return
					}
					mu.Lock()
					calls = append(calls, c)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	return calls
}

func checkReferences(t *testing.T, calls []desk.Call, want int) {
	t.Helper()
	if len(calls) != want {
		t.Fatalf("%d calls created, want %d", len(calls), want)
	}
	refs := map[string]bool{}
	numbers := map[int64]string{}
	for _, c := range calls {
		if !refPattern.MatchString(c.Ref) || c.Ref[:1] != c.Kind.Prefix() {
			t.Errorf("reference %q for a %s", c.Ref, c.Kind)
		}
		if refs[c.Ref] {
			t.Errorf("reference %s handed out twice", c.Ref)
		}
		refs[c.Ref] = true
		// The number is unique across kinds too: F0000007 and R0000007 never both exist.
		_, n, err := desk.ParseReference(c.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if other, dup := numbers[n]; dup {
			t.Errorf("number %d used by %s and %s", n, other, c.Ref)
		}
		numbers[n] = c.Ref
	}
}

// TestReferencesUniqueSQLite: goroutines logging calls at once on one store get distinct references.
func TestReferencesUniqueSQLite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	calls := createConcurrently(t, []*store.Store{e.S}, e.F, 4, 50)
	checkReferences(t, calls, 200)
	if n := e.DB.Count(t, `SELECT COUNT(DISTINCT number) FROM calls`); n != 200 {
		t.Errorf("%d distinct numbers stored", n)
	}
	// Every call is findable by its reference and is the call it was created as.
	for _, c := range calls[:20] {
		if got := e.call(t, c.Ref); got.ID != c.ID || got.Kind != c.Kind {
			t.Errorf("%s finds call %d (%s), want %d", c.Ref, got.ID, got.Kind, c.ID)
		}
	}
}

// TestReferencesUniquePostgres (issue 2 item 3): two calldesk instances on one PostgreSQL database
// logging calls at once never hand out the same reference.
func TestReferencesUniquePostgres(t *testing.T) {
	t.Parallel()
	if !hasPostgres(t) {
		t.Skip(storetest.EnvPostgres + " is not set")
	}
	dsn := storetest.DSN(t, "postgres")
	clock := storetest.NewClock(start)
	one := storetest.OpenDSN(t, "postgres", dsn, clock)
	two := storetest.OpenDSN(t, "postgres", dsn, clock) // migrating again is a no-op
	f := storetest.Seed(t, one)
	calls := createConcurrently(t, []*store.Store{one, two}, f, 4, 50)
	checkReferences(t, calls, 400)
	for _, c := range calls[:20] {
		got, err := two.FindCallByRef(context.Background(), c.Ref)
		if err != nil || got.ID != c.ID {
			t.Errorf("%s from the other instance: %d %v", c.Ref, got.ID, err)
		}
	}
}

func hasPostgres(t *testing.T) bool {
	for _, e := range storetest.Engines(t) {
		if e == "postgres" {
			return true
		}
	}
	return false
}
