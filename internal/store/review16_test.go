package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestPasswordChangeEndsResetLinks: a reset link emailed before the account's password is
// changed (by its owner on My details, or set or removed by an administrator) no longer works
// after the change: it would set the password again behind the back of whoever just changed it.
func TestPasswordChangeEndsResetLinks(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		acct, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Dan.ID, Login: "ddawson", PasswordHash: "old", Roles: []desk.Role{desk.RoleCustomer}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		anon := desk.Actor{Name: "someone on SupportMe", Addr: "192.0.2.1"}
		if sent, err := e.S.StartPasswordReset(ctx, anon, acct.ID, "hash-1", e.Clock.Now().Add(time.Hour), desk.OutMail{
			MessageID: "reset-a@desk.example", Kind: desk.MailPasswordReset, To: e.F.Dan.Email, Subject: "Reset", Text: "link"}); !sent || err != nil {
			t.Fatalf("start: %v %v", sent, err)
		}
		e.Clock.Advance(5 * time.Minute)
		if _, err := e.S.SetPassword(ctx, desk.Actor{PersonID: e.F.Dan.ID, AccountID: acct.ID, Name: e.F.Dan.Name()}, acct.ID, "changed", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.PasswordResetAccount(ctx, "hash-1"); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("the link emailed before the change still opens the form: %v", err)
		}
		if _, _, err := e.S.FinishPasswordReset(ctx, anon, "hash-1", "taken-over"); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("the link emailed before the change still sets the password: %v", err)
		}
		if got, err := e.S.FindAccountByLogin(ctx, "ddawson"); err != nil || got.PasswordHash != "changed" {
			t.Fatalf("password after: %q %v", got.PasswordHash, err)
		}
	})
}

// TestCannedReplyFillsEveryPlaceholderItAccepts: a canned reply saved with spaces inside its
// placeholders ({{ first_name}}, {{ref  }}), which the form accepts, is filled in like
// {{first_name}} and {{ref}}: the customer never receives the braces.
func TestCannedReplyFillsEveryPlaceholderItAccepts(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		r, err := e.S.CreateCannedReply(ctx, e.F.Admin, store.CannedReply{Name: "Spaced", Kind: store.ReplyUpdate,
			Body: "Hello {{ first_name}}, about {{ref  }} and {{  ref}}: {{first_name }}."})
		if err != nil {
			t.Fatalf("the form refused the spaced placeholders: %v", err)
		}
		if got, want := r.Fill("Dan", "F0000007"), "Hello Dan, about F0000007 and F0000007: Dan."; got != want {
			t.Fatalf("filled: %q, want %q", got, want)
		}
		// What is filled in is not read again.
		if got, want := r.Fill("{{ref}}", "F0000007"), "Hello {{ref}}, about F0000007 and F0000007: {{ref}}."; got != want {
			t.Fatalf("filled with braces in the name: %q, want %q", got, want)
		}
	})
}

// TestViewAndReplyNamesDifferInMoreThanCase: a saved view's name and a canned reply's are
// unique whatever their letter case, in any script, on both engines alike ("Équipe" and
// "ÉQUIPE" are one name; SQLite's lower() folds only ASCII letters).
func TestViewAndReplyNamesDifferInMoreThanCase(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		if _, err := e.S.CreateSavedView(ctx, ann, store.SavedView{OwnerID: e.F.Ann.ID, Name: "Équipe réseau", Queue: "mine"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.CreateSavedView(ctx, ann, store.SavedView{OwnerID: e.F.Ann.ID, Name: "ÉQUIPE RÉSEAU", Queue: "mine"}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("a second view named the same in capitals: %v", err)
		}
		other, err := e.S.CreateSavedView(ctx, ann, store.SavedView{OwnerID: e.F.Ann.ID, Name: "Autre", Queue: "mine"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.RenameSavedView(ctx, ann, e.F.Ann.ID, other.ID, "équipe RÉSEAU"); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("renamed to another view's name in other capitals: %v", err)
		}
		if _, err := e.S.CreateCannedReply(ctx, e.F.Admin, store.CannedReply{Name: "Réseau rétabli", Kind: store.ReplyUpdate, Body: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.CreateCannedReply(ctx, e.F.Admin, store.CannedReply{Name: "RÉSEAU RÉTABLI", Kind: store.ReplyUpdate, Body: "y"}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("a second reply named the same in capitals: %v", err)
		}
	})
}
