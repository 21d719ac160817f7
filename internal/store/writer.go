package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// sqliteWriter is SQLite's single writer. SQLite allows one writer at a time, so calldesk keeps
// one dedicated connection for writes, with its prepared statements cached (preparing was a third
// of the cost of logging a call), and group-commits: writes that arrive while another batch is
// committing run together in the next transaction, each inside its own SAVEPOINT. A write that
// fails rolls back to its savepoint and only its caller sees the error; a write is acknowledged
// only after the COMMIT that holds it, so every write and its audit record still commit or vanish
// together. After a batch of several writes the writer lingers a little for their callers' next
// writes (gather), so a busy desk commits them together rather than one by one.
type sqliteWriter struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt // used only while holding sem
	sem   chan struct{}        // held by the goroutine running batches
	ckpt  *sqliteCheckpointer  // checkpoints the WAL beside the writer (checkpoint.go)
	// upkeep merges the search index's segments between batches (search_upkeep.go); nil until
	// the store has opened.
	upkeep *searchUpkeep

	mu    sync.Mutex
	queue []*writeReq
	// arrived is signalled, without blocking, when a write joins the queue: the writer lingering
	// for writes (gather) wakes on it.
	arrived chan struct{}
	// linger bounds how long the writer waits for writes before a batch (gather); last is the
	// size of the batch before, touched only by the goroutine holding sem.
	linger time.Duration
	last   int

	// For monitoring (Store.Stats): batches run, writes they held, batches by size, and the time
	// spent running them (nanoseconds; not the wait for writes before a batch, gather).
	batches, writes, busy atomic.Int64
	sizes                 [batchBuckets]atomic.Int64
}

type writeReq struct {
	ctx      context.Context
	fn       func(*Tx) error
	err      error
	panicked any // a panic in fn, raised again in the caller's goroutine
	done     chan struct{}
}

// maxBatch bounds how many writes share one transaction, which bounds how long a caller waits.
const maxBatch = 64

// writerLinger is how long the writer waits, after a batch of several writes, for as many to be
// queued again (gather). A batch's COMMIT writes each page its writes changed once, however many
// writes changed it, and the statements around it (BEGIN, the search index's flush, COMMIT) run
// once a batch: with 8 API clients logging calls on a loaded machine the batches held 2.0-2.1
// creates without it and 5.8-6.0 with it, the server's CPU per create fell from 431-461 to
// 345-357 µs, and the rate rose from 1,595-1,946 to 2,226-2,308 a second. A desk with one write
// at a time never waits.
const writerLinger = time.Millisecond

func newSQLiteWriter(ctx context.Context, db *sql.DB, ckpt *sqliteCheckpointer) (*sqliteWriter, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &sqliteWriter{conn: conn, stmts: map[string]*sql.Stmt{}, sem: make(chan struct{}, 1), ckpt: ckpt,
		arrived: make(chan struct{}, 1), linger: writerLinger}, nil
}

// stats reads the writer's figures.
func (w *sqliteWriter) stats() WriterStats {
	w.mu.Lock()
	ws := WriterStats{Queued: len(w.queue)}
	w.mu.Unlock()
	ws.Batches, ws.Writes, ws.Busy = w.batches.Load(), w.writes.Load(), time.Duration(w.busy.Load())
	for i := range w.sizes {
		ws.BatchSizes[i] = w.sizes[i].Load()
	}
	return ws
}

// counted notes a batch of n writes (1 <= n <= maxBatch): its bucket is the smallest power of two
// at least n.
func (w *sqliteWriter) counted(n int) {
	w.batches.Add(1)
	w.writes.Add(int64(n))
	w.sizes[min(bits.Len(uint(n-1)), batchBuckets-1)].Add(1)
}

func (w *sqliteWriter) close() error {
	if w.upkeep != nil {
		w.upkeep.close() // its last step is a write: before the connection goes
	}
	for _, st := range w.stmts {
		st.Close()
	}
	return errors.Join(w.ckpt.close(), w.conn.Close())
}

// stmt returns the cached prepared statement for query.
func (w *sqliteWriter) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %.60q: %w", query, err)
	}
	w.stmts[query] = st
	return st, nil
}

