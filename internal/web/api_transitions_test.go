package web_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
)

// step posts a transition with the call's current version and returns the call after it.
func (e *env) step(c apiCall, action string, body map[string]any) apiCall {
	e.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["version"] = c.Version
	var got apiCall
	e.ok(e.req("POST", "/api/v1/calls/"+c.Ref+"/"+action, body), 200, &got)
	if got.Version != c.Version+1 {
		e.t.Fatalf("%s: version %d after %d", action, got.Version, c.Version)
	}
	return got
}

func TestLifecycleThroughTheAPI(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		var c apiCall
		e.ok(e.req("POST", "/api/v1/calls", map[string]any{"summary": "Teams will not start", "customer_id": e.f.Dan.ID,
			"profile_id": e.f.Software.ID}), 201, &c)
		want := func(c apiCall, state, cond string) {
			t.Helper()
			if c.State != state || c.Condition != cond {
				t.Fatalf("state %s (%s), want %s (%s)", c.State, c.Condition, state, cond)
			}
		}
		want(c, "unassigned", "unassigned")

		c = e.step(c, "assign", map[string]any{"group_id": e.f.ServiceDesk.ID, "analyst_id": e.f.Ann.ID})
		want(c, "assigned", "pending")
		if c.AssignedAt == nil || c.AnalystID != e.f.Ann.ID {
			t.Fatalf("assigned %+v", c)
		}
		c = e.step(c, "accept", nil) // the analyst defaults to the caller, Ann
		want(c, "accepted", "pending")
		c = e.step(c, "pend", map[string]any{"reason": "waiting for the customer's laptop"})
		want(c, "pending", "pending")
		c = e.step(c, "change", map[string]any{"impact": "high", "urgency": "high"})
		if c.Priority != "P1" {
			t.Fatalf("priority %s", c.Priority)
		}
		until := e.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
		c = e.step(c, "hold", map[string]any{"until": until, "reason": "customer away until the afternoon"})
		want(c, "on_hold", "on_hold")
		if c.HoldUntil == nil || c.HoldUntil.Format(time.RFC3339) != until || c.HoldReason == "" {
			t.Fatalf("hold %+v", c)
		}
		// The hold time passes: the call comes off hold by itself, flagged urgent.
		e.clock.Advance(3 * time.Hour)
		if refs, err := e.s.ReleaseHolds(e.ctx, 10); err != nil || len(refs) != 1 {
			t.Fatalf("release holds: %v %v", refs, err)
		}
		var got apiCall
		e.ok(e.req("GET", "/api/v1/calls/"+c.Ref, nil), 200, &got)
		want(got, "off_hold", "off_hold")
		if !got.Urgent || got.OffHoldAt == nil {
			t.Fatalf("off hold %+v", got)
		}
		c = e.step(got, "accept", nil)
		c = e.step(c, "resolve", map[string]any{"resolution": "reinstalled Teams"})
		want(c, "resolved", "resolved")
		if c.Resolution != "reinstalled Teams" || c.ResolvedAt == nil {
			t.Fatalf("resolved %+v", c)
		}
		c = e.step(c, "reopen", map[string]any{"reason": "it crashed again"})
		want(c, "accepted", "pending")
		if c.ResolvedAt != nil || c.ReopenedAt == nil {
			t.Fatalf("reopened %+v", c)
		}
		c = e.step(c, "resolve", map[string]any{"resolution": "new profile"})
		c = e.step(c, "close", map[string]any{"reason": "customer confirmed"})
		want(c, "closed", "closed")
		if c.ClosedAt == nil {
			t.Fatalf("closed %+v", c)
		}

		// The diary tells the story, one line per change.
		e.ok(e.req("GET", "/api/v1/calls/"+c.Ref, nil), 200, &got)
		var texts []string
		for _, d := range got.Diary {
			texts = append(texts, d.Text)
		}
		story := strings.Join(texts, " | ")
		for _, s := range []string{"assigned to Service Desk / Ann Archer", "accepted", "pending: waiting", "priority P3 -> P1",
			"on hold until", "off hold", "resolved: reinstalled Teams", "reopened: it crashed again", "customer confirmed"} {
			if !strings.Contains(story, s) {
				t.Errorf("diary lacks %q: %s", s, story)
			}
		}

		// Cancelling another call.
		var other apiCall
		e.ok(e.req("POST", "/api/v1/calls", map[string]any{"summary": "Duplicate", "customer_id": e.f.Eve.ID}), 201, &other)
		other = e.step(other, "cancel", map[string]any{"reason": "logged twice"})
		want(other, "cancelled", "cancelled")
		if other.CancelReason != "logged twice" || other.CancelledAt == nil {
			t.Fatalf("cancelled %+v", other)
		}
		// Every change is in the audit trail with the caller and address.
		recs := e.audits("call", c.Ref)
		actions := map[string]bool{}
		for _, r := range recs {
			actions[r.Action] = true
			if r.Action != "call.off_hold" && (r.ActorID != e.f.Ann.ID || r.ClientAddr != "127.0.0.1") {
				t.Errorf("audit %+v", r)
			}
		}
		for _, a := range []string{"call.create", "call.assign", "call.accept", "call.pend", "call.change", "call.hold",
			"call.off_hold", "call.resolve", "call.reopen", "call.close", "call.view"} {
			if !actions[a] {
				t.Errorf("no %s audit record", a)
			}
		}
	})
}

