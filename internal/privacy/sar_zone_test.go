package privacy_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store/storetest"
)

// TestSARReportInTheDesksZone (issue 16, defect 1): the report a person reads gives the times
// of their calls in the desk's zone with the abbreviation of each date (a hold into the summer,
// "on hold until Thu 1 Jul 2027 10:00 BST", a call logged in winter at "GMT"), for entries
// written now and before the fix ("... 09:00 UTC"); the CSV and JSON keep RFC 3339 in UTC; and a
// model kept for review is made final in the same zone.
func TestSARReportInTheDesksZone(t *testing.T) {
	t.Parallel()
	london, err := desk.LoadZone("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	storetest.EachEnv(t, time.Date(2027, 1, 15, 10, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Kind: desk.Fault, Summary: "Projector flickers", CustomerID: e.F.Dan.ID,
			Source: desk.SourcePhone, ProfileID: e.F.Software.ID, GroupID: e.F.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		until := time.Date(2027, 7, 1, 9, 0, 0, 0, time.UTC)
		if c, err = e.S.UpdateCall(ctx, ann, c.Ref, c.Version, desk.Transition{Action: desk.ActHold, Until: until, Reason: "waiting for a part"}); err != nil {
			t.Fatal(err)
		}
		// An entry as the diary wrote it before the instant was kept.
		e.DB.MustExec(t, `INSERT INTO diary_entries (call_id, kind, public, body, author_id, created_at, call_version)
			SELECT call_id, kind, public, 'on hold until 2027-07-02 09:00 UTC: old row', author_id, created_at, call_version
			FROM diary_entries WHERE call_id = ? AND body LIKE 'on hold until 2027-07-01T%'`, c.ID)

		b := &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail, Zone: london}
		bu, err := b.Gather(ctx, e.F.Dan.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		check := func(bu *privacy.Bundle) {
			t.Helper()
			data, err := bu.RenderBytes(ctx, nil, storeFiles(e.S))
			if err != nil {
				t.Fatal(err)
			}
			files := unzip(t, data)
			report := string(files["report.html"])
			for _, want := range []string{"on hold until Thu 1 Jul 2027 10:00 BST: waiting for a part", "on hold until Fri 2 Jul 2027 10:00 BST: old row",
				"<dt>Logged</dt><dd>Fri 15 Jan 2027 10:00 GMT", "Prepared for Dan Dawson on Fri 15 Jan 2027 10:00 GMT",
				`<th scope="row">record_created</th><td>Fri 15 Jan 2027 10:00 GMT</td>`} {
				if !strings.Contains(report, want) {
					t.Errorf("report.html does not say %q", want)
				}
			}
			if strings.Contains(report, "UTC") || strings.Contains(report, "2027-07-01T09:00:00Z") {
				t.Errorf("report.html writes a time in UTC")
			}
			if csv := string(files["entries.csv"]); !strings.Contains(csv, "on hold until 2027-07-01T09:00:00Z: waiting for a part") ||
				!strings.Contains(csv, "2027-01-15T10:00:00Z") {
				t.Errorf("entries.csv does not keep the instants in RFC 3339:\n%s", csv)
			}
			if readme := string(files["README.txt"]); !strings.Contains(readme, "time zone, Europe/London") {
				t.Errorf("the README does not name the zone of the report's times")
			}
			checkPDF(t, files["report.pdf"], "Dan Dawson")
		}
		check(bu)
		// A model kept for the DPO's review, read back, renders in the same zone.
		model, err := json.Marshal(bu)
		if err != nil {
			t.Fatal(err)
		}
		var back privacy.Bundle
		if err := json.Unmarshal(model, &back); err != nil {
			t.Fatal(err)
		}
		check(&back)
	})
}
