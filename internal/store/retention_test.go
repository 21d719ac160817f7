package store_test

import (
	"context"
	"testing"

	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestRetentionSchema: the schedule's CHECKs refuse what the sweep cannot carry out, whoever
// writes; one active legal hold per object; the shipped defaults are all there.
func TestRetentionSchema(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		rules, err := e.S.RetentionRules(ctx)
		if err != nil || len(rules) != len(store.RetentionClasses()) {
			t.Fatalf("rules %+v: %v", rules, err)
		}
		for i, r := range rules {
			if r.Class != store.RetentionClasses()[i] || r.Months < 1 || !r.ChangedAt.IsZero() {
				t.Errorf("rule %d: %+v", i, r)
			}
		}
		for _, q := range []string{
			`UPDATE retention_rules SET action = 'delete' WHERE class = 'closed_calls'`,
			`UPDATE retention_rules SET start = 'created' WHERE class = 'leavers'`,
			`UPDATE retention_rules SET months = 0 WHERE class = 'emails'`,
			`INSERT INTO retention_rules (class, months, start, action, changed_by, changed_at) VALUES ('chats', 1, 'created', 'delete', 'x', 0)`,
			`INSERT INTO legal_holds (reason, placed_by, placed_at) VALUES ('on nothing', 'x', 0)`,
		} {
			if _, err := e.DB.Exec(e.DB.Rebind(q)); err == nil {
				t.Errorf("accepted: %s", q)
			}
		}
		dpo := storetest.Actor(e.F.Ann)
		if _, err := e.S.PlaceLegalHold(ctx, dpo, 0, e.F.Dan.ID, "claim"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.DB.Exec(e.DB.Rebind(`INSERT INTO legal_holds (person_id, reason, placed_by, placed_at) VALUES (?, 'again', 'x', 0)`), e.F.Dan.ID); err == nil {
			t.Errorf("a second active hold on one person")
		}
		if _, err := e.S.PlaceLegalHold(ctx, dpo, 0, 999999, "nobody"); err == nil {
			t.Errorf("a hold on nobody")
		}
	})
}
