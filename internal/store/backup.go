package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	"calldesk/internal/desk"
)

// SnapshotSQLite writes a consistent copy of the SQLite database, as it stands at one moment,
// to a new file at path (VACUUM INTO: writers go on meanwhile; the copy is compact and holds
// none of the free pages' old bytes), without the data keys (dropDataKeys). It runs on a
// connection of its own: the read pool's are query-only.
func (s *Store) SnapshotSQLite(ctx context.Context, path string) error {
	if s.Engine() != "sqlite" {
		return fmt.Errorf("a SQLite snapshot of a %s database", s.Engine())
	}
	db, err := sql.Open("sqlite", s.source+"&mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("snapshot the database into %s: %w", path, err)
	}
	return dropDataKeys(ctx, path)
}

// dropDataKeys deletes the data keys from the snapshot at path so that none of their bytes is
// left in the file: a database backup never holds them (they go to a key backup, kept for a
// shorter time, so that a shredded key does not live on in old backups; data_keys_backup.go).
// secure_delete ON zeroes the deleted rows and the pages freed (FAST, the store's, would leave
// freed pages as they were), at the cost of the data keys' pages alone: no VACUUM of the whole
// file, which would double a backup's time. The snapshot is in rollback-journal mode, so when
// the connection closes nothing but the file itself is left.
func dropDataKeys(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+url.PathEscape(path))
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, q := range []string{`PRAGMA journal_mode = DELETE`, `PRAGMA secure_delete = ON`, `DELETE FROM data_keys`} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("leave the data keys out of the snapshot (%s): %w", q, err)
		}
	}
	return nil
}

// EmptyDatabase reports whether the database holds no tables (a restore's target must not).
func (s *Store) EmptyDatabase(ctx context.Context) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`
	if s.Engine() == "postgres" {
		q = `SELECT COUNT(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`
	}
	var n int
	if err := s.queryRow(ctx, q).Scan(&n); err != nil {
		return false, err
	}
	return n == 0, nil
}

// ClaimBackup takes the next scheduled backup for this instance when it is due (the maintenance
// row "backup_next" holds when, in Unix microseconds), moving the next one every later: of
// several instances, one takes each. A backup that fails is retried after retry (RetryBackup).
func (s *Store) ClaimBackup(ctx context.Context, every time.Duration) (bool, error) {
	claimed := false
	err := s.inTx(ctx, func(t *Tx) error {
		now := t.Now.UnixMicro()
		if _, err := t.exec(ctx, `INSERT INTO maintenance (name, due) VALUES ('backup_next', 0) ON CONFLICT (name) DO NOTHING`); err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE maintenance SET due = ? WHERE name = 'backup_next' AND due <= ?`, now+every.Microseconds(), now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	return claimed, err
}

// RetryBackup brings the next scheduled backup forward to after (from now), when it is later.
func (s *Store) RetryBackup(ctx context.Context, after time.Duration) error {
	return s.inTx(ctx, func(t *Tx) error {
		at := t.Now.Add(after).UnixMicro()
		_, err := t.exec(ctx, `UPDATE maintenance SET due = ? WHERE name = 'backup_next' AND due > ?`, at, at)
		return err
	})
}

// NoteBackup records a backup or a restore (action "backup.write", "backup.restore") in the
// audit trail: by whom (desk.System for the schedule or the command line), where, and of what.
func (s *Store) NoteBackup(ctx context.Context, actor desk.Actor, action, where, detail string) error {
	return s.inTx(ctx, func(t *Tx) error {
		return t.audit(ctx, actor, action, "backup", where, nil, detail)
	})
}
