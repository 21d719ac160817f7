package access_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

const goodPassword = "correct horse battery staple"

// signinEnv seeds a store with an analyst (Ann, login aarcher) and a customer (Dan, ddawson),
// both with goodPassword, and a Sessions on the test clock.
func signinEnv(t *testing.T, s *store.Store, clock *storetest.Clock) (*access.Sessions, storetest.Fixture) {
	t.Helper()
	f := storetest.Seed(t, s)
	hash, err := access.HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []desk.Account{
		{PersonID: f.Ann.ID, Login: "aarcher", PasswordHash: hash, Roles: []desk.Role{desk.RoleAnalyst}},
		{PersonID: f.Dan.ID, Login: "ddawson", PasswordHash: hash, Roles: []desk.Role{desk.RoleCustomer}},
	} {
		if _, err := s.CreateAccount(context.Background(), f.Admin, a); err != nil {
			t.Fatal(err)
		}
	}
	return &access.Sessions{Store: s, Now: clock.Now}, f
}

func code(err error) string { return desk.ErrorCode(err) }

func TestSignInAndSessionLifetime(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, f := signinEnv(t, s, clock)

		// Wrong password and unknown login answer alike.
		_, errWrong := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: "nope nope nope", Addr: "10.0.0.1", Console: true})
		_, errUnknown := m.SignIn(ctx, access.SignIn{Login: "nobody", Password: goodPassword, Addr: "10.0.0.1", Console: true})
		if code(errWrong) != desk.EUNAUTHORIZED || errWrong.Error() != errUnknown.Error() {
			t.Fatalf("wrong password %v and unknown login %v must answer alike", errWrong, errUnknown)
		}
		// A customer may not enter the console (but the password was right, so no failure counts).
		if _, err := m.SignIn(ctx, access.SignIn{Login: "ddawson", Password: goodPassword, Addr: "10.0.0.2", Console: true}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("customer at the console: %v, want EFORBIDDEN", err)
		}
		sess, err := m.SignIn(ctx, access.SignIn{Login: "AArcher", Password: goodPassword, Addr: "10.0.0.1", UserAgent: "test", Console: true})
		if err != nil || sess.Token == "" || sess.Person.ID != f.Ann.ID {
			t.Fatalf("sign-in: %+v %v", sess, err)
		}

		// Used within the idle limit it lives on, up to the absolute limit.
		for i := 0; i < 23; i++ { // 23 x 29 min = 11 h 7 min
			clock.Advance(29 * time.Minute)
			if _, err := m.Check(ctx, sess.Token, store.SurfaceConsole, "10.0.0.1"); err != nil {
				t.Fatalf("after %d x 29 min: %v", i+1, err)
			}
		}
		clock.Advance(29 * time.Minute) // 11 h 36 min
		if _, err := m.Check(ctx, sess.Token, store.SurfaceConsole, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(25 * time.Minute) // 12 h 1 min: past the absolute end
		if _, err := m.Check(ctx, sess.Token, store.SurfaceConsole, "10.0.0.1"); code(err) != desk.EUNAUTHORIZED || !strings.Contains(err.Error(), "12 hours") {
			t.Fatalf("past 12 hours: %v, want EUNAUTHORIZED saying so", err)
		}

		// Idle for 30 minutes ends a session.
		idle, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.1", Console: true})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(30 * time.Minute)
		if _, err := m.Check(ctx, idle.Token, store.SurfaceConsole, "10.0.0.1"); code(err) != desk.EUNAUTHORIZED || !strings.Contains(err.Error(), "without use") {
			t.Fatalf("idle 30 min: %v, want EUNAUTHORIZED saying why", err)
		}
		if _, err := m.Check(ctx, idle.Token, store.SurfaceConsole, "10.0.0.1"); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("an ended session came back: %v", err)
		}

		// Peeking (a page refreshing itself) does not count as use: the idle limit still ends it.
		peeked, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.1", Console: true})
		if err != nil {
			t.Fatal(err)
		}
		for range 29 {
			clock.Advance(time.Minute)
			if _, err := m.Peek(ctx, peeked.Token, store.SurfaceConsole, "10.0.0.1"); err != nil {
				t.Fatalf("peek within the idle limit: %v", err)
			}
		}
		clock.Advance(time.Minute)
		if _, err := m.Peek(ctx, peeked.Token, store.SurfaceConsole, "10.0.0.1"); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("peeked every minute for 30 minutes: %v, want the session ended as idle", err)
		}

		// Signing out ends the session at once.
		out, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.1", Console: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SignOut(ctx, out.Token, store.SurfaceConsole, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Check(ctx, out.Token, store.SurfaceConsole, "10.0.0.1"); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("after sign-out: %v", err)
		}

		// Sign-ins, failures and endings are in the audit trail, concerning Ann.
		recs, _, err := s.FindAudit(ctx, store.AuditFilter{PersonID: f.Ann.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, r := range recs {
			seen[r.Action]++
		}
		if seen["session.start"] != 4 || seen["session.end"] != 4 || seen["session.signin_failed"] != 1 {
			t.Errorf("audit of Ann's sessions: %v", seen)
		}
	})
}

