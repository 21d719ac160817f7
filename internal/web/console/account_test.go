package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// TestAccountPasswordChange: "Your account" changes the analyst's password after checking the
// current one (errors beside the fields), signs out their other sessions, console and portal,
// and says how many; the session making the change stays. Their API tokens are listed, and
// each can be revoked there by its owner only.
func TestAccountPasswordChange(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		ann, other := e.signIn(e.f.Ann), e.signIn(e.f.Ann)
		acct, err := e.s.FindAccountByLogin(e.ctx, e.f.Ann.Username)
		if err != nil {
			t.Fatal(err)
		}
		now := e.clock.Now()
		if err := e.s.CreateSession(e.ctx, e.f.Admin, "ann-portal-session", store.Session{AccountID: acct.ID, Surface: store.SurfacePortal,
			Via: "password", CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		token, hash, err := access.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		tok, err := e.s.CreateToken(e.ctx, e.f.Admin, acct.ID, "laptop sync", hash, time.Time{})
		if err != nil {
			t.Fatal(err)
		}

		ann.get("/queues/mine").must(t, http.StatusOK).has(t, `href="/account"`)
		ann.get("/account").must(t, http.StatusOK).has(t, "Your account", `action="/account/password"`, "laptop sync",
			fmt.Sprintf(`action="/account/tokens/%d/revoke"`, tok.ID))

		change := func(current, next, repeat string) response {
			return ann.post("/account/password", url.Values{"current": {current}, "new": {next}, "repeat": {repeat}})
		}
		change("not my password", "a brand new password", "a brand new password").must(t, http.StatusUnprocessableEntity).
			has(t, "Current password is not your current password")
		change(password, "short", "short").must(t, http.StatusUnprocessableEntity).has(t, "New password must be at least 12 characters")
		change(password, "a brand new password", "a brand new passwore").must(t, http.StatusUnprocessableEntity).
			has(t, "New password again is not the same as the new password")
		other.get("/queues/mine").must(t, http.StatusOK) // nothing changed yet

		// The result is the answer to the post itself: nothing in an address can claim it.
		change(password, "a brand new password", "a brand new password").must(t, http.StatusOK).
			has(t, "Your password was changed", "2 other sessions were signed out")
		other.get("/queues/mine").must(t, http.StatusUnauthorized)
		if _, _, _, err := e.s.FindSession(e.ctx, "ann-portal-session"); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("Ann's portal session after the change: %v, want ended", err)
		}
		ann.get("/queues/mine").must(t, http.StatusOK)
		c := e.client()
		c.post("/signin", url.Values{"login": {e.f.Ann.Username}, "password": {password}, "next": {"/"}}).must(t, http.StatusUnauthorized)
		c.post("/signin", url.Values{"login": {e.f.Ann.Username}, "password": {"a brand new password"}, "next": {"/"}}).must(t, http.StatusSeeOther)
		if n := len(e.audited(e.f.Ann, "account.password")); n != 1 {
			t.Fatalf("%d audit records of the change, want 1", n)
		}

		// Bob cannot revoke Ann's token; Ann can.
		e.signIn(e.f.Bob).post(fmt.Sprintf("/account/tokens/%d/revoke", tok.ID), nil).must(t, http.StatusNotFound)
		if _, _, err := e.s.FindAccountByToken(e.ctx, access.TokenHash(token)); err != nil {
			t.Fatalf("Ann's token after Bob's attempt: %v", err)
		}
		ann.post(fmt.Sprintf("/account/tokens/%d/revoke", tok.ID), nil).must(t, http.StatusOK).
			has(t, "laptop sync", "was revoked", "You have no API tokens")
		if _, _, err := e.s.FindAccountByToken(e.ctx, access.TokenHash(token)); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("Ann's token after she revoked it: %v", err)
		}
	})
}

// TestAccountStatusNotFromTheAddress (issue 13 review, point 14): a link to the account page
// cannot make it say that the password was changed, sessions ended or a token revoked.
func TestAccountStatusNotFromTheAddress(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		e.signIn(e.f.Ann).get("/account?changed=7&revoked=your+password+reset+token").must(t, http.StatusOK).
			has(t, "Your account").lacks(t, "was changed", "signed out", "was revoked", "reset token")
	})
}

// TestAccountWithoutLocalPassword: where local passwords are for administrators only, an
// analyst's page says why there is no password to change, and a post is refused.
func TestAccountWithoutLocalPassword(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		var sessions *access.Sessions
		e := newEnvWith(t, se, func(c *console.Console) { sessions = c.Sessions })
		ann := e.signIn(e.f.Ann)
		sessions.Passwords = access.PasswordsAdmins
		ann.get("/account").must(t, http.StatusOK).has(t, "Passwords are not used here").lacks(t, `action="/account/password"`)
		ann.post("/account/password", url.Values{"current": {password}, "new": {"a brand new password"}, "repeat": {"a brand new password"}}).
			must(t, http.StatusForbidden)
	})
}
