package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/access/accesstest"
	"calldesk/internal/desk"
	"calldesk/internal/report"
	"calldesk/internal/store/storetest"
)

type apiReportCell struct {
	Value      *int   `json:"value"`
	Text       string `json:"text"`
	Format     string `json:"format"`
	Suppressed bool   `json:"suppressed"`
}

type apiReport struct {
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	From    string `json:"from"`
	To      string `json:"to"`
	Every   string `json:"every"`
	Range   string `json:"range"`
	Summary string `json:"summary"`
	About   string `json:"about"`
	Named   bool   `json:"named"`
	Tables  []struct {
		Caption string   `json:"caption"`
		Columns []string `json:"columns"`
		Rows    []struct {
			Label string          `json:"label"`
			Cells []apiReportCell `json:"cells"`
		} `json:"rows"`
		Note string `json:"note"`
	} `json:"tables"`
}

// row finds the cells of the row labelled label in table i.
func (r apiReport) row(t *testing.T, i int, label string) []apiReportCell {
	t.Helper()
	for _, row := range r.Tables[i].Rows {
		if row.Label == label {
			return row.Cells
		}
	}
	t.Fatalf("%s: no row %q in table %d: %+v", r.Kind, label, i, r.Tables[i])
	return nil
}

const reportWeek = "?from=2027-03-01&to=2027-03-07"

// TestAPIReports (S11): the reports' figures as JSON, under the console's rules: for every role
// and every report, a token whose account may work calls gets the report (aggregates only, no
// analyst named, small departments suppressed, unless the account may see named reports), the
// others are refused; a named report is audited for the analysts it names; an unknown report is
// a 404 and a bad date a 422 naming the field.
func TestAPIReports(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		se := &storetest.Env{S: e.s, F: e.f, Clock: e.clock}
		storetest.ReportMoreCalls(t, se, storetest.ReportCalls(t, se))

		var list struct {
			Reports []struct {
				Kind  string `json:"kind"`
				Title string `json:"title"`
			} `json:"reports"`
			Named bool `json:"named"`
		}
		e.ok(e.req("GET", "/api/v1/reports", nil), http.StatusOK, &list)
		if len(list.Reports) != len(report.Kinds()) || list.Named || list.Reports[6].Kind != "reopens" {
			t.Errorf("the list for an analyst: %+v", list)
		}

		var rep apiReport
		e.ok(e.req("GET", "/api/v1/reports/holds"+reportWeek, nil), http.StatusOK, &rep)
		all := rep.row(t, 0, "All priorities")
		if *all[0].Value != 2 || *all[1].Value != 24*3600 || all[1].Format != "duration_seconds" || all[1].Text != "24 h 0 min" || *all[2].Value != 26*3600 {
			t.Errorf("holds: %+v", all)
		}
		if rep.From != "2027-03-01" || rep.Every != "day" || !strings.HasPrefix(rep.Summary, "Median time on hold: 24 h 0 min") {
			t.Errorf("holds: %+v", rep)
		}
		e.ok(e.req("GET", "/api/v1/reports/customers"+reportWeek+"&every=week", nil), http.StatusOK, &rep)
		if lib := rep.row(t, 1, "Library"); lib[0].Value != nil || !lib[0].Suppressed || lib[0].Format != "text" {
			t.Errorf("a small department for an analyst: %+v", lib)
		}
		if v := rep.row(t, 0, "Visitors"); *v[0].Value != 2 || *v[1].Value != 33 || v[1].Format != "percent" {
			t.Errorf("visitors: %+v", v)
		}
		e.ok(e.req("GET", "/api/v1/reports/backlog-trend"+reportWeek, nil), http.StatusOK, &rep)
		if got := rep.row(t, 0, "Sat 6 Mar 2027"); *got[0].Value != 5 {
			t.Errorf("open at the end of 6 March: %+v", got)
		}

		if p := e.problem(e.req("GET", "/api/v1/reports/pie"+reportWeek, nil), http.StatusNotFound); !strings.Contains(p.Detail, "backlog-trend") {
			t.Errorf("an unknown report: %+v", p)
		}
		if p := e.problem(e.req("GET", "/api/v1/reports/volume?from=2027-02-30&to=2027-03-07", nil), http.StatusUnprocessableEntity); p.Errors["from"] == "" {
			t.Errorf("a bad date: %+v", p)
		}
		if p := e.problem(e.req("GET", "/api/v1/reports/volume?from=2027-03-01&to=2027-03-07&source=pigeon", nil), http.StatusUnprocessableEntity); p.Errors["source"] == "" {
			t.Errorf("a bad source: %+v", p)
		}

		// Every role, every report.
		names := []string{"Ann Archer", "Bob Baker", "Cat Carter"}
		for _, col := range accesstest.Columns(t, e.s, e.f.Admin) {
			token := ""
			if col.Roles != nil {
				tok, hash, err := access.NewToken()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.s.CreateToken(e.ctx, e.f.Admin, col.Account.ID, "reports", hash, time.Time{}); err != nil {
					t.Fatal(err)
				}
				token = tok
			}
			named := col.Roles != nil && access.Can(col.Account, access.SeeNamedReports)
			for _, k := range report.Kinds() {
				path := "/api/v1/reports/" + string(k) + reportWeek
				r := e.reqAs(token, "GET", path, nil)
				accesstest.Check(t, "GET "+path, access.WorkCalls, access.WorkCalls, col, r.status)
				if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
					continue
				}
				e.ok(r, http.StatusOK, &rep)
				body := string(r.body)
				if rep.Named != named {
					t.Errorf("%s as %s: named %v", k, col.Name, rep.Named)
				}
				for _, n := range names {
					if !named && strings.Contains(body, n) {
						t.Errorf("%s as %s names %s: %s", k, col.Name, n, body)
					}
				}
				if named && k == report.Workload && !strings.Contains(body, "Cat Carter") {
					t.Errorf("the workload for %s lacks the names: %s", col.Name, body)
				}
				if !named && k == report.Workload && !strings.Contains(body, "Analyst A") {
					t.Errorf("the workload for %s: %s", col.Name, body)
				}
			}
		}
		// The named workload is audited for the analysts it names, with the API's mark.
		recs := e.audits("report", "workload")
		if len(recs) == 0 {
			t.Fatal("no named report audited")
		}
		for _, r := range recs {
			if r.Action != "report.view" || !slices.Contains(r.Persons, e.f.Cat.ID) || r.Surface != desk.SurfaceAPI {
				t.Errorf("the audit record: %+v", r)
			}
		}
		if got := e.audits("report", "holds"); len(got) != 0 {
			t.Errorf("a report that names nobody was audited: %+v", got)
		}
	})
}
