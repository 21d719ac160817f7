package portal_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/portal"
	"calldesk/internal/web/scim"
)

// ended is what every refusal of a leaver says.
const ended = "university account has ended"

// consoleOIDC follows the console's single sign-on link through the provider as username and
// returns calldesk's answer at the callback.
func (c *client) consoleOIDC(username string) response {
	c.e.t.Helper()
	r := c.get("/signin/oidc?next=%2F").must(c.e.t, http.StatusFound)
	cb := ssotest.SignIn(c.e.t, c.hc, r.location, username)
	return c.get(strings.TrimPrefix(cb.String(), c.e.url))
}

// api sends GET path to the API with token and returns the status.
func (e *env) api(token, path string) int {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// scimDo sends a SCIM request to a SCIM service over the env's store.
func scimDo(t *testing.T, e *env, method, path string, body any) {
	t.Helper()
	svc := &scim.Service{Store: e.s, Token: "scim-test-token"}
	hs := httptest.NewServer(svc.Handler())
	defer hs.Close()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, hs.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer scim-test-token")
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("SCIM %s %s: %d", method, path, res.StatusCode)
	}
}

// leaveWays are the ways a person leaves: SCIM (active false, or deleted), a full directory
// import that no longer lists them, and an administrator on the console.
var leaveWays = []struct {
	name  string
	leave func(t *testing.T, e *env, se *storetest.Env, people ...desk.Person)
}{
	{"SCIM deactivate", func(t *testing.T, e *env, se *storetest.Env, people ...desk.Person) {
		for _, p := range people {
			se.DB.MustExec(t, `UPDATE people SET directory_key = ?, directory_source = 'scim' WHERE id = ?`, "k-"+p.Username, p.ID)
			scimDo(t, e, "PATCH", fmt.Sprintf("/scim/v2/Users/%d", p.ID), map[string]any{
				"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []map[string]any{{"op": "replace", "path": "active", "value": false}}})
		}
	}},
	{"SCIM delete", func(t *testing.T, e *env, se *storetest.Env, people ...desk.Person) {
		for _, p := range people {
			se.DB.MustExec(t, `UPDATE people SET directory_key = ?, directory_source = 'scim' WHERE id = ?`, "k-"+p.Username, p.ID)
			scimDo(t, e, "DELETE", fmt.Sprintf("/scim/v2/Users/%d", p.ID), nil)
		}
	}},
	{"directory import", func(t *testing.T, e *env, se *storetest.Env, people ...desk.Person) {
		for _, p := range append([]desk.Person{e.f.Bob}, people...) {
			se.DB.MustExec(t, `UPDATE people SET directory_key = ?, directory_source = 'hr' WHERE id = ?`, "k-"+p.Username, p.ID)
		}
		bob := e.f.Bob
		bob.DirectoryKey = "k-" + bob.Username
		res, err := e.s.SyncPeople(e.ctx, []store.DirectoryRecord{{Person: bob, Line: 2}}, store.SyncOptions{Source: "hr", Full: true, Force: true, By: "test"})
		if err != nil || res.Left != len(people) {
			t.Fatalf("import: %+v %v, want %d leavers", res, err, len(people))
		}
	}},
	{"administrator", func(t *testing.T, e *env, se *storetest.Env, people ...desk.Person) {
		hash, err := access.HashPassword(password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CreateAccount(e.ctx, e.f.Admin, desk.Account{PersonID: e.f.Bob.ID, Login: e.f.Bob.Username, PasswordHash: hash,
			Roles: []desk.Role{desk.RoleAnalyst, desk.RoleAdmin}}); err != nil {
			t.Fatal(err)
		}
		admin := e.signInConsole(e.f.Bob)
		for _, p := range people {
			admin.get(fmt.Sprintf("/people/%d", p.ID)).must(t, http.StatusOK).has(t, `action="/people/`, `/leave"`, "Mark as left")
			admin.post(fmt.Sprintf("/people/%d/leave", p.ID), url.Values{"reason": {"contract ended early"}}).must(t, http.StatusSeeOther)
			admin.get(fmt.Sprintf("/people/%d", p.ID)).must(t, http.StatusOK).has(t, "Left").lacks(t, "Mark as left")
			if n := se.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'person.leave' AND object_id = ? AND detail LIKE '%contract ended early%'`, fmt.Sprint(p.ID)); n != 1 {
				t.Fatalf("%d audit records of %s's leaving with the reason, want 1", n, p.Name())
			}
		}
	}},
}

// TestLeaversLoseAccess: however a person leaves, their console and portal sessions end at
// their next request, their API token within the token cache's 5 seconds, and sign-in by
// password, OpenID Connect and SAML is refused, each saying their university account has ended.
func TestLeaversLoseAccess(t *testing.T) {
	t.Parallel()
	for _, way := range leaveWays {
		t.Run(way.name, func(t *testing.T) {
			t.Parallel()
			storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
				e, _ := ssoPortal(t, se, nil)
				annConsole, annPortal, danPortal := e.signInConsole(e.f.Ann), e.signIn(e.f.Ann), e.signIn(e.f.Dan)
				annAcct, err := e.s.FindAccountByLogin(e.ctx, e.f.Ann.Username)
				if err != nil {
					t.Fatal(err)
				}
				token, hash, err := access.NewToken()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.s.CreateToken(e.ctx, e.f.Admin, annAcct.ID, "script", hash, time.Time{}); err != nil {
					t.Fatal(err)
				}
				if st := e.api(token, "/api/v1/calls"); st != http.StatusOK {
					t.Fatalf("Ann's API token before she left: %d", st)
				}
				annConsole.get("/queues/unassigned").must(t, http.StatusOK)
				danPortal.get("/portal/").must(t, http.StatusOK)

				way.leave(t, e, se, e.f.Ann, e.f.Dan)

				annConsole.get("/queues/unassigned").must(t, http.StatusForbidden).has(t, ended)
				annConsole.get("/queues/unassigned").must(t, http.StatusUnauthorized)
				annPortal.get("/portal/").must(t, http.StatusForbidden).has(t, ended)
				danPortal.get("/portal/").must(t, http.StatusForbidden).has(t, ended)
				danPortal.get("/portal/").must(t, http.StatusUnauthorized)
				e.clock.Advance(5 * time.Second) // the token cache's time
				if st := e.api(token, "/api/v1/calls"); st != http.StatusUnauthorized {
					t.Errorf("Ann's API token 5 s after she left: %d, want 401", st)
				}

				e.client().post("/signin", url.Values{"login": {e.f.Ann.Username}, "password": {password}, "next": {"/"}}).
					must(t, http.StatusForbidden).has(t, ended)
				e.client().post("/portal/signin", url.Values{"login": {e.f.Dan.Username}, "password": {password}, "next": {"/portal/"}}).
					must(t, http.StatusForbidden).has(t, ended)
				e.client().consoleOIDC("AArcher@uni.example").must(t, http.StatusForbidden).has(t, ended)
				e.client().oidcSignIn("/portal/", "ddawson@uni.example").must(t, http.StatusForbidden).has(t, ended)
				e.client().samlSignIn("/portal/", "aarcher").must(t, http.StatusForbidden).has(t, ended)
				e.client().samlSignIn("/portal/", "ddawson").must(t, http.StatusForbidden).has(t, ended)
				if n := se.DB.Count(t, `SELECT COUNT(*) FROM sessions`); n != 0 && way.name != "administrator" {
					t.Errorf("%d sessions remain, want none", n)
				}
			})
		})
	}
}

// TestLeaverPortalGrace: with a grace period, a leaver holding the customer role keeps the
// portal (their session, password and single sign-on) to follow their calls, and nothing else;
// once it has passed, the portal refuses them too.
func TestLeaverPortalGrace(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e, _ := ssoPortal(t, se, func(p *portal.Portal) { p.Sessions.LeaverPortalGrace = 14 * 24 * time.Hour })
		dc := e.call(e.f.Dan, "Laptop returned to IT")
		danPortal := e.signIn(e.f.Dan)
		// Ann is an analyst and, like most staff, a customer too.
		se.DB.MustExec(t, `UPDATE accounts SET roles = 'analyst,customer' WHERE login = ?`, e.f.Ann.Username)
		annConsole, annPortal := e.signInConsole(e.f.Ann), e.signIn(e.f.Ann)
		for _, p := range []desk.Person{e.f.Ann, e.f.Dan} {
			if _, err := e.s.MarkLeft(e.ctx, e.f.Admin, p.ID, "left"); err != nil {
				t.Fatal(err)
			}
		}
		danPortal.get("/portal/calls/"+dc.Ref).must(t, http.StatusOK).has(t, "Laptop returned to IT")
		annPortal.get("/portal/").must(t, http.StatusOK)
		annConsole.get("/queues/unassigned").must(t, http.StatusForbidden).has(t, ended)
		e.client().post("/signin", url.Values{"login": {e.f.Ann.Username}, "password": {password}, "next": {"/"}}).
			must(t, http.StatusForbidden).has(t, ended)
		e.client().consoleOIDC("AArcher@uni.example").must(t, http.StatusForbidden).has(t, ended)
		e.signIn(e.f.Dan).get("/portal/").must(t, http.StatusOK)
		e.client().oidcSignIn("/portal/", "ddawson@uni.example").must(t, http.StatusSeeOther)
		e.client().samlSignIn("/portal/", "aarcher").must(t, http.StatusSeeOther)

		e.clock.Advance(14*24*time.Hour + time.Minute)
		e.client().post("/portal/signin", url.Values{"login": {e.f.Dan.Username}, "password": {password}, "next": {"/portal/"}}).
			must(t, http.StatusForbidden).has(t, ended, "follow your calls")
		// Single sign-on after the grace period, through SAML: the OpenID relying party runs on
		// the desk's clock, now two weeks past the provider's, whose ID token it would find expired.
		e.client().samlSignIn("/portal/", "ddawson").must(t, http.StatusForbidden).has(t, ended)
	})
}

// TestCookiesDoNotCrossSurfaces: a portal session's token sent as the console's cookie is not
// a console session, and a console session's token sent as the portal's cookie is not a portal
// session, for an analyst who may use both.
func TestCookiesDoNotCrossSurfaces(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		cookie := func(c *client, name string) string {
			u, _ := url.Parse(e.url + "/portal/")
			for _, ck := range c.hc.Jar.Cookies(u) {
				if ck.Name == name {
					return ck.Value
				}
			}
			t.Fatalf("no cookie %s", name)
			return ""
		}
		send := func(path, name, value string) response {
			req, _ := http.NewRequest("GET", e.url+path, nil)
			req.AddCookie(&http.Cookie{Name: name, Value: value})
			return e.client().do(req)
		}
		portalToken := cookie(e.signIn(e.f.Ann), "calldesk_portal")
		consoleToken := cookie(e.signInConsole(e.f.Ann), "calldesk_session")
		send("/queues/unassigned", "calldesk_session", portalToken).must(t, http.StatusUnauthorized)
		send("/portal/", "calldesk_portal", consoleToken).must(t, http.StatusUnauthorized)
		// Each still works where it belongs.
		send("/queues/unassigned", "calldesk_session", consoleToken).must(t, http.StatusOK)
		send("/portal/", "calldesk_portal", portalToken).must(t, http.StatusOK)
	})
}
