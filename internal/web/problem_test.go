package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// TestErrorsBecomeProblems checks the one adapter: domain codes map to statuses, internal errors
// and panics become a generic 500 logged exactly once, and nothing else is logged.
func TestErrorsBecomeProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		handle  handlerFunc
		status  int
		detail  string // part of the detail shown
		logged  bool
		errors  map[string]string
		changes []string
	}{
		{"invalid", func(w http.ResponseWriter, r *http.Request, _ *caller) error {
			return desk.Invalid("the call cannot be logged", map[string]string{"summary": "is required"})
		}, 422, "the call cannot be logged: summary is required", false, map[string]string{"summary": "is required"}, nil},
		{"wrapped not found", func(w http.ResponseWriter, r *http.Request, _ *caller) error {
			return fmt.Errorf("show call: %w", desk.Errorf(desk.ENOTFOUND, "there is no call F0000009"))
		}, 404, "there is no call F0000009", false, nil, nil},
		{"conflict", func(w http.ResponseWriter, r *http.Request, _ *caller) error {
			return &desk.Error{Code: desk.ECONFLICT, Message: "changed", Changes: []string{"resolved by Ann"}}
		}, 409, "changed", false, nil, []string{"resolved by Ann"}},
		{"forbidden", func(w http.ResponseWriter, r *http.Request, _ *caller) error {
			return desk.Errorf(desk.EFORBIDDEN, "not for you")
		}, 403, "not for you", false, nil, nil},
		{"internal", func(w http.ResponseWriter, r *http.Request, _ *caller) error {
			return fmt.Errorf("find calls: %w", errors.New("pq: secret table name exploded"))
		}, 500, "something went wrong on our side", true, nil, nil},
		{"coded internal", func(w http.ResponseWriter, r *http.Request, _ *caller) error {
			return desk.Errorf(desk.EINTERNAL, "secret detail")
		}, 500, "something went wrong on our side", true, nil, nil},
		{"panic", func(w http.ResponseWriter, r *http.Request, _ *caller) error {
			var m map[string]int
			m["boom"]++
			return nil
		}, 500, "something went wrong on our side", true, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := &Server{Log: slog.New(slog.NewJSONHandler(&logs, nil))}
			w := httptest.NewRecorder()
			s.adapt(Route{Needs: access.Public, handle: tc.handle}).ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/x", nil))
			if w.Code != tc.status || w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(p.Detail, tc.detail) || p.Status != tc.status || p.Instance != "/api/v1/x" {
				t.Fatalf("problem %+v", p)
			}
			if fmt.Sprint(p.Errors) != fmt.Sprint(tc.errors) || fmt.Sprint(p.Changes) != fmt.Sprint(tc.changes) {
				t.Fatalf("errors %v changes %v", p.Errors, p.Changes)
			}
			lines := strings.Count(logs.String(), "\n")
			if tc.logged {
				if lines != 1 || p.Incident == "" || !strings.Contains(logs.String(), p.Incident) || !strings.Contains(p.Detail, p.Incident) {
					t.Fatalf("want one log line with incident %q: %s", p.Incident, logs.String())
				}
				if strings.Contains(p.Detail, "secret") {
					t.Fatalf("a 500 shows internals: %s", p.Detail)
				}
			} else if lines != 0 || p.Incident != "" {
				t.Fatalf("a %d must not be logged: %s", tc.status, logs.String())
			}
		})
	}
}
