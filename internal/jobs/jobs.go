// Package jobs runs calldesk's periodic tasks (sealing the audit trail, taking calls off hold,
// closing resolved calls) inside the server process. Every task is safe to run on several
// instances at once: each one either takes a database lock or re-checks state per call, so a
// shared PostgreSQL needs no leader election.
package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Task is a named piece of periodic work.
type Task struct {
	Name     string
	Interval time.Duration
	Run      func(ctx context.Context) error
}

// Runner runs tasks on their intervals until its context ends.
type Runner struct {
	Log   *slog.Logger
	Tasks []Task
	// Observer, when set, is told of every task and every run: the monitor uses it to say a task
	// has stopped running (readiness) and to count runs, failures and their duration (metrics).
	Observer Observer
}

// Observer learns what a Runner does. Its methods are called from the tasks' goroutines, so they
// must be safe for concurrent use, and quick: they run between a task's runs.
type Observer interface {
	// Scheduled is called once per task when Run starts, with how often the task runs.
	Scheduled(task string, every time.Duration)
	// Started is called as a run of the task begins.
	Started(task string)
	// Finished is called as the run ends, with how long it took and its error (nil when it
	// succeeded, or when it was cut short because the runner is stopping).
	Finished(task string, took time.Duration, err error)
}

// Run starts every task and blocks until ctx is done and every task has returned. A failing task
// is logged and tried again at its next tick; one task never stops another.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range r.Tasks {
		if r.Observer != nil {
			r.Observer.Scheduled(t.Name, t.Interval)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(t.Interval)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					r.run(ctx, t)
				}
			}
		}()
	}
	wg.Wait()
}

// run runs t once, logging its failure and telling the observer.
func (r *Runner) run(ctx context.Context, t Task) {
	if r.Observer != nil {
		r.Observer.Started(t.Name)
	}
	start := time.Now()
	err := t.Run(ctx)
	took := time.Since(start)
	if err != nil && ctx.Err() != nil {
		err = nil // stopping, not failing
	}
	if err != nil {
		r.Log.Error("job failed", "job", t.Name, "err", err)
	}
	if r.Observer != nil {
		r.Observer.Finished(t.Name, took, err)
	}
}
