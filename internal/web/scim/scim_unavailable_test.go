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

// A SCIM push while PostgreSQL is down is a SCIM 503 error with Retry-After, so the identity
// provider tries again later, not a 500 (issue 21, fault 2).
func TestSCIMUnavailableDatabase(t *testing.T) {
	if len(storetest.Engines(t)) < 2 {
		t.Skip("PostgreSQL is not configured: " + storetest.EnvPostgres)
	}
	e := storetest.NewEnv(t, "postgres", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	proxy, dsn := storetest.NewProxy(t, e.DSN)
	s := storetest.OpenDSN(t, "postgres", dsn, e.Clock)
	buf := audit.NewRecorder(s)
	t.Cleanup(buf.Close)
	svc := &scim.Service{Store: s, Token: token, BaseURL: "https://desk.uni.example"}
	hs := httptest.NewServer((&web.Server{Store: s, Audit: buf, Log: slog.New(slog.DiscardHandler), SCIM: svc.Handler()}).Handler())
	t.Cleanup(hs.Close)
	proxy.Stop()
	body := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "externalId": "k9", "userName": "kim", "name": {"familyName": "Kim"}}`
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
	if d, _ := out["detail"].(string); res.StatusCode != http.StatusServiceUnavailable || out["status"] != "503" ||
		res.Header.Get("Retry-After") == "" || !strings.Contains(d, "briefly unavailable") {
		t.Fatalf("SCIM push with the database down: %d, Retry-After %q, %v", res.StatusCode, res.Header.Get("Retry-After"), out)
	}
}
