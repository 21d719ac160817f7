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
	e.DSN = DSN(t, engine)
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
