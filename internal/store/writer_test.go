package store_test

import (
	"context"
	"crypto/rand"
	"database/sql/driver"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"modernc.org/sqlite"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// sqliteHooks maps a marker to a function that SQL can call, through the test_hook(text) function,
// from inside a write: it lets a test act at an exact moment in the middle of a statement. SQLite
// functions are registered once per process, so the registry is too; each test uses its own
// random markers.
var sqliteHooks sync.Map // marker -> func()

func init() {
	sqlite.MustRegisterScalarFunction("test_hook", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		text, _ := args[0].(string)
		sqliteHooks.Range(func(k, v any) bool {
			if strings.Contains(text, k.(string)) {
				v.(func())()
			}
			return true
		})
		return nil, nil
	})
}

// TestWriterCancelledMidStatement: on SQLite concurrent writes share one transaction. A caller
// whose context is cancelled while its statement runs must not take the writes batched with it
// down. Deterministic: a blocker holds the writer while an innocent write and the victim queue
// behind it, so they run in one batch; the victim's context is cancelled from inside its own
// audit insert, which then runs long enough for the driver's interrupt to land.
func TestWriterCancelledMidStatement(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	b := make([]byte, 4)
	rand.Read(b)
	sfx := hex.EncodeToString(b)
	blocker, innocent, victim := "Blocker"+sfx, "Innocent"+sfx, "Victim"+sfx

	entered, release := make(chan struct{}), make(chan struct{})
	victimCtx, cancelVictim := context.WithCancel(ctx)
	defer cancelVictim()
	sqliteHooks.Store(blocker, func() { close(entered); <-release })
	sqliteHooks.Store(victim, func() { cancelVictim(); time.Sleep(20 * time.Millisecond) })
	t.Cleanup(func() { sqliteHooks.Delete(blocker); sqliteHooks.Delete(victim) })
	// The hook, then (for the victim only) enough work for the interrupt to be noticed.
	e.DB.MustExec(t, `CREATE TRIGGER test_hook AFTER INSERT ON audit_log BEGIN
		SELECT test_hook(NEW.detail);
		SELECT COUNT(*) FROM (WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r
			WHERE x < CASE WHEN NEW.detail LIKE '%`+victim+`%' THEN 300000 ELSE 1 END) SELECT x FROM r);
		END`)

	create := func(ctx context.Context, name string) error {
		_, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: name, LastName: "Test"})
		return err
	}
	var wg sync.WaitGroup
	var errBlocker, errInnocent, errVictim error
	wg.Add(3)
	go func() { defer wg.Done(); errBlocker = create(ctx, blocker) }()
	<-entered // the blocker holds the writer
	go func() { defer wg.Done(); errInnocent = create(ctx, innocent) }()
	time.Sleep(50 * time.Millisecond)
	go func() { defer wg.Done(); errVictim = create(victimCtx, victim) }()
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()

	if errBlocker != nil || errInnocent != nil {
		t.Fatalf("writers who never gave up failed: blocker %v, innocent %v", errBlocker, errInnocent)
	}
	exists := func(name string) (people, audit int) {
		people = e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE first_name = ?`, name)
		audit = e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'person.create' AND detail LIKE ?`, "%"+name+"%")
		return
	}
	if p, a := exists(innocent); p != 1 || a != 1 {
		t.Errorf("the innocent write left %d people and %d audit records, want 1 and 1", p, a)
	}
	// The victim gave up mid-write: all of its write or none of it.
	p, a := exists(victim)
	if errVictim == nil && (p != 1 || a != 1) || errVictim != nil && (p != 0 || a != 0) {
		t.Errorf("victim (error %v) left %d people and %d audit records", errVictim, p, a)
	}
	if _, n, err := e.S.FindPeople(ctx, store.PersonFilter{Query: "test"}); err != nil || n < 2 {
		t.Errorf("people named Test: %d, %v", n, err)
	}
}
