package console_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/dpo"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// formVersion reads the version hidden in a page's form.
func pageVersion(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no version on the page\n%s", body)
	}
	return m[1]
}

// TestBreachRegisterRoles: every analyst can report a breach from any console page and sees
// only their own reports; the DPO is emailed, sees every breach and keeps the record; an
// administrator reports like anyone but cannot open the register, which names people.
func TestBreachRegisterRoles(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(c *console.Console) {
			c.BreachMail = (&dpo.Mailer{Domain: "desk.uni.example", ConsoleURL: "https://desk.uni.example"}).Mail
		})
		e.grant(se, e.f.Cat, "analyst,dpo")
		e.grant(se, e.f.Bob, "analyst,admin")
		ann, bob, cat := e.signIn(e.f.Ann), e.signIn(e.f.Bob), e.signIn(e.f.Cat)

		// The link is on every console page.
		ann.get("/queues/mine").must(t, http.StatusOK).has(t, `href="/breaches/report"`).lacks(t, `href="/dpo/breaches"`)
		// A report without its text, or aware in the future, is refused, with what was typed kept.
		ann.post("/breaches/report", url.Values{"what": {""}, "aware": {"2026-03-02T08:00"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "What happened is required", `value="2026-03-02T08:00"`)
		ann.post("/breaches/report", url.Values{"what": {"keep me"}, "aware": {"2026-03-05T08:00"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "in the future", "keep me")
		r := ann.post("/breaches/report", url.Values{"what": {"Emailed Dan Dawson's call history to the wrong Dan"}, "aware": {"2026-03-02T08:30"}}).
			must(t, http.StatusSeeOther)
		ann.get(r.location).must(t, http.StatusOK).has(t, "is reported", "Emailed Dan Dawson")
		bob.post("/breaches/report", url.Values{"what": {"Printout left on the train"}}).must(t, http.StatusSeeOther)
		// Each sees only their own.
		ann.get("/breaches/report").must(t, http.StatusOK).has(t, "wrong Dan").lacks(t, "train")
		bob.get("/breaches/report").must(t, http.StatusOK).has(t, "train").lacks(t, "wrong Dan")
		// The register is the DPO's: not an analyst's, nor an administrator's.
		ann.get("/dpo/breaches").must(t, http.StatusForbidden)
		bob.get("/dpo/breaches").must(t, http.StatusForbidden)
		bob.get("/dpo/disclosures").must(t, http.StatusForbidden)
		// The DPO was emailed each report.
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM mail_outbox WHERE kind = 'breach' AND recipient = ?`, e.f.Cat.Email); n != 2 {
			t.Fatalf("reports emailed to the DPO: %d", n)
		}
		cat.get("/dpo/breaches").must(t, http.StatusOK).has(t, "Ann Archer", "Bob Baker", "left to notify the ICO")
		bs, err := e.s.Breaches(e.ctx, store.BreachFilter{ReporterID: e.f.Ann.ID})
		if err != nil || len(bs) != 1 {
			t.Fatalf("Ann's breach: %v %v", bs, err)
		}
		page := "/dpo/breaches/" + strconv.FormatInt(bs[0].ID, 10)
		body := cat.get(page).must(t, http.StatusOK).has(t, "72-hour clock", "h 30 min left to notify the ICO").body

		// Link Dan; the reason is required.
		cat.post(page+"/people", url.Values{"person": {e.f.Dan.Username}}).must(t, http.StatusUnprocessableEntity).has(t, "reason")
		cat.post(page+"/people", url.Values{"person": {e.f.Dan.Username}, "reason": {"his history was sent"}}).must(t, http.StatusSeeOther)
		// Reading it now is a read of Dan's data.
		before := len(e.audited(e.f.Dan, "breach.view"))
		body = cat.get(page).must(t, http.StatusOK).has(t, "Dan Dawson").body
		if len(e.audited(e.f.Dan, "breach.view")) != before+1 {
			t.Fatal("reading a breach that names Dan is not audited for him")
		}
		// The assessment: mistakes are named and nothing typed is lost.
		v := pageVersion(t, body)
		cat.post(page, url.Values{"version": {v}, "assessment": {"Sent to one wrong address"}, "risk": {"risk"}, "notify": {"yes"},
			"state": {"open"}, "reason": {"assessed"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "Who approved it is required", "Sent to one wrong address")
		cat.post(page, url.Values{"version": {v}, "assessment": {"Sent to one wrong address"}, "count": {"1"}, "categories": {"names, call text"},
			"risk": {"risk"}, "notify": {"yes"}, "approved_by": {"Jo Registrar"}, "notified_at": {"2026-03-02T09:00"}, "reference": {"ICO/0001"},
			"state": {"open"}, "reason": {"assessed and notified"}}).must(t, http.StatusSeeOther)
		cat.get(page).must(t, http.StatusOK).has(t, "notified to the ICO within 72 hours", "reference ICO/0001")
		if recs := e.audited(e.f.Dan, "breach.assess"); len(recs) != 1 || recs[0].Reason != "assessed and notified" {
			t.Fatalf("the assessment's audit record: %+v", recs)
		}
		// A stale version is refused.
		cat.post(page, url.Values{"version": {v}, "assessment": {"x"}, "state": {"open"}, "reason": {"again"}}).
			must(t, http.StatusUnprocessableEntity).has(t, "changed by someone else")
		// The period report says whether each was notified within 72 hours.
		cat.get("/dpo/breaches?from=2026-03-01&to=2026-03-31").must(t, http.StatusOK).has(t, "2 breach(es) in the period", "1 notified", "1 of them within 72 hours")
		cat.get("/dpo/breaches?from=2026-03-31&to=2026-03-01").must(t, http.StatusUnprocessableEntity).has(t, "ends before it starts")
		cat.get("/dpo/breaches?from=2026-04-01&to=2026-04-30").must(t, http.StatusOK).has(t, "No breach in this period")
	})
}

// TestDisclosureLog: the DPO logs a police request on its form for Eve, records the approval by
// a named approver who is not the requester, and only then downloads Eve's data, encrypted,
// with the download audited for her; an exemption keeps the disclosure out of her bundle.
func TestDisclosureLog(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		cat := e.signIn(e.f.Cat)
		e.signIn(e.f.Ann).get("/dpo/disclosures").must(t, http.StatusForbidden)
		cat.get("/dpo/requests").must(t, http.StatusOK).has(t, `href="/dpo/disclosures"`, `href="/dpo/breaches"`)
		cat.get("/dpo/disclosures").must(t, http.StatusOK).has(t, "No disclosure logged", "Log a request for disclosure")
		form := url.Values{"kind": {"police"}, "organisation": {"Thames Valley Police"}, "requester": {"DC Sam Holt"}, "reference": {"43/123/26"},
			"basis": {"DPA 2018 Schedule 2 paragraph 2"}, "requested": {"Eve's calls of February"}, "people": {"nobody-here\n" + e.f.Eve.Username}}
		cat.post("/dpo/disclosures", form).must(t, http.StatusUnprocessableEntity).
			has(t, "could not all be found", "police form", "Thames Valley Police")
		form.Set("form", "DP2 7781")
		form.Set("people", e.f.Eve.Username)
		page := cat.post("/dpo/disclosures", form).must(t, http.StatusSeeOther).location
		body := cat.get(page).must(t, http.StatusOK).has(t, "Eve Evans", "Record the decision").lacks(t, "Prepare the download").body
		// Not downloadable before approval.
		pass, _ := privacy.NewPassphrase()
		cat.post(page+"/data.zip", url.Values{"passphrase": {pass}}).must(t, http.StatusUnprocessableEntity).has(t, "only an approved disclosure")
		v := pageVersion(t, body)
		cat.post(page+"/decision", url.Values{"version": {v}, "state": {"approved"}, "approver": {"DC Sam Holt"}, "reasons": {"ok"}}).
			must(t, http.StatusUnprocessableEntity).has(t, "must not be the person who asked")
		cat.post(page+"/decision", url.Values{"version": {v}, "state": {"approved"}, "approver": {"Jo Registrar, University Secretary"},
			"reasons": {"the crime exemption applies"}}).must(t, http.StatusSeeOther)
		body = cat.post(page+"/passphrase", nil).must(t, http.StatusOK).has(t, "Download the encrypted archive").body
		m := regexp.MustCompile(`name="passphrase" value="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no passphrase")
		}
		r := cat.post(page+"/data.zip", url.Values{"passphrase": {m[1]}}).must(t, http.StatusOK)
		plain, err := privacy.OpenArchive([]byte(r.body), m[1])
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(plain), int64(len(plain)))
		if err != nil || len(zr.File) != 2 || zr.File[0].Name != "DISCLOSURE.txt" {
			t.Fatalf("the archive: %v", err)
		}
		if len(e.audited(e.f.Eve, "disclosure.download")) != 1 || len(e.audited(e.f.Eve, "disclosure.decide")) != 1 {
			t.Fatal("the decision and the download are not audited for Eve")
		}
		if len(e.audited(e.f.Eve, "disclosure.view")) == 0 {
			t.Fatal("reading the disclosure is not audited for Eve")
		}
		// An exemption keeps it out of her bundle.
		cat.post(page+"/exemption", url.Values{"person": {strconv.FormatInt(e.f.Eve.ID, 10)}, "exemption": {"telling her would prejudice the investigation"}}).
			must(t, http.StatusSeeOther)
		cat.get(page).must(t, http.StatusOK).has(t, "withheld from their copy (telling her would prejudice the investigation)")
		bu, err := (&privacy.Builder{Store: e.s, Now: func() time.Time { return start }}).Gather(e.ctx, e.f.Eve.ID, nil)
		if err != nil || len(bu.Disclosures) != 0 {
			t.Fatalf("an exempt disclosure in the bundle: %+v %v", bu.Disclosures, err)
		}
		if !strings.Contains(cat.get("/dpo/disclosures").body, "approved by Jo Registrar") {
			t.Fatal("the log lacks the decision")
		}
	})
}

