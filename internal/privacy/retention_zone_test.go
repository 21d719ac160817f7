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

// TestRetentionDecisionInTheDesksZone: a leaver who left at 00:30 BST on 1 July 2026 (23:30 UTC
// on 30 June, as a nightly import run just after midnight records it) is erased by the schedule
// with a decision that says they left on 1 July 2026, London's day, not UTC's 30 June.
func TestRetentionDecisionInTheDesksZone(t *testing.T) {
	london, err := desk.LoadZone("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		dpo := storetest.Actor(e.F.Bob)
		p, err := e.S.CreatePerson(ctx, dpo, desk.Person{FirstName: "Gone", LastName: "Leaver", Email: "gone@uni.example", Kind: desk.Student, Source: desk.FromManual})
		if err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, `UPDATE people SET left_at = ?, active = 0 WHERE id = ?`, time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC).UnixMicro(), p.ID)
		later := time.Date(2036, 7, 1, 9, 0, 0, 0, time.UTC)
		e.Clock.Set(later)
		if _, err := (privacy.Retention{Store: e.S, Zone: london}).Sweep(ctx, dpo, false); err != nil {
			t.Fatal(err)
		}
		er, err := e.S.Erasure(ctx, p.ID)
		if err != nil {
			t.Fatalf("the leaver was not erased: %v", err)
		}
		if !strings.Contains(er.Decision, "(left 1 July 2026)") {
			t.Errorf("the decision gives UTC's day: %q", er.Decision)
		}
	})
}
