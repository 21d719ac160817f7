package scim_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web"
	"calldesk/internal/web/scim"
)

// TestSCIMBodyTooLarge (issue 13 review, point 13): SCIM mounted on calldesk's server reads at
// most the server's body limit (web.DefaultMaxBody); a larger body is a SCIM 413 error, not a
// 400 quoting Go's error, and nothing is written.
func TestSCIMBodyTooLarge(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		log := slog.New(slog.DiscardHandler)
		buf := audit.NewRecorder(e.S)
		t.Cleanup(buf.Close)
		svc := &scim.Service{Store: e.S, Token: token, BaseURL: "https://desk.uni.example"}
		srv := &web.Server{Store: e.S, Audit: buf, Log: log, SCIM: svc.Handler()}
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		body := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "externalId": "k9", "userName": "big", "name": {"familyName": "Big"}, ` +
			`"title": "` + strings.Repeat("t", int(web.DefaultMaxBody)) + `"}`
		req, _ := http.NewRequest("POST", hs.URL+"/scim/v2/Users", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/scim+json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatalf("%d, not a SCIM error body: %v", res.StatusCode, err)
		}
		schemas, _ := out["schemas"].([]any)
		d, _ := out["detail"].(string)
		if res.StatusCode != http.StatusRequestEntityTooLarge || out["status"] != "413" || len(schemas) != 1 ||
			schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" || !strings.Contains(d, "1048576 bytes") {
			t.Fatalf("a body over the limit: %d %v", res.StatusCode, out)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_key = 'k9'`); n != 0 {
			t.Fatalf("%d people made", n)
		}
	})
}
