package report_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/report"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestFirstContactReport checks the first-contact resolution and first-line fix report's tables,
// summary, chart, definitions and export against the fixture's known answers
// (storetest.FirstContactCalls), as a service-level manager and as an aggregate viewer, on both
// engines.
func TestFirstContactReport(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		storetest.FirstContactCalls(t, e)
		r := report.Reporter{Store: e.S, Zone: london(t), Now: e.Clock.Now}
		run := func(v report.Viewer) report.Result {
			t.Helper()
			res, err := r.Run(ctx, report.Params{Kind: report.FirstContact, From: date(8), To: date(14)}, v)
			if err != nil {
				t.Fatal(err)
			}
			wellFormed(t, string(res.Chart.SVG("fcr")))
			return res
		}
		named, anon := run(report.Viewer{Named: true}), run(report.Viewer{})
		for _, res := range []report.Result{named, anon} {
			for _, c := range []struct {
				tb         int
				label, col string
				want       int
			}{
				{0, "All priorities", "Resolved", 8},
				{0, "All priorities", "First-line fixes", 6},
				{0, "All priorities", "First-line fix rate", 75},
				{0, "All priorities", "First-contact resolutions", 3},
				{0, "All priorities", "First-contact resolution rate", 37},
				{0, "P1", "First-contact resolution rate", 100},
				{0, "P3", "Resolved", 7},
				{0, "P3", "First-line fixes", 5},
				{0, "P3", "First-contact resolutions", 2},
				{1, "Service Desk (first line)", "Resolved", 7},
				{1, "Service Desk (first line)", "First-line fixes", 6},
				{1, "Service Desk (first line)", "First-line fix rate", 85},
				{2, "Phone", "Resolved", 7},
				{2, "Phone", "First-contact resolutions", 3},
				{2, "SupportMe (portal)", "First-line fixes", 1},
				{2, "SupportMe (portal)", "First-contact resolutions", 0},
			} {
				if got := cell(t, res.Tables[c.tb], c.label, c.col); got.N != c.want || got.Suppressed {
					t.Errorf("%s %s: %+v, want %d", c.label, c.col, got, c.want)
				}
			}
			want := "First-line fix: 75%, down 25 points on the previous week; first-contact resolution: 37%, down 63 points on the previous week, of 8 calls resolved."
			if res.Summary != want {
				t.Errorf("summary %q, want %q", res.Summary, want)
			}
			if !strings.Contains(res.About, "resolved by the same analyst who logged it, within 10 min of logging") ||
				!strings.Contains(res.About, "the denominator is every call resolved in the range") {
				t.Errorf("the definitions: %q", res.About)
			}
			if len(res.Chart.Series) != 2 || res.Chart.Series[0].Values[4] != 75 || res.Chart.Series[1].Values[0] != 100 {
				t.Errorf("chart %+v", res.Chart)
			}
		}
		// Networks, one call resolved: named for the manager, suppressed for the others.
		if got := cell(t, named.Tables[1], "Networks", "First-contact resolutions"); got.N != 1 {
			t.Errorf("Networks, named: %+v", got)
		}
		if got := cell(t, anon.Tables[1], "Networks", "First-contact resolutions"); !got.Suppressed {
			t.Errorf("Networks, aggregate: %+v", got)
		}
		// The manager drills down from the figures; the others cannot.
		if d := cell(t, named.Tables[0], "All priorities", "First-contact resolutions").Drill; !strings.HasPrefix(string(d), "event="+store.EventFirstContact+"&") {
			t.Errorf("the first-contact drill-down: %q", d)
		}
		if d := cell(t, named.Tables[1], "Service Desk (first line)", "First-line fixes").Drill; !strings.Contains(string(d), "event="+store.EventFirstLineFix+"&") || !strings.Contains(string(d), "group=") {
			t.Errorf("the group's first-line fix drill-down: %q", d)
		}
		for _, tb := range anon.Tables {
			for _, row := range tb.Rows {
				for _, c := range row.Cells {
					if c.Drill != "" {
						t.Errorf("an aggregate viewer's drill-down in %q: %q", row.Label, c.Drill)
					}
				}
			}
		}
		var b bytes.Buffer
		if err := report.WriteCSV(&b, named); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "All priorities,8,6,75%,3,37%") {
			t.Errorf("CSV:\n%s", b.String())
		}
		// A wider window counts G2 too.
		r.FirstContactWindow = time.Hour
		wide, err := r.Run(ctx, report.Params{Kind: report.FirstContact, From: date(8), To: date(14)}, report.Viewer{})
		if err != nil {
			t.Fatal(err)
		}
		if got := cell(t, wide.Tables[0], "All priorities", "First-contact resolutions"); got.N != 4 {
			t.Errorf("a window of an hour: %+v", got)
		}
	})
}
