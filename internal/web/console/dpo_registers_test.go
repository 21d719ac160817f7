package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/dpo"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// postFile posts a multipart form with one file, as a browser would.
func (c *client) postFile(path string, fields url.Values, name string, data []byte) response {
	c.e.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile("files", name)
	_, _ = fw.Write(data)
	_ = w.Close()
	req, _ := http.NewRequest("POST", c.e.url+path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// TestProcessorRegister: the DPO adds a processor (a mistake named, what was typed kept), with its
// clauses and transfers, and changes it; an administrator reads it but may not change it; an
// analyst sees nothing.
func TestProcessorRegister(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		e.grant(se, e.f.Bob, "analyst,admin")
		cat := e.signIn(e.f.Cat)
		cat.get("/dpo/processors").must(t, http.StatusOK).has(t, "Processors and transfers", "No processor is recorded yet", `href="/dpo/processors/new"`)
		form := url.Values{"name": {"Mailwise Inc."}, "service": {"email relay"}, "contract_date": {"2025-04-01"}, "contract_months": {"24"},
			"clause": {"a", "b", "c"}, "country": {"United States", ""}, "safeguard": {"", ""}, "review_due": {"2026-04-01"}, "reason": {"new contract"}}
		cat.post("/dpo/processors", form).must(t, http.StatusUnprocessableEntity).
			has(t, "Choose the safeguard of each country", `value="Mailwise Inc."`, `href="#transfers"`)
		form["safeguard"] = []string{"addendum", ""}
		r := cat.post("/dpo/processors", form).must(t, http.StatusSeeOther)
		page := strings.TrimSuffix(r.location, "?done=saved")
		cat.get(r.location).must(t, http.StatusOK).has(t, "The record is saved", "Mailwise Inc.", "2027-04-01",
			"United States: The UK Addendum to the EU standard contractual clauses", "<strong>Missing:</strong> (d)")
		form.Set("version", "1")
		form.Set("notes", "audit by questionnaire")
		cat.post(page, form).must(t, http.StatusSeeOther)
		cat.post(page, form).must(t, http.StatusConflict).has(t, "changed by someone else")

		bob := e.signIn(e.f.Bob)
		bob.get("/dpo/processors").must(t, http.StatusOK).has(t, "Mailwise Inc.").lacks(t, `href="/dpo/processors/new"`)
		bob.get(page).must(t, http.StatusOK).has(t, "audit by questionnaire").lacks(t, "Save the record")
		bob.post(page, form).must(t, http.StatusForbidden)
		bob.get("/dpo/consents").must(t, http.StatusForbidden)
		e.signIn(e.f.Ann).get("/dpo/processors").must(t, http.StatusForbidden)
		due, err := e.s.ProcessorsDueForReview(e.ctx, "2026-04-01")
		if err != nil || len(due) != 1 {
			t.Fatalf("due for review: %+v %v", due, err)
		}
	})
}

// TestAssessments: the DPO records a legitimate-interest assessment with a risk, signs it off,
// attaches a document (a refused type named) which downloads; an administrator reads it.
func TestAssessments(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		e.grant(se, e.f.Bob, "analyst,admin")
		cat := e.signIn(e.f.Cat)
		cat.get("/dpo/assessments/new?kind=lia").must(t, http.StatusOK).has(t, `value="lia" checked`)
		form := url.Values{"kind": {"lia"}, "title": {"Surveys"}, "processing": {"asking customers"}, "risk": {"pestering", ""},
			"likelihood": {"", ""}, "severity": {"minimal", ""}, "mitigation": {"opt-in", ""}, "review_due": {"2027-01-01"}, "reason": {"new"}}
		cat.post("/dpo/assessments", form).must(t, http.StatusUnprocessableEntity).has(t, "Choose the likelihood and the severity of risk 1", `value="pestering"`)
		form["likelihood"] = []string{"possible", ""}
		r := cat.post("/dpo/assessments", form).must(t, http.StatusSeeOther)
		page := strings.TrimSuffix(r.location, "?done=saved")
		cat.get(page).must(t, http.StatusOK).has(t, "Legitimate-interest assessment: Surveys", "pestering", "low", "Not yet", "Sign it off")
		cat.post(page+"/signoff", url.Values{"version": {"1"}}).must(t, http.StatusSeeOther)
		cat.get(page).must(t, http.StatusOK).has(t, "by Cat").lacks(t, "Sign it off as")
		cat.postFile(page+"/files", url.Values{"reason": {"tool"}}, "run.exe", []byte("MZ\x90\x00binary")).must(t, http.StatusUnprocessableEntity).has(t, "run.exe")
		cat.postFile(page+"/files", url.Values{"reason": {"the full text"}}, "lia.txt", []byte("the balancing test")).must(t, http.StatusSeeOther)
		body := cat.get(page).must(t, http.StatusOK).has(t, "lia.txt").body
		i := strings.Index(body, page+"/files/")
		link := body[i : i+strings.Index(body[i:], `"`)]
		if got := cat.get(link).must(t, http.StatusOK); got.body != "the balancing test" || !strings.Contains(got.header.Get("Content-Disposition"), "lia.txt") {
			t.Fatalf("download %q %v", got.body, got.header)
		}
		bob := e.signIn(e.f.Bob)
		bob.get("/dpo/assessments").must(t, http.StatusOK).has(t, "Surveys")
		bob.get(page).must(t, http.StatusOK).has(t, "pestering").lacks(t, "Save the assessment")
		bob.post(page+"/signoff", url.Values{"version": {"2"}}).must(t, http.StatusForbidden)
	})
}

