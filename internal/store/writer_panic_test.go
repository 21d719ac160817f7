package store

import (
	"context"
	"testing"
	"time"
)

// A panic inside one write on SQLite's shared writer is raised again in its own caller; the
// writer rolls that write back and goes on serving the others.
func TestWriterSurvivesAPanickingWrite(t *testing.T) {
	ctx := context.Background()
	s := openWriterStore(t)
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("the caller got panic %v, want boom", p)
			}
		}()
		s.inTx(ctx, func(t *Tx) error {
			if _, err := t.exec(ctx, `INSERT INTO support_groups (name, mailbox, created_at) VALUES ('Ghost', '', 0)`); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	done := make(chan error, 1)
	go func() {
		done <- s.inTx(ctx, func(t *Tx) error {
			_, err := t.exec(ctx, `INSERT INTO support_groups (name, mailbox, created_at) VALUES ('Networks', '', 0)`)
			return err
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the write after a panic failed: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the write after a panic hangs: the writer is stuck")
	}
	groups, err := s.Groups(ctx)
	if err != nil || len(groups) != 1 || groups[0].Name != "Networks" {
		t.Errorf("groups %v (%v): the panicking write must leave nothing", groups, err)
	}
}

// A write run by another caller's goroutine (the writer of the batch that held it) raises its
// panic in its own caller too, and the other caller's write in the same batch commits. Played 20
// times over.
func TestWriterRaisesAPanicRunByAnotherCaller(t *testing.T) {
	ctx := context.Background()
	s := openWriterStore(t)
	for i := range 20 {
		entered, release := make(chan struct{}), make(chan struct{})
		go s.inTx(ctx, func(*Tx) error { close(entered); <-release; return nil }) // holds the writer
		<-entered
		plain, panicked := make(chan error, 1), make(chan any, 1)
		queued := func(n int) { // n writes queued, their callers waiting for the writer's role
			for s.Stats().Writer.Queued < n {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(10 * time.Millisecond)
		}
		// The plain write waits first, so it takes the writer's role first (a channel's waiting
		// senders are served in order) and runs the panicking write in its batch.
		go func() {
			plain <- s.inTx(ctx, func(t *Tx) error { _, err := t.exec(ctx, `SELECT 1`); return err })
		}()
		queued(1)
		go func() {
			defer func() { panicked <- recover() }()
			s.inTx(ctx, func(*Tx) error { panic("boom") })
		}()
		queued(2)
		close(release)
		if err := <-plain; err != nil {
			t.Fatalf("round %d: the plain write beside a panicking one failed: %v", i, err)
		}
		if p := <-panicked; p != "boom" {
			t.Fatalf("round %d: the panicking write's caller got panic %v, want boom", i, p)
		}
	}
}
