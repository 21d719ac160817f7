package access_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// codeAt is the TOTP code of secret at t, as an authenticator app would show it.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSecondFactor: enrolment confirmed by a first code, then sign-in with a code accepted in
// its own step and the steps either side only (window edges on the injected clock), a code
// never accepted twice, recovery codes once each, codes throttled like passwords, a pending
// session opening nothing until the code, and an administrator's reset.
func TestSecondFactor(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a step boundary (a multiple of 30 s)
	clock := storetest.NewClock(start)
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock.Set(start)
		m, f := signinEnv(t, s, clock)
		m.SecondFactorRoles = []desk.Role{desk.RoleAdmin}
		ann := storetest.Actor(f.Ann)
		signin := func() access.Session {
			t.Helper()
			ss, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.1", Console: true})
			if err != nil {
				t.Fatal(err)
			}
			return ss
		}

		// Not enrolled, not of a mandatory role: signed in at once.
		ss := signin()
		if ss.Pending != "" {
			t.Fatalf("an analyst not enrolled: pending %q", ss.Pending)
		}
		en, err := m.BeginEnrolment(ctx, ss, ann)
		if err != nil || len(en.Secret) < 16 || !strings.HasPrefix(en.QR, "data:image/png;base64,") || !strings.Contains(en.URL, "otpauth://totp/") {
			t.Fatalf("enrolment: %+v %v", en, err)
		}
		if again, err := m.BeginEnrolment(ctx, ss, ann); err != nil || again.Secret != en.Secret {
			t.Fatalf("the page shown again must keep the secret: %v %v", again.Secret, err)
		}
		if _, err := m.ConfirmEnrolment(ctx, ss, ss.Token, "000000", ann); code(err) != desk.EINVALID && codeAt(t, en.Secret, clock.Now()) != "000000" {
			t.Fatalf("a wrong first code: %v, want EINVALID", err)
		}
		codes, err := m.ConfirmEnrolment(ctx, ss, ss.Token, codeAt(t, en.Secret, clock.Now()), ann)
		if err != nil || len(codes) != access.RecoveryCodes {
			t.Fatalf("confirm: %v %v", codes, err)
		}
		if _, err := m.BeginEnrolment(ctx, ss, ann); code(err) != desk.ECONFLICT {
			t.Fatalf("enrolling again: %v, want ECONFLICT", err)
		}
		fa, err := s.FindSecondFactor(ctx, ss.Account.ID)
		if err != nil || !fa.Confirmed() || fa.RecoveryLeft != access.RecoveryCodes {
			t.Fatalf("stored: %+v %v", fa, err)
		}
		for _, c := range codes {
			if strings.Contains(fa.Secret, c) {
				t.Fatal("a recovery code in the clear")
			}
		}

		// Enrolled: the next sign-in waits for a code, and the session opens nothing yet.
		clock.Advance(time.Minute) // step s0 = start+60s
		ss = signin()
		if ss.Pending != store.PendingCode {
			t.Fatalf("enrolled: pending %q, want code", ss.Pending)
		}
		if chk, err := m.Check(ctx, ss.Token, store.SurfaceConsole, "10.0.0.1"); err != nil || chk.Pending != store.PendingCode {
			t.Fatalf("check of a pending session: %+v %v", chk.Pending, err)
		}
		now := clock.Now()
		// The first second of a step: the previous step's code is accepted, the one before not.
		if _, _, err := m.VerifySecondFactor(ctx, ss, ss.Token, codeAt(t, en.Secret, now.Add(-60*time.Second)), ann); code(err) != desk.EINVALID {
			t.Fatalf("a code two steps old: %v, want EINVALID", err)
		}
		if _, _, err := m.VerifySecondFactor(ctx, ss, ss.Token, codeAt(t, en.Secret, now.Add(-30*time.Second)), ann); err != nil {
			t.Fatalf("the previous step's code: %v", err)
		}
		if chk, err := m.Check(ctx, ss.Token, store.SurfaceConsole, "10.0.0.1"); err != nil || chk.Pending != "" {
			t.Fatalf("after the code: pending %q %v", chk.Pending, err)
		}
		// Replay: the same code, in another sign-in, is refused; so is an older one.
		ss2 := signin()
		if _, _, err := m.VerifySecondFactor(ctx, ss2, ss2.Token, codeAt(t, en.Secret, now.Add(-30*time.Second)), ann); code(err) != desk.ECONFLICT {
			t.Fatalf("a code given again: %v, want ECONFLICT", err)
		}
		// The last second of a step: the next step's code is accepted, the one after not.
		clock.Set(now.Add(29 * time.Second))
		late := clock.Now()
		if _, _, err := m.VerifySecondFactor(ctx, ss2, ss2.Token, codeAt(t, en.Secret, late.Add(60*time.Second)), ann); code(err) != desk.EINVALID {
			t.Fatalf("a code two steps ahead: %v, want EINVALID", err)
		}
		if _, _, err := m.VerifySecondFactor(ctx, ss2, ss2.Token, codeAt(t, en.Secret, late.Add(30*time.Second)), ann); err != nil {
			t.Fatalf("the next step's code: %v", err)
		}
		// Now's code is older than the step used: refused too.
		ss3 := signin()
		if _, _, err := m.VerifySecondFactor(ctx, ss3, ss3.Token, codeAt(t, en.Secret, late), ann); code(err) != desk.ECONFLICT {
			t.Fatalf("a code older than the last used: %v, want ECONFLICT", err)
		}

		// Recovery codes: each once, typed in any case, with or without its hyphen.
		rec, left, err := m.VerifySecondFactor(ctx, ss3, ss3.Token, codes[0], ann)
		if err != nil || !rec || left != access.RecoveryCodes-1 {
			t.Fatalf("a recovery code: %v %d %v", rec, left, err)
		}
		ss4 := signin()
		if _, _, err := m.VerifySecondFactor(ctx, ss4, ss4.Token, codes[0], ann); code(err) != desk.EINVALID {
			t.Fatalf("a recovery code used twice: %v, want EINVALID", err)
		}
		if _, _, err := m.VerifySecondFactor(ctx, ss4, ss4.Token, strings.ToUpper(strings.ReplaceAll(codes[1], "-", " ")), ann); err != nil {
			t.Fatalf("a recovery code typed in capitals with a space: %v", err)
		}

		// Throttled like passwords: 5 wrong codes in the window, then even the right one waits.
		ss5 := signin()
		for i := 0; i < 5; i++ {
			if _, _, err := m.VerifySecondFactor(ctx, ss5, ss5.Token, "zzzzz-zzzzz", ann); code(err) != desk.EINVALID {
				t.Fatalf("wrong code %d: %v", i+1, err)
			}
		}
		if _, _, err := m.VerifySecondFactor(ctx, ss5, ss5.Token, codes[2], ann); code(err) != desk.ETHROTTLED {
			t.Fatalf("the 6th code: %v, want ETHROTTLED", err)
		}
		// A pending session not finished within 15 minutes ends.
		clock.Advance(16 * time.Minute)
		if _, err := m.Check(ctx, ss5.Token, store.SurfaceConsole, "10.0.0.1"); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("a pending session after 16 minutes: %v, want EUNAUTHORIZED", err)
		}
		ss6 := signin()
		if _, _, err := m.VerifySecondFactor(ctx, ss6, ss6.Token, codes[2], ann); err != nil {
			t.Fatalf("after the window: %v", err)
		}

		// An administrator resets it: the sessions end, the next sign-in is a plain one (not
		// mandatory for an analyst), and the reset is audited.
		if err := m.ResetSecondFactor(ctx, f.Admin, ss.Account.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Check(ctx, ss6.Token, store.SurfaceConsole, "10.0.0.1"); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("a session after the reset: %v", err)
		}
		if ss := signin(); ss.Pending != "" {
			t.Fatalf("after reset: pending %q", ss.Pending)
		}
		if err := m.ResetSecondFactor(ctx, f.Admin, ss.Account.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("a second reset: %v, want ENOTFOUND", err)
		}
		recs, err := s.SARAudit(ctx, f.Ann.ID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, r := range recs {
			seen[r.Action]++
		}
		for _, a := range []string{"second_factor.begin", "second_factor.enrol", "session.second_factor", "second_factor.recovery_used", "second_factor.reset"} {
			if seen[a] == 0 {
				t.Errorf("no %s audit record; have %v", a, seen)
			}
		}
		if seen["second_factor.recovery_used"] != 3 {
			t.Errorf("recovery codes used three times, audited %d times", seen["second_factor.recovery_used"])
		}
	})
}

