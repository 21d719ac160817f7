package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// sqliteCheckpointer copies the WAL's pages into the database file beside the writer instead of
// inside it. SQLite's automatic checkpoint runs in the connection that commits, so every thousand
// pages one writer's COMMIT also copied the log into the file and waited for its fsync while the
// next batch queued behind it (7-10% of the single writer's time when logging calls). The writer
// connection has wal_autocheckpoint off and tells the checkpointer after each commit; the
// checkpointer runs a PASSIVE checkpoint on its own connection, at most every checkpointGap, which
// never blocks the writer or a reader and copies what no reader still needs.
//
// SQLite starts the log from its beginning again only when a write transaction begins with every
// frame already copied, which a checkpoint running beside a busy writer almost never sees. So once
// the log holds restartFrames, the checkpointer asks the writer (restart) to copy the few frames
// written since, itself, between two batches: its next batch then writes from the start of the
// file, and the WAL stays bounded as it did with automatic checkpoints, for a fraction of their
// cost in the writer.
type sqliteCheckpointer struct {
	db   *sql.DB
	kick chan struct{} // a commit happened; capacity 1, so kicks while busy coalesce
	// mu is held while the checkpointer checkpoints, and by exclusive: a checkpoint of the
	// shredder's (TRUNCATE) must not find this one running, or SQLite answers it busy at once.
	mu sync.Mutex
	// restart asks the writer to finish a checkpoint before its next batch (runBatch).
	restart atomic.Bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// checkpointGap is the least time between two checkpoints while writes keep coming: about the
// thousand pages at which SQLite's automatic checkpoint runs, at the write rates of a busy desk.
const checkpointGap = 100 * time.Millisecond

// checkpointIdle is how often the checkpointer looks unbidden, for a commit that did not tell it
// (one made on the writer's connection outside a batch or a bulk load: a migration, a shred).
const checkpointIdle = 5 * time.Second

// restartFrames is the WAL's length (in 4 KiB pages) at which the writer is asked to finish a
// checkpoint so the log can start again from its beginning.
const restartFrames = 2048

func newSQLiteCheckpointer(ctx context.Context, dsn string) (*sqliteCheckpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	run, cancel := context.WithCancel(context.Background())
	c := &sqliteCheckpointer{db: db, kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go c.loop(run)
	return c, nil
}

// committed tells the checkpointer the WAL has grown; it never waits.
func (c *sqliteCheckpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *sqliteCheckpointer) loop(ctx context.Context) {
	defer close(c.done)
	gap := time.NewTimer(0)
	defer gap.Stop()
	idle := time.NewTicker(checkpointIdle)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		case <-idle.C:
		}
		// A failed checkpoint (a disk error, say) is tried again at the next commit; the writer's
		// own COMMIT reports the disk's state to its callers.
		_ = c.checkpoint(ctx)
		gap.Reset(checkpointGap)
		select {
		case <-ctx.Done():
			return
		case <-gap.C:
		}
	}
}

// checkpoint copies what it can of the WAL into the database file, without waiting for anyone.
func (c *sqliteCheckpointer) checkpoint(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	logged, err := checkpointWAL(ctx, c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`))
	if err == nil && logged >= restartFrames {
		c.restart.Store(true)
	}
	return err
}

// checkpointWAL reads a wal_checkpoint's answer: how many frames the log holds.
func checkpointWAL(ctx context.Context, r *sql.Row) (logged int, err error) {
	var busy, moved int
	if err := r.Scan(&busy, &logged, &moved); err != nil {
		return 0, fmt.Errorf("checkpoint: %w", err)
	}
	return logged, nil
}

// beforeBatch runs on the writer's connection before a batch begins: when the checkpointer asked,
// it copies what the checkpointer has not, so the batch starts the log again.
func (c *sqliteCheckpointer) beforeBatch(ctx context.Context, conn *sql.Conn) {
	if c.restart.CompareAndSwap(true, false) {
		// A failure leaves the log to grow until the next request; the batch goes on regardless.
		_, _ = checkpointWAL(ctx, conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`))
	}
}

// exclusive runs fn with the checkpointer paused: shredding truncates the WAL with a checkpoint
// of its own, which a PASSIVE one running beside it would make fail as busy.
func (c *sqliteCheckpointer) exclusive(fn func() error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fn()
}

// close stops the checkpointer and closes its connection; the last connection to close copies
// what is left.
func (c *sqliteCheckpointer) close() error {
	c.cancel()
	<-c.done
	return c.db.Close()
}
