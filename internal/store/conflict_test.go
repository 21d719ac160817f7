package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// TestNoLostUpdates (issue 2 item 4): two analysts open the same call; the first to save wins, the
// second gets ECONFLICT saying what changed, and nothing of theirs is written.
func TestNoLostUpdates(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann, bob := e.F.Ann, e.F.Bob
		c := e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID})
		// Both read version 1.
		seenByAnn, seenByBob := e.call(t, c.Ref), e.call(t, c.Ref)

		e.Clock.Advance(2 * time.Minute)
		afterAnn, err := e.S.UpdateCall(ctx, storetest.Actor(ann), c.Ref, seenByAnn.Version, desk.Transition{Action: desk.ActAccept})
		if err != nil {
			t.Fatalf("first update: %v", err)
		}
		fp := e.footprint(t)
		e.Clock.Advance(time.Minute)
		_, err = e.S.UpdateCall(ctx, storetest.Actor(bob), c.Ref, seenByBob.Version,
			desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID, AnalystID: bob.ID})
		ce := desk.AsError(err)
		if ce == nil || ce.Code != desk.ECONFLICT {
			t.Fatalf("second update with a stale version: %v, want ECONFLICT", err)
		}
		wantChange := "accepted by Ann Archer at 2026-03-02T09:02:00Z"
		if len(ce.Changes) != 1 || ce.Changes[0] != wantChange {
			t.Errorf("changes %q, want [%q]", ce.Changes, wantChange)
		}
		for _, part := range []string{c.Ref, "your version 1, now 2", "nothing was saved", wantChange} {
			if !strings.Contains(ce.Message, part) {
				t.Errorf("message %q does not say %q", ce.Message, part)
			}
		}
		if got := e.call(t, c.Ref); !reflect.DeepEqual(got, afterAnn) {
			t.Errorf("the call is not Ann's version:\n got %+v\nwant %+v", got, afterAnn)
		}
		if after := e.footprint(t); after != fp {
			t.Errorf("the refused update left %+v -> %+v", fp, after)
		}
		// Bob reloads and tries again: now it works.
		_ = e.update(t, bob, e.call(t, c.Ref), desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID, AnalystID: bob.ID})

		// Several changes since: all are listed, in order.
		stale := e.call(t, c.Ref)
		cur := e.update(t, bob, stale, desk.Transition{Action: desk.ActAccept})
		e.update(t, bob, cur, desk.Transition{Action: desk.ActPend, Reason: "asked for a screenshot"})
		_, err = e.S.UpdateCall(ctx, storetest.Actor(ann), c.Ref, stale.Version, desk.Transition{Action: desk.ActResolve, Text: "x"})
		ce = desk.AsError(err)
		if ce == nil || ce.Code != desk.ECONFLICT || len(ce.Changes) != 2 ||
			!strings.HasPrefix(ce.Changes[0], "accepted by Bob Baker") || !strings.HasPrefix(ce.Changes[1], "pending: asked for a screenshot by Bob Baker") {
			t.Errorf("two changes since: %v (%q)", err, changesOf(ce))
		}
		// Version 0 means "whatever is there": used by the system's own sweeps.
		if _, err := e.S.UpdateCall(ctx, storetest.Actor(bob), c.Ref, 0, desk.Transition{Action: desk.ActAccept}); err != nil {
			t.Errorf("update without a version: %v", err)
		}
	})
}

func changesOf(e *desk.Error) []string {
	if e == nil {
		return nil
	}
	return e.Changes
}

// TestNoLostUpdatesRace: N goroutines race to change a call from the same version; exactly one wins.
func TestNoLostUpdatesRace(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID})
		fp := e.footprint(t)
		const n = 12
		levels := []desk.Level{desk.High, desk.Low}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.S.UpdateCall(ctx, storetest.Actor(e.F.Ann), c.Ref, c.Version,
					desk.Transition{Action: desk.ActChange, Impact: levels[i%2], Urgency: levels[(i/2)%2]})
			}()
		}
		wg.Wait()
		wins, conflicts := 0, 0
		for i, err := range errs {
			switch codeOf(err) {
			case "":
				wins++
			case desk.ECONFLICT:
				conflicts++
			default:
				t.Errorf("racer %d: %v", i, err)
			}
		}
		if wins != 1 || conflicts != n-1 {
			t.Fatalf("%d won and %d got ECONFLICT, want 1 and %d", wins, conflicts, n-1)
		}
		got := e.call(t, c.Ref)
		if got.Version != c.Version+1 {
			t.Errorf("version %d, want %d", got.Version, c.Version+1)
		}
		after := e.footprint(t)
		if after.diary != fp.diary+1 || after.audit != fp.audit+1 {
			t.Errorf("diary %d -> %d, audit %d -> %d: want exactly one of each", fp.diary, after.diary, fp.audit, after.audit)
		}
	})
}

