package console_test

import (
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/dpo"
	"calldesk/internal/store/storetest"
)

// TestBrowserRecordsNoticeCompliance: the Data Protection Officer's records of processing (the
// list, a record sent with a mistake, a record after a change of purpose), the privacy notice
// (the DPO's page, and the public /privacy without signing in) and the compliance page, each
// checked with axe-core at 1280, 375 and 320 px.
func TestBrowserRecordsNoticeCompliance(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,dpo")
	seedRecords(t, e)
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/dpo/processing")
	b.MustSee("Records of processing", "Handling calls for IT help", "Add a record of processing")
	b.Check("the records of processing", "ropa-list")
	b.Click("form[action='/dpo/processing'] button[type=submit]")
	b.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	b.MustSee("The record was not saved", "The reason is required")
	b.Check("a record of processing sent with mistakes", "ropa-mistakes")

	recs, err := e.s.ProcessingActivities(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := recs[4]
	a.Purpose += " Also to plan staffing."
	if _, err := e.s.UpdateProcessingActivity(e.ctx, storetest.Actor(e.f.Cat), a, "staffing plans"); err != nil {
		t.Fatal(err)
	}
	b.Open("/dpo/processing/" + strconv.FormatInt(a.ID, 10))
	b.MustSee("Who must be told of the new purpose", "staffing plans")
	b.Check("a record after a change of purpose", "ropa-record")

	b.Open("/dpo/notice")
	b.MustSee("No notice has been published yet", "Publish this notice")
	b.Check("the privacy notice, unpublished", "notice-draft")
	b.Click("form[action='/dpo/notice'] button[type=submit]")
	b.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	b.Check("publishing without a reason", "notice-mistake")
	recs2, err := dpo.Records(e.ctx, e.s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.PublishNotice(e.ctx, e.f.Admin, dpo.BuildNotice(recs2, dpo.Contacts{}).Marshal(), "first"); err != nil {
		t.Fatal(err)
	}
	b.Open("/dpo/compliance")
	b.MustSee("Demonstrating compliance", "not yet recorded")
	b.Check("the compliance page", "compliance")

	anon := e.tab(t)
	anon.Open("/privacy")
	anon.MustSee("How the IT service desk uses your personal data", "Information Commissioner")
	if body := anon.Text("main"); !strings.Contains(body, "Complaints") {
		t.Errorf("the public notice: %s", body)
	}
	anon.Check("the public privacy notice", "privacy")
}
