package console_test

import (
	"strconv"
	"testing"

	"calldesk/internal/dpo"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestBrowserBreachesAndDisclosures: the breach report form (with its mistakes, the error summary
// focused), an analyst's own reports, the DPO's register, a breach with its clock, people and
// assessment form, the disclosure log (with mistakes) and an approved disclosure ready to
// download: each checked with axe at desktop width, at phone width (375 px) and at 200% zoom.
func TestBrowserBreachesAndDisclosures(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,dpo")
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/breaches/report")
	b.Click("form[action='/breaches/report'] button[type=submit]")
	b.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	b.MustSee("The breach was not reported yet", "What happened is required")
	b.Check("the breach report form with a mistake", "")
	if _, err := e.s.ReportBreach(e.ctx, storetest.Actor(e.f.Ann), store.Breach{Report: "Sent Dan Dawson's call history to the wrong address",
		AwareAt: e.clock.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	b.Open("/breaches/report")
	b.MustSee("Your reports", "Sent Dan Dawson")
	b.Check("an analyst's own breach reports", "")

	bs, err := e.s.Breaches(e.ctx, store.BreachFilter{})
	if err != nil || len(bs) != 1 {
		t.Fatal(bs, err)
	}
	actor := storetest.Actor(e.f.Cat)
	actor.Reason = "affected"
	if err := e.s.LinkBreachPerson(e.ctx, actor, bs[0].ID, e.f.Dan.ID, true); err != nil {
		t.Fatal(err)
	}
	c := e.tab(t)
	c.signIn(e.f.Cat.Username)
	c.Open("/dpo/breaches")
	c.MustSee("Breach register", "left to notify the ICO")
	c.Check("the breach register", "")
	c.Open("/dpo/breaches/" + strconv.FormatInt(bs[0].ID, 10))
	c.MustSee("72-hour clock", "Dan Dawson", "Assessment and handling")
	c.Check("a breach", "")

	c.Open("/dpo/disclosures")
	c.Click("form[action='/dpo/disclosures'] button[type=submit]")
	c.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	c.MustSee("The request was not logged")
	c.Check("the disclosure form with mistakes", "")
	in, err := dpo.CheckRequest(dpo.DisclosureRequest{Kind: "police", Organisation: "Thames Valley Police", Requester: "DC Sam Holt",
		Form: "DP2 7781", Basis: "crime", Requested: "Dan's calls", People: []int64{e.f.Dan.ID}}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.s.LogDisclosure(e.ctx, actor, in, []int64{e.f.Dan.ID})
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := dpo.Decision{State: "approved", Approver: "Jo Registrar", Reasons: "crime exemption"}.Apply(d)
	if _, err := e.s.DecideDisclosure(e.ctx, actor, dec); err != nil {
		t.Fatal(err)
	}
	c.Open("/dpo/disclosures/" + strconv.FormatInt(d.ID, 10))
	c.MustSee("Thames Valley Police", "Prepare the download", "Dan Dawson")
	c.Check("an approved disclosure", "")
	c.Open("/dpo/disclosures")
	c.MustSee("approved by Jo Registrar")
	c.Check("the disclosure log", "")
}
