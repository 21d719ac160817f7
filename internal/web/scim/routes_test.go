package scim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/access/accesstest"
	"calldesk/internal/store/storetest"
)

// TestSCIMRouteMatrix is the SCIM column set of the role x route matrix (DESIGN section 4): SCIM
// decides by its provisioning token alone, so on every SCIM route the API token of an account
// of every role (and no token at all) is refused with 401, and the provisioning token is let
// through.
func TestSCIMRouteMatrix(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		const secret = "provisioning-secret"
		s := &Service{Store: se.S, Token: secret}
		h := s.Handler()
		cols := accesstest.Columns(t, se.S, se.F.Admin)
		checked := 0
		for _, rt := range s.routes() {
			path := strings.ReplaceAll(rt.Pattern, "{id}", "1")
			for _, col := range append(cols, accesstest.Column{Name: "provisioning token"}) {
				token := ""
				switch {
				case col.Name == "provisioning token":
					token = secret
				case col.Roles != nil:
					tok, hash, err := access.NewToken()
					if err != nil {
						t.Fatal(err)
					}
					if _, err := se.S.CreateToken(t.Context(), se.F.Admin, col.Account.ID, "matrix", hash, time.Time{}); err != nil {
						t.Fatal(err)
					}
					token = tok
				}
				req := httptest.NewRequest(rt.Method, path, strings.NewReader(`{}`))
				req.Header.Set("Content-Type", "application/scim+json")
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if token == secret {
					if w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden {
						t.Errorf("%s %s with the provisioning token: %d", rt.Method, path, w.Code)
					}
				} else if w.Code != http.StatusUnauthorized {
					t.Errorf("%s %s as %s: %d, want 401 (SCIM takes its provisioning token only)", rt.Method, path, col.Name, w.Code)
				}
				checked++
			}
		}
		if checked < 12*10 {
			t.Fatalf("only %d requests checked", checked)
		}
	})
}
