package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
)

// A failing task is logged and retried at its next tick, and never stops another task; Run
// returns once its context ends.
func TestRunnerKeepsGoingAndStops(t *testing.T) {
	var logs storetest.SyncBuffer
	var good, bad atomic.Int32
	enough := make(chan struct{})
	var once sync.Once
	r := &Runner{Log: slog.New(slog.NewTextHandler(&logs, nil)), Tasks: []Task{
		{Name: "good", Interval: time.Millisecond, Run: func(context.Context) error {
			if good.Add(1) >= 5 && bad.Load() >= 3 {
				once.Do(func() { close(enough) })
			}
			return nil
		}},
		{Name: "bad", Interval: time.Millisecond, Run: func(context.Context) error {
			bad.Add(1)
			return errors.New("database unreachable")
		}},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { r.Run(ctx); close(stopped) }()
	select {
	case <-enough:
	case <-time.After(10 * time.Second):
		t.Fatalf("tasks did not keep running: good %d, bad %d", good.Load(), bad.Load())
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if !strings.Contains(logs.String(), "job=bad") || !strings.Contains(logs.String(), "database unreachable") {
		t.Errorf("the failure was not logged with the job's name: %q", logs.String())
	}
	if strings.Contains(logs.String(), "job=good") {
		t.Errorf("a task that succeeded was logged as failing: %q", logs.String())
	}
}
