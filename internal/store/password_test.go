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
		if err := e.S.SetPassword(ctx, e.F.Admin, acct.ID, "$argon2id$fake"); err != nil {
			t.Fatal(err)
		}
		got, err := e.S.FindAccountByLogin(ctx, "aarcher")
		if err != nil || got.PasswordHash != "$argon2id$fake" {
			t.Fatalf("after SetPassword the hash is %q (%v)", got.PasswordHash, err)
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: e.F.Ann.ID, Limit: 10})
		if err != nil || len(recs) == 0 || recs[0].Action != "account.password" || recs[0].Detail != "local password set" {
			t.Fatalf("audit %+v (%v)", recs, err)
		}
		if err := e.S.SetPassword(ctx, e.F.Admin, 99999, "x"); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("an unknown account: %v", err)
		}
	})
}
