package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// CountQueues answers from a cache, which must never hide a change made through the store: each
// count below follows the write before it at once, well inside the cache's lifetime.
func TestQueueCountsFollowWrites(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann, groups := e.F.Ann, []int64{e.F.ServiceDesk.ID}
		count := func() store.QueueCounts {
			t.Helper()
			n, err := e.S.CountQueues(ctx, ann.ID, groups)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		want := func(step string, w store.QueueCounts) {
			t.Helper()
			if got := count(); got != w {
				t.Errorf("after %s: counts %+v, want %+v", step, got, w)
			}
		}
		want("nothing", store.QueueCounts{})
		e.newCall(t, desk.NewCall{})
		want("a new call", store.QueueCounts{Unassigned: 1, Open: 1})
		c := e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID, AnalystID: ann.ID})
		want("a call for Ann", store.QueueCounts{Mine: 1, Groups: 1, Unassigned: 1, Open: 2})
		e.newCall(t, desk.NewCall{GroupID: e.F.Networks.ID})
		want("a call for Networks", store.QueueCounts{Mine: 1, Groups: 1, Unassigned: 1, Open: 3})
		c = e.update(t, ann, c, desk.Transition{Action: desk.ActAccept})
		c = e.update(t, ann, c, desk.Transition{Action: desk.ActHold, Until: start.Add(time.Hour), Reason: "a part is on order"})
		want("hold", store.QueueCounts{Mine: 1, Groups: 1, Unassigned: 1, OnHold: 1, Open: 3})
		c = e.update(t, ann, c, desk.Transition{Action: desk.ActResolve, Text: "replaced the part"})
		want("resolve", store.QueueCounts{Unassigned: 1, Resolved: 1, Open: 2})
		// Another analyst's counts come from the same cache.
		n, err := e.S.CountQueues(ctx, e.F.Cat.ID, []int64{e.F.Networks.ID})
		if w := (store.QueueCounts{Groups: 1, Unassigned: 1, Resolved: 1, Open: 2}); err != nil || n != w {
			t.Errorf("Cat's counts %+v, %v; want %+v", n, err, w)
		}
	})
}
