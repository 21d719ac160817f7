package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// openWriterStore opens a migrated SQLite store for the writer's tests.
func openWriterStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "calldesk.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func noopWrite(ctx context.Context, s *Store) error {
	return s.inTx(ctx, func(t *Tx) error { _, err := t.exec(ctx, `SELECT 1`); return err })
}

// After a batch of three, the writer waits for three writes and commits them together, though
// they come 20 ms apart (each alone would have been a batch of its own), and stops waiting as
// soon as the third is queued, long before its linger.
func TestWriterGathersTheNextBatch(t *testing.T) {
	ctx := context.Background()
	s := openWriterStore(t)
	s.w.linger = 5 * time.Second
	s.w.last = 3 // as after a batch of three (the writer's own field: no write runs now)
	before := s.Stats().Writer
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 20 * time.Millisecond)
			if err := noopWrite(ctx, s); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	w := s.Stats().Writer
	if w.Writes-before.Writes != 3 || w.Batches-before.Batches != 1 {
		t.Errorf("3 writes 20 ms apart after a batch of 3 made %d batches of %d writes in all; want one batch of 3",
			w.Batches-before.Batches, w.Writes-before.Writes)
	}
	if took > 2*time.Second {
		t.Errorf("the 3 writes took %v: the writer waited for its linger (%v) after the third came", took, s.w.linger)
	}
}

// After a batch of one the writer does not wait: a desk with one write at a time is not slowed.
func TestWriterDoesNotWaitAfterABatchOfOne(t *testing.T) {
	ctx := context.Background()
	s := openWriterStore(t)
	s.w.linger = 5 * time.Second
	for i := range 3 {
		start := time.Now()
		if err := noopWrite(ctx, s); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("write %d alone took %v: the writer waited for its linger (%v)", i+1, took, s.w.linger)
		}
	}
}

// When the writes it waits for do not come, the writer commits what it has after its linger,
// and the next write alone does not wait again.
func TestWriterWaitsAtMostItsLinger(t *testing.T) {
	ctx := context.Background()
	s := openWriterStore(t)
	s.w.linger = 100 * time.Millisecond
	s.w.last = 4
	start := time.Now()
	if err := noopWrite(ctx, s); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < s.w.linger {
		t.Errorf("a write after a batch of 4 took %v: the writer did not wait for more (linger %v)", took, s.w.linger)
	}
	s.w.linger = 5 * time.Second // a wait now would show
	start = time.Now()
	if err := noopWrite(ctx, s); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the next write alone took %v: after a batch of one the writer must not wait", took)
	}
}

// The writer's busy time counts the time its transactions ran, not its wait for writes before a
// batch: a write that takes 50 ms adds at least that; one alone after a batch of four, for which
// the writer waits 300 ms for three more that never come, adds far less than the wait.
func TestWriterBusyTime(t *testing.T) {
	ctx := context.Background()
	s := openWriterStore(t)
	before := s.Stats().Writer.Busy
	if err := s.inTx(ctx, func(t *Tx) error {
		time.Sleep(50 * time.Millisecond)
		_, err := t.exec(ctx, `SELECT 1`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	slow := s.Stats().Writer.Busy - before
	if slow < 50*time.Millisecond {
		t.Errorf("a write of 50 ms added %v to the writer's busy time", slow)
	}
	s.w.linger = 300 * time.Millisecond
	s.w.last = 4
	before = s.Stats().Writer.Busy
	start := time.Now()
	if err := noopWrite(ctx, s); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if took < s.w.linger {
		t.Fatalf("the write took %v: the writer did not wait for more (linger %v)", took, s.w.linger)
	}
	if busy := s.Stats().Writer.Busy - before; busy > 200*time.Millisecond {
		t.Errorf("a write for which the writer waited %v for others added %v to the busy time", took, busy)
	}
}
