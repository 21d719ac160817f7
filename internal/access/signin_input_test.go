package access_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestSignInUserAgentCutInACharacter (issue 13 review, point 6): a User-Agent longer than what
// is stored, whose cut falls inside a UTF-8 character, or holding bytes that are not UTF-8 or a
// NUL, does not stop a right password: the session starts and keeps a valid, shortened text.
func TestSignInUserAgentCutInACharacter(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, _ := signinEnv(t, s, clock)
		for _, ua := range []string{
			strings.Repeat("a", 299) + "é and more", // byte 300 is the middle of é
			"Mozilla/5.0 \xff\xfe (X11)",
			"Mozilla/5.0 \x00(X11)",
			strings.Repeat("日本", 200),
		} {
			sess, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.1", UserAgent: ua, Console: true})
			if err != nil {
				t.Fatalf("sign-in with User-Agent %q: %v", ua[:20], err)
			}
			got, _, _, err := s.FindSession(ctx, access.TokenHash(sess.Token))
			if err != nil {
				t.Fatal(err)
			}
			if u := got.UserAgent; !utf8.ValidString(u) || strings.ContainsRune(u, 0) || len(u) > 300 || u == "" {
				t.Errorf("stored User-Agent %q (%d bytes)", u, len(u))
			}
		}
	})
}

// TestLongLoginIsAWrongLogin (issue 13 review, point 7): a login far longer than any real one
// (12 KB) is answered like a wrong login, 401 alike on both engines (it was a 500 on PostgreSQL,
// whose index refuses such a key), and still counts against the address, which is throttled.
func TestLongLoginIsAWrongLogin(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, _ := signinEnv(t, s, clock)
		m.MaxPerAddr = 3
		// Letters that do not compress: PostgreSQL compresses a long repeated key below its limit.
		var b strings.Builder
		for x := uint32(1); b.Len() < 12<<10; x = x*1664525 + 1013904223 {
			b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[x>>16%36])
		}
		long := b.String()
		_, errUnknown := m.SignIn(ctx, access.SignIn{Login: "nobody", Password: goodPassword, Addr: "10.0.0.7"})
		for i := 0; i < 2; i++ {
			_, err := m.SignIn(ctx, access.SignIn{Login: long, Password: goodPassword, Addr: "10.0.0.7", Console: true})
			if code(err) != desk.EUNAUTHORIZED || err.Error() != errUnknown.Error() {
				t.Fatalf("a 12 KB login, attempt %d: %v, want %v", i+1, err, errUnknown)
			}
		}
		_, err := m.SignIn(ctx, access.SignIn{Login: long, Password: goodPassword, Addr: "10.0.0.7"})
		if code(err) != desk.ETHROTTLED || !strings.Contains(err.Error(), "this address") {
			t.Fatalf("the fourth attempt from the address: %v, want ETHROTTLED for the address", err)
		}
		// The real person at another address is not held up.
		if _, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.8", Console: true}); err != nil {
			t.Fatalf("aarcher from another address: %v", err)
		}
	})
}

// TestFailedSignInIsAuditedOnly (issue 13 review, point 10): a failed sign-in leaves its audit
// record and the throttle's count, and nothing in the old signin_failures table, which nothing
// reads any more.
func TestFailedSignInIsAuditedOnly(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		ctx := context.Background()
		m := signinAccounts(t, se)
		if _, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: "guess", Addr: "10.0.0.5"}); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("a wrong password: %v", err)
		}
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'session.signin_failed'`); n != 1 {
			t.Errorf("%d audit records of the failure, want 1", n)
		}
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM signin_throttle WHERE key = 'login:aarcher' AND attempts = 1`); n != 1 {
			t.Errorf("the login's attempt is not counted")
		}
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM signin_failures`); n != 0 {
			t.Errorf("%d rows written to signin_failures, which nothing reads", n)
		}
	})
}

// TestDisabledAccountSessionEnds (issue 13 review, point 11c): a session whose account was
// disabled ends with Admit's refusal (EFORBIDDEN, ask the service desk), not a request to sign
// in again, which a disabled account cannot do.
func TestDisabledAccountSessionEnds(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		ctx := context.Background()
		m := signinAccounts(t, se)
		sess, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.1", Console: true})
		if err != nil {
			t.Fatal(err)
		}
		se.DB.MustExec(t, `UPDATE accounts SET active = 0 WHERE login = 'aarcher'`)
		_, err = m.Check(ctx, sess.Token, store.SurfaceConsole, "10.0.0.1")
		if code(err) != desk.EFORBIDDEN || !strings.Contains(err.Error(), "Ask the service desk") {
			t.Fatalf("a disabled account's session: %v, want EFORBIDDEN saying to ask the service desk", err)
		}
		if _, _, _, err := se.S.FindSession(ctx, access.TokenHash(sess.Token)); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("the session is still there: %v", err)
		}
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'session.end' AND detail = 'ended: account disabled'`); n != 1 {
			t.Errorf("%d audit records of the session ended for a disabled account, want 1", n)
		}
	})
}

// TestMayChangePasswordFollowsSignIn (issue 13 review, point 11b): who may keep a local password
// is decided once, by capability (Administer), for sign-in and for changing it; a disabled
// administrator account may do neither.
func TestMayChangePasswordFollowsSignIn(t *testing.T) {
	m := &access.Sessions{Passwords: access.PasswordsAdmins}
	admin := desk.Account{Login: "root", PasswordHash: "x", Roles: []desk.Role{desk.RoleAdmin}, Active: true}
	if ok, why := m.MayChangePassword(admin); !ok {
		t.Fatalf("an administrator under admins-only: %s", why)
	}
	admin.Active = false
	if ok, _ := m.MayChangePassword(admin); ok {
		t.Fatalf("a disabled administrator account may change its password")
	}
	analyst := desk.Account{Login: "a", PasswordHash: "x", Roles: []desk.Role{desk.RoleAnalyst}, Active: true}
	if ok, _ := m.MayChangePassword(analyst); ok {
		t.Fatalf("an analyst under admins-only may change a local password")
	}
}

// signinAccounts is signinEnv on an Env, whose store is seeded already (se.F).
func signinAccounts(t *testing.T, se *storetest.Env) *access.Sessions {
	t.Helper()
	hash, err := access.HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []desk.Account{
		{PersonID: se.F.Ann.ID, Login: "aarcher", PasswordHash: hash, Roles: []desk.Role{desk.RoleAnalyst}},
		{PersonID: se.F.Dan.ID, Login: "ddawson", PasswordHash: hash, Roles: []desk.Role{desk.RoleCustomer}},
	} {
		if _, err := se.S.CreateAccount(context.Background(), se.F.Admin, a); err != nil {
			t.Fatal(err)
		}
	}
	return &access.Sessions{Store: se.S, Now: se.Clock.Now}
}
