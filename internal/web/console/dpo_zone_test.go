package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// TestDPODeadlineOnTheDesksCalendar: at 00:30 BST on 31 March 2027 (23:30 UTC on the 30th) the
// request form lets the DPO give today as the day received (its date field's max is London's
// today, not UTC's), and a request received and proved that day, whether with the form or by a
// later step, is due on 30 April 2027 (one calendar month on London's calendar), not on 1 May
// (UTC's 30 March plus a month, shown in BST).
func TestDPODeadlineOnTheDesksCalendar(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	storetest.EachEnv(t, time.Date(2027, 3, 30, 23, 30, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(c *console.Console) { c.Zone = london })
		e.grant(se, e.f.Cat, "analyst,dpo")
		cat := e.signIn(e.f.Cat)
		cat.get("/dpo/requests").must(t, http.StatusOK).has(t, `max="2027-03-31"`)
		form := url.Values{"person": {e.f.Dan.Username}, "kind": {"access"}, "received": {"2027-03-31"}, "identity": {"passport seen at the desk"}}
		page := cat.post("/dpo/requests", form).must(t, http.StatusSeeOther).location
		cat.get(page).must(t, http.StatusOK).has(t, ">Fri 30 Apr 2027 00:30 BST</time>")

		form.Del("identity")
		page = cat.post("/dpo/requests", form).must(t, http.StatusSeeOther).location
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(cat.get(page).body)[1]
		cat.post(page+"/step", url.Values{"version": {version}, "step": {"identity"}, "identity": {"passport seen at the desk"}}).must(t, http.StatusSeeOther)
		cat.get(page).must(t, http.StatusOK).has(t, ">Fri 30 Apr 2027 00:30 BST</time>")
	})
}
