package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"calldesk/internal/desk"
	"calldesk/internal/report"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// reportAudits returns the audit records about report kind with action.
func (e *env) reportAudits(kind, action string) []desk.AuditRecord {
	e.t.Helper()
	recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{ObjectType: "report", ObjectID: kind, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []desk.AuditRecord
	for _, r := range recs {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

const week = "from=2027-03-01&to=2027-03-07"

// TestReportsByRole (S11): an analyst sees the reports as aggregates (analysts as letters, no
// drill-down, no names in the export); a service-level manager sees names and drills down, and
// both the named view and the drill-down are audited for the people named; every download is
// audited.
func TestReportsByRole(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		calls := storetest.ReportCalls(t, se)
		e.grant(se, e.f.Bob, "analyst,service_manager")
		ann, bob := e.signIn(e.f.Ann), e.signIn(e.f.Bob)

		ann.get("/reports").must(t, http.StatusOK).has(t, `<h1>Reports</h1>`, `name="from"`, "analysts appear as letters")
		ann.get("/reports?kind=workload&"+week).must(t, http.StatusOK).
			has(t, "Analyst A", "Analyst B", "Analyst C", `role="img"`, "<caption", "Calls resolved by analysts: 1").
			lacks(t, "Cat Carter", "Bob Baker", "/reports/calls?")
		if got := e.reportAudits("workload", "report.view"); len(got) != 0 {
			t.Errorf("an aggregate view was audited as naming people: %+v", got)
		}
		ann.get("/reports?kind=volume&"+week).must(t, http.StatusOK).
			has(t, "Calls logged: 4, none in the previous week", "Mon 1 Mar 2027").lacks(t, "/reports/calls?")
		ann.get("/reports?kind=backlog&"+week).must(t, http.StatusOK).has(t, "suppressed", "Open calls: 3")
		drill := "/reports/calls?event=logged&from=1803859200&to=1804464000"
		ann.get(drill).must(t, http.StatusForbidden)

		bob.get("/reports?kind=workload&"+week).must(t, http.StatusOK).has(t, "Cat Carter", "Ann Archer").lacks(t, "Analyst A")
		if got := e.audited(e.f.Cat, "report.view"); len(got) != 1 {
			t.Errorf("the named workload report's view audited for Cat: %+v", got)
		}
		bob.get("/reports?kind=volume&"+week).must(t, http.StatusOK).has(t, `href="/reports/calls?event=logged&amp;from=`)
		bob.get(drill).must(t, http.StatusOK).has(t, calls["F1"].Ref, calls["F2"].Ref, calls["F3"].Ref, calls["F4"].Ref, "Dan Dawson").
			lacks(t, calls["F5"].Ref)
		if got := e.audited(e.f.Dan, "report.drill"); len(got) != 1 || !strings.Contains(got[0].Detail, calls["F1"].Ref) {
			t.Errorf("the drill-down audited for Dan: %+v", got)
		}

		// The export: the same rules, and every download audited.
		r := ann.get("/reports/export?kind=workload&"+week).must(t, http.StatusOK).has(t, "Analyst A,1,1,0").lacks(t, "Carter")
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(r.header.Get("Content-Disposition"), "calldesk-workload-2027-03-01-2027-03-07.csv") {
			t.Errorf("export headers %q %q", ct, r.header.Get("Content-Disposition"))
		}
		bob.get("/reports/export?kind=workload&"+week).must(t, http.StatusOK).has(t, "Ann Archer,1,1,0", "Cat Carter,1,0,1")
		if got := e.reportAudits("workload", "report.export"); len(got) != 2 {
			t.Errorf("%d downloads audited, want 2: %+v", len(got), got)
		}
		if got := e.audited(e.f.Cat, "report.export"); len(got) != 1 {
			t.Errorf("the named download audited for Cat: %+v", got)
		}
	})
}

// TestReportExportNeutralisesFormulas: a group's name that a spreadsheet would run is written as
// text in the CSV (csvsafe).
func TestReportExportNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		g, err := e.s.CreateGroup(e.ctx, e.f.Admin, desk.Group{Name: "=HYPERLINK(\"http://evil.example\")"})
		if err != nil {
			t.Fatal(err)
		}
		storetest.ReportCalls(t, se)
		for range 5 {
			if _, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{CustomerID: e.f.Eve.ID, Summary: "x", Source: desk.SourcePhone, GroupID: g.ID}); err != nil {
				t.Fatal(err)
			}
		}
		e.signIn(e.f.Ann).get("/reports/export?kind=backlog&"+week).must(t, http.StatusOK).
			has(t, `"'=HYPERLINK(""http://evil.example"")",5,0,0,0,0,5`)
	})
}