func TestStaleVersionConflicts(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		bob := e.tokenFor(e.f.Bob, time.Time{}, desk.RoleAnalyst)
		c := e.call(desk.NewCall{GroupID: e.f.ServiceDesk.ID})
		// Both clients read version 1. Ann assigns the call to herself.
		var first apiCall
		e.ok(e.req("POST", "/api/v1/calls/"+c.Ref+"/assign", map[string]any{"version": 1, "group_id": e.f.ServiceDesk.ID, "analyst_id": e.f.Ann.ID}), 200, &first)
		before := e.counts()
		// Bob, with the same version, tries to put it on hold: refused, saying what changed.
		r := e.reqAs(bob, "POST", "/api/v1/calls/"+c.Ref+"/hold", map[string]any{"version": 1,
			"until": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "reason": "waiting"})
		p := e.problem(r, 409)
		if len(p.Changes) != 1 || !strings.Contains(p.Changes[0], "assigned to Service Desk / Ann Archer by Ann Archer") ||
			!strings.Contains(p.Detail, "your version 1, now 2") {
			t.Fatalf("conflict %+v", p)
		}
		if got := e.stored(c.Ref); got.Version != first.Version || got.State != desk.Assigned || got.AnalystID != e.f.Ann.ID {
			t.Fatalf("call changed: %+v", got)
		}
		if after := e.counts(); after != before {
			t.Fatalf("counts %+v, want %+v", after, before)
		}
	})
}

func TestConcurrentUpdatesOneWins(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		tokens := []string{e.token, e.tokenFor(e.f.Bob, time.Time{}, desk.RoleAnalyst)}
		c := e.call(desk.NewCall{GroupID: e.f.ServiceDesk.ID})
		var wg sync.WaitGroup
		results := make([]response, 2)
		analysts := []int64{e.f.Ann.ID, e.f.Bob.ID}
		for i := range 2 {
			wg.Go(func() {
				results[i] = e.reqAs(tokens[i], "POST", "/api/v1/calls/"+c.Ref+"/accept", map[string]any{"version": 1, "analyst_id": analysts[i]})
			})
		}
		wg.Wait()
		won, lost := 0, 0
		for _, r := range results {
			switch r.status {
			case 200:
				won++
			case 409:
				lost++
			default:
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("%d won, %d conflicted; want one each", won, lost)
		}
		if got := e.stored(c.Ref); got.Version != 2 || got.State != desk.Accepted {
			t.Fatalf("call %+v", got)
		}
	})
}
