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

// env is one engine's fresh, seeded database for a test: the store, a raw handle on the same
// database for looking (and tampering) underneath it, and the test's own clock.
type env struct {
	engine string
	dsn    string
	s      *store.Store
	db     *storetest.RawDB
	clock  *storetest.Clock
	f      storetest.Fixture
}

// each runs fn once per engine (SQLite always, PostgreSQL when configured) on a fresh seeded store.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			e := newEnv(t, engine)
			fn(t, e)
		})
	}
}

func newEnv(t *testing.T, engine string) *env {
	t.Helper()
	e := &env{engine: engine, clock: storetest.NewClock(start)}
	e.dsn = storetest.DSN(t, engine)
	e.s = storetest.OpenDSN(t, engine, e.dsn, e.clock)
	e.db = storetest.Raw(t, engine, e.dsn)
	e.f = storetest.Seed(t, e.s)
	return e
}

// footprint is what a write leaves behind, to prove a failed write left nothing.
type footprint struct {
	calls, diary, audit, pending, people int
}

func (e *env) footprint(t *testing.T) footprint {
	t.Helper()
	return footprint{
		calls:   e.db.Count(t, `SELECT COUNT(*) FROM calls`),
		diary:   e.db.Count(t, `SELECT COUNT(*) FROM diary_entries`),
		audit:   e.db.Count(t, `SELECT COUNT(*) FROM audit_log`),
		pending: e.db.Count(t, `SELECT COUNT(*) FROM audit_pending`),
		people:  e.db.Count(t, `SELECT COUNT(*) FROM people`),
	}
}

// newCall logs a call for Dan by Ann, failing the test on error.
func (e *env) newCall(t *testing.T, n desk.NewCall) desk.Call {
	t.Helper()
	if n.CustomerID == 0 {
		n.CustomerID = e.f.Dan.ID
	}
	if n.Summary == "" {
		n.Summary = "Projector in LT1 shows no signal"
	}
	c, err := e.s.CreateCall(context.Background(), storetest.Actor(e.f.Ann), n)
	if err != nil {
		t.Fatalf("create call: %v", err)
	}
	return c
}

// update applies a transition as actor at the call's current version, failing the test on error.
func (e *env) update(t *testing.T, actor desk.Person, c desk.Call, tr desk.Transition) desk.Call {
	t.Helper()
	got, err := e.s.UpdateCall(context.Background(), storetest.Actor(actor), c.Ref, c.Version, tr)
	if err != nil {
		t.Fatalf("%s %s: %v", tr.Action, c.Ref, err)
	}
	return got
}

func (e *env) call(t *testing.T, ref string) desk.Call {
	t.Helper()
	c, err := e.s.FindCallByRef(context.Background(), ref)
	if err != nil {
		t.Fatalf("find %s: %v", ref, err)
	}
	return c
}

// lastAudit is the newest audit record.
func (e *env) lastAudit(t *testing.T) desk.AuditRecord {
	t.Helper()
	recs, _, err := e.s.FindAudit(context.Background(), store.AuditFilter{Limit: 1})
	if err != nil || len(recs) != 1 {
		t.Fatalf("newest audit record: %v (%d records)", err, len(recs))
	}
	return recs[0]
}

func codeOf(err error) string { return desk.ErrorCode(err) }