// TestConsentRecordsPage: the DPO sees the wordings with counts per version, writes a new version
// (a missing reason named), and reads one person's consents, which is audited as a view of their
// data.
func TestConsentRecordsPage(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		if err := dpo.EnsureWordings(e.ctx, e.s); err != nil {
			t.Fatal(err)
		}
		w, err := e.s.CurrentWording(e.ctx, store.PurposeContactDetails)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.GiveConsent(e.ctx, storetest.Actor(e.f.Dan), e.f.Dan.ID, store.PurposeContactDetails, w.ID,
			store.OptionalContacts{AltEmail: "dan.home@example.com"}); err != nil {
			t.Fatal(err)
		}
		cat := e.signIn(e.f.Cat)
		cat.get("/dpo/consents").must(t, http.StatusOK).has(t, "Optional contact details", "1 in force, 1 given in all", "Dan Dawson")
		cat.post("/dpo/consents/wordings", url.Values{"purpose": {"contact_details"}, "body": {"New words."}}).
			must(t, http.StatusUnprocessableEntity).has(t, "Give the reason the words change", "New words.")
		cat.post("/dpo/consents/wordings", url.Values{"purpose": {"contact_details"}, "body": {"New words."}, "reason": {"plainer"}}).must(t, http.StatusSeeOther)
		cat.get("/dpo/consents?done=wording").must(t, http.StatusOK).has(t, "New words.", "plainer")
		before := len(e.audited(e.f.Dan, "consent.view"))
		cat.get("/dpo/consents/"+strconv.FormatInt(e.f.Dan.ID, 10)).must(t, http.StatusOK).has(t, "Consent records of Dan Dawson", "dan.home@example.com", "Version 1", "In force")
		if len(e.audited(e.f.Dan, "consent.view")) != before+1 {
			t.Fatal("viewing Dan's consent records was not audited")
		}
	})
}

// TestOptionalContactsOnPersonPage: analysts see the optional contact details a person gave with
// their consent on the person's page, and no longer once it is withdrawn.
func TestOptionalContactsOnPersonPage(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		if err := dpo.EnsureWordings(e.ctx, e.s); err != nil {
			t.Fatal(err)
		}
		w, err := e.s.CurrentWording(e.ctx, store.PurposeContactDetails)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.GiveConsent(e.ctx, storetest.Actor(e.f.Dan), e.f.Dan.ID, store.PurposeContactDetails, w.ID,
			store.OptionalContacts{AltEmail: "dan.home@example.com", AltPhone: "07700 900123"}); err != nil {
			t.Fatal(err)
		}
		ann := e.signIn(e.f.Ann)
		page := "/people/" + strconv.FormatInt(e.f.Dan.ID, 10)
		ann.get(page).must(t, http.StatusOK).has(t, "Alternate email", "dan.home@example.com", "07700 900123", "with their consent")
		if err := e.s.WithdrawConsent(e.ctx, storetest.Actor(e.f.Dan), e.f.Dan.ID, store.PurposeContactDetails); err != nil {
			t.Fatal(err)
		}
		ann.get(page).must(t, http.StatusOK).lacks(t, "dan.home@example.com", "07700 900123")
	})
}
