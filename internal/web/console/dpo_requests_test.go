package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestSubjectRequestRegister: the Data Protection Officer logs a request received by post for
// someone through their solicitor, records the proof of identity, extends the deadline with a
// reason and closes it; mistakes are named; nobody else may see the register.
func TestSubjectRequestRegister(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		e.signIn(e.f.Ann).get("/dpo/requests").must(t, http.StatusForbidden).has(t, "Data Protection Officer")

		cat := e.signIn(e.f.Cat)
		cat.get("/queues/mine").must(t, http.StatusOK).has(t, `href="/dpo/requests"`)
		cat.get("/dpo/requests").must(t, http.StatusOK).has(t, "Subject requests", "No request in this view", "Log a request")
		// Mistakes: nobody by that name, no date, a third party without authority.
		cat.post("/dpo/requests", url.Values{"person": {"nobody"}, "kind": {"access"}, "received": {""}}).must(t, http.StatusUnprocessableEntity).
			has(t, "Nobody in the register", "Give the date the request arrived")
		cat.post("/dpo/requests", url.Values{"person": {e.f.Dan.Username}, "kind": {"access"}, "received": {"2026-02-27"},
			"third_party": {"Dawson &amp; Co solicitors"}}).must(t, http.StatusUnprocessableEntity).has(t, "written authority")
		r := cat.post("/dpo/requests", url.Values{"person": {e.f.Dan.Username}, "kind": {"access"}, "received": {"2026-02-27"},
			"third_party": {"Dawson and Co solicitors"}, "authority": {"signed letter of 26 February"}, "details": {"Everything you hold about Dan"}}).
			must(t, http.StatusSeeOther)
		page := r.location
		cat.get(page).must(t, http.StatusOK).has(t, "Access (a copy of their data)", "Dan Dawson, through Dawson and Co solicitors",
			"signed letter of 26 February", "Not proved yet", "Record the proof of identity")
		cat.get("/dpo/requests?view=unverified").must(t, http.StatusOK).has(t, "Dan Dawson", "Not proved")
		version := func() string {
			body := cat.get(page).body
			i := strings.Index(body, `name="version" value="`)
			return body[i+len(`name="version" value="`) : i+len(`name="version" value="`)+strings.Index(body[i+len(`name="version" value="`):], `"`)]
		}
		step := page + "/step"
		cat.post(step, url.Values{"version": {version()}, "identity": {"passport seen at the service desk"}}).must(t, http.StatusSeeOther)
		// Proved on 2 March: due on 2 April.
		cat.get(page).must(t, http.StatusOK).has(t, "passport seen at the service desk", "checked by Cat Carter", "Thu 2 Apr 2026", "Extend the deadline")
		cat.post(step, url.Values{"version": {version()}, "months": {"2"}, "reason": {""}}).must(t, http.StatusUnprocessableEntity).has(t, "reason")
		cat.post(step, url.Values{"version": {version()}, "months": {"2"}, "reason": {"three hundred calls to review"}}).must(t, http.StatusSeeOther)
		cat.get(page).must(t, http.StatusOK).has(t, "Tue 2 Jun 2026", "extended: three hundred calls to review").lacks(t, "Extend the deadline")
		cat.post(step, url.Values{"version": {"1"}, "close": {"done"}, "outcome": {"sent"}}).must(t, http.StatusUnprocessableEntity).has(t, "changed by someone else")
		cat.post(step, url.Values{"version": {version()}, "close": {"done"}, "outcome": {"bundle sent to the solicitors"}}).must(t, http.StatusSeeOther)
		cat.get(page).must(t, http.StatusOK).has(t, "done: bundle sent to the solicitors").lacks(t, "Close the request")
		cat.get("/dpo/requests?view=all").must(t, http.StatusOK).has(t, "Dan Dawson")
		cat.get("/dpo/requests").must(t, http.StatusOK).has(t, "No request in this view")
	})
}
