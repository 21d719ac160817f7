package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// TestRetentionReportInTheDesksZone: the retention command's report says when the sweep ran in
// the desk's zone with the abbreviation of that date (BST in summer), and the oldest and newest
// days of a line are London's days (23:30 UTC on 30 June is 1 July there).
func TestRetentionReportInTheDesksZone(t *testing.T) {
	london, err := desk.LoadZone("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	run := store.RetentionRun{ID: 7, State: "done", StartedAt: time.Date(2027, 7, 1, 9, 0, 0, 0, time.UTC),
		Lines: []store.RetentionLine{{Class: "closed_calls", Action: "anonymise", Months: 12, Count: 1,
			Oldest: time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), Newest: time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC)}}}
	var out bytes.Buffer
	printRetention(&out, run, time.Second, london)
	for _, want := range []string{"retention sweep 7 at Thu 1 Jul 2027 10:00 BST, done", "2026-07-01"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report does not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "UTC") || strings.Contains(out.String(), "2026-06-30") {
		t.Errorf("the report gives UTC's time or day:\n%s", out.String())
	}
	if r := runCLI(t, nil, "retention", "-h"); !strings.Contains(r.stdout+r.stderr, "timezone") {
		t.Errorf("retention -h does not offer --timezone:\n%s%s", r.stdout, r.stderr)
	}
}
