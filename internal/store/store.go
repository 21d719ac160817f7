// Package store holds all of calldesk's SQL. Open picks the engine from the DSN (a SQLite path or a
// postgres:// URL); both engines run the same statements, written once with ? placeholders and
// rebound for PostgreSQL, and differ only in dialect.go and the per-engine migrations.
//
// Every write runs in one transaction together with its audit record. Times are stored as Unix
// microseconds (UTC) on both engines, so ordering and comparisons are identical.
//
// # Personal data
//
// register.go is the register of personal data: every column that can hold it, with its
// category, whose it is, its retention class, its erasure treatment and its section of the
// subject access bundle; NotPersonalColumns lists the text columns that hold none, with why. A
// migration that adds a text, bytes or JSON column declares it there in the same commit, in one
// list or the other: TestRegisterCoversTheSchema reads the live schema of both engines and fails,
// naming the column, until it does.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/keys"
)

// Store is the database behind calldesk.
type Store struct {
	read      *sql.DB       // queries outside a write transaction
	write     *sql.DB       // write transactions; one connection on SQLite
	w         *sqliteWriter // SQLite only: the writer connection, statement cache and group commit
	d         dialect
	now       func() time.Time
	source    string       // SQLite: the connection string (without the pool's pragmas); a snapshot opens its own
	idleConns int          // PostgreSQL: the pool's idle connections, restored after dropIdle
	binds     sync.Map     // query text -> rebound text for the engine
	rstmts    sync.Map     // SQLite: query text -> statement prepared on the read pool
	nrstmts   atomic.Int64 // how many rstmts holds
	// sleep waits between the runs of a transaction retried (runTx); tests count and shorten it.
	sleep func(ctx context.Context, d time.Duration) error

	// callWrites counts the committed transactions that wrote calls; queues caches the queue counts
	// and is current while callWrites has not moved (see CountQueues).
	callWrites atomic.Int64
	queues     queueCache
	// sla is this instance's copy of the service-level configuration (sla_calls.go).
	sla slaCache
	// ring is the master keys (nil: content is written plain), keyCache the data keys unwrapped
	// (data_keys.go).
	ring     atomic.Pointer[keys.Ring]
	keyCache dataKeyCache
	// indexKey is the blind index's key, once read (search_blind.go); masterSeen the master key
	// this instance knows the database has registered (registerMaster).
	indexKey   atomic.Pointer[indexMAC]
	masterSeen atomic.Pointer[string]

	// afterRecheck, when set (by tests only), runs in a retention sweep batch's transaction
	// between its re-check and its action, with a way to write in that transaction.
	afterRecheck func(ctx context.Context, class string, ids []int64, exec func(query string, args ...any) error)
	// afterMergeStep, when set (by tests only), runs after each committed step of the search
	// index's incremental merge (search_upkeep.go).
	afterMergeStep func()
	// mergePages, when set (by tests only), replaces the pages a merge step writes.
	mergePages int
	// sealedDocs, when set (by tests only), sees the search documents indexSealedCalls writes.
	sealedDocs func(docs []callDoc)
}

// Options tune Open.
type Options struct {
	// Now is the clock; time.Now when nil. Tests and the demo inject their own.
	Now func() time.Time
	// ReadConns caps the read pool (default 4 on SQLite, 16 on PostgreSQL).
	ReadConns int
	// BusyTimeout is how long a SQLite write waits for a lock another process holds (a backup, a
	// sqlite3 shell) before it gives up as EUNAVAILABLE; default 10 s.
	BusyTimeout time.Duration
	// MustExist refuses, saying so, a SQLite path where there is no database file, instead of
	// creating an empty one: for the commands that only read. (A PostgreSQL database is never
	// created by Open.)
	MustExist bool
	// Keys are the master keys under which content marked Encrypted in the register is sealed
	// (issue 20 point 3); nil writes it plain. SetKeys replaces them.
	Keys *keys.Ring
}

// Open connects to the database named by dsn: a postgres:// or postgresql:// URL, or else a SQLite
// file path (created when missing, unless opt.MustExist). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Store{now: opt.Now, sleep: sleepCtx}
	s.ring.Store(opt.Keys)
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		err = s.openPostgres(ctx, dsn, opt) // sets s.d
	} else {
		s.d = sqliteDialect{}
		err = s.openSQLite(ctx, dsn, opt)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	var err error
	if s.w != nil {
		err = s.w.close()
	}
	s.rstmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	err = errors.Join(err, s.read.Close())
	if s.write != s.read {
		err = errors.Join(err, s.write.Close())
	}
	return err
}

// Optimize refreshes the query planner's statistics where they have gone stale.
func (s *Store) Optimize(ctx context.Context) error {
	return s.inTx(ctx, func(t *Tx) error { return s.d.optimize(ctx, t) })
}

