package store_test

import (
	"context"
	"reflect"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// TestUpdateCallSteps: several transitions in one transaction, all or nothing, with the caller's
// version checked before the first.
func TestUpdateCallSteps(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		bob := storetest.Actor(e.F.Bob)
		c := e.newCall(t, desk.NewCall{})
		got, err := e.S.UpdateCallSteps(ctx, bob, c.Ref, c.Version,
			desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Bob.ID},
			desk.Transition{Action: desk.ActAccept})
		if err != nil {
			t.Fatal(err)
		}
		if got.State != desk.Accepted || got.AnalystID != e.F.Bob.ID || got.Version != c.Version+2 {
			t.Fatalf("after assign and accept: %s, analyst %d, version %d", got.State, got.AnalystID, got.Version)
		}
		diary, err := e.S.Diary(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, d := range diary {
			texts = append(texts, d.Text)
		}
		want := []string{"assigned to Service Desk / Bob Baker", "accepted"}
		if len(texts) < 2 || !reflect.DeepEqual(texts[len(texts)-2:], want) {
			t.Errorf("diary %q, want it to end with %q", texts, want)
		}

		// A later step that fails undoes the earlier ones: Cat is not in Service Desk.
		d := e.newCall(t, desk.NewCall{})
		fp := e.footprint(t)
		_, err = e.S.UpdateCallSteps(ctx, storetest.Actor(e.F.Cat), d.Ref, d.Version,
			desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID},
			desk.Transition{Action: desk.ActAccept})
		if desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("accept by a non-member: %v, want EINVALID", err)
		}
		if after := e.footprint(t); after != fp {
			t.Errorf("the refused steps left %+v -> %+v", fp, after)
		}
		if now := e.call(t, d.Ref); now.State != desk.Unassigned || now.Version != d.Version {
			t.Errorf("the call moved to %s (version %d) though the steps failed", now.State, now.Version)
		}

		// A stale version is refused before the first step.
		_, err = e.S.UpdateCallSteps(ctx, bob, c.Ref, c.Version, desk.Transition{Action: desk.ActAccept})
		if desk.ErrorCode(err) != desk.ECONFLICT {
			t.Errorf("stale version: %v, want ECONFLICT", err)
		}
		if _, err := e.S.UpdateCallSteps(ctx, bob, c.Ref, 0); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("no steps: %v, want EINVALID", err)
		}
	})
}
