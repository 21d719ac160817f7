package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// start is when every test's clock begins: a Monday morning.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// env is one engine's fresh, seeded database for a test (see storetest.Env).
type env struct{ *storetest.Env }

// each runs fn once per engine on a fresh seeded store.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) { fn(t, &env{se}) })
}

func newEnv(t *testing.T, engine string) *env { return &env{storetest.NewEnv(t, engine, start)} }

// footprint is what a write leaves behind, to prove a failed write left nothing.
type footprint struct {
	calls, diary, audit, pending, people int
}

func (e *env) footprint(t *testing.T) footprint {
	t.Helper()
	return footprint{
		calls:   e.DB.Count(t, `SELECT COUNT(*) FROM calls`),
		diary:   e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries`),
		audit:   e.DB.Count(t, `SELECT COUNT(*) FROM audit_log`),
		pending: e.DB.Count(t, `SELECT COUNT(*) FROM audit_pending`),
		people:  e.DB.Count(t, `SELECT COUNT(*) FROM people`),
	}
}

// newCall logs a call for Dan by Ann, failing the test on error.
func (e *env) newCall(t *testing.T, n desk.NewCall) desk.Call {
	t.Helper()
	if n.CustomerID == 0 {
		n.CustomerID = e.F.Dan.ID
	}
	if n.Summary == "" {
		n.Summary = "Projector in LT1 shows no signal"
	}
	c, err := e.S.CreateCall(context.Background(), storetest.Actor(e.F.Ann), n)
	if err != nil {
		t.Fatalf("create call: %v", err)
	}
	return c
}

// update applies a transition as actor at the call's current version, failing the test on error.
func (e *env) update(t *testing.T, actor desk.Person, c desk.Call, tr desk.Transition) desk.Call {
	t.Helper()
	got, err := e.S.UpdateCall(context.Background(), storetest.Actor(actor), c.Ref, c.Version, tr)
	if err != nil {
		t.Fatalf("%s %s: %v", tr.Action, c.Ref, err)
	}
	return got
}

func (e *env) call(t *testing.T, ref string) desk.Call {
	t.Helper()
	c, err := e.S.FindCallByRef(context.Background(), ref)
	if err != nil {
		t.Fatalf("find %s: %v", ref, err)
	}
	return c
}

// lastAudit is the newest audit record.
func (e *env) lastAudit(t *testing.T) desk.AuditRecord {
	t.Helper()
	recs, _, err := e.S.FindAudit(context.Background(), store.AuditFilter{Limit: 1})
	if err != nil || len(recs) != 1 {
		t.Fatalf("newest audit record: %v (%d records)", err, len(recs))
	}
	return recs[0]
}

func codeOf(err error) string { return desk.ErrorCode(err) }
