package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestErrorPagesTitledInWords: every error page is titled (its <title> and its heading) with
// what went wrong, in words: a search too long, a page that does not exist, a page the account
// may not open, a form that cannot be read, a bundle that does not exist, a form sent without what
// it needs (whose page also says what is wrong); never a status's name
// such as "Unprocessable Entity" (issue 16 defect 3).
func TestErrorPagesTitledInWords(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		ann, cat := e.signIn(e.f.Ann), e.signIn(e.f.Cat)
		unreadable := func() response {
			req, _ := http.NewRequest("POST", e.url+"/dpo/requests", strings.NewReader("person=%zz"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			return cat.do(req)
		}
		for _, tc := range []struct {
			name   string
			got    response
			status int
			title  string
		}{
			{"search too long", ann.get("/search?q=" + strings.Repeat("printer+", 30)), http.StatusUnprocessableEntity, "This search is too long"},
			{"no such page", ann.get("/no/such/page"), http.StatusNotFound, "Page not found"},
			{"not allowed", ann.get("/dpo/requests"), http.StatusForbidden, "Only accounts with the role &#34;dpo&#34; may do this"},
			{"unreadable form", unreadable(), http.StatusUnprocessableEntity, "The form could not be read"},
			{"no such bundle", cat.get("/dpo/bundles/999"), http.StatusNotFound, "There is no bundle 999"},
			{"unprocessable form", cat.post("/people/"+strconv.FormatInt(e.f.Dan.ID, 10)+"/restrict", url.Values{"restrict": {"true"}, "reason": {" "}}),
				http.StatusUnprocessableEntity, "The restriction cannot be changed"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.got.must(t, tc.status)
				r.has(t, "<title>"+tc.title+" · calldesk</title>", "<h1>"+tc.title+"</h1>")
				if tc.name == "unprocessable form" {
					r.has(t, "reason is required") // what is wrong, not only that something is
				}
				if text := http.StatusText(tc.status); regexp.MustCompile(`<(title|h1)>` + text).MatchString(r.body) {
					t.Errorf("titled %q", text)
				}
			})
		}
	})
}
