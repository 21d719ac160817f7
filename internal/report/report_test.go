package report_test

import (
	"context"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/report"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

var start = time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC)

func london(t *testing.T) desk.Zone {
	z, err := desk.LoadZone("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func date(d int) time.Time { return time.Date(2027, 3, d, 0, 0, 0, 0, time.UTC) }

// cell finds the figure in column col of the row labelled label.
func cell(t *testing.T, tb report.Table, label, col string) report.Cell {
	t.Helper()
	ci := -1
	for i, c := range tb.Columns {
		if c == col {
			ci = i - 1
		}
	}
	for _, r := range tb.Rows {
		if r.Label == label && ci >= 0 {
			return r.Cells[ci]
		}
	}
	t.Fatalf("%s: no row %q column %q in %+v", tb.Caption, label, col, tb)
	return report.Cell{}
}

// firstWeek runs report k over 1-7 March 2027 for v and checks its chart is well-formed SVG.
func firstWeek(t *testing.T, r report.Reporter, k report.Kind, v report.Viewer) report.Result {
	t.Helper()
	res, err := r.Run(context.Background(), report.Params{Kind: k, From: date(1), To: date(7)}, v)
	if err != nil {
		t.Fatalf("%s: %v", k, err)
	}
	wellFormed(t, string(res.Chart.SVG(string(k))))
	return res
}

// wellFormed parses svg as XML.
func wellFormed(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			return
		} else if err != nil {
			t.Fatalf("the SVG is not well formed: %v\n%s", err, svg)
		}
	}
}

// TestVolumeReport checks the volume report's figures per day, per source and in total against
// the fixture's known answers (storetest.ReportCalls), its summary, chart and drill-downs.
func TestVolumeReport(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		storetest.ReportCalls(t, e)
		r := report.Reporter{Store: e.S, Zone: london(t), Now: e.Clock.Now}
		res, err := r.Run(ctx, report.Params{Kind: report.Volume, From: date(1), To: date(7)}, report.Viewer{Named: true})
		if err != nil {
			t.Fatal(err)
		}
		byDay, bySource := res.Tables[0], res.Tables[1]
		if len(byDay.Rows) != 8 {
			t.Fatalf("%d rows per day, want 7 days and the total: %+v", len(byDay.Rows), byDay.Rows)
		}
		for _, c := range []struct {
			table      report.Table
			label, col string
			want       int
		}{
			{byDay, "Mon 1 Mar 2027", "Logged", 2},
			{byDay, "Tue 2 Mar 2027", "Logged", 1},
			{byDay, "Tue 2 Mar 2027", "Cancelled", 1},
			{byDay, "Tue 2 Mar 2027", "Reopened", 1},
			{byDay, "Tue 2 Mar 2027", "Resolved", 0}, // F1's first resolution was undone by the reopening
			{byDay, "Wed 3 Mar 2027", "Resolved", 1},
			{byDay, "Thu 4 Mar 2027", "Closed", 1},
			{byDay, "Fri 5 Mar 2027", "Logged", 1},
			{byDay, "Sun 7 Mar 2027", "Logged", 0},
			{byDay, "Total", "Logged", 4},
			{byDay, "Total", "Self-service share", 25},
			{bySource, "Phone", "Logged", 2},
			{bySource, "SupportMe (portal)", "Logged", 1},
			{bySource, "SupportMe (portal)", "Self-service share", 100},
			{bySource, "Email", "Cancelled", 1},
			{bySource, "Face to face", "Logged", 0},
		} {
			if got := cell(t, c.table, c.label, c.col); got.N != c.want {
				t.Errorf("%s, %s: %d, want %d", c.label, c.col, got.N, c.want)
			}
		}
		if want := "Calls logged: 4, none in the previous week; resolved: 1, none in the previous week."; res.Summary != want {
			t.Errorf("summary %q, want %q", res.Summary, want)
		}
		if d := cell(t, byDay, "Mon 1 Mar 2027", "Logged").Drill; !strings.HasPrefix(string(d), "event=logged&from=") {
			t.Errorf("a named viewer's drill-down: %q", d)
		}
		refs, err := e.S.ReportCallRefs(ctx, store.ReportFilter{}, "logged", date(1), date(2), 10)
		if err != nil || len(refs) != 2 {
			t.Errorf("the calls behind Monday's figure: %v %v", refs, err)
		}

		// Weekly and monthly: the same total in one bucket; the month is compared with February.
		res, err = r.Run(ctx, report.Params{Kind: report.Volume, From: date(1), To: date(31), Every: report.Monthly}, report.Viewer{})
		if err != nil {
			t.Fatal(err)
		}
		if got := cell(t, res.Tables[0], "March 2027", "Logged"); got.N != 4 || got.Drill != "" {
			t.Errorf("March for an aggregate viewer: %+v", got)
		}
		if want := "Calls logged: 4, up 300% on the previous month; resolved: 1, none in the previous month."; res.Summary != want {
			t.Errorf("summary %q, want %q", res.Summary, want)
		}
		res, err = r.Run(ctx, report.Params{Kind: report.Volume, From: date(1), To: date(7), Every: report.Weekly}, report.Viewer{})
		if err != nil {
			t.Fatal(err)
		}
		if got := cell(t, res.Tables[0], "Mon 1 Mar 2027", "Logged"); got.N != 4 {
			t.Errorf("the week beginning 1 March: %+v", got)
		}
		svg := string(res.Chart.SVG("volume"))
		wellFormed(t, svg)
		for _, want := range []string{`role="img"`, `<title id="volume-t">`, `<desc id="volume-d">`, `url(#volume-hatch)`, "Logged: 4 in all"} {
			if !strings.Contains(svg, want) {
				t.Errorf("the chart lacks %q:\n%s", want, svg)
			}
		}
	})
}

