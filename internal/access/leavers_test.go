package access_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestParallelGuessesFromOneAddress: 40 wrong passwords sent at once from one address, each for
// another login, through two calldesk instances (two Sessions; on PostgreSQL two stores over the
// one database), get at most 20 password checks: the address's limit in its window. Checks are
// counted by the failures recorded (one audited failure per password checked), not by timing.
func TestParallelGuessesFromOneAddress(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		second := e.S
		if e.Engine == "postgres" {
			second = storetest.OpenDSN(t, e.Engine, e.DSN, e.Clock)
		}
		instances := []*access.Sessions{{Store: e.S, Now: e.Clock.Now}, {Store: second, Now: e.Clock.Now}}
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := instances[i%2].SignIn(ctx, access.SignIn{Login: fmt.Sprintf("guess%02d", i), Password: "not the password", Addr: "198.51.100.7"})
				mu.Lock()
				codes[desk.ErrorCode(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{ObjectType: "signin", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, r := range recs {
			if r.Action == "session.signin_failed" {
				checked++
			}
		}
		if checked > 20 || codes[desk.EUNAUTHORIZED] > 20 || codes[desk.EUNAUTHORIZED]+codes[desk.ETHROTTLED] != 40 {
			t.Fatalf("40 parallel guesses from one address: %d passwords checked, answers %v; want at most 20 checked, the rest throttled", checked, codes)
		}
		if codes[desk.EUNAUTHORIZED] != 20 || checked != 20 {
			t.Errorf("40 parallel guesses: %d checked (%d recorded); want exactly the limit, 20", codes[desk.EUNAUTHORIZED], checked)
		}
	})
}

// TestSessionsStayOnTheirSurface: a portal session's token is not a console session, nor the
// reverse; presenting it to the wrong surface neither works nor ends it, and signing out of
// the wrong surface leaves it alone.
func TestSessionsStayOnTheirSurface(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, _ := signinEnv(t, s, clock)
		console, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.1", Console: true})
		if err != nil {
			t.Fatal(err)
		}
		portal, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name         string
			token        string
			own, foreign string
		}{
			{"a console session", console.Token, store.SurfaceConsole, store.SurfacePortal},
			{"a portal session", portal.Token, store.SurfacePortal, store.SurfaceConsole},
		} {
			if _, err := m.Check(ctx, tc.token, tc.foreign, "10.0.0.1"); code(err) != desk.EUNAUTHORIZED {
				t.Errorf("%s presented to the %s: %v, want EUNAUTHORIZED", tc.name, tc.foreign, err)
			}
			if _, err := m.Peek(ctx, tc.token, tc.foreign, "10.0.0.1"); code(err) != desk.EUNAUTHORIZED {
				t.Errorf("%s peeked at from the %s: %v, want EUNAUTHORIZED", tc.name, tc.foreign, err)
			}
			if err := m.SignOut(ctx, tc.token, tc.foreign, "10.0.0.1"); err != nil {
				t.Fatal(err)
			}
			if ss, err := m.Check(ctx, tc.token, tc.own, "10.0.0.1"); err != nil || ss.Surface != tc.own {
				t.Errorf("%s on its own surface, after the foreign attempts: %+v %v", tc.name, ss.Session, err)
			}
		}
		if _, err := m.Start(ctx, desk.Account{ID: 1}, "", "password", "10.0.0.1", "test"); err == nil {
			t.Error("a session started for no surface")
		}
	})
}

