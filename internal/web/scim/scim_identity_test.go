package scim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/scim"
)

// TestSCIMIdentityAndRefusals (issue 13 point 10): userName and email are unique whatever their
// letter case (409, SCIM error body); a PATCH of a person whose processing is restricted is a
// SCIM 4xx error, not a 500; every response, errors included, is no-store and nosniff.
func TestSCIMIdentityAndRefusals(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		svc := &scim.Service{Store: e.S, Token: token, BaseURL: "https://desk.uni.example"}
		hs := httptest.NewServer(svc.Handler())
		t.Cleanup(hs.Close)
		send := func(tok, method, path string, body any) (int, map[string]any) {
			t.Helper()
			var b []byte
			if body != nil {
				b, _ = json.Marshal(body)
			}
			req, _ := http.NewRequest(method, hs.URL+path, bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/scim+json")
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s %s (%d): Cache-Control %q, X-Content-Type-Options %q", method, path, res.StatusCode,
					res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options"))
			}
			var out map[string]any
			json.NewDecoder(res.Body).Decode(&out)
			return res.StatusCode, out
		}
		isError := func(what string, st, want int, out map[string]any) {
			t.Helper()
			schemas, _ := out["schemas"].([]any)
			if st != want || len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" ||
				out["status"] != strconv.Itoa(want) || out["detail"] == "" {
				t.Errorf("%s: %d %v, want a SCIM error %d", what, st, out, want)
			}
		}
		st, u := send(token, "POST", "/scim/v2/Users", entraUser("ojohnson", "k-oj", "Olu", "Johnson", "ojohnson@uni.example", "Lecturer", true))
		if st != 201 {
			t.Fatalf("create: %d %v", st, u)
		}
		id := u["id"].(string)

		// The same userName, or email, in another letter case: refused, nothing written.
		st, out := send(token, "POST", "/scim/v2/Users", entraUser("OJOHNSON", "k-other", "Oscar", "Jones", "oscar.jones@uni.example", "", true))
		isError("userName in capitals", st, http.StatusConflict, out)
		if out["scimType"] != "uniqueness" || !strings.Contains(out["detail"].(string), "letter case") {
			t.Errorf("userName in capitals: %v", out)
		}
		st, out = send(token, "POST", "/scim/v2/Users", entraUser("ojones", "k-other", "Oscar", "Jones", "OJohnson@UNI.example", "", true))
		isError("email in capitals", st, http.StatusConflict, out)
		if out["scimType"] != "uniqueness" {
			t.Errorf("email in capitals: %v", out)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_key = 'k-other'`); n != 0 {
			t.Fatalf("%d people made by refused pushes", n)
		}
		// Nor by a change of an existing person's userName.
		st, u = send(token, "POST", "/scim/v2/Users", entraUser("ojones", "k-other", "Oscar", "Jones", "oscar.jones@uni.example", "", true))
		if st != 201 {
			t.Fatalf("create another: %d %v", st, u)
		}
		st, out = send(token, "PATCH", "/scim/v2/Users/"+u["id"].(string), patch(map[string]any{"op": "Replace", "path": "userName", "value": "OJohnson"}))
		isError("renamed to another's userName", st, http.StatusConflict, out)
		// The person's own name in another case is theirs.
		if st, out = send(token, "PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "Replace", "path": "userName", "value": "OJohnson"})); st != 200 {
			t.Errorf("own userName in another case: %d %v", st, out)
		}

		// Restricted: a change is refused in SCIM's form.
		pid, _ := strconv.ParseInt(id, 10, 64)
		if err := e.S.Restrict(t.Context(), e.F.Admin, pid, true, "contests the record"); err != nil {
			t.Fatal(err)
		}
		st, out = send(token, "PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "Replace", "path": "title", "value": "Reader"}))
		isError("patch of a restricted person", st, http.StatusForbidden, out)
		if d, _ := out["detail"].(string); !strings.Contains(d, "restricted") {
			t.Errorf("patch of a restricted person: %v", out)
		}

		// The headers on the other errors too.
		st, out = send("wrong", "GET", "/scim/v2/Users", nil)
		isError("a wrong token", st, http.StatusUnauthorized, out)
		st, out = send(token, "GET", "/scim/v2/Users/999999", nil)
		isError("an unknown user", st, http.StatusNotFound, out)
		send(token, "GET", "/scim/v2/Users", nil)
	})
}

// TestSCIMBadBytes (issue 13 point 9): a NUL character (escaped in JSON) or bytes that are not
// UTF-8, in a resource, a PATCH value or a filter, are a SCIM 400 naming the attribute, on both
// engines alike; nothing is written.
func TestSCIMBadBytes(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		svc := &scim.Service{Store: e.S, Token: token, BaseURL: "https://desk.uni.example"}
		hs := httptest.NewServer(svc.Handler())
		t.Cleanup(hs.Close)
		raw := func(method, path, body string) (int, map[string]any) {
			t.Helper()
			req, _ := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/scim+json")
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out map[string]any
			json.NewDecoder(res.Body).Decode(&out)
			return res.StatusCode, out
		}
		user := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "externalId": "k1", "userName": "hwong", "name": {"familyName": "Wong"}, "title": %s}`
		st, out := raw("POST", "/scim/v2/Users", strings.Replace(user, "%s", `"Lecturer\u0000"`, 1))
		if d, _ := out["detail"].(string); st != 400 || !strings.Contains(d, "title holds a NUL character") {
			t.Errorf("NUL in title: %d %v", st, out)
		}
		st, out = raw("POST", "/scim/v2/Users", strings.Replace(user, "%s", "\"Lectur\xe9r\"", 1))
		if d, _ := out["detail"].(string); st != 400 || !strings.Contains(d, "not valid UTF-8") {
			t.Errorf("Latin-1 in title: %d %v", st, out)
		}
		st, out = raw("GET", "/scim/v2/Users?filter=userName+eq+%22a%00%22", "")
		if d, _ := out["detail"].(string); st != 400 || !strings.Contains(d, "parameter filter holds a NUL character") {
			t.Errorf("NUL in a filter: %d %v", st, out)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_key = 'k1'`); n != 0 {
			t.Fatalf("%d people made", n)
		}
		st, u := raw("POST", "/scim/v2/Users", strings.Replace(user, "%s", `"Lecturer"`, 1))
		if st != 201 {
			t.Fatalf("create: %d %v", st, u)
		}
		st, out = raw("PATCH", "/scim/v2/Users/"+u["id"].(string), `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [`+
			`{"op": "Replace", "value": {"title": "Reader\u0000"}}]}`)
		if d, _ := out["detail"].(string); st != 400 || !strings.Contains(d, "title holds a NUL character") {
			t.Errorf("NUL in a PATCH: %d %v", st, out)
		}
	})
}
