package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Secure electronic deletion (clause 23.5). A deleted row is gone from every query at once, but
// not from the database's files: SQLite leaves the pages it freed on its free list with their
// old bytes (secure_delete(FAST) zeroes deleted cells inside the pages it writes anyway, not the
// overflow pages of a large value, such as a file, which go to the free list whole), and the WAL
// keeps every page image written since it was last reset; PostgreSQL keeps the dead row versions
// in the table's pages until VACUUM removes them. An erasure and a retention sweep therefore
// mark "shred" due in their transaction (shredLater), and ShredIfDue, run by the job that
// compacts the search index right after the compaction, makes those bytes unreadable.

// shredLater asks ShredIfDue to run once this transaction commits.
func (t *Tx) shredLater(ctx context.Context) error {
	_, err := t.exec(ctx, t.s.d.shredMark())
	return err
}

// ShredIfDue makes the content that erasures and retention sweeps deleted since it last ran
// unreadable in the database's files, and says whether it ran. On SQLite it overwrites every
// free page of the file with zeros and checkpoints the WAL into the file, truncating the WAL to
// nothing (it holds the writer meanwhile: the time it takes to write the free pages twice). On
// PostgreSQL it analyses every table of the register of personal data (RegisterTables), so
// the planner statistics sample no deleted value, rewrites each (VACUUM (FULL)), which
// autovacuum (off on some servers) would not do, and then pg_statistic. Run it after
// CompactSearchIfDue, which frees the pages of the search index's old segments. The rewrites
// lock each table while it is copied: serve runs them on PostgreSQL only inside its
// --shred-window; the deletion itself is complete for every reader when it commits.
//
// On PostgreSQL it waits (answers false, staying due) while a transaction or snapshot older than
// the last deletion is open anywhere on the server (a long report, a pg_dump): VACUUM must keep
// the rows such a snapshot may still see. Seeing other sessions' snapshots takes a superuser or
// the pg_read_all_stats role; without it calldesk sees only the transactions that wrote.
//
// One instance shreds at a time: it holds a lease (the maintenance row "shred_lease", holding
// when the lease ends), renewed while it works, and the flag stays set until the work is done,
// so that when the instance dies mid-way another takes the work up once the lease has run out.
// A deletion committed while it runs leaves the flag set for the next run.
func (s *Store) ShredIfDue(ctx context.Context) (bool, error) {
	return s.ShredIfDueFor(ctx, ShredLease)
}

// ShredLease is how long a shredding instance holds the work without renewing its lease before
// another instance may take it up.
const ShredLease = 10 * time.Minute

// ShredIfDueFor is ShredIfDue with a lease of lease (ShredLease when 0).
func (s *Store) ShredIfDueFor(ctx context.Context, lease time.Duration) (bool, error) {
	if lease <= 0 {
		lease = ShredLease
	}
	var due int64
	if err := s.queryRow(ctx, `SELECT due FROM maintenance WHERE name = 'shred'`).Scan(&due); err != nil {
		return false, fmt.Errorf("shred: %w", err)
	}
	if due == 0 {
		return false, nil
	}
	claimed := false
	if err := s.inTx(ctx, func(t *Tx) error {
		claimed = false
		won, err := t.renewShredLease(ctx, lease, true)
		if err != nil || !won {
			return err
		}
		// Read again under the lease: another instance may have finished meanwhile.
		if err := t.queryRow(ctx, `SELECT due FROM maintenance WHERE name = 'shred'`).Scan(&due); err != nil {
			return err
		}
		claimed = due != 0
		return nil
	}); err != nil {
		return false, fmt.Errorf("shred: %w", err)
	}
	if !claimed {
		return false, nil // another instance holds the lease, or has done the work
	}
	release := func(ctx context.Context, t *Tx) error {
		_, err := t.exec(ctx, `UPDATE maintenance SET due = 0 WHERE name = 'shred_lease'`)
		return err
	}
	stop := s.shredHeartbeat(ctx, lease)
	run := func() error {
		// data_keys holds no personal data but its deleted rows are shredded keys (crypto-shredding):
		// their old versions must go from the files too.
		return s.withConn(ctx, func(c *sql.Conn) error {
			return s.d.shred(ctx, c, append(RegisterTables(s.d.name()), "data_keys"), due)
		})
	}
	var err error
	if s.w != nil {
		err = s.w.ckpt.exclusive(run) // the WAL's truncation must not meet the checkpointer's copy
	} else {
		err = run()
	}
	stop()
	if err != nil {
		var w shredWaitAfter
		if errors.As(err, &w) {
			due = max(due, w.after)
		}
		again := s.inTx(context.WithoutCancel(ctx), func(t *Tx) error {
			if _, err := t.exec(ctx, `UPDATE maintenance SET due = CASE WHEN due > ? THEN due ELSE ? END WHERE name = 'shred'`, due, due); err != nil {
				return err
			}
			return release(ctx, t)
		})
		if errors.Is(err, errShredWait) && again == nil {
			return false, nil
		}
		return false, errors.Join(fmt.Errorf("shred: %w", err), again)
	}
	if err := s.inTx(ctx, func(t *Tx) error {
		// Done: the flag is cleared unless a deletion since set it again (PostgreSQL's mark moves
		// it on; SQLite's writer was held throughout, so none came).
		if _, err := t.exec(ctx, `UPDATE maintenance SET due = 0 WHERE name = 'shred' AND due = ?`, due); err != nil {
			return err
		}
		// The row "shredded" holds, in due, when shredding last finished (microseconds since 1970).
		if _, err := t.exec(ctx, `INSERT INTO maintenance (name, due) VALUES ('shredded', ?)
			ON CONFLICT (name) DO UPDATE SET due = excluded.due`, s.Now().UnixMicro()); err != nil {
			return err
		}
		return release(ctx, t)
	}); err != nil {
		return true, fmt.Errorf("shred: done, but not recorded: %w", err)
	}
	return true, nil
}