// Engine is "sqlite" or "postgres".
func (s *Store) Engine() string { return s.d.name() }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now().UTC() }

// Tx is a write transaction with the fixed time of its start: every row it writes carries Now.
// On PostgreSQL it is a database/sql transaction; on SQLite, a savepoint on the writer connection.
type Tx struct {
	tx  *sql.Tx       // PostgreSQL
	w   *sqliteWriter // SQLite
	s   *Store
	Now time.Time

	// Calls whose search documents must be rebuilt before the transaction commits.
	index    []int64
	replaced []int64 // of index, those that had a document already
	// wroteCalls says the transaction created calls or changed their state, group or analyst:
	// cached queue counts are stale once it commits.
	wroteCalls bool
	// keys are the data keys this transaction read or made (data_keys.go), cached for its
	// later statements and, once it commits, for the store.
	keys txKeys
	// fresh holds the calls created in this transaction and not touched since (calls_sealed.go):
	// a sealed one's search document is built from its text as written, without reading the row
	// back and opening it, and a short one needs no overflow check.
	fresh map[int64]freshCall
}

// indexLater marks a call's search document for rebuilding at the end of the transaction;
// isNew says the call was created in it (so there is no old document to remove).
func (t *Tx) indexLater(callID int64, isNew bool) {
	// Whatever changed the call since it was created, its document is built from the database.
	delete(t.fresh, callID)
	for _, id := range t.index {
		if id == callID {
			return
		}
	}
	t.index = append(t.index, callID)
	if !isNew {
		t.replaced = append(t.replaced, callID)
	}
}

// committed is called once the transaction's writes are committed.
func (t *Tx) committed() {
	t.keys.committed(t.s)
	if t.wroteCalls {
		t.s.callWrites.Add(1)
	}
}

// flushIndex rebuilds the marked search documents.
func (t *Tx) flushIndex(ctx context.Context) error {
	if len(t.index) == 0 {
		return nil
	}
	ids, replaced, err := t.indexSealedCalls(ctx, t.index, t.replaced)
	if err != nil {
		return fmt.Errorf("index calls: %w", err)
	}
	if len(ids) > 0 {
		if err := t.s.d.reindexCalls(ctx, t, ids, replaced); err != nil {
			return fmt.Errorf("index calls: %w", err)
		}
	}
	// A call created in this transaction and not touched since has no diary and a description of
	// known length: when that is short its text fits, and it needs no look.
	long := make([]int64, 0, len(t.index))
	for _, id := range t.index {
		if fc, ok := t.fresh[id]; !ok || fc.descLen >= overflowAt {
			long = append(long, id)
		}
	}
	if len(long) > 0 {
		if err := t.markOverflow(ctx, `c.id IN `+t.s.d.idSet(), t.s.d.idSetArg(long)); err != nil {
			return err
		}
	}
	t.index, t.replaced, t.fresh = nil, nil, nil
	return nil
}

// overflowAt is the length of a description or a diary from which a call's text may not fit in
// its search document (maxCallDoc: 200,000 characters): such a call is listed in
// search_overflow, and the mention finder reads it whole instead of trusting the index.
const overflowAt = 95000

// markOverflow lists in search_overflow the calls matching where (c is calls) whose text may not
// fit in their search document.
func (t *Tx) markOverflow(ctx context.Context, where string, args ...any) error {
	_, err := t.exec(ctx, `INSERT INTO search_overflow (call_id) SELECT c.id FROM calls c WHERE `+where+`
		AND (length(c.description) >= `+strconv.Itoa(overflowAt)+` OR COALESCE((SELECT SUM(length(d.body)) FROM diary_entries d WHERE d.call_id = c.id), 0) >= `+strconv.Itoa(overflowAt)+`)
		ON CONFLICT (call_id) DO NOTHING`, args...)
	if err != nil {
		return fmt.Errorf("mark long calls: %w", err)
	}
	return nil
}

// jsonIDs renders ids as a JSON array, for SQLite's json_each.
func jsonIDs(ids []int64) string { return "[" + joinIDs(ids) + "]" }

// inTx runs fn in a write transaction, committing when fn returns nil and rolling back otherwise.
// A database that cannot serve just now is EUNAVAILABLE (mapErr).
//
// fn may run more than once (runTx retries a transaction PostgreSQL refused as conflicting), so it
// must be safe to run again from the start: it may set variables of its caller (a result, a
// count) but must set them afresh on each run (assign, or reset before appending or counting,
// never add to what an earlier run left), must not change its caller's inputs (work on a copy),
// and must have no effect outside the transaction (no mail sent, no file written, nothing sent
// to a client): everything it does is in the transaction, which a failed run rolled back.
func (s *Store) inTx(ctx context.Context, fn func(*Tx) error) error {
	return s.mapErr(s.runTx(ctx, fn))
}

