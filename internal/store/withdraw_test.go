package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestWithdrawAndUndo: a customer withdraws their call and puts it back as it was (its state and
// its urgent flag), audited and in the diary; once an analyst has acted since (a note, or any
// change of the call), the undo is refused with ECONFLICT and nothing changes; nobody but the
// customer withdraws or undoes.
func TestWithdrawAndUndo(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		dan, ann := storetest.Actor(e.F.Dan), storetest.Actor(e.F.Ann)
		c, err := e.S.CreateCall(ctx, dan, desk.NewCall{Kind: desk.Fault, Summary: "Printer jams", CustomerID: e.F.Dan.ID, Source: desk.SourcePortal})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = e.S.UpdateCallSteps(ctx, ann, c.Ref, c.Version, desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Ann.ID},
			desk.Transition{Action: desk.ActAccept}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.WithdrawCall(ctx, ann, c.Ref, c.Version, "not his"); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("an analyst withdrawing: %v, want EFORBIDDEN", err)
		}
		e.Clock.Advance(time.Minute)
		w, err := e.S.WithdrawCall(ctx, dan, c.Ref, c.Version, "withdrawn by the customer: fixed it myself")
		if err != nil || w.State != desk.Cancelled {
			t.Fatalf("withdrawn: %v %v", w.State, err)
		}
		if ok, err := e.S.Undoable(ctx, w); !ok || err != nil {
			t.Fatalf("undoable right after: %v %v", ok, err)
		}
		if _, err := e.S.UndoWithdrawal(ctx, ann, c.Ref); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("an analyst undoing: %v, want EFORBIDDEN", err)
		}
		e.Clock.Advance(time.Minute)
		back, err := e.S.UndoWithdrawal(ctx, dan, c.Ref)
		if err != nil || back.State != desk.Accepted || back.CancelNote != "" || !back.CancelledAt.IsZero() {
			t.Fatalf("put back: %+v %v", back, err)
		}
		if got, err := e.S.FindCallByRef(ctx, c.Ref); err != nil || got.State != desk.Accepted || got.AnalystID != e.F.Ann.ID || got.CancelNote != "" {
			t.Fatalf("read back: %v %v", got.State, err)
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: e.F.Dan.ID, Limit: 3})
		if err != nil || len(recs) == 0 || recs[0].Action != "call.restore" || recs[0].ObjectID != c.Ref {
			t.Fatalf("audit %+v %v", recs, err)
		}
		diary, err := e.S.Diary(ctx, c.ID, false)
		if err != nil || diary[len(diary)-1].Text != "withdrawal undone by the customer: the call is back as it was (accepted)" {
			t.Fatalf("diary %+v %v", diary, err)
		}
		// A second undo has nothing to undo.
		if _, err := e.S.UndoWithdrawal(ctx, dan, c.Ref); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("undo twice: %v, want ECONFLICT", err)
		}

		// Withdrawn again; Ann writes a note: the desk has acted, the undo is refused.
		got, _ := e.S.FindCallByRef(ctx, c.Ref)
		w, err = e.S.WithdrawCall(ctx, dan, c.Ref, got.Version, "withdrawn by the customer")
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Minute)
		if _, err := e.S.AddEntry(ctx, ann, c.Ref, desk.EntryNote, "customer says it works now"); err != nil {
			t.Fatal(err)
		}
		if ok, err := e.S.Undoable(ctx, w); ok || err != nil {
			t.Fatalf("undoable after the desk wrote: %v %v", ok, err)
		}
		if _, err := e.S.UndoWithdrawal(ctx, dan, c.Ref); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("undo after a note: %v, want ECONFLICT", err)
		}
		if got, _ := e.S.FindCallByRef(ctx, c.Ref); got.State != desk.Cancelled {
			t.Fatalf("a refused undo changed the call: %v", got.State)
		}

		// A call the desk cancelled was not withdrawn on the portal: nothing to undo.
		c2, err := e.S.CreateCall(ctx, dan, desk.NewCall{Kind: desk.Fault, Summary: "Screen flickers", CustomerID: e.F.Dan.ID, Source: desk.SourcePortal})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.UpdateCall(ctx, ann, c2.Ref, c2.Version, desk.Transition{Action: desk.ActCancel, Reason: "duplicate"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.UndoWithdrawal(ctx, dan, c2.Ref); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("undo of the desk's cancellation: %v, want ECONFLICT", err)
		}
	})
}

