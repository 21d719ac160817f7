package report_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"calldesk/internal/report"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestMoreReports checks the reopen, cancellation, customer, hold and backlog-trend reports'
// figures, summaries and charts against the fixture's known answers (storetest.ReportMoreCalls),
// as a service-level manager and as an aggregate viewer, on both engines.
func TestMoreReports(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		calls := storetest.ReportMoreCalls(t, e, storetest.ReportCalls(t, e))
		r := report.Reporter{Store: e.S, Zone: london(t), Now: e.Clock.Now}
		week := func(k report.Kind, v report.Viewer) report.Result { t.Helper(); return firstWeek(t, r, k, v) }
		named, anon := report.Viewer{Named: true}, report.Viewer{}

		// Reopens: F1 resolved on 3 March after its reopening on 2 March.
		res := week(report.Reopens, named)
		for _, c := range []struct {
			label, col string
			want       int
		}{
			{"Tue 2 Mar 2027", "Reopened", 1},
			{"Wed 3 Mar 2027", "Resolved", 1},
			{"Wed 3 Mar 2027", "Resolved after a reopening", 1},
			{"Wed 3 Mar 2027", "Reopen rate", 100},
			{"Total", "Resolved", 1},
		} {
			if got := cell(t, res.Tables[0], c.label, c.col); got.N != c.want {
				t.Errorf("reopens %s %s: %+v, want %d", c.label, c.col, got, c.want)
			}
		}
		if got := cell(t, res.Tables[0], "Mon 1 Mar 2027", "Reopen rate"); got.Text != "-" {
			t.Errorf("a day with nothing resolved: %+v", got)
		}
		if d := cell(t, res.Tables[0], "Tue 2 Mar 2027", "Reopened").Drill; !strings.HasPrefix(string(d), "event=reopened&") {
			t.Errorf("the drill-down of a reopening: %q", d)
		}
		if want := "Reopen rate: 100% (no calls resolved in the previous week); calls reopened: 1, none in the previous week."; res.Summary != want {
			t.Errorf("summary %q, want %q", res.Summary, want)
		}
		if got := cell(t, res.Tables[2], "Service Desk", "Reopened"); got.N != 1 {
			t.Errorf("Service Desk's reopenings, named: %+v", got)
		}
		res = week(report.Reopens, anon)
		if got := cell(t, res.Tables[2], "Service Desk", "Reopened"); !got.Suppressed {
			t.Errorf("a group of one reopening, aggregate: %+v", got)
		}
		if got := cell(t, res.Tables[0], "Tue 2 Mar 2027", "Reopened"); got.Drill != "" || got.N != 1 {
			t.Errorf("aggregate viewer's figure: %+v", got)
		}

		// Cancellations: F3 by email on 2 March, 1 of 6 logged.
		res = week(report.Cancellations, named)
		for _, c := range []struct {
			tb         int
			label, col string
			want       int
		}{
			{0, "Tue 2 Mar 2027", "Cancelled", 1},
			{0, "Total", "Logged", 6},
			{0, "Total", "Cancelled per 100 logged", 16},
			{1, "Email", "Cancelled", 1},
			{1, "Email", "Cancelled per 100 logged", 100},
			{2, "Service Desk", "Logged", 3},
			{2, "Service Desk", "Cancelled per 100 logged", 33},
		} {
			if got := cell(t, res.Tables[c.tb], c.label, c.col); got.N != c.want {
				t.Errorf("cancellations %s %s: %+v, want %d", c.label, c.col, got, c.want)
			}
		}
		if want := "Calls cancelled: 1, none in the previous week, 16 for every 100 calls logged."; res.Summary != want {
			t.Errorf("summary %q, want %q", res.Summary, want)
		}

		// Customers: Computing 4 (staff 2, students 2), Library 2 (visitors).
		res = week(report.Customers, named)
		for _, c := range []struct {
			tb         int
			label, col string
			want       int
		}{
			{0, "Staff", "Logged", 2}, {0, "Students", "Logged", 2}, {0, "Visitors", "Logged", 2}, {0, "Partners", "Logged", 0},
			{0, "Visitors", "Share", 33}, {1, "Computing", "Logged", 4}, {1, "Library", "Logged", 2}, {1, "Total", "Logged", 6},
		} {
			if got := cell(t, res.Tables[c.tb], c.label, c.col); got.N != c.want {
				t.Errorf("customers %s %s: %+v, want %d", c.label, c.col, got, c.want)
			}
		}
		if want := "Calls logged: 6, none in the previous week; the most from Computing (4)."; res.Summary != want {
			t.Errorf("summary %q, want %q", res.Summary, want)
		}
		res = week(report.Customers, anon)
		if got := cell(t, res.Tables[1], "Library", "Logged"); !got.Suppressed {
			t.Errorf("a department of 2 calls, aggregate: %+v", got)
		}
		if got := cell(t, res.Tables[1], "Total", "Logged"); got.N != 6 {
			t.Errorf("the total stays: %+v", got)
		}
		if strings.Contains(res.Summary, "Computing") || !strings.Contains(res.Tables[1].Note, "2 department(s) with fewer than 5") {
			t.Errorf("aggregate summary %q, note %q", res.Summary, res.Tables[1].Note)
		}

		// Holds: F2 26 h and F6 24 h ran their time; F5 ended early; F7 on hold now.
		res = week(report.Holds, anon)
		all := res.Tables[0].Rows[len(res.Tables[0].Rows)-1]
		if all.Label != "All priorities" || all.Cells[0].N != 2 || all.Cells[1].Text != "24 h 0 min" || all.Cells[2].Text != "26 h 0 min" {
			t.Errorf("all holds: %+v", all)
		}
		if all.Cells[1].Format != report.Duration || all.Cells[1].N != 24*3600 || all.Cells[1].Value() != "24:00" {
			t.Errorf("a duration cell: %+v %q", all.Cells[1], all.Cells[1].Value())
		}
		pr := calls["F2"].Priority.String()
		if got := cell(t, res.Tables[0], pr, "Holds that ran their time"); got.N < 1 {
			t.Errorf("%s's holds: %+v", pr, got)
		}
		if !strings.Contains(res.Tables[0].Note, "1 hold begun in the range ended early") || !strings.Contains(res.Tables[0].Note, "1 call is on hold now") {
			t.Errorf("note %q", res.Tables[0].Note)
		}
		if want := "Median time on hold: 24 h 0 min, 90th percentile 26 h 0 min, over 2 holds; none in the previous week."; res.Summary != want {
			t.Errorf("summary %q, want %q", res.Summary, want)
		}

		// The backlog's trend: 1 open at the start; 3, 3, 2, 2, 3, 5 at the ends of 1..6 March,
		// 5 now (Sunday noon).
		res = week(report.BacklogTrend, anon)
		var got []int
		for _, row := range res.Tables[0].Rows {
			got = append(got, row.Cells[0].N)
		}
		if want := []int{3, 3, 2, 2, 3, 5, 5}; !equalInts(got, want) {
			t.Errorf("open at the end of each day: %v, want %v", got, want)
		}
		if last := res.Tables[0].Rows[6]; last.Label != "Sun 7 Mar 2027 (so far)" {
			t.Errorf("today's row: %+v", last)
		}
		if got := cell(t, res.Tables[0], "Tue 2 Mar 2027", "Ended"); got.N != 1 {
			t.Errorf("ended on 2 March: %+v", got)
		}
		if want := "Open calls: 5 now, up from 1 at its start."; res.Summary != want {
			t.Errorf("summary %q, want %q", res.Summary, want)
		}
		svg := string(res.Chart.SVG("trend"))
		if !strings.Contains(svg, "<polyline") || !strings.Contains(svg, "Line chart") {
			t.Errorf("the trend is not a line chart:\n%s", svg)
		}
		// Weekly over the month: one row per week begun, today's week so far, none after now.
		res, err := r.Run(ctx, report.Params{Kind: report.BacklogTrend, From: date(1), To: date(31), Every: report.Weekly}, anon)
		if err != nil {
			t.Fatal(err)
		}
		if rows := res.Tables[0].Rows; len(rows) != 1 || rows[0].Cells[0].N != 5 {
			t.Errorf("weekly trend: %+v", rows)
		}
		if !strings.Contains(res.Summary, "5 now") {
			t.Errorf("weekly summary %q", res.Summary)
		}
		// Filtered: Networks had F2 from 1 March and F6 from 6 March.
		res, err = r.Run(ctx, report.Params{Kind: report.BacklogTrend, From: date(1), To: date(7), Filter: store.ReportFilter{GroupID: e.F.Networks.ID}}, anon)
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, row := range res.Tables[0].Rows {
			got = append(got, row.Cells[0].N)
		}
		if want := []int{1, 1, 1, 1, 1, 2, 2}; !equalInts(got, want) {
			t.Errorf("Networks' trend: %v, want %v", got, want)
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPercentileAndHours(t *testing.T) {
	t.Parallel()
	h := func(n int) time.Duration { return time.Duration(n) * time.Hour }
	ds := []time.Duration{h(1), h(2), h(3), h(4), h(5), h(6), h(7), h(8), h(9), h(10)}
	for _, c := range []struct {
		p    int
		want time.Duration
	}{{50, h(5)}, {90, h(9)}, {100, h(10)}, {1, h(1)}} {
		if got := report.Percentile(ds, c.p); got != c.want {
			t.Errorf("p%d = %v, want %v", c.p, got, c.want)
		}
	}
	if report.Percentile(nil, 50) != 0 || report.Percentile(ds[:1], 90) != h(1) {
		t.Error("percentile of none or one")
	}
	for d, want := range map[time.Duration]string{45 * time.Minute: "45 min", h(26) + 5*time.Minute: "26 h 5 min", h(74): "3 days 2 h"} {
		if got := report.Hours(d); got != want {
			t.Errorf("Hours(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestExports writes a report as CSV and as XLSX and reads the workbook back (excelize): the
// same figures, numbers as numbers, percentages and durations formatted, and a group's name that
// a spreadsheet would run neutralised in both.
func TestExports(t *testing.T) {
	t.Parallel()
	res := report.Result{Kind: report.Holds, Title: "Time on hold", Range: "1 Mar 2027 to 7 Mar 2027", Summary: "Median: 24 h",
		Tables: []report.Table{{Caption: "Holds", Columns: []string{"Group", "Holds", "Share", "Median"},
			Rows: []report.Row{
				{Label: `=HYPERLINK("http://evil.example")`, Cells: []report.Cell{{N: 3, Text: "3"}, {N: 25, Text: "25%", Format: report.Percent}, {N: 26*3600 + 300, Text: "26 h 5 min", Format: report.Duration}}},
				{Label: "Networks", Cells: []report.Cell{{Text: "suppressed", Suppressed: true, Format: report.Words}, {Text: "suppressed", Suppressed: true, Format: report.Words}, {Text: "-", Format: report.Words}}},
			}, Note: "Two groups suppressed."}}}
	var csv bytes.Buffer
	if err := report.WriteCSV(&csv, res); err != nil {
		t.Fatal(err)
	}
	if want := "Holds\nGroup,Holds,Share,Median\n\"'=HYPERLINK(\"\"http://evil.example\"\")\",3,25%,26:05\nNetworks,suppressed,suppressed,\nTwo groups suppressed.\n"; csv.String() != want {
		t.Errorf("CSV:\n%s\nwant\n%s", csv.String(), want)
	}
	var x bytes.Buffer
	if err := report.WriteXLSX(&x, res); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Summary" || got[1] != "Table 1" {
		t.Errorf("sheets %v", got)
	}
	get := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	raw := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for ref, want := range map[string]string{"A1": "Time on hold", "A3": "Median: 24 h"} {
		if got := get("Summary", ref); got != want {
			t.Errorf("Summary!%s = %q, want %q", ref, got, want)
		}
	}
	for ref, want := range map[string]string{"A1": "Holds", "D2": "Median", "A3": `'=HYPERLINK("http://evil.example")`, "B3": "3",
		"C3": "25%", "D3": "26:05", "A4": "Networks", "B4": "suppressed", "D4": "", "A6": "Two groups suppressed."} {
		if got := get("Table 1", ref); got != want {
			t.Errorf("Table 1!%s = %q, want %q", ref, got, want)
		}
	}
	if got := raw("Table 1", "C3"); got != "0.25" {
		t.Errorf("the percentage is stored as %q, want the number 0.25", got)
	}
	if got := raw("Table 1", "B3"); got != "3" {
		t.Errorf("the count is stored as %q", got)
	}
	for _, ref := range []string{"A3", "B3", "C3", "D3"} {
		if fm, err := f.GetCellFormula("Table 1", ref); err != nil || fm != "" {
			t.Errorf("Table 1!%s holds a formula %q (%v)", ref, fm, err)
		}
	}
	if typ, err := f.GetCellType("Table 1", "B3"); err != nil || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("the count's type %v (%v), want a number", typ, err)
	}
}

// TestChartTicks: an axis whose quarters are not whole numbers labels them exactly.
func TestChartTicks(t *testing.T) {
	t.Parallel()
	for _, c := range []report.Chart{
		{Title: "t", Labels: []string{"a", "b"}, Series: []report.Series{{Name: "s", Values: []float64{5, 3}}}},
		{Title: "t", Labels: []string{"a", "b"}, Series: []report.Series{{Name: "s", Values: []float64{5, 3}}}, Line: true},
	} {
		svg := string(c.SVG("x"))
		wellFormed(t, svg)
		for _, want := range []string{">1.25</text>", ">2.5</text>", ">3.75</text>", ">5</text>"} {
			if !strings.Contains(svg, want) {
				t.Errorf("line %v: the axis lacks %q", c.Line, want)
			}
		}
	}
}
