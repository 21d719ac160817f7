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
}

// Run starts every task and blocks until ctx is done and every task has returned. A failing task
// is logged and tried again at its next tick; one task never stops another.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range r.Tasks {
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
					if err := t.Run(ctx); err != nil && ctx.Err() == nil {
						r.Log.Error("job failed", "job", t.Name, "err", err)
					}
				}
			}
		}()
	}
	wg.Wait()
}
