package console_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"calldesk/internal/dpo"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// seedRecords records calldesk's ten standard activities.
func seedRecords(t *testing.T, e *env) {
	t.Helper()
	for _, a := range dpo.StandardActivities() {
		if _, err := e.s.CreateProcessingActivity(context.Background(), e.f.Admin, a, "standard"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRecordsOfProcessingPages: the DPO adds a record (mistakes named, nothing lost), changes its
// purpose and is shown who must be told, reviews it; administrators read the records and their
// exports but change nothing; other analysts see none of it.
func TestRecordsOfProcessingPages(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		e.grant(se, e.f.Bob, "analyst,admin")
		seedRecords(t, e)
		e.signIn(e.f.Ann).get("/dpo/processing").must(t, http.StatusForbidden)
		cat := e.signIn(e.f.Cat)
		cat.get("/queues/mine").must(t, http.StatusOK).has(t, `href="/dpo/processing"`, "Data protection")
		cat.get("/dpo/processing").must(t, http.StatusOK).has(t, "Handling calls for IT help", "Single sign-on", "Add a record of processing",
			`href="/dpo/requests"`, `href="/dpo/notice"`, `href="/dpo/compliance"`, "special category")
		// Mistakes: each named, what was typed kept.
		cat.post("/dpo/processing", url.Values{"code": {"Bad code"}, "name": {"Surveys"}, "purpose": {"To ask people how we did"}}).
			must(t, http.StatusUnprocessableEntity).has(t, "The short name must be", "The lawful basis must be one of", "The categories of people is required",
			"The register tables must name at least one", "The reason is required", `value="Surveys"`, "To ask people how we did")
		r := cat.post("/dpo/processing", url.Values{"code": {"surveys"}, "name": {"Satisfaction surveys"}, "purpose": {"To ask people how we did."},
			"lawful_basis": {"consent"}, "people": {"customers who opted in"}, "tables": {"calls", "people"}, "reason": {"new survey"}}).must(t, http.StatusSeeOther)
		page := strings.TrimSuffix(r.location, "?saved=created")
		body := cat.get(r.location).must(t, http.StatusOK).has(t, "added as version 1", "Satisfaction surveys", "identity", "closed calls:").body
		ver := func(body string) string {
			i := strings.Index(body, `name="version" value="`) + len(`name="version" value="`)
			return body[i : i+strings.Index(body[i:], `"`)]
		}
		form := url.Values{"version": {ver(body)}, "code": {"surveys"}, "name": {"Satisfaction surveys"}, "purpose": {"To ask people how we did, and to publish the results."},
			"lawful_basis": {"consent"}, "people": {"students, staff"}, "tables": {"calls", "people"}, "reason": {"results to be published"}}
		r = cat.post(page, form).must(t, http.StatusSeeOther)
		if !strings.HasSuffix(r.location, "saved=purpose") {
			t.Fatalf("after a change of purpose: %s", r.location)
		}
		cat.get(r.location).must(t, http.StatusOK).has(t, "Who must be told of the new purpose", "<strong>5</strong> people", "<li>students</li>", "<li>staff</li>",
			"results to be published", "version 2")
		// A stale form is refused, saying why.
		cat.post(page, form).must(t, http.StatusConflict).has(t, "was changed by")
		cat.post(page+"/review", url.Values{"note": {""}}).must(t, http.StatusUnprocessableEntity).has(t, "a note is required")
		cat.post(page+"/review", url.Values{"note": {"checked with the survey team"}}).must(t, http.StatusSeeOther)
		// Until a notice is published after the change, the page still says who must be told.
		cat.get(page).must(t, http.StatusOK).has(t, "by Cat Carter", "Who must be told")
		e.clock.Advance(60e9)
		cat.post("/dpo/notice", url.Values{"reason": {"survey results published"}}).must(t, http.StatusSeeOther)
		cat.get(page).must(t, http.StatusOK).lacks(t, "Who must be told")
		if !audits(t, e, "processing.change") || !audits(t, e, "processing.review") {
			t.Error("the change was not audited")
		}
		// An administrator reads, and exports, but may not change.
		bob := e.signIn(e.f.Bob)
		bob.get("/dpo/processing").must(t, http.StatusOK).has(t, "Satisfaction surveys").lacks(t, "Add a record of processing", `href="/dpo/requests"`)
		bob.get(page).must(t, http.StatusOK).lacks(t, "Mark as reviewed", "Save a new version")
		bob.post(page, form).must(t, http.StatusForbidden)
		bob.post("/dpo/processing", form).must(t, http.StatusForbidden)
		x := bob.get("/dpo/processing.xlsx").must(t, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.body)))
		if err != nil {
			t.Fatalf("the spreadsheet does not open: %v", err)
		}
		rows, _ := f.GetRows(dpo.SheetName)
		if got := strings.Join(flatten(rows), "|"); !strings.Contains(got, "Satisfaction surveys") || !strings.Contains(got, "The audit trail") {
			t.Errorf("the spreadsheet lacks activities: %s", got)
		}
		p := bob.get("/dpo/processing.pdf").must(t, http.StatusOK)
		if !strings.HasPrefix(p.body, "%PDF-") || p.header.Get("Content-Disposition") == "" {
			t.Errorf("the PDF: %q", p.body[:min(20, len(p.body))])
		}
	})
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// audits reports whether any audit record has the action.
func audits(t *testing.T, e *env, action string) bool {
	t.Helper()
	recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Action == action {
			return true
		}
	}
	return false
}