// TestLeaverSessionsAndSignIn: once a person leaves, their sessions end at their next request
// and sign-in is refused, saying their university account has ended; with a grace period, a
// leaver holding the customer role may still use the portal for that long, and only the portal.
func TestLeaverSessionsAndSignIn(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, f := signinEnv(t, s, clock)
		in := func(login string, console bool) (access.Session, error) {
			return m.SignIn(ctx, access.SignIn{Login: login, Password: goodPassword, Addr: "10.0.0.5", Console: console})
		}
		annConsole, err := in("aarcher", true)
		if err != nil {
			t.Fatal(err)
		}
		danPortal, err := in("ddawson", false)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []desk.Person{f.Ann, f.Dan} {
			if _, err := s.MarkLeft(ctx, f.Admin, p.ID, "contract ended"); err != nil {
				t.Fatal(err)
			}
		}
		ended := func(what string, err error) {
			t.Helper()
			if code(err) != desk.EFORBIDDEN || !strings.Contains(err.Error(), "your university account has ended") {
				t.Errorf("%s after leaving: %v, want EFORBIDDEN saying their university account has ended", what, err)
			}
		}
		_, err = m.Check(ctx, annConsole.Token, store.SurfaceConsole, "10.0.0.5")
		ended("Ann's console session", err)
		if _, err := m.Check(ctx, annConsole.Token, store.SurfaceConsole, "10.0.0.5"); code(err) != desk.EUNAUTHORIZED {
			t.Errorf("Ann's console session came back: %v", err)
		}
		_, err = m.Check(ctx, danPortal.Token, store.SurfacePortal, "10.0.0.5")
		ended("Dan's portal session", err)
		_, err = in("aarcher", true)
		ended("Ann's console sign-in", err)
		_, err = in("ddawson", false)
		ended("Dan's portal sign-in", err)

		// With a grace period of 30 days: Dan (a customer) may use the portal, not the console;
		// Ann, an analyst without the customer role, gets nothing.
		m.LeaverPortalGrace = 30 * 24 * time.Hour
		dan, err := in("ddawson", false)
		if err != nil {
			t.Fatalf("Dan's portal sign-in within the grace period: %v", err)
		}
		if _, err := m.Check(ctx, dan.Token, store.SurfacePortal, "10.0.0.5"); err != nil {
			t.Fatalf("Dan's portal session within the grace period: %v", err)
		}
		danAcct, err := s.FindAccountByLogin(ctx, "ddawson")
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Start(ctx, danAcct, store.SurfaceConsole, "oidc", "10.0.0.5", "test")
		ended("Dan at the console within the grace period", err)
		_, err = in("aarcher", false)
		ended("Ann (no customer role) at the portal within the grace period", err)

		clock.Advance(30*24*time.Hour + time.Minute)
		_, err = m.Check(ctx, dan.Token, store.SurfacePortal, "10.0.0.5")
		if code(err) != desk.EUNAUTHORIZED { // idle long since
			t.Errorf("Dan's portal session after 30 days: %v", err)
		}
		_, err = in("ddawson", false)
		ended("Dan's portal sign-in after the grace period", err)
		if err != nil && !strings.Contains(err.Error(), "follow your calls") {
			t.Errorf("after the grace period the refusal does not say the grace period is over: %v", err)
		}
	})
}

// TestChangePasswordThrottled: a wrong current password in a password change counts as a failed
// sign-in for the login, so a borrowed session cannot guess the password: the sixth try waits.
func TestChangePasswordThrottled(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, _ := signinEnv(t, s, clock)
		ss, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.8", Console: true})
		if err != nil {
			t.Fatal(err)
		}
		change := func(current string) error {
			_, err := m.ChangePassword(ctx, access.PasswordChange{Session: ss, Token: ss.Token, Current: current,
				New: "a brand new password", Repeated: "a brand new password", Addr: "10.0.0.8"})
			return err
		}
		for i := range 5 {
			if err := change(fmt.Sprintf("guess %d", i)); code(err) != desk.EINVALID {
				t.Fatalf("wrong current password %d: %v, want EINVALID", i+1, err)
			}
		}
		if err := change(goodPassword); code(err) != desk.ETHROTTLED {
			t.Fatalf("the sixth try: %v, want ETHROTTLED", err)
		}
		clock.Advance(15 * time.Minute)
		if err := change(goodPassword); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}
