package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestPortalErrorPagesTitledInWords: the portal's error pages are titled with what went wrong
// (a page that does not exist, a call that is not the person's, a form sent from another site),
// never "Sorry" nor a status's name (issue 16 defect 3).
func TestPortalErrorPagesTitledInWords(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		dan := e.signIn(e.f.Dan)
		forged := func() response {
			req, _ := http.NewRequest("POST", e.url+"/portal/calls/new", strings.NewReader(url.Values{"summary": {"x"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			return dan.do(req)
		}
		for _, tc := range []struct {
			name   string
			got    response
			status int
			title  string
		}{
			{"no such page", dan.get("/portal/no/such/page"), http.StatusNotFound, "Page not found"},
			{"no such call", dan.get("/portal/calls/CD-999999"), http.StatusNotFound, "Page not found"},
			{"forged form", forged(), http.StatusForbidden, "This form was sent from another website"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.got.must(t, tc.status).has(t, "<title>"+tc.title+" · SupportMe</title>", "<h1>"+tc.title+"</h1>")
				r.lacks(t, "<title>Sorry", "<h1>Sorry", "<title>"+http.StatusText(tc.status))
			})
		}
	})
}
