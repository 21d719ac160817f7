package storetest

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"calldesk/internal/store"
)

// Env is one engine's fresh, seeded database for a test: the store, a raw handle on the same
// database for looking (and tampering) underneath it, and the test's own clock.
type Env struct {
	Engine string
	DSN    string
	S      *store.Store
	DB     *RawDB
	Clock  *Clock
	F      Fixture
}

// NewEnv makes an Env on engine whose clock starts at start.
func NewEnv(t testing.TB, engine string, start time.Time) *Env {
	t.Helper()
	e := &Env{Engine: engine, Clock: NewClock(start)}
	if tp := templateFor(t, engine); tp != nil {
		e.DSN = tp.copyOf(t, engine)
	} else {
		e.DSN = DSN(t, engine)
	}
	e.S = OpenDSN(t, engine, e.DSN, e.Clock)
	e.DB = Raw(t, engine, e.DSN)
	e.F = Seed(t, e.S)
	return e
}

// EachEnv runs fn as a subtest per engine (SQLite always, PostgreSQL when configured) on a fresh Env.
func EachEnv(t *testing.T, start time.Time, fn func(t *testing.T, e *Env)) {
	t.Helper()
	for _, engine := range Engines(t) {
		t.Run(engine, func(t *testing.T) { fn(t, NewEnv(t, engine, start)) })
	}
}

// SyncBuffer collects what a server or logger writes from other goroutines, safe to read meanwhile.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// RefuseAuditRecords makes the database refuse every new audit record (a trigger raising an
// error on insert into audit_log), as a database that cannot take writes would, until the
// returned function takes the trigger away.
func (e *Env) RefuseAuditRecords(t testing.TB) (restore func()) {
	t.Helper()
	if e.Engine == "sqlite" {
		e.DB.MustExec(t, `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit records refused (test)'); END`)
		return func() { e.DB.MustExec(t, `DROP TRIGGER refuse_audit`) }
	}
	e.DB.MustExec(t, `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit records refused (test)'; END $$`)
	e.DB.MustExec(t, `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`)
	return func() {
		e.DB.MustExec(t, `DROP TRIGGER refuse_audit ON audit_log`)
		e.DB.MustExec(t, `DROP FUNCTION refuse_audit()`)
	}
}
