package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestBadTextRefusedAlike (issue 13 point 9): the store's last line of defence. Text with a NUL
// character, or bytes that are not UTF-8, given to the store by a way in that did not check it,
// is EINVALID on both engines (PostgreSQL answered with an error, a 500; SQLite stored it), in a
// write and in a look-up alike.
func TestBadTextRefusedAlike(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		for _, summary := range []string{"Printer\x00jammed", "Caf\xe9"} {
			_, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: summary, CustomerID: e.F.Dan.ID, Source: desk.SourcePhone})
			if desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("a call with summary %q: %v", summary, err)
			}
		}
		if _, _, err := e.S.FindPeople(ctx, store.PersonFilter{Query: "Dan\x00", Limit: 10}); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("a look-up of people by text with a NUL: %v", err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls`); n != 0 {
			t.Errorf("%d calls stored", n)
		}
	})
}
