package privacy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store/storetest"
)

// TestSARReportKeepsWhatPeopleTyped: a resolution and a restriction's reason that quote something
// looking like an instant (a log line) are in report.html as they were typed; only calldesk's own
// instants (the hold's end, record_created) are in the desk's zone.
func TestSARReportKeepsWhatPeopleTyped(t *testing.T) {
	t.Parallel()
	london, err := desk.LoadZone("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	storetest.EachEnv(t, time.Date(2027, 1, 15, 10, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Kind: desk.Fault, Summary: "Backups fail", CustomerID: e.F.Dan.ID,
			Source: desk.SourcePhone, ProfileID: e.F.Software.ID, GroupID: e.F.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		resolution := "the log line 2027-01-15T09:00:00Z ERROR was the full disk"
		if _, err = e.S.UpdateCall(ctx, ann, c.Ref, c.Version, desk.Transition{Action: desk.ActResolve, Text: resolution}); err != nil {
			t.Fatal(err)
		}
		reason := "complaint received 2027-01-14 16:00 UTC by post"
		if err := e.S.Restrict(ctx, ann, e.F.Dan.ID, true, reason); err != nil {
			t.Fatal(err)
		}
		b := &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail, Zone: london}
		bu, err := b.Gather(ctx, e.F.Dan.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		data, err := bu.RenderBytes(ctx, nil, storeFiles(e.S))
		if err != nil {
			t.Fatal(err)
		}
		report := string(unzip(t, data)["report.html"])
		for _, want := range []string{"resolved: " + resolution, reason, `<th scope="row">record_created</th><td dir="auto">Fri 15 Jan 2027 10:00 GMT</td>`} {
			if !strings.Contains(report, want) {
				t.Errorf("report.html does not say %q", want)
			}
		}
	})
}