// TestPrivacyNoticePublishedAndPublic: the DPO publishes the notice made from the records; anyone
// reads it at /privacy without signing in, every version; the notice has the fourteen items.
func TestPrivacyNoticePublishedAndPublic(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(c *console.Console) {
			c.Contacts = dpo.Contacts{University: "University of Example", UniversityContact: "info@uni.example", DPO: "dpo@uni.example"}
		})
		e.grant(se, e.f.Cat, "analyst,dpo")
		anyone := e.client()
		anyone.get("/privacy").must(t, http.StatusNotFound)
		cat := e.signIn(e.f.Cat)
		cat.get("/dpo/notice").must(t, http.StatusOK).has(t, "No notice has been published yet")
		cat.post("/dpo/notice", url.Values{"reason": {"first"}}).must(t, http.StatusUnprocessableEntity).has(t, "no record of processing yet")
		seedRecords(t, e)
		cat.post("/dpo/notice", url.Values{"reason": {""}}).must(t, http.StatusUnprocessableEntity).has(t, "the reason is required")
		cat.post("/dpo/notice", url.Values{"reason": {"first notice"}}).must(t, http.StatusSeeOther)
		cat.get("/dpo/notice?published=1").must(t, http.StatusOK).has(t, "Version 1 is published", "It matches the records of processing")
		pub := anyone.get("/privacy").must(t, http.StatusOK)
		pub.has(t, "University of Example", "dpo@uni.example", "Information Commissioner", "ico.org.uk", "Version 1").lacks(t, "Sign out")
		for _, k := range dpo.NoticeItemKeys() {
			pub.has(t, `id="item-`+k+`"`)
		}
		// A change of the records shows on the DPO's page; a second version keeps the first.
		e.clock.Advance(60e9)
		if err := e.s.SetRetentionRule(e.ctx, e.f.Admin, "closed_calls", 60, "anonymise", "five years"); err != nil {
			t.Fatal(err)
		}
		cat.get("/dpo/notice").must(t, http.StatusOK).has(t, "The records of processing have changed since")
		cat.post("/dpo/notice", url.Values{"reason": {"calls kept five years"}}).must(t, http.StatusSeeOther)
		anyone.get("/privacy").must(t, http.StatusOK).has(t, "Version 2", "anonymised 60 months", `href="/privacy/1"`)
		anyone.get("/privacy/1").must(t, http.StatusOK).has(t, "This is an earlier version", "anonymised 72 months")
		anyone.get("/privacy/9").must(t, http.StatusNotFound)
		anyone.get("/privacy/x").must(t, http.StatusNotFound)
		if !audits(t, e, "notice.publish") {
			t.Error("publishing was not audited")
		}
		e.signIn(e.f.Ann).post("/dpo/notice", url.Values{"reason": {"mine"}}).must(t, http.StatusForbidden)
	})
}

// TestCompliancePage: the evidence shows, says "not yet recorded" honestly, and exports as PDF;
// the DPO verifies the audit chain from it.
func TestCompliancePage(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		e.grant(se, e.f.Bob, "analyst,admin")
		cat := e.signIn(e.f.Cat)
		cat.get("/dpo/compliance").must(t, http.StatusOK).has(t, "Subject requests answered within one month", "not yet recorded",
			"Personal data breaches notified to the ICO within 72 hours", "Processors under contract", "The audit chain has not been verified yet")
		cat.post("/dpo/compliance/verify", nil).must(t, http.StatusSeeOther)
		cat.get("/dpo/compliance?verified=1").must(t, http.StatusOK).has(t, "the chain intact", "by Cat Carter")
		p := cat.get("/dpo/compliance.pdf").must(t, http.StatusOK)
		if !strings.HasPrefix(p.body, "%PDF-") {
			t.Error("no PDF")
		}
		bob := e.signIn(e.f.Bob)
		bob.get("/dpo/compliance").must(t, http.StatusOK).lacks(t, "Verify the audit chain now")
		bob.post("/dpo/compliance/verify", nil).must(t, http.StatusForbidden)
		e.signIn(e.f.Ann).get("/dpo/compliance").must(t, http.StatusForbidden)
	})
}