// TestDataProtectionTabs: the Data protection area's tabs are drawn above its registers' pages
// too, the current one marked, the DPO's own pages only for the DPO; a page outside the area (an
// analyst's breach report) has none.
func TestDataProtectionTabs(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, nil)
		e.grant(se, e.f.Cat, "analyst,dpo")
		e.grant(se, e.f.Bob, "analyst,admin")
		ann, bob, cat := e.signIn(e.f.Ann), e.signIn(e.f.Bob), e.signIn(e.f.Cat)
		cat.get("/dpo/breaches").must(t, http.StatusOK).has(t, `<nav aria-label="Data protection">`,
			`<a href="/dpo/breaches" aria-current="page">Breaches</a>`, `href="/dpo/consents"`, `href="/dpo/compliance"`)
		cat.get("/dpo/processors").must(t, http.StatusOK).has(t, `<a href="/dpo/processors" aria-current="page">Processors</a>`,
			`<a href="/dpo/breaches">Breaches</a>`)
		bob.get("/dpo/processors").must(t, http.StatusOK).has(t, `<nav aria-label="Data protection">`, `href="/dpo/processing"`).
			lacks(t, `href="/dpo/breaches"`, `href="/dpo/consents"`)
		ann.get("/breaches/report").must(t, http.StatusOK).lacks(t, `<nav aria-label="Data protection">`)
	})
}
