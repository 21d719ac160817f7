package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/scim"
)

const token = "entra-secret-token"

// entra is a client sending what Microsoft Entra ID's provisioning service sends.
type entra struct {
	t    *testing.T
	base string
	tok  string
}

func (c entra) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/scim+json")
	if c.tok != "" {
		req.Header.Set("Authorization", "Bearer "+c.tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func entraUser(upn, objectID, given, family, email, title string, active bool) map[string]any {
	return map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"externalId": objectID, "userName": upn, "active": active, "displayName": given + " " + family, "title": title,
		"name":         map[string]any{"givenName": given, "familyName": family, "formatted": given + " " + family},
		"emails":       []map[string]any{{"primary": true, "type": "work", "value": email}},
		"phoneNumbers": []map[string]any{{"type": "work", "value": "01234 555000"}},
		"userType":     "Employee",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Chemistry", "employeeNumber": "E1001"},
	}
}

func patch(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}
}

func TestSCIMAsEntraSendsIt(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		svc := &scim.Service{Store: e.S, Token: token, BaseURL: "https://desk.uni.example"}
		hs := httptest.NewServer(svc.Handler())
		t.Cleanup(hs.Close)
		c := entra{t: t, base: hs.URL, tok: token}

		// No token, or the wrong one: refused.
		if st, out := (entra{t: t, base: hs.URL}).do("GET", "/scim/v2/Users", nil); st != 401 || out["status"] != "401" {
			t.Fatalf("without a token: %d %v", st, out)
		}
		if st, _ := (entra{t: t, base: hs.URL, tok: "guess"}).do("GET", "/scim/v2/Users", nil); st != 401 {
			t.Fatalf("a wrong token: %d", st)
		}

		// Entra first asks whether the user exists, then creates them.
		if st, out := c.do("GET", `/scim/v2/Users?filter=userName+eq+%22hwong%40uni.example%22`, nil); st != 200 || out["totalResults"].(float64) != 0 {
			t.Fatalf("filter before create: %d %v", st, out)
		}
		st, boss := c.do("POST", "/scim/v2/Users", entraUser("rking@uni.example", "0f9c-boss", "Rita", "King", "rking@uni.example", "Head of School", true))
		if st != 201 {
			t.Fatalf("create the manager: %d %v", st, boss)
		}
		st, u := c.do("POST", "/scim/v2/Users", entraUser("hwong@uni.example", "7d2e-hw", "Helen", "Wong", "hwong@uni.example", "Lecturer", true))
		if st != 201 || u["id"] == "" || u["externalId"] != "7d2e-hw" || u["active"] != true {
			t.Fatalf("create: %d %v", st, u)
		}
		id := u["id"].(string)
		if st, out := c.do("POST", "/scim/v2/Users", entraUser("hwong2@uni.example", "7d2e-hw", "Helen", "Wong", "h2@uni.example", "", true)); st != 409 || out["scimType"] != "uniqueness" {
			t.Fatalf("the same externalId again: %d %v", st, out)
		}
		if st, out := c.do("GET", `/scim/v2/Users?filter=userName+eq+%22HWONG%40uni.example%22`, nil); st != 200 || out["totalResults"].(float64) != 1 {
			t.Fatalf("filter after create: %d %v", st, out)
		}

		// PATCH replace and add, Entra's way: a title, a new email, the manager.
		st, u = c.do("PATCH", "/scim/v2/Users/"+id, patch(
			map[string]any{"op": "Replace", "path": "title", "value": "Senior Lecturer"},
			map[string]any{"op": "Add", "path": `emails[type eq "work"].value`, "value": "helen.wong@uni.example"},
			map[string]any{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": boss["id"]}))
		if st != 200 || u["title"] != "Senior Lecturer" {
			t.Fatalf("patch: %d %v", st, u)
		}
		var email, title, dept string
		var mgr int64
		e.DB.QueryRow(e.DB.Rebind(`SELECT email, job_title, department, COALESCE(manager_id, 0) FROM people WHERE directory_key = '7d2e-hw'`)).Scan(&email, &title, &dept, &mgr)
		if email != "helen.wong@uni.example" || title != "Senior Lecturer" || dept != "Chemistry" || mgr == 0 {
			t.Fatalf("after the patch: %s %s %s manager %d", email, title, dept, mgr)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM person_field_sources f JOIN people p ON p.id = f.person_id WHERE p.directory_key = '7d2e-hw' AND f.source = 'scim' AND f.field IN ('email', 'job_title', 'manager')`); n != 3 {
			t.Fatalf("%d field sources recorded by the patch, want 3", n)
		}
		// Remove the phone and the manager.
		if st, u = c.do("PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "Remove", "path": `phoneNumbers[type eq "work"].value`},
			map[string]any{"op": "Remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"})); st != 200 || u["phoneNumbers"] != nil {
			t.Fatalf("remove: %d %v", st, u)
		}
		// Deactivate ("False", as a string) makes a leaver; reactivate brings them back.
		if st, u = c.do("PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "Replace", "path": "active", "value": "False"})); st != 200 || u["active"] != false {
			t.Fatalf("deactivate: %d %v", st, u)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_key = '7d2e-hw' AND active = 0 AND left_at IS NOT NULL`); n != 1 {
			t.Fatal("deactivating did not make a leaver")
		}
		if st, u = c.do("PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "Replace", "value": map[string]any{"active": true}})); st != 200 || u["active"] != true {
			t.Fatalf("reactivate: %d %v", st, u)
		}
		// DELETE: a leaver, kept.
		if st, _ := c.do("DELETE", "/scim/v2/Users/"+id, nil); st != 204 {
			t.Fatalf("delete: %d", st)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_key = '7d2e-hw' AND active = 0`); n != 1 {
			t.Fatal("a deleted user was not kept as a leaver")
		}

		// Pagination.
		for _, n := range []string{"a", "b", "c"} {
			c.do("POST", "/scim/v2/Users", entraUser("p"+n+"@uni.example", "k-"+n, "P", strings.ToUpper(n), "p"+n+"@uni.example", "", true))
		}
		if st, out := c.do("GET", "/scim/v2/Users?startIndex=2&count=2", nil); st != 200 || out["totalResults"].(float64) != 5 ||
			out["itemsPerPage"].(float64) != 2 || out["startIndex"].(float64) != 2 {
			t.Fatalf("page: %d %v", st, out)
		}

		// Bad input says what is wrong.
		for _, tc := range []struct {
			method, path string
			body         any
			status       int
			scimType     string
		}{
			{"GET", "/scim/v2/Users?filter=displayName+co+%22x%22", nil, 400, "invalidFilter"},
			{"POST", "/scim/v2/Users", entraUser("bad@uni.example", "k-bad", "B", "Ad", "not-an-email", "", true), 400, "invalidValue"},
			{"POST", "/scim/v2/Users", map[string]any{"externalId": "k-x"}, 400, "invalidValue"},
			{"PATCH", "/scim/v2/Users/" + id, patch(map[string]any{"op": "Replace", "path": "nickName", "value": "x"}), 400, "invalidPath"},
			{"PATCH", "/scim/v2/Users/" + id, patch(map[string]any{"op": "Move", "path": "title"}), 400, "invalidSyntax"},
			{"GET", "/scim/v2/Users/999999", nil, 404, ""},
		} {
			st, out := c.do(tc.method, tc.path, tc.body)
			if st != tc.status || (tc.scimType != "" && out["scimType"] != tc.scimType) || out["detail"] == "" {
				t.Errorf("%s %s: %d %v, want %d %s", tc.method, tc.path, st, out, tc.status, tc.scimType)
			}
		}
	})
}

// TestSCIMGroupsAsEntraSendsThem: a group created with a member, found by displayName, members
// added and removed Entra's way, renamed, replaced and deleted (its people stay).
func TestSCIMGroupsAsEntraSendsThem(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		svc := &scim.Service{Store: e.S, Token: token}
		hs := httptest.NewServer(svc.Handler())
		t.Cleanup(hs.Close)
		c := entra{t: t, base: hs.URL, tok: token}
		var ids []string
		for _, n := range []string{"a", "b", "c"} {
			_, u := c.do("POST", "/scim/v2/Users", entraUser("g"+n+"@uni.example", "gk-"+n, "G", strings.ToUpper(n), "g"+n+"@uni.example", "", true))
			ids = append(ids, u["id"].(string))
		}
		st, g := c.do("POST", "/scim/v2/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
			"externalId": "grp-chem", "displayName": "Chemistry staff", "members": []map[string]any{{"value": ids[0]}}})
		if st != 201 || g["displayName"] != "Chemistry staff" || len(g["members"].([]any)) != 1 {
			t.Fatalf("create: %d %v", st, g)
		}
		gid := g["id"].(string)
		if st, out := c.do("GET", `/scim/v2/Groups?filter=displayName+eq+%22Chemistry+staff%22`, nil); st != 200 || out["totalResults"].(float64) != 1 {
			t.Fatalf("filter: %d %v", st, out)
		}
		if st, out := c.do("POST", "/scim/v2/Groups", map[string]any{"displayName": "Chemistry staff"}); st != 409 || out["scimType"] != "uniqueness" {
			t.Fatalf("the same name again: %d %v", st, out)
		}
		// Entra adds members with path "members" and removes them with a filtered path.
		st, g = c.do("PATCH", "/scim/v2/Groups/"+gid, patch(
			map[string]any{"op": "Add", "path": "members", "value": []map[string]any{{"value": ids[1]}, {"value": ids[2]}}},
			map[string]any{"op": "Remove", "path": `members[value eq "` + ids[0] + `"]`},
			map[string]any{"op": "Replace", "path": "displayName", "value": "Chemistry"}))
		if st != 200 || g["displayName"] != "Chemistry" || len(g["members"].([]any)) != 2 {
			t.Fatalf("patch: %d %v", st, g)
		}
		if names, _ := e.S.DirectoryGroupsOf(context.Background(), mustID(t, ids[1])); len(names) != 1 || names[0] != "Chemistry" {
			t.Fatalf("the groups of a member: %v", names)
		}
		// A member who is no user of the service is refused, and nothing changes.
		if st, out := c.do("PATCH", "/scim/v2/Groups/"+gid, patch(map[string]any{"op": "Add", "path": "members", "value": []map[string]any{{"value": "999999"}}})); st != 400 || out["scimType"] != "invalidValue" {
			t.Fatalf("a stranger as member: %d %v", st, out)
		}
		// PUT replaces the membership; DELETE removes the group, not its people.
		if st, g = c.do("PUT", "/scim/v2/Groups/"+gid, map[string]any{"displayName": "Chemistry", "members": []map[string]any{{"value": ids[0]}}}); st != 200 || len(g["members"].([]any)) != 1 {
			t.Fatalf("put: %d %v", st, g)
		}
		if st, _ := c.do("DELETE", "/scim/v2/Groups/"+gid, nil); st != 204 {
			t.Fatalf("delete: %d", st)
		}
		if st, _ := c.do("GET", "/scim/v2/Groups/"+gid, nil); st != 404 {
			t.Fatalf("a deleted group: %d", st)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_key LIKE 'gk-%' AND active = 1`); n != 3 {
			t.Fatalf("deleting the group touched its people: %d active", n)
		}
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
