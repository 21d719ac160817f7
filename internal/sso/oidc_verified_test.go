package sso

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// edits holds the edits a test makes to the provider's answers, swapped between subtests.
type edits struct {
	idToken, userInfo atomic.Pointer[func(map[string]any)]
}

func (ed *edits) set(idToken, userInfo func(map[string]any)) {
	ed.idToken.Store(&idToken)
	ed.userInfo.Store(&userInfo)
}

func (ed *edits) options() ssotest.Options {
	apply := func(p *atomic.Pointer[func(map[string]any)]) func(map[string]any) {
		return func(c map[string]any) {
			if f := p.Load(); f != nil && *f != nil {
				(*f)(c)
			}
		}
	}
	return ssotest.Options{IDToken: apply(&ed.idToken), UserInfo: apply(&ed.userInfo)}
}

// newEditedEnv is newEnv with a provider whose ID tokens and userinfo answers ed edits.
func newEditedEnv(t *testing.T, e *storetest.Env, ed *edits, configure func(*Config)) *env {
	t.Helper()
	r := startRP(t)
	op := ssotest.StartWith(t, ssotest.Directory(), map[string]string{"calldesk": r.srv.URL + callbackPath, "other-app": r.srv.URL + callbackPath}, ed.options())
	r.init(t, e.S, func(c *Config) {
		c.Issuer = op.URL
		if configure != nil {
			configure(c)
		}
	})
	return &env{e: e, op: op, rp: r}
}

func setClaim(name string, value any) func(map[string]any) {
	return func(c map[string]any) { c[name] = value }
}

func deleteClaim(name string) func(map[string]any) {
	return func(c map[string]any) { delete(c, name) }
}

// TestEmailMustBeVerified: matched by the email claim, a person signs in only when the provider
// says it has verified the address: email_verified the JSON boolean true. The string "true"
// (some providers send it so), the string "false", no email_verified at all, null or any other
// value is refused, unless TrustEmail says the provider verifies every address (then a missing
// claim and the string "true" pass), which still does not override the provider saying it has not.
func TestEmailMustBeVerified(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		seedAccounts(t, e)
		var ed edits
		v := newEditedEnv(t, e, &ed, func(c *Config) { c.Claim = ClaimEmail })
		trusting := newEditedEnv(t, e, &ed, func(c *Config) { c.Claim = ClaimEmail; c.TrustEmail = true })
		const signedIn = "signed in: aarcher as aarcher@uni.example back to /calls/F0000001"
		// The example provider keeps email and email_verified to its userinfo endpoint; the
		// last cases put them in the ID token itself, which calldesk then reads alone.
		inToken := func(verified any) func(map[string]any) {
			return func(c map[string]any) {
				c["email"] = "aarcher@uni.example"
				if verified != nil {
					c["email_verified"] = verified
				}
			}
		}
		for _, tc := range []struct {
			name              string
			idToken, userInfo func(map[string]any)
			trust             bool
			ok                bool
		}{
			{name: "JSON true", ok: true},
			{name: "string true", userInfo: setClaim("email_verified", "true")},
			{name: "JSON false", userInfo: setClaim("email_verified", false)},
			{name: "string false", userInfo: setClaim("email_verified", "false")},
			{name: "missing", userInfo: deleteClaim("email_verified")},
			{name: "in the ID token, JSON true", idToken: inToken(true), ok: true},
			{name: "in the ID token, string true", idToken: inToken("true")},
			{name: "in the ID token, string false", idToken: inToken("false")},
			{name: "in the ID token, missing", idToken: inToken(nil)},
			// go-oidc refuses other values in userinfo answers itself, but not in ID tokens.
			{name: "in the ID token, string yes", idToken: inToken("yes")},
			{name: "in the ID token, string TRUE", idToken: inToken("TRUE")},
			{name: "in the ID token, number 1", idToken: inToken(1)},
			{name: "in the ID token, null", idToken: func(c map[string]any) { c["email"], c["email_verified"] = "aarcher@uni.example", nil }},
			{name: "trusted provider, missing", userInfo: deleteClaim("email_verified"), trust: true, ok: true},
			{name: "trusted provider, string true", userInfo: setClaim("email_verified", "true"), trust: true, ok: true},
			{name: "trusted provider, in the ID token, string true", idToken: inToken("true"), trust: true, ok: true},
			{name: "trusted provider, JSON false", userInfo: setClaim("email_verified", false), trust: true},
			{name: "trusted provider, string false", userInfo: setClaim("email_verified", "false"), trust: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ed.set(tc.idToken, tc.userInfo)
				defer ed.set(nil, nil)
				r := v.rp
				if tc.trust {
					r = trusting.rp
				}
				b := browser(t)
				status, body := callback(t, b, authorize(t, b, r, "AArcher@uni.example"))
				if tc.ok {
					if status != 200 || body != signedIn {
						t.Fatalf("got %d %q, want %q", status, body, signedIn)
					}
					return
				}
				wantRefused(t, status, body, desk.EUNAUTHORIZED, "has not verified the email address aarcher@uni.example")
			})
		}
	})
}