// txAttempts bounds how many times runTx runs a transaction that PostgreSQL keeps refusing as
// conflicting with others; txBackoff is the wait before the second run, doubled before each
// next one, jittered (a random wait between half and all of it) so that the transactions that
// conflicted do not meet again: at most about 10+20+40+80 ms in all.
const (
	txAttempts = 5
	txBackoff  = 10 * time.Millisecond
)

// Contended is the message of the EUNAVAILABLE error of a write that conflicted with others on
// every one of its txAttempts runs.
const Contended = "the service desk is too busy to save this just now (it clashed with other changes each time it was tried); nothing you sent was half-saved: try again in a moment"

// runTx runs fn in a transaction (see inTx). On PostgreSQL a transaction refused as conflicting
// with another (dialect.retryable: SQLSTATE 40001 serialization_failure, 40P01 deadlock_detected),
// at any statement or at COMMIT, was rolled back whole by the server and is run again from BEGIN
// on a new transaction, up to txAttempts runs in all, with a jittered backoff (s.sleep) between
// them; after the last it gives up with EUNAVAILABLE (Contended), its cause the last refusal. This
// is the one place where write transactions start, so every write retries alike, before anything
// was sent to the client: a store method returns only after its transaction has committed or
// failed for good. (A transaction whose COMMIT was cut off is not retried: whether it committed
// is unknown.) On SQLite the one writer runs each transaction alone and nothing conflicts.
func (s *Store) runTx(ctx context.Context, fn func(*Tx) error) error {
	if s.w != nil {
		return s.writeSQLite(ctx, fn)
	}
	wait := txBackoff
	for attempt := 1; ; attempt++ {
		err := s.runTxOnce(ctx, fn)
		if err == nil || !s.d.retryable(err) {
			return err
		}
		if attempt == txAttempts {
			return &desk.Error{Code: desk.EUNAVAILABLE, Message: Contended,
				Cause: fmt.Errorf("the transaction conflicted with others on each of %d runs; the last: %w", attempt, err)}
		}
		if serr := s.sleep(ctx, wait/2+rand.N(wait/2+1)); serr != nil {
			return errors.Join(err, serr)
		}
		wait *= 2
	}
}