// TestPasswordReset: a reset link is single-use and time-limited, its email goes to the outbox
// with it, its use sets the password and ends every session, both steps are audited, and asks
// past three an hour send nothing; ResetAccount finds an account by login or email only when one
// matches.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		acct, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Dan.ID, Login: "ddawson", PasswordHash: "old", Roles: []desk.Role{desk.RoleCustomer}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"ddawson", "DDawson", e.F.Dan.Email} {
			if a, p, err := e.S.ResetAccount(ctx, key); err != nil || a.ID != acct.ID || p.ID != e.F.Dan.ID {
				t.Fatalf("ResetAccount(%q): %v %v %v", key, a.ID, p.ID, err)
			}
		}
		if _, _, err := e.S.ResetAccount(ctx, "nobody"); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("unknown login: %v", err)
		}
		mail := func(i int) desk.OutMail {
			return desk.OutMail{MessageID: "reset-" + string(rune('a'+i)) + "@desk.example", Kind: desk.MailPasswordReset, To: e.F.Dan.Email, Subject: "Reset", Text: "link"}
		}
		anon := desk.Actor{Name: "someone on SupportMe", Addr: "192.0.2.1"}
		if sent, err := e.S.StartPasswordReset(ctx, anon, acct.ID, "hash-1", e.Clock.Now().Add(time.Hour), mail(0)); !sent || err != nil {
			t.Fatalf("start: %v %v", sent, err)
		}
		out, err := e.S.OutMail(ctx, desk.MailPending, 0, 10)
		if err != nil || len(out) != 1 || out[0].Kind != desk.MailPasswordReset || out[0].To != e.F.Dan.Email {
			t.Fatalf("outbox: %+v %v", out, err)
		}
		if a, err := e.S.PasswordResetAccount(ctx, "hash-1"); err != nil || a.ID != acct.ID {
			t.Fatalf("live link: %v %v", a.ID, err)
		}
		if _, err := e.S.PasswordResetAccount(ctx, "hash-x"); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("unknown link: %v", err)
		}
		e.S.StartPasswordReset(ctx, anon, acct.ID, "hash-2", e.Clock.Now().Add(time.Hour), mail(1))
		e.S.StartPasswordReset(ctx, anon, acct.ID, "hash-3", e.Clock.Now().Add(time.Hour), mail(2))
		if sent, err := e.S.StartPasswordReset(ctx, anon, acct.ID, "hash-4", e.Clock.Now().Add(time.Hour), mail(3)); sent || err != nil {
			t.Fatalf("a fourth ask in the hour: sent %v %v", sent, err)
		}
		if _, err := e.S.PasswordResetAccount(ctx, "hash-4"); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("the refused link works: %v", err)
		}
		if err := e.S.CreateSession(ctx, storetest.Actor(e.F.Dan), "sess", store.Session{AccountID: acct.ID, Surface: store.SurfacePortal, Via: "password",
			CreatedAt: e.Clock.Now(), SeenAt: e.Clock.Now(), ExpiresAt: e.Clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(10 * time.Minute)
		a, ended, err := e.S.FinishPasswordReset(ctx, desk.Actor{Name: e.F.Dan.Name(), Addr: "192.0.2.1"}, "hash-2", "new")
		if err != nil || a.ID != acct.ID || ended != 1 {
			t.Fatalf("finish: %v %d %v", a.ID, ended, err)
		}
		if got, err := e.S.FindAccountByLogin(ctx, "ddawson"); err != nil || got.PasswordHash != "new" {
			t.Fatalf("password after: %q %v", got.PasswordHash, err)
		}
		// Single use: this link and the account's others are spent.
		for _, h := range []string{"hash-1", "hash-2", "hash-3"} {
			if _, _, err := e.S.FinishPasswordReset(ctx, anon, h, "again"); desk.ErrorCode(err) != desk.EINVALID {
				t.Fatalf("%s used again: %v", h, err)
			}
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: e.F.Dan.ID, Limit: 10})
		if err != nil || recs[0].Action != "account.password" || recs[0].ActorID != e.F.Dan.ID {
			t.Fatalf("audit: %+v %v", recs, err)
		}
		asks := 0
		for _, r := range recs {
			if r.Action == "account.reset_ask" {
				asks++
			}
		}
		if asks != 4 {
			t.Fatalf("%d asks audited, want 4", asks)
		}
		// Time-limited: a link past its end is refused.
		e.Clock.Advance(2 * time.Hour)
		if sent, err := e.S.StartPasswordReset(ctx, anon, acct.ID, "hash-5", e.Clock.Now().Add(time.Hour), mail(4)); !sent || err != nil {
			t.Fatal(sent, err)
		}
		e.Clock.Advance(61 * time.Minute)
		if _, _, err := e.S.FinishPasswordReset(ctx, anon, "hash-5", "late"); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("an expired link: %v", err)
		}
	})
}
