package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// SQLite's WAL is copied into the database file by the checkpointer beside the writer, not by
// the writer's own COMMITs (issue 22 point 2: checkpoints out of the writer's critical path): the
// writer's connection has automatic checkpoints off, the database file still receives what was
// written, and the WAL stays bounded while writes go on, as it did with automatic checkpoints.
func TestCheckpointsBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var auto int
	if err := s.w.conn.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Errorf("the writer's wal_autocheckpoint is %d: its COMMITs still checkpoint", auto)
	}
	if err := s.inTx(ctx, func(t *Tx) error { return t.execScript(ctx, `CREATE TABLE scratch (b BLOB)`) }); err != nil {
		t.Fatal(err)
	}
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	base := size(path)
	// 40 rounds of 25 commits of 16 pages each: 16,000 pages (64 MB) through the WAL. Without
	// checkpoints it would hold them all.
	const page, rounds, commits, pages = 4096, 40, 25, 16
	var most int64
	for r := 0; r < rounds; r++ {
		for i := 0; i < commits; i++ {
			if err := s.inTx(ctx, func(t *Tx) error {
				_, err := t.exec(ctx, `INSERT INTO scratch (b) VALUES (randomblob(?))`, pages*page-200)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		most = max(most, size(path+"-wal"))
		time.Sleep(20 * time.Millisecond)
	}
	written := int64(rounds * commits * pages * page)
	t.Logf("the WAL reached %d bytes while %d were written", most, written)
	if most > 3*restartFrames*page {
		t.Errorf("the WAL reached %d bytes for %d written: it is not being checkpointed", most, written)
	}
	// Once writes stop, the database file holds them all within the checkpointer's idle look.
	deadline := time.Now().Add(3 * checkpointIdle)
	for size(path)-base < written*9/10 {
		if time.Now().After(deadline) {
			t.Fatalf("the database file grew by %d bytes of the %d written: the WAL was not copied into it", size(path)-base, written)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