// sleepCtx waits d, or until ctx ends: the Store's sleep but in tests.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runTxOnce runs fn in one PostgreSQL transaction.
func (s *Store) runTxOnce(ctx context.Context, fn func(*Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil && s.d.connLost(err) {
		// A pooled connection whose backend was terminated fails at BEGIN, before anything was
		// sent that could have done something: drop the idle ones (likely dead alike) and
		// begin once more on a new connection.
		s.dropIdle()
		tx, err = s.write.BeginTx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &Tx{tx: tx, s: s, Now: s.Now()}
	if err := fn(t); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := t.flushIndex(ctx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.mapErr(fmt.Errorf("commit: %w", err))
	}
	t.committed()
	return nil
}

func (s *Store) q(query string) string {
	if v, ok := s.binds.Load(query); ok {
		return v.(string)
	}
	r := s.d.rebind(query)
	s.binds.Store(query, r)
	return r
}

func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := fitArgs(args); err != nil {
		return nil, err
	}
	if t.w != nil {
		ctx = writerCtx(ctx)
		st, err := t.w.stmt(ctx, query)
		if err != nil {
			return nil, err
		}
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.s.q(query), args...)
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := fitArgs(args); err != nil {
		return nil, err
	}
	if t.w != nil {
		ctx = writerCtx(ctx)
		st, err := t.w.stmt(ctx, query)
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.s.q(query), args...)
}

func (t *Tx) queryRow(ctx context.Context, query string, args ...any) row {
	if err := fitArgs(args); err != nil {
		return row{err: err}
	}
	if t.w != nil {
		ctx = writerCtx(ctx)
		st, err := t.w.stmt(ctx, query)
		if err != nil {
			return row{err: err}
		}
		return row{r: st.QueryRowContext(ctx, args...)}
	}
	return row{r: t.tx.QueryRowContext(ctx, t.s.q(query), args...)}
}

// fitArgs refuses a statement any of whose text arguments holds a NUL character or bytes that
// are not UTF-8 (desk.TextProblem), the last line of defence behind the checks of every way in:
// PostgreSQL would answer with an error (a 500), SQLite would store them silently; both refuse
// them alike, as EINVALID.
func fitArgs(args []any) error {
	for _, a := range args {
		if s, ok := a.(string); ok {
			if p := desk.TextProblem(s); p != "" {
				return desk.Errorf(desk.EINVALID, "a text sent %s", p)
			}
		}
	}
	return nil
}

// writerCtx detaches a statement on SQLite's shared writer from its caller's cancellation. The
// driver interrupts a statement whose context ends, and SQLite answers an interrupted write by
// rolling back the whole transaction: that would undo the other callers' writes committed with
// it in the same batch and fail them too. A write that has started is short and runs to its end;
// a caller who gave up before it started is refused before it runs (runBatch).
func writerCtx(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// execScript runs several statements at once, uncached (migrations).
func (t *Tx) execScript(ctx context.Context, script string) error {
	var err error
	if t.w != nil {
		_, err = t.w.conn.ExecContext(ctx, script)
	} else {
		_, err = t.tx.ExecContext(ctx, script)
	}
	return err
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := fitArgs(args); err != nil {
		return nil, err
	}
	if s.w != nil {
		st, err := s.readStmt(ctx, query)
		if err != nil {
			return nil, s.mapErr(err)
		}
		if st != nil {
			rows, err := st.QueryContext(ctx, args...)
			return rows, s.mapErr(err)
		}
	}
	rows, err := s.read.QueryContext(ctx, s.q(query), args...)
	if err != nil && s.d.connLost(err) {
		// A read changes nothing: on a connection that died in the pool it is simply asked
		// again, once, on a new one.
		s.dropIdle()
		rows, err = s.read.QueryContext(ctx, s.q(query), args...)
	}
	return rows, s.mapErr(err)
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) row {
	if err := fitArgs(args); err != nil {
		return row{err: err}
	}
	if s.w != nil {
		st, err := s.readStmt(ctx, query)
		if err != nil {
			return row{err: s.mapErr(err)}
		}
		if st != nil {
			return row{r: st.QueryRowContext(ctx, args...), s: s}
		}
	}
	r := s.read.QueryRowContext(ctx, s.q(query), args...)
	if err := r.Err(); err != nil && s.d.connLost(err) {
		s.dropIdle() // as in query
		r = s.read.QueryRowContext(ctx, s.q(query), args...)
	}
	return row{r: r, s: s}
}

// dropIdle closes the idle connections of the PostgreSQL pool, after one of them was found dead:
// when the server terminated one it has usually terminated them all.
func (s *Store) dropIdle() {
	s.write.SetMaxIdleConns(0)
	s.write.SetMaxIdleConns(s.idleConns)
}

// maxReadStmts bounds the read pool's statement cache: queries whose text varies with their
// input (an IN list of n ids) must not grow it without end.
const maxReadStmts = 1000

// readStmt returns the SQLite read pool's prepared statement for query, preparing it once;
// database/sql then prepares it on each pooled connection the first time that connection runs it.
// (pgx caches prepared statements per connection by itself.) It returns nil, to run the query
// unprepared, once the cache is full.
func (s *Store) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := s.rstmts.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	if s.nrstmts.Load() >= maxReadStmts {
		return nil, nil
	}
	st, err := s.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %.60q: %w", query, err)
	}
	if v, loaded := s.rstmts.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	s.nrstmts.Add(1)
	return st, nil
}

// mapErr turns driver errors into domain errors: constraint errors, and a database that cannot
// serve just now (unreachable, shutting down, disk full, locked) into EUNAVAILABLE, which the web
// answers with 503 and Retry-After; other errors (sql.ErrNoRows among them) pass through.
func (s *Store) mapErr(err error) error {
	if err == nil || desk.AsError(err) != nil {
		return err
	}
	if s.d.unavailable(err) {
		return &desk.Error{Code: desk.EUNAVAILABLE, Message: Unavailable, Cause: err}
	}
	switch s.d.constraint(err) {
	case constraintUnique:
		return &desk.Error{Code: desk.ECONFLICT, Message: "that already exists"}
	case constraintForeignKey:
		return &desk.Error{Code: desk.EINVALID, Message: "it refers to something that does not exist"}
	case constraintText:
		return &desk.Error{Code: desk.EINVALID, Message: "a text sent holds a character that cannot be stored (a NUL, or bytes that are not UTF-8); remove it"}
	}
	return err
}

// Unavailable is the message of an EUNAVAILABLE error: what a person is told while the database
// cannot serve.
const Unavailable = "the service desk is briefly unavailable (its database cannot be reached just now); nothing you sent was half-saved: try again in a minute"

// micros stores a time as Unix microseconds; the zero time is NULL.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros reads a nullable microsecond time.
func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid || v.Int64 == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// nullID stores an optional reference: 0 is NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func notFound(format string, args ...any) error {
	return desk.Errorf(desk.ENOTFOUND, format, args...)
}
