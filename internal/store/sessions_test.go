package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// Housekeeping removes sessions past their end or idle too long, and old sign-in failures, and
// nothing else.
func TestSessionHousekeeping(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acct, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Ann.ID, Login: "aarcher", Roles: []desk.Role{desk.RoleAnalyst}})
		if err != nil {
			t.Fatal(err)
		}
		now := e.Clock.Now()
		for _, s := range []struct {
			hash         string
			seen, expiry time.Time
		}{
			{"live", now, now.Add(12 * time.Hour)},
			{"idle", now.Add(-31 * time.Minute), now.Add(time.Hour)},
			{"over", now, now},
		} {
			if err := e.S.CreateSession(ctx, storetest.Actor(e.F.Ann), s.hash, store.Session{AccountID: acct.ID, Surface: store.SurfaceConsole, Via: "password",
				CreatedAt: now.Add(-time.Hour), SeenAt: s.seen, ExpiresAt: s.expiry}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := e.S.DeleteExpiredSessions(ctx, now.Add(-30*time.Minute))
		if err != nil || n != 2 {
			t.Fatalf("deleted %d (%v), want the idle and the expired one", n, err)
		}
		if _, _, _, err := e.S.FindSession(ctx, "live"); err != nil {
			t.Fatalf("the live session went: %v", err)
		}
		if err := e.S.RecordSigninFailure(ctx, desk.Actor{Name: "x"}, []string{"login:x"}, 0, "failed"); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(2 * time.Hour)
		if err := e.S.RecordSigninFailure(ctx, desk.Actor{Name: "x"}, []string{"login:x"}, 0, "failed"); err != nil {
			t.Fatal(err)
		}
		if err := e.S.ClearSigninFailures(ctx, "", e.Clock.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n, _, err := e.S.SigninFailures(ctx, "login:x", time.Time{}); err != nil || n != 1 {
			t.Fatalf("%d failures left (%v), want only the recent one", n, err)
		}
	})
}