// renewShredLease takes the shredding lease until lease from now when it is free (take) or,
// not taking, renews it; it says whether this instance holds it.
func (t *Tx) renewShredLease(ctx context.Context, lease time.Duration, take bool) (bool, error) {
	until := t.Now.Add(lease).UnixMicro()
	q := `UPDATE maintenance SET due = ? WHERE name = 'shred_lease'`
	args := []any{until}
	if take {
		q = `INSERT INTO maintenance (name, due) VALUES ('shred_lease', ?)
			ON CONFLICT (name) DO UPDATE SET due = excluded.due WHERE maintenance.due <= ?`
		args = append(args, t.Now.UnixMicro())
	}
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// shredHeartbeat renews the shredding lease every third of lease until stop is called. On
// SQLite the work holds the one writer, and one instance runs: there is nothing to renew.
func (s *Store) shredHeartbeat(ctx context.Context, lease time.Duration) (stop func()) {
	if s.w != nil {
		return func() {}
	}
	return Heartbeat(ctx, lease/3, func(ctx context.Context) {
		_ = s.inTx(ctx, func(t *Tx) error { // a renewal missed is tried again at the next beat
			_, err := t.renewShredLease(ctx, lease, false)
			return err
		})
	})
}

// ShredState is where shredding stands: whether deleted content waits for it, and when it
// last finished (zero: never).
type ShredState struct {
	Due    bool
	DoneAt time.Time
}

// Shred says where shredding stands.
func (s *Store) Shred(ctx context.Context) (ShredState, error) {
	var due, done int64
	if err := s.queryRow(ctx, `SELECT due, COALESCE((SELECT due FROM maintenance WHERE name = 'shredded'), 0)
		FROM maintenance WHERE name = 'shred'`).Scan(&due, &done); err != nil {
		return ShredState{}, fmt.Errorf("shred: %w", err)
	}
	st := ShredState{Due: due != 0}
	if done != 0 {
		st.DoneAt = time.UnixMicro(done).UTC()
	}
	return st, nil
}

// ShredDue says whether content deleted by an erasure or a retention sweep still waits for
// ShredIfDue.
func (s *Store) ShredDue(ctx context.Context) (bool, error) {
	var due int64
	if err := s.queryRow(ctx, `SELECT due FROM maintenance WHERE name = 'shred'`).Scan(&due); err != nil {
		return false, fmt.Errorf("shred: %w", err)
	}
	return due != 0, nil
}

// errShredWait is shred's answer when it cannot do its work yet: it stays due.
var errShredWait = errors.New("transactions older than the deletion are still running")

// shredWaitAfter is shred's answer when it did part of its work and must run again once the
// transactions older than transaction after have ended: it is due again from after.
type shredWaitAfter struct{ after int64 }

func (w shredWaitAfter) Error() string     { return errShredWait.Error() }
func (w shredWaitAfter) Is(err error) bool { return err == errShredWait }

// withConn runs fn on a connection of its own outside any transaction: on SQLite the writer's,
// held (other writes wait) until fn returns; on PostgreSQL one from the pool.
func (s *Store) withConn(ctx context.Context, fn func(c *sql.Conn) error) error {
	if s.w != nil {
		select {
		case s.w.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-s.w.sem }()
		return fn(s.w.conn)
	}
	c, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

// RegisterTables are the tables of engine ("sqlite" or "postgres") that hold a column of the
// register of personal data, sorted.
func RegisterTables(engine string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range Register() {
		if (c.Engine == "" || c.Engine == engine) && !seen[c.Table] {
			seen[c.Table] = true
			out = append(out, c.Table)
		}
	}
	sort.Strings(out)
	return out
}
