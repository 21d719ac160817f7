package console_test

import (
	"net/http"
	"strings"
	"testing"

	"calldesk/internal/desk"
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
