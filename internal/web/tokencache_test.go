package web_test

import (
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/web"
)

// A token's owner is remembered for web.DefaultTokenCacheTTL: a revoked token keeps working at
// most that long, and is refused once the clock passes it. Refusals are never remembered.
func TestRevokedTokenStopsWithinTheCacheTTL(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		acct, err := e.s.CreateAccount(e.ctx, e.f.Admin, desk.Account{PersonID: e.f.Bob.ID, Login: "bbaker", Roles: []desk.Role{desk.RoleAnalyst}})
		if err != nil {
			t.Fatal(err)
		}
		token, hash, _ := access.NewToken()
		if r := e.reqAs(token, "GET", "/api/v1/groups", nil); r.status != 401 {
			t.Fatalf("a token not yet issued: %d, want 401", r.status)
		}
		rec, err := e.s.CreateToken(e.ctx, e.f.Admin, acct.ID, "cache test", hash, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if r := e.reqAs(token, "GET", "/api/v1/groups", nil); r.status != 200 {
			t.Fatalf("a new token right after a refusal: %d, want 200 (refusals must not be cached)", r.status)
		}
		if err := e.s.RevokeToken(e.ctx, e.f.Admin, rec.ID); err != nil {
			t.Fatal(err)
		}
		if r := e.reqAs(token, "GET", "/api/v1/groups", nil); r.status != 200 {
			t.Fatalf("within the cache TTL: %d, want 200", r.status)
		}
		e.clock.Advance(web.DefaultTokenCacheTTL)
		if r := e.reqAs(token, "GET", "/api/v1/groups", nil); r.status != 401 {
			t.Fatalf("after the cache TTL a revoked token got %d, want 401", r.status)
		}
	})
}