func TestSignInThrottling(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, _ := signinEnv(t, s, clock)
		// Five failures for one login: the sixth attempt waits, even with the right password.
		for i := 0; i < 5; i++ {
			if _, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: "guess", Addr: "10.0.0.1"}); code(err) != desk.EUNAUTHORIZED {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		if _, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.9"}); code(err) != desk.ETHROTTLED || !strings.Contains(err.Error(), "this login") {
			t.Fatalf("sixth attempt: %v, want ETHROTTLED for the login", err)
		}
		clock.Advance(15 * time.Minute)
		if _, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.9"}); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// Guesses sent all at once get no more tries than one after another: five, then waiting.
		var wg sync.WaitGroup
		var wrong, waited atomic.Int32
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := m.SignIn(ctx, access.SignIn{Login: "bbrown", Password: "guess", Addr: fmt.Sprintf("10.1.0.%d", i)})
				switch code(err) {
				case desk.EUNAUTHORIZED:
					wrong.Add(1)
				case desk.ETHROTTLED:
					waited.Add(1)
				}
			}()
		}
		wg.Wait()
		if wrong.Load() != 5 || waited.Load() != 11 {
			t.Fatalf("16 parallel guesses: %d checked, %d throttled; want 5 and 11", wrong.Load(), waited.Load())
		}

		// Twenty failures from one address, across logins: that address waits, others do not.
		for i := 0; i < 20; i++ {
			login := []string{"x1", "x2", "x3", "x4"}[i%4]
			if _, err := m.SignIn(ctx, access.SignIn{Login: login, Password: "guess", Addr: "10.6.6.6"}); code(err) != desk.EUNAUTHORIZED {
				t.Fatalf("address failure %d: %v", i+1, err)
			}
		}
		if _, err := m.SignIn(ctx, access.SignIn{Login: "ddawson", Password: goodPassword, Addr: "10.6.6.6"}); code(err) != desk.ETHROTTLED || !strings.Contains(err.Error(), "this address") {
			t.Fatalf("from a throttled address: %v, want ETHROTTLED for the address", err)
		}
		if _, err := m.SignIn(ctx, access.SignIn{Login: "ddawson", Password: goodPassword, Addr: "10.0.0.2"}); err != nil {
			t.Fatalf("from another address: %v", err)
		}
	})
}

func TestDisabledAccountsAndSSOOnlyAccountsCannotUsePasswords(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, f := signinEnv(t, s, clock)
		if _, err := s.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Eve.ID, Login: "eevans", Roles: []desk.Role{desk.RoleAnalyst}}); err != nil {
			t.Fatal(err)
		}
		for _, pw := range []string{"", goodPassword} {
			if _, err := m.SignIn(ctx, access.SignIn{Login: "eevans", Password: pw, Addr: "10.0.0.3"}); code(err) != desk.EUNAUTHORIZED {
				t.Errorf("an account without a password signed in with %q: %v", pw, err)
			}
		}
	})
}

// TestPasswordPolicy: with single sign-on, local passwords can be kept for break-glass
// administrators only, or switched off.
func TestPasswordPolicy(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, f := signinEnv(t, s, clock)
		hash, err := access.HashPassword(goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Cat.ID, Login: "breakglass", PasswordHash: hash,
			Roles: []desk.Role{desk.RoleAnalyst, desk.RoleAdmin}}); err != nil {
			t.Fatal(err)
		}
		try := func(login string) error {
			_, err := m.SignIn(ctx, access.SignIn{Login: login, Password: goodPassword, Addr: "10.0.0.4", Console: true})
			return err
		}
		m.Passwords = access.PasswordsAdmins
		if err := try("aarcher"); code(err) != desk.EFORBIDDEN || !strings.Contains(err.Error(), "university account") {
			t.Fatalf("an analyst with a password under admins-only: %v", err)
		}
		if err := try("breakglass"); err != nil {
			t.Fatalf("the break-glass administrator: %v", err)
		}
		m.Passwords = access.PasswordsOff
		if err := try("breakglass"); code(err) != desk.EFORBIDDEN {
			t.Fatalf("an administrator with passwords off: %v", err)
		}
		// A wrong password still says only that it is wrong.
		if _, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: "nope", Addr: "10.0.0.4"}); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("a wrong password with passwords off: %v", err)
		}
	})
}
