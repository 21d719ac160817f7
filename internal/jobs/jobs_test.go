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

// observed records what an Observer is told.
type observed struct {
	mu        sync.Mutex
	scheduled map[string]time.Duration
	started   map[string]int
	finished  map[string]int
	failed    map[string]int
}

func (o *observed) Scheduled(task string, every time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.scheduled[task] = every
}

func (o *observed) Started(task string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.started[task]++
}

func (o *observed) Finished(task string, took time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.finished[task]++
	if err != nil {
		o.failed[task]++
	}
}

func (o *observed) counts(task string) (started, finished, failed int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.started[task], o.finished[task], o.failed[task]
}

// The observer hears of every task when the runner starts, and of every run as it starts and as
// it ends, failures with their error; a run cut short by the runner stopping is not a failure.
func TestRunnerTellsTheObserver(t *testing.T) {
	o := &observed{scheduled: map[string]time.Duration{}, started: map[string]int{}, finished: map[string]int{}, failed: map[string]int{}}
	enough := make(chan struct{})
	var once sync.Once
	var good atomic.Int32
	stuckStarted := make(chan struct{}, 1)
	r := &Runner{Log: slog.New(slog.NewTextHandler(&storetest.SyncBuffer{}, nil)), Observer: o, Tasks: []Task{
		{Name: "good", Interval: time.Millisecond, Run: func(context.Context) error {
			if good.Add(1) >= 3 {
				once.Do(func() { close(enough) })
			}
			return nil
		}},
		{Name: "bad", Interval: time.Millisecond, Run: func(context.Context) error { return errors.New("disk full") }},
		{Name: "stuck", Interval: time.Hour / 1000, Run: func(ctx context.Context) error {
			select {
			case stuckStarted <- struct{}{}:
			default:
			}
			<-ctx.Done()
			return ctx.Err()
		}},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { r.Run(ctx); close(stopped) }()
	select {
	case <-enough:
	case <-time.After(10 * time.Second):
		t.Fatal("the tasks did not run")
	}
	select {
	case <-stuckStarted:
	case <-time.After(10 * time.Second):
		t.Fatal("the stuck task did not start")
	}
	cancel()
	<-stopped
	if o.scheduled["good"] != time.Millisecond || o.scheduled["stuck"] != time.Hour/1000 || len(o.scheduled) != 3 {
		t.Errorf("scheduled = %v", o.scheduled)
	}
	if s, f, x := o.counts("good"); s < 3 || f != s || x != 0 {
		t.Errorf("good: started %d, finished %d, failed %d", s, f, x)
	}
	// Every run of bad failed, but for one the stop may have cut short (then not a failure).
	if s, f, x := o.counts("bad"); s < 1 || f != s || x < f-1 || x < 1 {
		t.Errorf("bad: started %d, finished %d, failed %d; every run failed", s, f, x)
	}
	if s, f, x := o.counts("stuck"); s != 1 || f != 1 || x != 0 {
		t.Errorf("stuck: started %d, finished %d, failed %d; cut short at stop is no failure", s, f, x)
	}
}
