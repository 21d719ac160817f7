package console_test

import (
	"strconv"
	"testing"

	"calldesk/internal/dpo"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestBrowserDPORegisters: the consent records, the processors and the assessments pages, their
// forms (a form sent with a mistake shows its focused error summary) and records, each checked
// with axe-core at 1280, 375 and 320 px and for reflow; the forms work without JavaScript (plain
// posts).
func TestBrowserDPORegisters(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
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
		store.OptionalContacts{AltEmail: "dan.home@example.com", AltPhone: "07700 900123"}); err != nil {
		t.Fatal(err)
	}
	p, err := e.s.SaveProcessor(e.ctx, e.f.Admin, store.Processor{Name: "Mailwise Inc.", Service: "email relay", ContractDate: "2025-01-01",
		ContractMonths: 24, Clauses: "abc", ReviewDue: "2026-03-01", Transfers: []store.Transfer{{Country: "United States", Safeguard: "idta"}}}, "new")
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.s.SaveDPIA(e.ctx, e.f.Admin, store.DPIA{Kind: store.KindDPIA, Title: "Portal", Processing: "the portal", ReviewDue: "2027-01-01",
		Risks: []store.Risk{{Risk: "over-sharing", Likelihood: "possible", Severity: "significant", Mitigation: "warning"}}}, "new")
	if err != nil {
		t.Fatal(err)
	}
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)

	b.Open("/dpo/consents")
	b.MustSee("Consent records", "Optional contact details", "Dan Dawson")
	b.Check("the consent records", "dpo-consents")
	b.Click("form[action='/dpo/consents/wordings'] button[type=submit]")
	b.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	b.MustSee("The words were not saved", "Write the words the person agrees to.")
	b.Check("the wording form with mistakes", "")
	b.Open("/dpo/consents/" + strconv.FormatInt(e.f.Dan.ID, 10))
	b.MustSee("Consent records of Dan Dawson", "dan.home@example.com")
	b.Check("a person's consent records", "dpo-consent-person")

	b.Open("/dpo/processors")
	b.MustSee("Mailwise Inc.", "due")
	b.Check("the processors", "dpo-processors")
	b.Open("/dpo/processors/" + strconv.FormatInt(p.ID, 10))
	b.MustSee("United States", "International Data Transfer Agreement")
	b.Check("a processor", "dpo-processor")
	b.Open("/dpo/processors/new")
	b.Click("form[action='/dpo/processors'] button[type=submit]")
	b.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	b.MustSee("The record was not saved", "The name of the processor is required")
	b.Check("the processor form with mistakes", "")

	b.Open("/dpo/assessments")
	b.MustSee("Portal", "Not yet")
	b.Check("the assessments", "dpo-assessments")
	b.Open("/dpo/assessments/" + strconv.FormatInt(d.ID, 10))
	b.MustSee("over-sharing", "medium", "Sign it off")
	b.Check("an assessment", "dpo-assessment")
	b.Open("/dpo/assessments/new")
	b.Click("form[action='/dpo/assessments'] button[type=submit]")
	b.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	b.MustSee("Nothing was saved", "The title is required")
	b.Check("the assessment form with mistakes", "")
}