// TestReportsBadInput: bad dates and choices come back beside their fields with the GOV.UK
// error summary, and the export refuses them too.
func TestReportsBadInput(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		ann := e.signIn(e.f.Ann)
		ann.get("/reports?kind=volume&from=2027-02-30&to=2027-03-07").must(t, http.StatusUnprocessableEntity).
			has(t, `id="error-summary"`, `href="#report-from"`, "Enter the first day as a real date", `aria-invalid="true"`, "<title>Error: Reports")
		ann.get("/reports?kind=volume&from=2027-03-07&to=2027-03-01").must(t, http.StatusUnprocessableEntity).
			has(t, "The last day must be the same as or after the first day")
		ann.get("/reports?kind=pie&from=2027-03-01&to=2027-03-07&source=pigeon").must(t, http.StatusUnprocessableEntity).
			has(t, "Choose a report from the list", "Choose a source from the list")
		ann.get("/reports/export?kind=volume&from=yesterday&to=2027-03-07").must(t, http.StatusUnprocessableEntity)
	})
}

// TestMoreReportsByRole (S11): the reopen, cancellation, customer, hold and backlog-trend
// reports on the console, as an analyst (aggregates: small groups and departments suppressed,
// no drill-down) and as a service-level manager (the figures, and drill-downs from the reopened
// and cancelled calls); their CSV and XLSX downloads under the same rules, each audited; the
// workbook read back.
func TestMoreReportsByRole(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		calls := storetest.ReportMoreCalls(t, se, storetest.ReportCalls(t, se))
		e.grant(se, e.f.Bob, "analyst,service_manager")
		ann, bob := e.signIn(e.f.Ann), e.signIn(e.f.Bob)

		ann.get("/reports").must(t, http.StatusOK).has(t, `<option value="backlog-trend"`, "Reopened calls", "Cancelled calls",
			"Calls by kind of customer and department", "Time on hold")
		ann.get("/reports?kind=reopens&"+week).must(t, http.StatusOK).
			has(t, "Reopen rate: 100%", "Resolved after a reopening", `role="img"`).lacks(t, "/reports/calls?")
		ann.get("/reports?kind=cancellations&"+week).must(t, http.StatusOK).
			has(t, "Calls cancelled: 1", "Cancelled calls by group").lacks(t, "/reports/calls?")
		ann.get("/reports?kind=customers&"+week).must(t, http.StatusOK).
			has(t, "Library", "suppressed", "2 department(s) with fewer than 5").lacks(t, "the most from")
		ann.get("/reports?kind=holds&"+week).must(t, http.StatusOK).
			has(t, "Median time on hold: 24 h 0 min, 90th percentile 26 h 0 min", "26 h 0 min")
		ann.get("/reports?kind=backlog-trend&"+week).must(t, http.StatusOK).
			has(t, "Open calls: 5 now, up from 1 at its start.", "<polyline", "Sun 7 Mar 2027 (so far)")

		bob.get("/reports?kind=customers&"+week).must(t, http.StatusOK).has(t, "the most from Computing (4)").lacks(t, "suppressed")
		bob.get("/reports?kind=reopens&"+week).must(t, http.StatusOK).has(t, `href="/reports/calls?event=reopened&amp;from=`)
		bob.get("/reports/calls?event=reopened&from=1803859200&to=1804464000").must(t, http.StatusOK).has(t, calls["F1"].Ref).lacks(t, calls["F2"].Ref)
		bob.get("/reports?kind=cancellations&"+week).must(t, http.StatusOK).has(t, `href="/reports/calls?event=cancelled&amp;from=`)

		// Downloads: CSV and XLSX, aggregates for Ann, every one audited.
		ann.get("/reports/export?kind=customers&"+week).must(t, http.StatusOK).has(t, "Library,suppressed,suppressed", "Visitors,2,33%")
		x := ann.get("/reports/export?kind=customers&format=xlsx&"+week).must(t, http.StatusOK)
		if ct := x.header.Get("Content-Type"); ct != report.XLSXType || !strings.Contains(x.header.Get("Content-Disposition"), "calldesk-customers-2027-03-01-2027-03-07.xlsx") {
			t.Errorf("xlsx headers %q %q", ct, x.header.Get("Content-Disposition"))
		}
		book := readBook(t, x.body)
		if got := book["Table 2"]; !slices.Contains(got, "Library|suppressed|suppressed") || !slices.Contains(got, "Total|6|100%") {
			t.Errorf("the workbook's departments for Ann: %v", got)
		}
		named := readBook(t, bob.get("/reports/export?kind=workload&format=xlsx&"+week).must(t, http.StatusOK).body)
		if got := named["Table 1"]; !slices.Contains(got, "Cat Carter|2|0|2") {
			t.Errorf("the named workbook: %v", got)
		}
		ann.get("/reports/export?kind=holds&format=pdf&"+week).must(t, http.StatusUnprocessableEntity)
		if got := e.reportAudits("customers", "report.export"); len(got) != 2 || !strings.Contains(got[1].Detail+got[0].Detail, "as XLSX") {
			t.Errorf("customer downloads audited: %+v", got)
		}
		if got := e.audited(e.f.Cat, "report.export"); len(got) != 1 || !strings.Contains(got[0].Detail, "XLSX") {
			t.Errorf("the named workbook's download audited for Cat: %+v", got)
		}
	})
}

