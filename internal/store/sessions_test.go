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
		// Attempt counts whose window began before the cut go, and so does any row the old
		// signin_failures table still holds.
		if _, _, err := e.S.ReserveSignin(ctx, "login:x", now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, `INSERT INTO signin_failures (key, at) VALUES ('login:x', ?)`, now.UnixMicro())
		e.Clock.Advance(2 * time.Hour)
		if _, _, err := e.S.ReserveSignin(ctx, "login:y", e.Clock.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := e.S.ClearSigninFailures(ctx, e.Clock.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM signin_throttle WHERE key = 'login:y'`); n != 1 || e.DB.Count(t, `SELECT COUNT(*) FROM signin_throttle`) != 1 {
			t.Fatalf("attempt counts left: want only the recent one")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM signin_failures`); n != 0 {
			t.Fatalf("%d old signin_failures rows left", n)
		}
	})
}

// TestLoginLength (issue 13 review, point 7): no account gets a login longer than desk.MaxLogin
// characters, on both engines alike (PostgreSQL's index refused a 12 KB one with a 500), so no
// throttle key made from an account's login is longer either.
func TestLoginLength(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var b strings.Builder
		for x := uint32(1); b.Len() < 12<<10; x = x*1664525 + 1013904223 {
			b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[x>>16%36])
		}
		for _, login := range []string{b.String(), b.String()[:desk.MaxLogin+1]} {
			_, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Ann.ID, Login: login, Roles: []desk.Role{desk.RoleAnalyst}})
			if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(desk.MessageWithFields(err), "longer than 254 characters") {
				t.Fatalf("a login of %d characters: %v, want EINVALID", len(login), err)
			}
		}
		if _, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Ann.ID, Login: b.String()[:desk.MaxLogin],
			Roles: []desk.Role{desk.RoleAnalyst}}); err != nil {
			t.Fatalf("a login of %d characters: %v", desk.MaxLogin, err)
		}
	})
}
