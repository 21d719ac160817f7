package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// A single sign-on state can be used once until it expires; expired ones are swept.
func TestUseSSOState(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.Clock.Now()
		if err := e.S.UseSSOState(ctx, "a", now.Add(10*time.Minute)); err != nil {
			t.Fatalf("first use: %v", err)
		}
		if err := e.S.UseSSOState(ctx, "a", now.Add(10*time.Minute)); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("second use: expected EUNAUTHORIZED, got %v", err)
		}
		if err := e.S.UseSSOState(ctx, "b", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(2 * time.Minute)
		if err := e.S.UseSSOState(ctx, "c", e.Clock.Now().Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sso_states`); n != 2 {
			t.Fatalf("expected the expired state swept, leaving 2, got %d", n)
		}
	})
}

// People are matched to an identity by whole username or email, ignoring case; a name or a
// prefix matches nobody.
func TestFindPeopleByIdentity(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, c := range []struct {
			by    store.Identity
			value string
			want  int64
		}{
			{store.ByUsername, "AArcher", e.F.Ann.ID},
			{store.ByUsername, " bbaker ", e.F.Bob.ID},
			{store.ByEmail, "CCarter@Uni.Example", e.F.Cat.ID},
			{store.ByUsername, "aarcher@uni.example", 0},
			{store.ByEmail, "aarcher", 0},
			{store.ByUsername, "aarch", 0},
			{store.ByUsername, "Ann Archer", 0},
			{store.ByUsername, "", 0},
		} {
			got, err := e.S.FindPeopleByIdentity(ctx, c.by, c.value)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == 0 && len(got) != 0 || c.want != 0 && (len(got) != 1 || got[0].ID != c.want) {
				t.Errorf("%s %q: got %v, want person %d", c.by, c.value, got, c.want)
			}
		}
		if _, err := e.S.FindPeopleByIdentity(ctx, "phone", "01234"); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("matching by phone: expected EINVALID, got %v", err)
		}
	})
}
