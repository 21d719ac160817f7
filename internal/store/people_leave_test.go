package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestMarkLeft: an administrator makes a person a leaver with a reason (required), in one
// transaction with its audit record; the date left is recorded; a leaver cannot leave twice.
func TestMarkLeft(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		if _, err := e.S.MarkLeft(ctx, e.F.Admin, e.F.Dan.ID, "  "); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("no reason: %v, want EINVALID", err)
		}
		p, err := e.S.MarkLeft(ctx, e.F.Admin, e.F.Dan.ID, "contract ended early")
		if err != nil || p.Active || !p.LeftAt.Equal(e.Clock.Now()) {
			t.Fatalf("marked left: active %v, left %v, %v; want inactive, left now", p.Active, p.LeftAt, err)
		}
		if got, err := e.S.FindPerson(ctx, e.F.Dan.ID); err != nil || got.Active || got.LeftAt.IsZero() {
			t.Fatalf("read back: %+v %v", got, err)
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: e.F.Dan.ID, Limit: 5})
		if err != nil || len(recs) == 0 || recs[0].Action != "person.leave" || recs[0].Detail != "marked as left by an administrator: contract ended early" {
			t.Fatalf("audit %+v %v", recs, err)
		}
		if _, err := e.S.MarkLeft(ctx, e.F.Admin, e.F.Dan.ID, "again"); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("leaving twice: %v, want ECONFLICT", err)
		}
		if _, err := e.S.MarkLeft(ctx, e.F.Admin, 999999, "nobody"); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("an unknown person: %v, want ENOTFOUND", err)
		}
	})
}
