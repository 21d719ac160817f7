package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

func TestSetPassword(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		acct, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Ann.ID, Login: "aarcher", Roles: []desk.Role{desk.RoleAnalyst}})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := e.S.SetPassword(ctx, e.F.Admin, acct.ID, "$argon2id$fake", ""); err != nil || n != 0 {
			t.Fatalf("SetPassword: %d sessions ended, %v; want 0, nil", n, err)
		}
		got, err := e.S.FindAccountByLogin(ctx, "aarcher")
		if err != nil || got.PasswordHash != "$argon2id$fake" {
			t.Fatalf("after SetPassword the hash is %q (%v)", got.PasswordHash, err)
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: e.F.Ann.ID, Limit: 10})
		if err != nil || len(recs) == 0 || recs[0].Action != "account.password" || recs[0].Detail != "local password set" {
			t.Fatalf("audit %+v (%v)", recs, err)
		}
		if _, err := e.S.SetPassword(ctx, e.F.Admin, 99999, "x", ""); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("an unknown account: %v", err)
		}
	})
}

// TestSetPasswordEndsOtherSessions: a password change ends every session of the account,
// console and portal, but the one making it (a self-service change); a reset ends them all.
// Other accounts' sessions are untouched; the audit record says how many ended.
func TestSetPasswordEndsOtherSessions(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Ann.ID, Login: "aarcher", Roles: []desk.Role{desk.RoleAnalyst}})
		if err != nil {
			t.Fatal(err)
		}
		bob, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Bob.ID, Login: "bbaker", Roles: []desk.Role{desk.RoleAnalyst}})
		if err != nil {
			t.Fatal(err)
		}
		now := e.Clock.Now()
		start := func(acct desk.Account, hash, surface string) {
			t.Helper()
			if err := e.S.CreateSession(ctx, e.F.Admin, hash, store.Session{AccountID: acct.ID, Surface: surface, Via: "password",
				CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		start(ann, "ann-console-1", store.SurfaceConsole)
		start(ann, "ann-console-2", store.SurfaceConsole)
		start(ann, "ann-portal", store.SurfacePortal)
		start(bob, "bob-console", store.SurfaceConsole)
		live := func(hash string) bool {
			_, _, _, err := e.S.FindSession(ctx, hash)
			return err == nil
		}

		// Ann changes her password from her first console session: the other two end.
		n, err := e.S.SetPassword(ctx, e.F.Admin, ann.ID, "$argon2id$new", "ann-console-1")
		if err != nil || n != 2 {
			t.Fatalf("self-service change: %d sessions ended, %v; want 2", n, err)
		}
		if !live("ann-console-1") || live("ann-console-2") || live("ann-portal") || !live("bob-console") {
			t.Fatalf("after the change: ann-console-1 %v (want live), ann-console-2 %v, ann-portal %v (want ended), bob %v (want live)",
				live("ann-console-1"), live("ann-console-2"), live("ann-portal"), live("bob-console"))
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: e.F.Ann.ID, Limit: 10})
		if err != nil || len(recs) == 0 || recs[0].Action != "account.password" || recs[0].Detail != "local password set; 2 sessions ended" {
			t.Fatalf("audit %+v (%v)", recs, err)
		}
		// A reset (no session kept) ends the rest.
		if n, err := e.S.SetPassword(ctx, e.F.Admin, ann.ID, "$argon2id$reset", ""); err != nil || n != 1 || live("ann-console-1") {
			t.Fatalf("reset: %d sessions ended, %v, the changing session live %v; want 1 and ended", n, err, live("ann-console-1"))
		}
		if !live("bob-console") {
			t.Fatal("another account's session ended")
		}
	})
}
