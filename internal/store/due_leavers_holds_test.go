package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestDueLeaversPassOverHeldCalls: a leaver, or a caller added by an analyst, whose call is on
// legal hold is not due for erasure (ErasePerson would refuse them, and every nightly sweep would
// report that refusal as a failure); once the hold is lifted they are due.
func TestDueLeaversPassOverHeldCalls(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		n := desk.NewCall{Kind: desk.Fault, Source: desk.SourcePhone, Summary: "Visitor badge does not open the door"}
		visit, lina, err := e.S.CreateCallForNewCaller(ctx, ann, desk.NewCaller{FirstName: "Lina", LastName: "Haddad"}, n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.UpdateCall(ctx, ann, visit.Ref, visit.Version, desk.Transition{Action: desk.ActCancel, Reason: "sorted at the desk"}); err != nil {
			t.Fatal(err)
		}
		eves, err := e.S.CreateCall(ctx, ann, desk.NewCall{Kind: desk.Fault, Source: desk.SourcePhone, Summary: "Laptop stolen", CustomerID: e.F.Eve.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.UpdateCall(ctx, ann, eves.Ref, eves.Version, desk.Transition{Action: desk.ActCancel, Reason: "police matter"}); err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, `UPDATE people SET left_at = ?, active = 0 WHERE id = ?`, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).UnixMicro(), e.F.Eve.ID)
		var holds []int64
		for _, c := range []desk.Call{visit, eves} {
			id, err := e.S.PlaceLegalHold(ctx, ann, c.ID, 0, "insurance claim")
			if err != nil {
				t.Fatal(err)
			}
			holds = append(holds, id)
		}
		rules, err := e.S.RetentionRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		due := func() map[int64]bool {
			t.Helper()
			ls, err := e.S.DueLeavers(ctx, store.NewRetentionPlan(rules, time.Date(2036, 3, 3, 9, 0, 0, 0, time.UTC)))
			if err != nil {
				t.Fatal(err)
			}
			out := map[int64]bool{}
			for _, l := range ls {
				out[l.ID] = true
			}
			return out
		}
		if d := due(); d[lina.ID] || d[e.F.Eve.ID] {
			t.Fatalf("people whose call is on legal hold are due: %v", d)
		}
		for _, h := range holds {
			if err := e.S.LiftLegalHold(ctx, ann, h, "claim settled"); err != nil {
				t.Fatal(err)
			}
		}
		if d := due(); !d[lina.ID] || !d[e.F.Eve.ID] {
			t.Fatalf("with the holds lifted, due: %v (want Lina %d and Eve %d)", d, lina.ID, e.F.Eve.ID)
		}
	})
}
