package access_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

func TestPasswords(t *testing.T) {
	t.Parallel()
	const pw = "correct horse battery"
	h, err := access.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, pw) {
		t.Errorf("hash %q is not an argon2id PHC string with the expected parameters", h)
	}
	if !access.CheckPassword(h, pw) {
		t.Error("the right password is refused")
	}
	for _, wrong := range []string{"", "correct horse battery ", "Correct horse battery", "correct horse batter"} {
		if access.CheckPassword(h, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	h2, err := access.HashPassword(pw)
	if err != nil || h2 == h || !access.CheckPassword(h2, pw) {
		t.Errorf("a second hash of the same password is %q (salted? %v)", h2, h2 != h)
	}

	// Exactly 12 characters is enough; fewer is refused with a field error.
	if _, err := access.HashPassword("123456789012"); err != nil {
		t.Errorf("12 characters refused: %v", err)
	}
	for _, short := range []string{"", "hunter2", "12345678901"} {
		_, err := access.HashPassword(short)
		if e := desk.AsError(err); e == nil || e.Code != desk.EINVALID || e.Fields["password"] == "" {
			t.Errorf("short password %q: %v", short, err)
		}
	}
}

// TestCheckPasswordMalformed: a damaged or hostile stored hash is a refusal, never a panic or a
// huge allocation.
func TestCheckPasswordMalformed(t *testing.T) {
	t.Parallel()
	h, err := access.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	salt, key := parts[4], parts[5]
	for _, bad := range []string{
		"",
		"plain text",
		strings.Replace(h, "argon2id", "argon2i", 1),
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt,                  // no key
		"$argon2id$v=19$m=19456,t=2,p=1$!!!$" + key,               // bad salt
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key[:10], // short key
		"$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key,      // zero passes: argon2 panics
		"$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key,      // zero lanes: argon2 panics
		"$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key, // 4 TiB of memory
		"$argon2id$v=19$m=19456,t=4294967295,p=1$" + salt + "$" + key,
		"$argon2id$v=19$x$" + salt + "$" + key,
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("CheckPassword(%q) panicked: %v", bad, r)
				}
			}()
			if access.CheckPassword(bad, "correct horse battery") {
				t.Errorf("malformed hash %q accepted", bad)
			}
		}()
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		tok, hash, err := access.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, access.TokenPrefix) || len(tok) != len(access.TokenPrefix)+43 {
			t.Fatalf("token %q", tok)
		}
		if seen[tok] || seen[hash] {
			t.Fatalf("token or hash repeated after %d", len(seen)/2)
		}
		seen[tok], seen[hash] = true, true
		if hash != access.TokenHash(tok) || access.TokenHash(tok) != access.TokenHash(tok) || len(hash) != 64 || strings.Contains(hash, tok) {
			t.Fatalf("hash %q of %q is not a stable SHA-256", hash, tok)
		}
	}
	// A known value, so the stored form cannot change by accident and lock everyone out.
	// (printf cdk_test | sha256sum)
	if got := access.TokenHash("cdk_test"); got != "b701116ec206e4d02857fb2db781eb101d9ee9c0870a7b06dd5bd11a21a5dc64" {
		t.Errorf("TokenHash(cdk_test) = %s", got)
	}
}

// TestFindAccountByToken: a live token finds its account and person; an unknown, expired or
// revoked one is EUNAUTHORIZED.
func TestFindAccountByToken(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		hash, err := access.HashPassword("a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		acct, err := s.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Ann.ID, Login: "AArcher", PasswordHash: hash,
			Roles: []desk.Role{desk.RoleAnalyst, desk.RoleSupportAnalyst}})
		if err != nil {
			t.Fatal(err)
		}
		byLogin, err := s.FindAccountByLogin(ctx, "aarcher")
		if err != nil || byLogin.ID != acct.ID || !access.CheckPassword(byLogin.PasswordHash, "a long enough password") {
			t.Fatalf("find by login: %+v %v", byLogin, err)
		}

		mk := func(name string, expires time.Time) (string, store.Token) {
			tok, h, err := access.NewToken()
			if err != nil {
				t.Fatal(err)
			}
			rec, err := s.CreateToken(ctx, f.Admin, acct.ID, name, h, expires)
			if err != nil {
				t.Fatal(err)
			}
			return tok, rec
		}
		forever, _ := mk("forever", time.Time{})
		hour, _ := mk("an hour", clock.Now().Add(time.Hour))
		revoked, revokedRec := mk("revoked", time.Time{})

		a, p, err := s.FindAccountByToken(ctx, access.TokenHash(forever))
		if err != nil || a.ID != acct.ID || p.ID != f.Ann.ID || !a.Has(desk.RoleSupportAnalyst) || !access.Can(a, access.WorkCalls) {
			t.Fatalf("live token: %+v %+v %v", a, p, err)
		}
		if _, _, err := s.FindAccountByToken(ctx, access.TokenHash(hour)); err != nil {
			t.Errorf("token before it expires: %v", err)
		}
		if err := s.RevokeToken(ctx, f.Admin, revokedRec.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, f.Admin, revokedRec.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("revoking twice: %v", err)
		}
		clock.Advance(time.Hour) // the hour token expires exactly now

		tests := []struct {
			name, token, msg string
		}{
			{"unknown", "cdk_not-a-token-we-issued", "unknown or was revoked"},
			{"the hash itself", access.TokenHash(forever), "unknown or was revoked"},
			{"empty", "", "unknown or was revoked"},
			{"expired", hour, "expired"},
			{"revoked", revoked, "unknown or was revoked"},
		}
		for _, tt := range tests {
			_, _, err := s.FindAccountByToken(ctx, access.TokenHash(tt.token))
			if e := desk.AsError(err); e == nil || e.Code != desk.EUNAUTHORIZED || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("%s token: %v, want EUNAUTHORIZED saying %q", tt.name, err, tt.msg)
			}
		}
		if _, _, err := s.FindAccountByToken(ctx, access.TokenHash(forever)); err != nil {
			t.Errorf("the other tokens still work: %v", err)
		}
		if _, err := s.CreateToken(ctx, f.Admin, 9999, "x", "y", time.Time{}); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("token for an unknown account: %v", err)
		}
	})
}
