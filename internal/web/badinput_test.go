package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
)

// TestBadInputChangesNothing sends every kind of bad request and checks each gets the right 4xx
// with a problem body that says what is wrong, and that the database is exactly as before.
func TestBadInputChangesNothing(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		c := e.call(desk.NewCall{Summary: "Monitor flickers"})
		e.clock.Advance(time.Minute)
		expiring := e.tokenFor(e.f.Cat, e.clock.Now().Add(time.Hour), desk.RoleAnalyst)
		customer := e.tokenFor(e.f.Dan, time.Time{}, desk.RoleCustomer)
		e.clock.Advance(2 * time.Hour) // the token has expired
		ref := "/api/v1/calls/" + c.Ref
		newCall := `{"summary": "Broken chair", "customer_id": ` + id(e.f.Dan.ID)
		huge := newCall + `, "description": "` + strings.Repeat("x", 1<<20) + `"}`

		for _, tc := range []struct {
			name         string
			token        string // "" uses Ann's; "-" sends none
			method, path string
			body         any
			status       int
			detail       string // part of the problem's detail
			field        string // a key of the problem's errors, when it must name one
		}{
			{"illegal transition", "", "POST", ref + "/accept", `{"version": 1}`, 422,
				"cannot accept call " + c.Ref + ": it is unassigned; accept is allowed only when the call is assigned, pending or off hold", ""},
			{"close an open call", "", "POST", ref + "/close", `{"version": 1}`, 422, "it is unassigned", ""},
			{"missing version", "", "POST", ref + "/cancel", `{"reason": "dup"}`, 422, "version is required", "version"},
			{"zero version", "", "POST", ref + "/cancel", `{"version": 0, "reason": "dup"}`, 422, "version must be", "version"},
			{"missing reason", "", "POST", ref + "/cancel", `{"version": 1}`, 422, "reason is required", "reason"},
			{"until not a time", "", "POST", ref + "/hold", `{"version": 1, "until": "tomorrow", "reason": "x"}`, 422, "RFC 3339", "until"},
			{"summary missing", "", "POST", "/api/v1/calls", `{"customer_id": ` + id(e.f.Dan.ID) + `}`, 422, "summary is required", "summary"},
			{"unknown customer", "", "POST", "/api/v1/calls", `{"summary": "x", "customer_id": 999999}`, 422, "no person with id 999999", "customer_id"},
			{"analyst not in group", "", "POST", "/api/v1/calls", newCall + `, "group_id": ` + id(e.f.Networks.ID) + `, "analyst_id": ` + id(e.f.Ann.ID) + `}`, 422, "not a member of Networks", "analyst_id"},
			{"bad entry kind", "", "POST", ref + "/entries", `{"kind": "status", "text": "x"}`, 422, "must be update or note", "kind"},

			{"malformed JSON", "", "POST", "/api/v1/calls", `{"summary": "x",}`, 400, "not valid JSON at byte 17", ""},
			{"truncated JSON", "", "POST", "/api/v1/calls", `{"summary": "x"`, 400, "ends in the middle", ""},
			{"unknown field", "", "POST", "/api/v1/calls", newCall + `, "colour": "red"}`, 400, `"colour" is not a field of this request; the fields are kind, summary`, "colour"},
			{"field of another action", "", "POST", ref + "/accept", `{"version": 1, "reason": "x"}`, 400, `"reason" is not a field`, "reason"},
			{"wrong type", "", "POST", "/api/v1/calls", `{"summary": "x", "customer_id": "12"}`, 400, "customer_id must be a whole number, not a string", "customer_id"},
			{"fraction for an id", "", "POST", ref + "/assign", `{"version": 1.5}`, 400, "version must be a whole number, not the number 1.5", "version"},
			{"string for text", "", "POST", ref + "/entries", `{"kind": "note", "text": 42}`, 400, "text must be a string, not a number", "text"},
			{"array body", "", "POST", "/api/v1/calls", `[1, 2]`, 400, "must be a JSON object, not an array", ""},
			{"empty body", "", "POST", "/api/v1/calls", ``, 400, "body is empty", ""},
			{"trailing data", "", "POST", "/api/v1/calls", newCall + `} {"summary": "again"}`, 400, "more than one JSON value", ""},
			{"trailing garbage", "", "POST", "/api/v1/calls", newCall + `}}`, 400, "data after its JSON object", ""},
			{"body over 1 MiB", "", "POST", "/api/v1/calls", huge, 413, "larger than 1 MiB", ""},
			{"not JSON", "", "POST", "/api/v1/calls", "summary=x", 415, "Content-Type: application/json", ""},

			{"missing token", "-", "POST", "/api/v1/calls", newCall + `}`, 401, "Authorization: Bearer", ""},
			{"missing token on read", "-", "GET", ref, nil, 401, "needs an API token", ""},
			{"wrong token", "cdk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "POST", "/api/v1/calls", newCall + `}`, 401, "not valid", ""},
			{"not a calldesk token", "hunter2", "GET", ref, nil, 401, "not a calldesk API token", ""},
			{"expired token", expiring, "GET", ref, nil, 401, "expired", ""},
			{"customer token", customer, "POST", "/api/v1/calls", newCall + `}`, 403, "one of the roles \"analyst\"", ""},

			{"unknown call", "", "GET", "/api/v1/calls/F9999999", nil, 404, "there is no call F9999999", ""},
			{"not a reference", "", "GET", "/api/v1/calls/XYZ", nil, 404, "is not a call reference", ""},
			{"transition of unknown call", "", "POST", "/api/v1/calls/R0000042/resolve", `{"version": 1, "resolution": "x"}`, 404, "there is no call R0000042", ""},
			{"entry on unknown call", "", "POST", "/api/v1/calls/F0000042/entries", `{"kind": "note", "text": "x"}`, 404, "there is no call F0000042", ""},
			{"diary of unknown call", "", "GET", "/api/v1/calls/F0000042/entries", nil, 404, "there is no call", ""},
			{"unknown person", "", "GET", "/api/v1/people/999999", nil, 404, "no person with id 999999", ""},
			{"not a person id", "", "GET", "/api/v1/people/abc", nil, 404, "not a person id", ""},
			{"unknown endpoint", "", "GET", "/api/v1/tickets", nil, 404, "there is no API endpoint /api/v1/tickets", ""},
			{"wrong method", "", "DELETE", ref, nil, 405, "DELETE is not allowed", ""},

			{"limit too big", "", "GET", "/api/v1/calls?limit=5000", nil, 400, "parameter limit", "limit"},
			{"limit not a number", "", "GET", "/api/v1/calls?limit=ten", nil, 400, "parameter limit", "limit"},
			{"negative offset", "", "GET", "/api/v1/calls?offset=-1", nil, 400, "parameter offset", "offset"},
			{"unknown condition", "", "GET", "/api/v1/calls?condition=pending,purple", nil, 400, `"purple" is not a condition`, "condition"},
			{"bad group", "", "GET", "/api/v1/calls?group=1,sd", nil, 400, `"sd" is not an id`, "group"},
			{"bad date", "", "GET", "/api/v1/calls?from=yesterday", nil, 400, "give a date like 2026-03-02", "from"},
			{"to before from", "", "GET", "/api/v1/calls?from=2026-03-02&to=2026-03-01", nil, 400, "must be after from", "to"},
			{"bad priority", "", "GET", "/api/v1/calls?priority=urgent", nil, 400, "give 1 to 4", "priority"},
			{"bad open", "", "GET", "/api/v1/calls?open=yes", nil, 400, "open=true", "open"},
			{"bad sort", "", "GET", "/api/v1/calls?sort=colour", nil, 400, "newest, oldest", "sort"},
			{"too many groups", "", "GET", "/api/v1/calls?group=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51", nil, 400, "at most 50", "group"},
			{"misspelt parameter", "", "GET", "/api/v1/calls?grop=1", nil, 400, "is not a parameter of this endpoint", "grop"},
			{"bad person kind", "", "GET", "/api/v1/people?kind=alien", nil, 400, "not a kind of person", "kind"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.counts()
				stored := e.stored(c.Ref)
				token := e.token
				switch tc.token {
				case "-":
					token = ""
				case "":
				default:
					token = tc.token
				}
				r := e.reqAsCT(token, tc.method, tc.path, tc.body, tc.name == "not JSON")
				p := e.problem(r, tc.status)
				if !strings.Contains(p.Detail, tc.detail) {
					t.Errorf("detail %q lacks %q", p.Detail, tc.detail)
				}
				if tc.field != "" && p.Errors[tc.field] == "" {
					t.Errorf("errors %v do not name %s", p.Errors, tc.field)
				}
				if tc.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
				}
				if tc.status == 405 && r.header.Get("Allow") != "GET, HEAD" {
					t.Errorf("Allow %q", r.header.Get("Allow"))
				}
				if after := e.counts(); after != before {
					t.Errorf("the database changed: %+v, was %+v", after, before)
				}
				if got := e.stored(c.Ref); got.Version != stored.Version || got.State != stored.State || got.UpdatedAt != stored.UpdatedAt {
					t.Errorf("the call changed: %+v", got)
				}
			})
		}
		if logs := e.logs.String(); logs != "" {
			t.Errorf("4xx responses must not be logged: %s", logs)
		}
	})
}

// reqAsCT is reqAs, sending a form content type instead of JSON when form is set.
func (e *env) reqAsCT(token, method, path string, body any, form bool) response {
	e.t.Helper()
	if !form {
		return e.reqAs(token, method, path, body)
	}
	r, err := http.NewRequest(method, e.url+path, strings.NewReader(body.(string)))
	if err != nil {
		e.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "Bearer "+token)
	return e.send(r)
}
