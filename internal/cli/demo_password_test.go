package cli

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// TestDemoPasswordSignsIntoTheConsole: make run prints a console password for the demo
// administrator, new on every run, and it signs in.
func TestDemoPasswordSignsIntoTheConsole(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	var pws []string
	var login string
	for range 2 {
		r := runCLI(t, nil, "demo", "--db", db, "--calls", "50", "--people", "100", "--if-empty", "--password")
		m := regexp.MustCompile(`console sign-in: username (\S+), password (\S+)`).FindStringSubmatch(r.stdout)
		if r.code != 0 || m == nil {
			t.Fatalf("demo --password: %d %q %q", r.code, r.stdout, r.stderr)
		}
		login = m[1]
		pws = append(pws, m[2])
	}
	if pws[0] == pws[1] || len(pws[1]) < 12 {
		t.Fatalf("passwords %q: each run must give a new, long one", pws)
	}
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := &access.Sessions{Store: s}
	if _, err := m.SignIn(context.Background(), access.SignIn{Login: login, Password: pws[0], Console: true}); err == nil {
		t.Fatal("the first password still works after the second run")
	}
	if _, err := m.SignIn(context.Background(), access.SignIn{Login: login, Password: pws[1], Console: true}); err != nil {
		t.Fatalf("sign in with the printed password: %v", err)
	}
	// The printed student signs in to the portal, not the console.
	r := runCLI(t, nil, "demo", "--db", db, "--if-empty", "--password")
	m2 := regexp.MustCompile(`portal sign-in \(a student\): username (\S+), password (\S+)`).FindStringSubmatch(r.stdout)
	if m2 == nil {
		t.Fatalf("no portal sign-in printed: %q", r.stdout)
	}
	if _, err := m.SignIn(context.Background(), access.SignIn{Login: m2[1], Password: m2[2]}); err != nil {
		t.Fatalf("the student's portal sign-in: %v", err)
	}
	if _, err := m.SignIn(context.Background(), access.SignIn{Login: m2[1], Password: m2[2], Console: true}); desk.ErrorCode(err) != desk.EFORBIDDEN {
		t.Fatalf("the student at the console: %v, want refused", err)
	}
	// So does the Data Protection Officer, at the console, with the role.
	m3 := regexp.MustCompile(`console sign-in for the Data Protection Officer \([^)]*\): username (\S+), password (\S+)`).FindStringSubmatch(r.stdout)
	if m3 == nil {
		t.Fatalf("no DPO sign-in printed: %q", r.stdout)
	}
	if _, err := m.SignIn(context.Background(), access.SignIn{Login: m3[1], Password: m3[2], Console: true}); err != nil {
		t.Fatalf("the DPO's console sign-in: %v", err)
	}
	acct, err := s.FindAccountByLogin(context.Background(), m3[1])
	if err != nil || !acct.Has(desk.RoleDPO) {
		t.Fatalf("the printed DPO account %+v lacks the role: %v", acct, err)
	}
	// And the service-level manager, who sees reports with names (S11).
	m4 := regexp.MustCompile(`console sign-in for the service-level manager \([^)]*\): username (\S+), password (\S+)`).FindStringSubmatch(r.stdout)
	if m4 == nil {
		t.Fatalf("no service-level manager sign-in printed: %q", r.stdout)
	}
	if _, err := m.SignIn(context.Background(), access.SignIn{Login: m4[1], Password: m4[2], Console: true}); err != nil {
		t.Fatalf("the service-level manager's console sign-in: %v", err)
	}
	acct, err = s.FindAccountByLogin(context.Background(), m4[1])
	if err != nil || !access.Can(acct, access.SeeNamedReports) {
		t.Fatalf("the printed service-level manager %+v may not see named reports: %v", acct, err)
	}
}
