package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"calldesk/internal/access"
	"calldesk/internal/access/accesstest"
	"calldesk/internal/audit"
	"calldesk/internal/report"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestReportsRoleMatrix (S11) walks every report, its CSV and its XLSX download and the
// drill-down for every column of the role matrix (no session, every role alone, a supplier who is
// also a customer): refused without a session or without access.WorkCalls (the drill-down without
// access.SeeNamedReports); served otherwise, and then naming no analyst and linking to no
// drill-down unless the account may see named reports; the service-level manager's workload
// names them, in the page and in both files.
func TestReportsRoleMatrix(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		buf := audit.NewRecorder(se.S)
		sessions := &access.Sessions{Store: se.S, Now: se.Clock.Now}
		c := &Console{Store: se.S, Audit: buf, Sessions: sessions, Now: se.Clock.Now}
		h := c.handler(accesstest.NewMux())
		storetest.ReportMoreCalls(t, se, storetest.ReportCalls(t, se))
		cols := accesstest.Columns(t, se.S, se.F.Admin)
		week := "from=2027-03-01&to=2027-03-07"
		names := []string{"Ann Archer", "Bob Baker", "Cat Carter"}
		checked := 0
		for _, col := range cols {
			var token string
			if col.Roles != nil {
				ss, err := sessions.Start(t.Context(), col.Account, store.SurfaceConsole, "password", "127.0.0.1", "test")
				if err != nil {
					t.Fatal(err)
				}
				token = ss.Token
			}
			get := func(path string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("GET", path, nil)
				if token != "" {
					req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				checked++
				return w
			}
			named := col.Roles != nil && access.Can(col.Account, access.SeeNamedReports)
			for _, k := range report.Kinds() {
				for _, path := range []string{"/reports?kind=" + string(k) + "&" + week, "/reports/export?kind=" + string(k) + "&" + week,
					"/reports/export?kind=" + string(k) + "&format=xlsx&" + week} {
					w := get(path)
					accesstest.Check(t, "GET "+path, access.WorkCalls, access.WorkCalls, col, w.Code)
					if w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden {
						continue
					}
					if w.Code != http.StatusOK {
						t.Errorf("GET %s as %s: %d", path, col.Name, w.Code)
						continue
					}
					body := w.Body.String()
					if strings.Contains(path, "xlsx") {
						body = bookText(t, w.Body.String())
					}
					for _, n := range names {
						if !named && strings.Contains(body, n) {
							t.Errorf("GET %s as %s names %s", path, col.Name, n)
						}
					}
					if !named && strings.Contains(body, "/reports/calls?") {
						t.Errorf("GET %s as %s links to a drill-down", path, col.Name)
					}
					if named && k == report.Workload && !strings.Contains(body, "Cat Carter") {
						t.Errorf("GET %s as %s lacks the analysts' names", path, col.Name)
					}
				}
			}
			drill := "/reports/calls?event=reopened&from=1803859200&to=1804464000"
			accesstest.Check(t, "GET "+drill, access.WorkCalls, access.SeeNamedReports, col, get(drill).Code)
			for _, ev := range []string{store.EventFirstContact, store.EventFirstLineFix} {
				fcr := "/reports/calls?event=" + ev + "&from=1803859200&to=1804464000"
				accesstest.Check(t, "GET "+fcr, access.WorkCalls, access.SeeNamedReports, col, get(fcr).Code)
			}
		}
		if checked < len(cols)*(3*len(report.Kinds())+3) {
			t.Fatalf("only %d requests checked", checked)
		}
	})
}

// bookText is every cell of an XLSX workbook, one per line.
func bookText(t *testing.T, body string) string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			b.WriteString(strings.Join(r, "|") + "\n")
		}
	}
	return b.String()
}
