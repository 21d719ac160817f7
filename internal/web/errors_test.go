package web_test

import (
	"strings"
	"testing"
)

// TestDatabaseFailureIs500 loses the database under a running server: the client gets a generic
// 500 with an incident id, and the server logs it once.
func TestDatabaseFailureIs500(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		e.s.Close()
		p := e.problem(e.req("GET", "/api/v1/groups", nil), 500)
		if p.Incident == "" || !strings.Contains(p.Detail, p.Incident) || strings.Contains(p.Detail, "sql") {
			t.Fatalf("problem %+v", p)
		}
		logs := e.logs.String()
		if strings.Count(logs, "\n") != 1 || !strings.Contains(logs, p.Incident) || !strings.Contains(logs, "database is closed") {
			t.Fatalf("want the error logged once with its incident: %q", logs)
		}
	})
}
