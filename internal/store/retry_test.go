package store_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// pgEnv is a fresh seeded PostgreSQL Env (skipped on SQLite, whose one writer conflicts with
// nothing), with isolation, when not "", as the database's default transaction isolation for
// every connection of the store, and the store's waits between retried runs counted (and not
// waited).
func pgEnv(t *testing.T, isolation string) (*env, *atomic.Int64) {
	t.Helper()
	if !slices.Contains(storetest.Engines(t), "postgres") {
		t.Skip("PostgreSQL only: " + storetest.EnvPostgres + " is not set")
	}
	e := &storetest.Env{Engine: "postgres", Clock: storetest.NewClock(start)}
	e.DSN = storetest.DSN(t, "postgres")
	e.DB = storetest.Raw(t, "postgres", e.DSN)
	if isolation != "" {
		e.DB.MustExec(t, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_isolation = %L', current_database(), '`+isolation+`'); END $$`)
	}
	e.S = storetest.OpenDSN(t, "postgres", e.DSN, e.Clock)
	e.F = storetest.Seed(t, e.S)
	sleeps := new(atomic.Int64)
	e.S.SetSleep(func(context.Context, time.Duration) error { sleeps.Add(1); return nil })
	return &env{e}, sleeps
}

// waitForLockWait waits until a backend of the test's database other than the raw handle's is
// waiting for a lock (the store's transaction, blocked).
func waitForLockWait(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if e.DB.Count(t, `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the store's transaction never waited for the lock")
}

// entryWritten checks that exactly one diary entry with text and one audit record of it exist.
func entryWritten(t *testing.T, e *env, before footprint, text string) {
	t.Helper()
	after := e.footprint(t)
	if n := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE body = ?`, text); n != 1 {
		t.Errorf("%d diary entries %q, want 1", n, text)
	}
	if after.diary != before.diary+1 || after.audit != before.audit+1 || after.pending != before.pending+1 {
		t.Errorf("footprint %+v after the write, %+v before: want one entry and one audit record more", after, before)
	}
}

// TestWriteRetriesASerializationFailure: at REPEATABLE READ (as CockroachDB and YugabyteDB run
// by default), a diary entry whose call another transaction changed and committed after the
// entry's transaction took its snapshot is refused with SQLSTATE 40001; the store runs the whole
// transaction again, and the entry and its audit record are written once.
func TestWriteRetriesASerializationFailure(t *testing.T) {
	e, sleeps := pgEnv(t, "repeatable read")
	ctx := context.Background()
	c := e.newCall(t, desk.NewCall{})
	before := e.footprint(t)

	other, err := e.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	if _, err := other.Exec(`UPDATE calls SET updated_at = updated_at WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), c.Ref, desk.EntryNote, "checked the cable")
		done <- err
	}()
	waitForLockWait(t, e) // its snapshot is taken: it waits for the call's row
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("add entry: %v", err)
	}
	if n := sleeps.Load(); n != 1 {
		t.Errorf("the transaction was retried %d times, want 1 (a real serialization failure, then success)", n)
	}
	entryWritten(t, e, before, "checked the cable")
}

// TestWriteRetriesADeadlock: the diary entry's transaction holds the call's row and waits for a
// row another transaction holds, which then waits for the call's row: PostgreSQL breaks the
// deadlock by failing the entry's transaction with SQLSTATE 40P01 (the other waits longer before
// it looks); the store runs it again once the other has committed, and the entry and its audit
// record are written once.
func TestWriteRetriesADeadlock(t *testing.T) {
	e, sleeps := pgEnv(t, "")
	ctx := context.Background()
	c := e.newCall(t, desk.NewCall{})
	e.DB.MustExec(t, `CREATE TABLE retry_gate (id INT PRIMARY KEY)`)
	e.DB.MustExec(t, `INSERT INTO retry_gate VALUES (1)`)
	e.DB.MustExec(t, `CREATE FUNCTION retry_gate() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM id FROM retry_gate WHERE id = 1 FOR UPDATE; RETURN NEW; END $$`)
	e.DB.MustExec(t, `CREATE TRIGGER retry_gate BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION retry_gate()`)
	before := e.footprint(t)

	other, err := e.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	for _, q := range []string{`SET LOCAL deadlock_timeout = '60s'`, `SELECT id FROM retry_gate WHERE id = 1 FOR UPDATE`} {
		if _, err := other.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), c.Ref, desk.EntryNote, "replaced the lamp")
		done <- err
	}()
	waitForLockWait(t, e) // it holds the call and waits for the gate
	if _, err := other.Exec(`UPDATE calls SET updated_at = updated_at WHERE id = $1`, c.ID); err != nil {
		t.Fatalf("the other transaction was the deadlock's victim: %v", err)
	}
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("add entry: %v", err)
	}
	// The run after the deadlock may take the call's row before the other transaction, woken
	// by the rollback, does, and deadlock again: more than one retry is fine, none is not.
	if n := sleeps.Load(); n < 1 {
		t.Errorf("the transaction was retried %d times, want at least 1 (a real deadlock, then success)", n)
	}
	entryWritten(t, e, before, "replaced the lamp")
}

// failWrites makes the next times inserts into table fail with SQLSTATE code, counting in
// sequence retry_tries every insert tried (a sequence, which a rollback does not undo).
func failWrites(t *testing.T, e *env, table, code string, times int) {
	t.Helper()
	e.DB.MustExec(t, `CREATE SEQUENCE retry_tries`)
	e.DB.MustExec(t, `CREATE FUNCTION retry_fail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF nextval('retry_tries') <= `+strconv.Itoa(times)+` THEN
				RAISE EXCEPTION 'injected conflict' USING ERRCODE = '`+code+`';
			END IF;
			RETURN NEW;
		END $$`)
	e.DB.MustExec(t, `CREATE TRIGGER retry_fail BEFORE INSERT ON `+table+` FOR EACH ROW EXECUTE FUNCTION retry_fail()`)
}

func tries(t *testing.T, e *env) int {
	t.Helper()
	var n int
	if err := e.DB.QueryRow(`SELECT last_value FROM retry_tries`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWriteRetriesUntilItLands: a call whose creation fails twice with 40001 (at its audit
// record, after the call's row was written) is created on the third run, once, with one
// audit record.
func TestWriteRetriesUntilItLands(t *testing.T) {
	e, sleeps := pgEnv(t, "")
	failWrites(t, e, "audit_log", "40001", 2)
	before := e.footprint(t)
	c := e.newCall(t, desk.NewCall{Summary: "Printer on floor 2 jams"})
	after := e.footprint(t)
	if after.calls != before.calls+1 || after.audit != before.audit+1 {
		t.Errorf("footprint %+v after, %+v before: want one call and one audit record more", after, before)
	}
	if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE object_id = ?`, c.Ref); n != 1 {
		t.Errorf("%d audit records of %s, want 1", n, c.Ref)
	}
	if got := tries(t, e); got != 3 {
		t.Errorf("%d runs of the transaction, want 3", got)
	}
	if n := sleeps.Load(); n != 2 {
		t.Errorf("%d waits between runs, want 2", n)
	}
}

// TestWriteGivesUpOnPersistentConflicts: a write refused with 40001 on every run is run
// store.TxAttempts times and then fails with EUNAVAILABLE saying so, its cause the last
// refusal, having written nothing.
func TestWriteGivesUpOnPersistentConflicts(t *testing.T) {
	e, sleeps := pgEnv(t, "")
	c := e.newCall(t, desk.NewCall{})
	failWrites(t, e, "diary_entries", "40001", 1000)
	before := e.footprint(t)
	_, err := e.S.AddEntry(context.Background(), storetest.Actor(e.F.Ann), c.Ref, desk.EntryNote, "never saved")
	de := desk.AsError(err)
	if de == nil || de.Code != desk.EUNAVAILABLE || de.Message != store.Contended {
		t.Fatalf("err %v, want EUNAVAILABLE %q", err, store.Contended)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "40001" {
		t.Errorf("err %v does not carry the serialization failure", err)
	}
	if !strings.Contains(err.Error(), "5 runs") && store.TxAttempts == 5 {
		t.Errorf("err %q does not say how many runs", err)
	}
	if got := tries(t, e); got != store.TxAttempts {
		t.Errorf("%d runs, want %d", got, store.TxAttempts)
	}
	if n := sleeps.Load(); n != store.TxAttempts-1 {
		t.Errorf("%d waits, want %d", n, store.TxAttempts-1)
	}
	if after := e.footprint(t); after != before {
		t.Errorf("footprint %+v after a failed write, %+v before", after, before)
	}
}

// TestLocksAreRows: the sealer waits for the lock row 'seal' that another transaction holds
// (SELECT ... FOR UPDATE, no advisory lock) and seals once it is let go.
func TestLocksAreRows(t *testing.T) {
	e, _ := pgEnv(t, "")
	ctx := context.Background()
	e.newCall(t, desk.NewCall{})
	other, err := e.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	var name string
	if err := other.QueryRow(`SELECT name FROM locks WHERE name = 'seal' FOR UPDATE`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.S.SealAudit(ctx, 100, func(prev string, r desk.AuditRecord) string { return prev + "x" })
		done <- err
	}()
	waitForLockWait(t, e)
	select {
	case err := <-done:
		t.Fatalf("the sealer ran while the lock row was held (err %v)", err)
	default:
	}
	if n := e.DB.Count(t, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'`); n != 0 {
		t.Errorf("%d advisory locks held", n)
	}
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_pending`); n != 0 {
		t.Errorf("%d records left pending after the seal", n)
	}
}

// TestMigrateEmptyAtOnce: three instances migrating one empty PostgreSQL database at the same
// moment (the lock table does not exist yet) all succeed, and each migration is applied once.
func TestMigrateEmptyAtOnce(t *testing.T) {
	if !slices.Contains(storetest.Engines(t), "postgres") {
		t.Skip("PostgreSQL only")
	}
	ctx := context.Background()
	dsn := storetest.DSN(t, "postgres")
	errs := make(chan error, 3)
	applied := make(chan int, 3)
	for range 3 {
		go func() {
			s, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			v, err := s.Migrate(ctx)
			applied <- len(v)
			errs <- err
		}()
	}
	total := 0
	for range 3 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(applied)
	for n := range applied {
		total += n
	}
	raw := storetest.Raw(t, "postgres", dsn)
	versions := raw.Count(t, `SELECT COUNT(*) FROM schema_migrations`)
	if total != versions {
		t.Errorf("%d migrations applied by the three, %d recorded", total, versions)
	}
	if n := raw.Count(t, `SELECT COUNT(*) FROM locks`); n != 3 {
		t.Errorf("%d lock rows, want 3", n)
	}
}

// TestRetriedWriteStartsAfresh: a run that failed must leave nothing its next run trips on. A
// person's update refused once at its audit record (after it had counted the new version) is
// saved on the second run at the version the caller gave, not refused as a conflict.
func TestRetriedWriteStartsAfresh(t *testing.T) {
	e, sleeps := pgEnv(t, "")
	p := e.F.Dan
	p.Department = "Physics"
	failWrites(t, e, "audit_log", "40001", 1)
	got, err := e.S.UpdatePerson(context.Background(), e.F.Admin, p)
	if err != nil {
		t.Fatalf("update person: %v", err)
	}
	if got.Version != e.F.Dan.Version+1 || got.Department != "Physics" {
		t.Errorf("saved version %d department %q, want %d Physics", got.Version, got.Department, e.F.Dan.Version+1)
	}
	if n := sleeps.Load(); n != 1 {
		t.Errorf("%d retries, want 1", n)
	}
}