// TestEnrolNeedsVerifiedEmail: a partner is enrolled only with an email address the provider
// says it has verified (the same rule as for matching by email).
func TestEnrolNeedsVerifiedEmail(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		var ed edits
		v := newEditedEnv(t, e, &ed, nil)
		v.rp.enrol = true
		zeds := func() int {
			people, err := e.S.FindPeopleByIdentity(context.Background(), store.ByEmail, "zed@uni.example")
			if err != nil {
				t.Fatal(err)
			}
			return len(people)
		}
		for _, tc := range []struct {
			name     string
			userInfo func(map[string]any)
		}{
			{"string false", setClaim("email_verified", "false")},
			{"missing", deleteClaim("email_verified")},
			{"JSON false", setClaim("email_verified", false)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ed.set(nil, tc.userInfo)
				defer ed.set(nil, nil)
				b := browser(t)
				status, body := callback(t, b, authorize(t, b, v.rp, "zed@uni.example"))
				wantRefused(t, status, body, desk.EFORBIDDEN, "did not release an email address it has verified")
				if n := zeds(); n != 0 {
					t.Fatalf("enrolled with an unverified address: %d people", n)
				}
			})
		}
		b := browser(t)
		status, body := callback(t, b, authorize(t, b, v.rp, "zed@uni.example"))
		if status != 200 || !strings.HasPrefix(body, "signed in: zed as zed@uni.example") || zeds() != 1 {
			t.Fatalf("a verified address: %d %q, %d people", status, body, zeds())
		}
	})
}

// TestIDTokenPartyAndIssueTime: an ID token for several audiences is accepted only with azp
// naming calldesk (and any azp must name calldesk); one issued in the future beyond the clock
// skew (3 minutes) is refused. go-oidc checks neither.
func TestIDTokenPartyAndIssueTime(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		seedAccounts(t, e)
		var ed edits
		v := newEditedEnv(t, e, &ed, nil)
		const signedIn = "signed in: aarcher as AArcher@uni.example back to /calls/F0000001"
		both := []any{"calldesk", "other-app"}
		edit := func(claims map[string]any) func(map[string]any) {
			return func(c map[string]any) {
				for k, x := range claims {
					if x == nil {
						delete(c, k)
					} else {
						c[k] = x
					}
				}
			}
		}
		for _, tc := range []struct {
			name   string
			claims map[string]any
			refuse string
		}{
			{"several audiences, azp calldesk", map[string]any{"aud": both, "azp": "calldesk"}, ""},
			{"several audiences, no azp", map[string]any{"aud": both, "azp": nil}, "authorized party"},
			{"several audiences, azp another client", map[string]any{"aud": both, "azp": "other-app"}, "authorized party"},
			{"one audience, azp another client", map[string]any{"azp": "other-app"}, "authorized party"},
			{"one audience, no azp", map[string]any{"azp": nil}, ""},
			{"issued 10 minutes ahead", map[string]any{"iat": time.Now().Add(10 * time.Minute).Unix()}, "issued in the future"},
			{"no issue time", map[string]any{"iat": nil}, "does not say when it was issued"},
			{"issued 2 minutes ahead, within the skew", map[string]any{"iat": time.Now().Add(2 * time.Minute).Unix()}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ed.set(edit(tc.claims), nil)
				defer ed.set(nil, nil)
				b := browser(t)
				status, body := callback(t, b, authorize(t, b, v.rp, "AArcher@uni.example"))
				if tc.refuse == "" {
					if status != 200 || body != signedIn {
						t.Fatalf("got %d %q, want %q", status, body, signedIn)
					}
					return
				}
				wantRefused(t, status, body, desk.EUNAUTHORIZED, tc.refuse)
			})
		}
	})
}