// TestAggregatesOnly (S11): a viewer who may not see names gets analysts as letters, small
// groups suppressed and no drill-down; a service-level manager gets names and figures.
func TestAggregatesOnly(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		storetest.ReportCalls(t, e)
		r := report.Reporter{Store: e.S, Zone: london(t), Now: e.Clock.Now}
		p := report.Params{Kind: report.Workload, From: date(1), To: date(7)}
		named, err := r.Run(ctx, p, report.Viewer{Named: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := cell(t, named.Tables[0], "Ann Archer", "Resolved"); got.N != 1 {
			t.Errorf("Ann's resolved calls: %+v", got)
		}
		if got := cell(t, named.Tables[0], "Cat Carter", "In hand now"); got.N != 1 {
			t.Errorf("Cat's calls in hand: %+v", got)
		}
		if len(named.Analysts) != 3 {
			t.Errorf("the named analysts, for the audit: %v", named.Analysts)
		}
		anon, err := r.Run(ctx, p, report.Viewer{})
		if err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, row := range anon.Tables[0].Rows {
			labels = append(labels, row.Label)
		}
		if strings.Join(labels, ",") != "Analyst A,Analyst B,Analyst C" || len(anon.Analysts) != 0 {
			t.Errorf("aggregate rows %v, named %v", labels, anon.Analysts)
		}
		// Busiest first: Ann (1 assigned, 1 resolved) is A, whatever her name.
		if got := cell(t, anon.Tables[0], "Analyst A", "Resolved"); got.N != 1 {
			t.Errorf("Analyst A: %+v", got)
		}
		all := anon.Summary + string(anon.Chart.SVG("w"))
		for _, tb := range anon.Tables {
			for _, row := range tb.Rows {
				all += row.Label
			}
		}
		for _, name := range []string{"Ann", "Archer", "Bob", "Baker", "Cat", "Carter"} {
			if strings.Contains(all, name) {
				t.Errorf("the aggregate report names %q", name)
			}
		}

		p.Kind = report.Backlog
		anon, err = r.Run(ctx, p, report.Viewer{})
		if err != nil {
			t.Fatal(err)
		}
		if got := cell(t, anon.Tables[0], "Networks", "Total"); !got.Suppressed || got.Text != "suppressed" {
			t.Errorf("a group of one open call, for an aggregate viewer: %+v", got)
		}
		if got := cell(t, anon.Tables[0], "Total", "Total"); got.N != 3 {
			t.Errorf("the total stays: %+v", got)
		}
		if !strings.Contains(anon.Tables[0].Note, "3 group(s) with fewer than 5") {
			t.Errorf("note %q", anon.Tables[0].Note)
		}
		named, err = r.Run(ctx, p, report.Viewer{Named: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := cell(t, named.Tables[0], "Networks", "3 to 7 days"); got.N != 1 || got.Suppressed {
			t.Errorf("Networks for a service-level manager: %+v", got)
		}
		if got := cell(t, named.Tables[0], "Total", "Over 30 days"); got.N != 0 {
			t.Errorf("calls over 30 days: %+v", got)
		}
		if named.Range != "as at Fri 5 Mar 2027 12:00 GMT" {
			t.Errorf("the backlog's moment: %q", named.Range)
		}
		if want := "Open calls: 3, of which 1 open for 7 days or more."; named.Summary != want {
			t.Errorf("summary %q, want %q", named.Summary, want)
		}
	})
}

func TestCompare(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		now, before int
		want        string
	}{
		{1234, 1175, "Calls logged: 1,234, up 5% on the previous month"},
		{900, 1000, "Calls logged: 900, down 10% on the previous month"},
		{7, 7, "Calls logged: 7, the same as the previous month"},
		{0, 0, "Calls logged: 0, none in the previous month either"},
		{1001, 1000, "Calls logged: 1,001, up less than 1% on the previous month"},
	} {
		if got := report.Compare("Calls logged", c.now, c.before, "the previous month"); got != c.want {
			t.Errorf("Compare(%d, %d) = %q, want %q", c.now, c.before, got, c.want)
		}
	}
	if got := report.Thousands(1234567); got != "1,234,567" {
		t.Errorf("Thousands: %q", got)
	}
}

func TestParamsValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p     report.Params
		field string
	}{
		{report.Params{Kind: "pie", From: date(1), To: date(2)}, "kind"},
		{report.Params{Kind: report.Volume, To: date(2)}, "from"},
		{report.Params{Kind: report.Volume, From: date(3), To: date(2)}, "to"},
		{report.Params{Kind: report.Volume, From: date(1).AddDate(-4, 0, 0), To: date(2)}, "to"},
		{report.Params{Kind: report.Volume, From: date(1), To: date(2), Every: "hour"}, "every"},
		{report.Params{Kind: report.Volume, From: date(1), To: date(2), Filter: store.ReportFilter{Source: "pigeon"}}, "source"},
	} {
		err := c.p.Validate()
		if e := desk.AsError(err); e == nil || e.Code != desk.EINVALID || e.Fields[c.field] == "" {
			t.Errorf("%+v: %v, want an error on %s", c.p, err, c.field)
		}
	}
	if err := (report.Params{Kind: report.Backlog, From: date(1), To: date(1)}).Validate(); err != nil {
		t.Errorf("one day: %v", err)
	}
}
