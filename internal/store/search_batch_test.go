package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// Writes that share a transaction (SQLite's group commit) have their search documents built once
// at its end: every call and every diary entry written concurrently must still be found.
func TestConcurrentWritesAreAllSearchable(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const n = 40
		refs := make([]string, n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: fmt.Sprintf("word%dalpha broken", i), CustomerID: e.F.Dan.ID})
				if err != nil {
					errs <- err
					return
				}
				refs[i] = c.Ref
				if _, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), c.Ref, desk.EntryNote, fmt.Sprintf("word%dbeta checked", i)); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			for _, w := range []string{fmt.Sprintf("word%dalpha", i), fmt.Sprintf("word%dbeta", i), fmt.Sprintf("word%dalpha broken", i)} {
				got, total, err := e.S.FindCalls(ctx, store.CallFilter{Text: w})
				if err != nil || total != 1 || len(got) != 1 || got[0].Ref != refs[i] {
					t.Fatalf("search %q: %d hits %v (%v), want only %s", w, total, got, err, refs[i])
				}
			}
		}
		if _, total, _ := e.S.FindCalls(ctx, store.CallFilter{Text: "broken"}); total != n {
			t.Errorf("search broken: %d hits, want %d", total, n)
		}
	})
}