// TestPersonConflict: two people editing one person record; the second gets ECONFLICT.
func TestPersonConflict(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a, _ := e.S.FindPerson(ctx, e.F.Eve.ID)
		b := a
		a.JobTitle = "Lecturer"
		if _, err := e.S.UpdatePerson(ctx, storetest.Actor(e.F.Ann), a); err != nil {
			t.Fatal(err)
		}
		fp := e.footprint(t)
		b.Phone = "01234 999999"
		_, err := e.S.UpdatePerson(ctx, storetest.Actor(e.F.Bob), b)
		if ee := desk.AsError(err); ee == nil || ee.Code != desk.ECONFLICT || !strings.Contains(ee.Message, "Eve Evans") {
			t.Fatalf("stale person update: %v, want ECONFLICT naming the person", err)
		}
		got, _ := e.S.FindPerson(ctx, e.F.Eve.ID)
		if got.JobTitle != "Lecturer" || got.Phone != "01234 567890" || got.Version != 2 {
			t.Errorf("person %+v", got)
		}
		if e.footprint(t) != fp {
			t.Error("the refused update left something")
		}
		// Racing updates of the person: one wins.
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := got
				p.JobTitle = fmt.Sprintf("Title %d", i)
				_, errs[i] = e.S.UpdatePerson(ctx, e.F.Admin, p)
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else if codeOf(err) != desk.ECONFLICT {
				t.Errorf("racer: %v", err)
			}
		}
		if final, _ := e.S.FindPerson(ctx, e.F.Eve.ID); wins != 1 || final.Version != 3 {
			t.Errorf("%d racers won; version %d", wins, final.Version)
		}
	})
}

// TestConflictOfSpecialCallHidesTexts (issue 15 point 8): the conflict of a special-category
// call lists each change's kind, author and time without its text (a resolution may hold the
// special data), and keeps the list with the texts in Unmasked for readers of the call
// (access.ConflictFor); a plain call's conflict lists the texts.
func TestConflictOfSpecialCallHidesTexts(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		cat := storetest.Actor(e.F.Cat)
		for _, special := range []bool{true, false} {
			c, err := e.S.CreateCall(ctx, cat, desk.NewCall{Summary: "Okapi adjustments", Description: "My okapi condition.",
				CustomerID: e.F.Dan.ID, GroupID: e.F.Networks.ID, AnalystID: e.F.Cat.ID, SpecialCategory: special})
			if err != nil {
				t.Fatal(err)
			}
			stale := c.Version
			if c, err = e.S.UpdateCall(ctx, cat, c.Ref, c.Version, desk.Transition{Action: desk.ActAccept}); err != nil {
				t.Fatal(err)
			}
			if _, err = e.S.UpdateCall(ctx, cat, c.Ref, c.Version, desk.Transition{Action: desk.ActResolve, Text: "Ordered the okapi keyboard"}); err != nil {
				t.Fatal(err)
			}
			_, err = e.S.UpdateCall(ctx, storetest.Actor(e.F.Ann), c.Ref, stale, desk.Transition{Action: desk.ActClose})
			ce := desk.AsError(err)
			if ce == nil || ce.Code != desk.ECONFLICT {
				t.Fatalf("special=%v: %v, want ECONFLICT", special, err)
			}
			shown := strings.Join(ce.Changes, "\n") + ce.Message
			switch {
			case special && (strings.Contains(shown, "okapi") || len(ce.Changes) != 2 || !strings.HasPrefix(ce.Changes[1], "A change of status by Cat Carter at ") ||
				ce.Unmasked == nil || !strings.Contains(strings.Join(ce.Unmasked.Changes, "\n"), "resolved: Ordered the okapi keyboard")):
				t.Errorf("special call's conflict: %q, %q; unmasked %+v", ce.Message, ce.Changes, ce.Unmasked)
			case !special && (!strings.Contains(shown, "resolved: Ordered the okapi keyboard") || ce.Unmasked != nil):
				t.Errorf("plain call's conflict: %q, %q", ce.Message, ce.Changes)
			}
		}
	})
}