// TestSecondFactorMandatory: an account of a mandatory role, not enrolled, is pending
// enrolment after its password; single sign-on (Start) is not asked for a second factor.
func TestSecondFactorMandatory(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, f := signinEnv(t, s, clock)
		m.SecondFactorRoles = []desk.Role{desk.RoleAdmin, desk.RoleDPO, desk.RoleSupplier}
		hash, _ := access.HashPassword(goodPassword)
		acct, err := s.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Bob.ID, Login: "bboss", PasswordHash: hash,
			Roles: []desk.Role{desk.RoleAnalyst, desk.RoleAdmin}})
		if err != nil {
			t.Fatal(err)
		}
		ss, err := m.SignIn(ctx, access.SignIn{Login: "bboss", Password: goodPassword, Addr: "10.0.0.3", Console: true})
		if err != nil || ss.Pending != store.PendingEnrol {
			t.Fatalf("an administrator not enrolled: pending %q %v, want enrol", ss.Pending, err)
		}
		if a, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.3", Console: true}); err != nil || a.Pending != "" {
			t.Fatalf("an analyst: pending %q %v", a.Pending, err)
		}
		acct.Roles = []desk.Role{desk.RoleAnalyst, desk.RoleAdmin}
		sso, err := m.Start(ctx, acct, store.SurfaceConsole, "oidc", "10.0.0.3", "")
		if err != nil || sso.Pending != "" {
			t.Fatalf("single sign-on: pending %q %v", sso.Pending, err)
		}
		en, err := m.BeginEnrolment(ctx, ss, storetest.Actor(f.Bob))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.ConfirmEnrolment(ctx, ss, ss.Token, codeAt(t, en.Secret, clock.Now()), storetest.Actor(f.Bob)); err != nil {
			t.Fatal(err)
		}
		if chk, err := m.Check(ctx, ss.Token, store.SurfaceConsole, "10.0.0.3"); err != nil || chk.Pending != "" {
			t.Fatalf("after enrolment: pending %q %v", chk.Pending, err)
		}
	})
}