// readBook reads an XLSX workbook's sheets as rows of cells joined by "|".
func readBook(t *testing.T, body string) map[string][]string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the download is not a workbook: %v", err)
	}
	defer f.Close()
	out := map[string][]string{}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out[sheet] = append(out[sheet], strings.Join(r, "|"))
		}
	}
	return out
}

// TestReportSubscriptions (issue 18 item 5): beneath a report an analyst subscribes to it weekly
// or monthly with its filters; the page lists it with its next date; the same one twice is
// refused with a message; only its owner can stop it.
func TestReportSubscriptions(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		storetest.ReportCalls(t, se)
		ann, bob := e.signIn(e.f.Ann), e.signIn(e.f.Bob)
		ann.get("/reports?kind=volume&"+week).must(t, http.StatusOK).
			has(t, `action="/reports/subscriptions"`, `name="send"`, "None yet: run a report")
		form := url.Values{"kind": {"volume"}, "from": {"2027-03-01"}, "to": {"2027-03-07"}, "every": {"day"},
			"group": {fmt.Sprint(e.f.ServiceDesk.ID)}, "send": {"week"}}
		ann.post("/reports/subscriptions", form).must(t, http.StatusSeeOther)
		ann.get("/reports?done=subscribed").must(t, http.StatusOK).
			has(t, "You will get this report", "Call volume (Service Desk), every Monday, for the week before; next Mon 8 Mar 2027")
		again := ann.post("/reports/subscriptions", form)
		again.must(t, http.StatusSeeOther)
		ann.get(again.location).must(t, http.StatusOK).has(t, "Not subscribed: You already receive this report every week with these filters.")
		bad := url.Values{"kind": {"volume"}, "from": {"2027-03-01"}, "to": {"2027-03-07"}, "send": {"daily"}}
		wrong := ann.post("/reports/subscriptions", bad)
		wrong.must(t, http.StatusSeeOther)
		ann.get(wrong.location).must(t, http.StatusOK).has(t, "Not subscribed: Choose every week or every month.")
		acct, err := e.s.FindAccountByPerson(e.ctx, e.f.Ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		subs, err := e.s.Subscriptions(e.ctx, acct.ID)
		if err != nil || len(subs) != 1 || subs[0].Filter != fmt.Sprintf("group=%d", e.f.ServiceDesk.ID) {
			t.Fatalf("Ann's subscriptions: %+v %v", subs, err)
		}
		subID := subs[0].ID
		bob.post(fmt.Sprintf("/reports/subscriptions/%d/delete", subs[0].ID), nil).must(t, http.StatusNotFound)
		ann.post(fmt.Sprintf("/reports/subscriptions/%d/delete", subs[0].ID), nil).must(t, http.StatusSeeOther)
		if subs, _ := e.s.Subscriptions(e.ctx, acct.ID); len(subs) != 0 {
			t.Errorf("after stopping: %+v", subs)
		}
		if recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{ObjectType: "report_subscription", ObjectID: fmt.Sprint(subID), Limit: 10}); err != nil || len(recs) != 2 {
			t.Errorf("subscribe and stop audited: %d records, %v", len(recs), err)
		}
	})
}
