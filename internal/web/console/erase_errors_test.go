package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestEraseFormFollowsTheErrorPattern (issue 16, defect 5): the erasure form leaves checking to the
// server (novalidate, no required attribute); refused, it opens with the error summary, focused
// (autofocus), its errors in the order of the form, each linking to its field.
func TestEraseFormFollowsTheErrorPattern(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		person := fmt.Sprintf("/people/%d/erase", e.f.Dan.ID)
		cat := e.signIn(e.f.Cat)
		form := cat.get(person).must(t, http.StatusOK)
		form.has(t, `class="stack" novalidate`)
		if strings.Contains(form.body, "required") {
			t.Fatal("the erasure form relies on the browser's checks (required)")
		}
		page := cat.post(person, url.Values{}).must(t, http.StatusUnprocessableEntity)
		page.has(t, `tabindex="-1" autofocus id="error-summary"`)
		summary := page.body[strings.Index(page.body, `id="error-summary"`):]
		summary = summary[:strings.Index(summary, "</div>")]
		var got []string
		for _, m := range regexp.MustCompile(`href="#([a-z-]+)"`).FindAllStringSubmatch(summary, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, ",") != "erase-basis,erase-ground,erase-decision,erase-confirmed" {
			t.Fatalf("the summary links %v, want the form's order", got)
		}
	})
}
