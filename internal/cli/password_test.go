package cli

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// TestPasswordCommand: calldesk password gives an account a new password that signs in and
// ends the old one; with --create-customer a person without an account gets a portal-only one.
func TestPasswordCommand(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "pw.db")
	if r := runCLI(t, nil, "demo", "--db", db, "--calls", "50", "--people", "100"); r.code != 0 {
		t.Fatalf("demo: %d %s", r.code, r.stderr)
	}
	s, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	active := true
	students, _, err := s.FindPeople(ctx, store.PersonFilter{Kind: desk.Student, Active: &active, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var student desk.Person
	for _, p := range students {
		if _, err := s.FindAccountByPerson(ctx, p.ID); p.Username != "" && desk.ErrorCode(err) == desk.ENOTFOUND {
			student = p
			break
		}
	}
	if student.ID == 0 {
		t.Fatal("the demo has no active student with a username and no account")
	}
	sessions := &access.Sessions{Store: s}
	printed := regexp.MustCompile(`sign-in: username (\S+), password (\S+)\n$`)

	// No account yet: refused without --create-customer, and nothing made.
	if r := runCLI(t, nil, "password", "--db", db, "--login", student.Username); r.code != 1 {
		t.Fatalf("password for a person without an account: exit %d %q %q, want 1", r.code, r.stdout, r.stderr)
	}
	if _, err := s.FindAccountByPerson(ctx, student.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
		t.Fatalf("an account was made without --create-customer: %v", err)
	}
	if r := runCLI(t, nil, "password", "--db", db); r.code != 2 {
		t.Fatalf("password without --login: exit %d, want 2", r.code)
	}
	if r := runCLI(t, nil, "password", "--db", db, "--login", "nobody-at-all", "--create-customer"); r.code != 1 {
		t.Fatalf("password for an unknown username: exit %d, want 1", r.code)
	}

	r := runCLI(t, nil, "password", "--db", db, "--login", student.Username, "--create-customer")
	m := printed.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("password --create-customer: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if m[1] != student.Username || len(m[2]) < 12 {
		t.Fatalf("printed %q: want the student's username and a long password", m[0])
	}
	if _, err := sessions.SignIn(ctx, access.SignIn{Login: m[1], Password: m[2]}); err != nil {
		t.Fatalf("portal sign-in with the printed password: %v", err)
	}
	if _, err := sessions.SignIn(ctx, access.SignIn{Login: m[1], Password: m[2], Console: true}); desk.ErrorCode(err) != desk.EFORBIDDEN {
		t.Fatalf("the new customer at the console: %v, want refused", err)
	}

	// Again, now the account exists: a new password, and the old one no longer works.
	r = runCLI(t, nil, "password", "--db", db, "--login", student.Username)
	m2 := printed.FindStringSubmatch(r.stdout)
	if r.code != 0 || m2 == nil || m2[2] == m[2] {
		t.Fatalf("password again: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// The portal session begun with the first password ended with it, and the command says so.
	if !strings.Contains(r.stdout, "1 session of "+student.Username+" was signed out") {
		t.Fatalf("password again did not say it signed out the session the first password began: %q", r.stdout)
	}
	if _, err := sessions.SignIn(ctx, access.SignIn{Login: m[1], Password: m[2]}); err == nil {
		t.Fatal("the first password still works")
	}
	if _, err := sessions.SignIn(ctx, access.SignIn{Login: m2[1], Password: m2[2]}); err != nil {
		t.Fatalf("sign-in with the second password: %v", err)
	}
	acct, err := s.FindAccountByPerson(ctx, student.ID)
	if err != nil || len(acct.Roles) != 1 || acct.Roles[0] != desk.RoleCustomer {
		t.Fatalf("the student's account %+v, %v: want one account, customer only", acct, err)
	}
}