// write queues fn and returns once the transaction holding it has committed or failed.
func (s *Store) writeSQLite(ctx context.Context, fn func(*Tx) error) error {
	w := s.w
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	w.mu.Lock()
	w.queue = append(w.queue, req)
	w.mu.Unlock()
	select {
	case w.arrived <- struct{}{}:
	default: // a signal is pending already
	}
	select {
	case <-req.done: // another caller's goroutine ran it, as the writer
		if req.panicked != nil {
			panic(req.panicked)
		}
		return req.err
	case w.sem <- struct{}{}:
	}
	// This goroutine is now the writer: it runs batches until one holds its own request, then
	// hands the role over (the queued writes wait for sem as this one did), so a caller is never
	// held up gathering others' writes after its own has committed.
	func() {
		defer func() { <-w.sem }()
		for {
			select {
			case <-req.done: // run by the writer before this one, or by this one's last batch
				return
			default:
			}
			w.gather()
			w.mu.Lock()
			n := min(len(w.queue), maxBatch)
			batch := w.queue[:n:n]
			w.queue = w.queue[n:]
			w.mu.Unlock()
			if n == 0 {
				return // not reached: req is queued until a batch takes it
			}
			w.counted(n)
			w.last = n
			start := time.Now()
			s.runBatch(batch)
			w.busy.Add(int64(time.Since(start)))
		}
	}()
	<-req.done
	if req.panicked != nil {
		panic(req.panicked)
	}
	return req.err
}

// gather waits, at most w.linger, until as many writes are queued as the last batch held. Each
// caller of a batch of several writes is likely to come back with its next write moments after
// its last one committed (an API client, an import, a console page's next action); waiting for
// them costs the first up to w.linger and makes one commit of theirs. After a batch of one, or
// with enough queued, it does not wait.
func (w *sqliteWriter) gather() {
	want := min(w.last, maxBatch)
	if w.linger <= 0 || want < 2 {
		return
	}
	var timer *time.Timer
	for {
		w.mu.Lock()
		n := len(w.queue)
		w.mu.Unlock()
		if n >= want {
			break
		}
		if timer == nil {
			timer = time.NewTimer(w.linger)
			defer timer.Stop()
		}
		select {
		case <-w.arrived:
			continue
		case <-timer.C:
		}
		break
	}
}

// runSafely runs a write function, turning a panic into an error for the batch (its savepoint is
// rolled back like any failed write) and keeping the panic to raise again in its caller.
func runSafely(r *writeReq, t *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.panicked = p
			err = fmt.Errorf("panic in a write: %v", p)
		}
	}()
	return r.fn(t)
}

func (s *Store) runBatch(batch []*writeReq) {
	w := s.w
	ctx := context.Background() // the batch must finish or roll back whole, whoever gives up
	finish := func(err error) {
		for _, r := range batch {
			if err != nil && r.err == nil {
				r.err = err
			}
			close(r.done)
		}
	}
	w.ckpt.beforeBatch(ctx, w.conn)
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		finish(fmt.Errorf("begin: %w", err))
		return
	}
	ok := 0
	index := &Tx{s: s, w: w, Now: s.Now()} // collects the search documents of the batch's writes
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if err := s.execSaved(ctx, "SAVEPOINT w"); err != nil {
			r.err = err
			continue
		}
		t := &Tx{s: s, w: w, Now: s.Now()}
		err := runSafely(r, t)
		if err == nil {
			for _, id := range t.index {
				index.indexLater(id, !containsID(t.replaced, id))
				if fc, ok := t.fresh[id]; ok {
					index.remember(id, fc)
				}
			}
			index.wroteCalls = index.wroteCalls || t.wroteCalls
			index.keys.merge(&t.keys)
		}
		if err != nil {
			r.err = err
			if rerr := s.execSaved(ctx, "ROLLBACK TO w"); rerr != nil {
				_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
				finish(fmt.Errorf("roll back a failed write: %w", rerr))
				return
			}
		} else {
			ok++
		}
		if err := s.execSaved(ctx, "RELEASE w"); err != nil {
			_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
			finish(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	// Outside every savepoint, so FTS5 writes the batch's documents as one segment.
	segment := len(index.index) > 0
	if err := index.flushIndex(ctx); err != nil {
		_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
		for _, r := range batch {
			r.err = err // nothing in the batch was written
		}
		finish(nil)
		return
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
		err = s.mapErr(fmt.Errorf("commit: %w", err))
		for _, r := range batch {
			r.err = err // nothing in the batch was written
		}
	} else {
		index.committed()
		w.ckpt.committed()
		if segment && w.upkeep != nil {
			w.upkeep.wrote()
		}
	}
	finish(nil)
}

func (s *Store) execSaved(ctx context.Context, q string) error {
	st, err := s.w.stmt(ctx, q)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx)
	return err
}

// row is a single-row result that may carry an error from preparing the statement.
type row struct {
	r   *sql.Row
	err error
	s   *Store // maps the error of a read outside a transaction (mapErr)
}

// Scan copies the row's columns into dest; sql.ErrNoRows when there was no row.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	err := r.r.Scan(dest...)
	if r.s != nil {
		err = r.s.mapErr(err)
	}
	return err
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
