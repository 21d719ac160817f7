package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
)

// TestBadBytesAre4xx (issue 13 point 9): a NUL character or bytes that are not UTF-8, in a JSON
// body or a query string or the path, are refused with a 4xx naming where they are, on both
// engines alike (PostgreSQL answered a NUL with a 500, SQLite stored it), and nothing is written.
func TestBadBytesAre4xx(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		c := e.call(desk.NewCall{Summary: "VPN refuses my password"})
		before := e.counts()
		// A NUL escaped in JSON, in a field and in a nested one.
		p := e.problem(e.req("POST", "/api/v1/calls", `{"summary": "Printer\u0000jammed", "customer_id": `+strconv.FormatInt(e.f.Dan.ID, 10)+`}`), 400)
		if p.Errors["summary"] == "" || !strings.Contains(p.Detail, "summary holds a NUL character") {
			t.Errorf("NUL in summary: %+v", p)
		}
		p = e.problem(e.req("POST", "/api/v1/calls/"+c.Ref+"/entries", `{"kind": "note", "text": "see\u0000"}`), 400)
		if p.Errors["text"] == "" {
			t.Errorf("NUL in an entry: %+v", p)
		}
		// Bytes that are not UTF-8 (encoding/json would have made them U+FFFD).
		p = e.problem(e.req("POST", "/api/v1/calls", []byte("{\"summary\": \"Caf\xe9\", \"customer_id\": "+strconv.FormatInt(e.f.Dan.ID, 10)+"}")), 400)
		if !strings.Contains(p.Detail, "not valid UTF-8") || !strings.Contains(p.Detail, "byte 16") {
			t.Errorf("Latin-1 in the body: %+v", p)
		}
		// Query strings and the path.
		for _, path := range []string{"/api/v1/calls?q=%00", "/api/v1/calls?q=caf%E9", "/api/v1/people?q=a%00b", "/api/v1/calls/F%00"} {
			p = e.problem(e.req("GET", path, nil), http.StatusUnprocessableEntity)
			if !strings.Contains(p.Detail, "NUL") && !strings.Contains(p.Detail, "UTF-8") {
				t.Errorf("GET %s: %+v", path, p)
			}
			// The problem is said once, not once by the message and again by the field.
			if n := strings.Count(p.Detail, "send text encoded as UTF-8") + strings.Count(p.Detail, "remove it"); n != 1 {
				t.Errorf("GET %s: the detail says the problem %d times: %q", path, n, p.Detail)
			}
		}
		if p = e.problem(e.req("GET", "/api/v1/calls?q=%00", nil), 422); p.Errors["q"] == "" {
			t.Errorf("the parameter is not named: %+v", p)
		}
		if after := e.counts(); after != before {
			t.Errorf("something was written: %+v -> %+v", before, after)
		}
	})
}
