package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestDPOFormsCheckWhatTheyAreGiven: the form that logs a subject request refuses a request
// received in the future (a year on, or tomorrow), one before the UK GDPR's rights began, a date
// that is no date, an empty person and overlong text, each mistake beside its field and in an
// error summary in the order of the form, nothing logged; the steps on a request say which field
// is needed (an empty proof of identity, an extension without its reason, a close without what
// was done), never "nothing to do" (issue 16 defect 3).
func TestDPOFormsCheckWhatTheyAreGiven(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		cat := e.signIn(e.f.Cat)
		today := e.clock.Now().Format("2006-01-02")
		nextYear := e.clock.Now().AddDate(1, 0, 0).Format("2006-01-02")
		tomorrow := e.clock.Now().AddDate(0, 0, 1).Format("2006-01-02")
		log := func(form url.Values) response {
			t.Helper()
			base := url.Values{"person": {e.f.Dan.Username}, "kind": {"access"}, "received": {today}}
			for k, v := range form {
				base[k] = v
			}
			return cat.post("/dpo/requests", base)
		}
		for _, tc := range []struct {
			name string
			form url.Values
			want []string
		}{
			{"a year in the future", url.Values{"received": {nextYear}}, []string{"The date it was received is in the future"}},
			{"tomorrow", url.Values{"received": {tomorrow}}, []string{"The date it was received is in the future"}},
			{"before the rights began", url.Values{"received": {"1918-02-27"}}, []string{"The date it was received is before 25 May 2018", "check the year"}},
			{"no date", url.Values{"received": {"27 Feb"}}, []string{"as a date, for example"}},
			{"empty", url.Values{"person": {""}, "received": {""}}, []string{"Give the username or email address of the person", "Give the date the request arrived."}},
			{"overlong", url.Values{"identity": {strings.Repeat("p", 630)}, "third_party": {strings.Repeat("x", 201)},
				"details": {strings.Repeat("y", 10001)}}, []string{"The proof of identity is 630 characters long: at most 500.",
				"The third party is 201 characters long: at most 200.", "What they asked is 10001 characters long: at most 10000."}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := log(tc.form).must(t, http.StatusUnprocessableEntity).has(t, `class="alert error-summary"`, "The request was not logged")
				r.has(t, tc.want...)
				for _, f := range regexp.MustCompile(`<li><a href="#req-([a-z_]+)">`).FindAllStringSubmatch(r.body, -1) {
					r.has(t, `id="req-`+f[1]+`-error"`)
					if !regexp.MustCompile(`aria-describedby="[^"]*req-` + f[1] + `-error"`).MatchString(r.body) {
						t.Errorf("field %s is not described by its error", f[1])
					}
				}
			})
		}
		// Errors in the order of the form: the person, the date, then the third party's authority.
		r := log(url.Values{"person": {""}, "received": {nextYear}, "third_party": {"Dawson and Co"}}).must(t, http.StatusUnprocessableEntity)
		links := regexp.MustCompile(`<li><a href="#req-([a-z_]+)">`).FindAllStringSubmatch(r.body, -1)
		var order []string
		for _, l := range links {
			order = append(order, l[1])
		}
		if got := strings.Join(order, " "); got != "person received authority" {
			t.Errorf("the error summary lists %q, want the order of the form", got)
		}
		if reqs, err := e.s.SubjectRequests(e.ctx, e.clock.Now(), store.RequestFilter{View: "all"}); err != nil || len(reqs) != 0 {
			t.Fatalf("a refused form logged %d requests (%v)", len(reqs), err)
		}
		// Today is fine.
		page := log(nil).must(t, http.StatusSeeOther).location
		version := func() string {
			return regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(cat.get(page).body)[1]
		}
		step := page + "/step"
		cat.post(step, url.Values{"version": {version()}, "step": {"identity"}, "identity": {"  "}}).must(t, http.StatusUnprocessableEntity).
			has(t, "Nothing was changed", `<a href="#step-identity">Say what proved their identity`, `id="step-identity-error"`,
				`aria-describedby="step-identity-error"`).lacks(t, "nothing to do")
		cat.post(step, url.Values{"version": {version()}}).must(t, http.StatusUnprocessableEntity).has(t, "Choose a step below").lacks(t, "nothing to do")
		cat.post(step, url.Values{"version": {version()}, "step": {"identity"}, "identity": {strings.Repeat("z", 501)}}).
			must(t, http.StatusUnprocessableEntity).has(t, "What proved their identity is 501 characters long: at most 500.")
		cat.post(step, url.Values{"version": {version()}, "step": {"identity"}, "identity": {"passport seen at the desk"}}).must(t, http.StatusSeeOther)
		cat.post(step, url.Values{"version": {version()}, "step": {"extend"}, "months": {"3"}, "reason": {""}}).must(t, http.StatusUnprocessableEntity).
			has(t, `<a href="#step-months">Choose one or two further months.`, `<a href="#step-reason">Say why the request needs longer`, `id="step-reason-error"`)
		cat.post(step, url.Values{"version": {version()}, "step": {"close"}, "close": {"done"}, "outcome": {""}}).must(t, http.StatusUnprocessableEntity).
			has(t, `<a href="#step-outcome">Say what was done, or why not.`, `id="step-outcome-error"`)
		cat.post(step, url.Values{"version": {version()}, "step": {"close"}, "close": {"done"}, "outcome": {strings.Repeat("o", 2001)}}).
			must(t, http.StatusUnprocessableEntity).has(t, "is 2001 characters long: at most 2000.", `value="`+strings.Repeat("o", 2001)+`"`)
		if q, err := e.s.SubjectRequest(e.ctx, requestID(t, page)); err != nil || q.State != desk.RequestOpen || q.ExtensionReason != "" {
			t.Errorf("refused steps changed the request: %+v %v", q, err)
		}
	})
}

// requestID is the id at the end of a request's page path.
func requestID(t *testing.T, page string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(page[strings.LastIndex(page, "/")+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
