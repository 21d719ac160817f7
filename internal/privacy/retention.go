package privacy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Retention carries out the retention schedule against a store.
type Retention struct {
	Store *store.Store
	// Now is the clock the cutoffs are counted from; the store's clock when nil.
	Now func() time.Time
	// Zone is the desk's zone, in which an erasure's decision gives the day a leaver left (UTC
	// when zero): the DPO reads it on the person's page.
	Zone desk.Zone
	// Lease is how long a real sweep may go without its heartbeat before another instance takes
	// it for dead and sweeps again (store.SweepLease when zero); the sweep renews it every
	// third of that.
	Lease time.Duration
	// Log, when set, is told when a real sweep starts.
	Log *slog.Logger
}

// DailyInterval is how long after the start of the last real sweep the daily task runs again.
const DailyInterval = 24 * time.Hour

func (r Retention) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return r.Store.Now()
}

// Sweep runs the schedule once as actor (dry: only counts) and returns the run with its report,
// which it also keeps. It refuses (ECONFLICT) while another real sweep is running.
func (r Retention) Sweep(ctx context.Context, actor desk.Actor, dry bool) (store.RetentionRun, error) {
	return r.sweep(ctx, actor, dry, 0)
}

// Daily runs a real sweep when the last one started more than DailyInterval ago and none is
// running (on any instance), and reports whether it ran.
func (r Retention) Daily(ctx context.Context) (bool, error) {
	run, err := r.sweep(ctx, desk.System("retention"), false, DailyInterval)
	return run.ID != 0, err
}

func (r Retention) sweep(ctx context.Context, actor desk.Actor, dry bool, every time.Duration) (store.RetentionRun, error) {
	run := store.RetentionRun{DryRun: dry, By: actor.Name, State: "running", StartedAt: r.now()}
	rules, err := r.Store.RetentionRules(ctx)
	if err != nil {
		return run, err
	}
	lease := r.Lease
	if lease <= 0 {
		lease = store.SweepLease
	}
	id, ok, err := r.Store.StartRetentionRun(ctx, actor.Name, dry, every, lease)
	if err != nil || !ok {
		return run, err
	}
	run.ID = id
	if !dry {
		if r.Log != nil {
			r.Log.Info("retention sweep started", "run", id)
		}
		stop := r.heartbeat(ctx, id, lease)
		defer stop()
	}
	plan := store.NewRetentionPlan(rules, run.StartedAt)
	var failure error
	for _, rule := range rules {
		line, err := r.sweepClass(ctx, actor, plan, rule.Class, dry)
		run.Lines = append(run.Lines, line)
		var some someFailed
		if errors.As(err, &some) {
			// Some records of the class could not be done: the line says which; the other
			// classes are still due.
			failure = errors.Join(failure, err)
			continue
		}
		if err != nil {
			failure = errors.Join(failure, err)
			break
		}
	}
	// The report is kept even when the sweep is cut short or its context ends.
	if err := r.Store.FinishRetentionRun(context.WithoutCancel(ctx), id, run.Lines, failure); err != nil {
		return run, errors.Join(failure, err)
	}
	run.State, run.FinishedAt = "done", r.now()
	if failure != nil {
		run.State, run.Error = "failed", failure.Error()
	}
	if !dry {
		// A sweep rewrites or deletes many rows: the planner's statistics are refreshed now
		// (issue 22 point 4), not at the next hourly run. A failure only leaves them as stale as
		// they were; the hourly run tries again.
		if err := r.Store.Optimize(ctx); err != nil && r.Log != nil {
			r.Log.Warn("retention sweep: planner statistics not refreshed", "err", err)
		}
	}
	return run, failure
}

// heartbeat renews running sweep id's heartbeat every third of lease until stop is called, so
// that other instances know it is alive.
func (r Retention) heartbeat(ctx context.Context, id int64, lease time.Duration) (stop func()) {
	return store.Heartbeat(ctx, lease/3, func(ctx context.Context) {
		if _, err := r.Store.RetentionAlive(ctx, id); err != nil && ctx.Err() == nil && r.Log != nil {
			r.Log.Warn("retention sweep: heartbeat not recorded", "run", id, "err", err)
		}
	})
}

func (r Retention) sweepClass(ctx context.Context, actor desk.Actor, plan store.RetentionPlan, class string, dry bool) (store.RetentionLine, error) {
	switch class {
	case store.ClassAuditRecords:
		return r.Store.SweepAudit(ctx, actor, plan, dry)
	case store.ClassLeavers:
		line := plan.Line(class)
		due, err := r.Store.DueLeavers(ctx, plan)
		if err != nil {
			return line, err
		}
		rule := plan.Rules[class]
		var failed []error
		for _, d := range due {
			if err := ctx.Err(); err != nil {
				return line, err
			}
			if !dry {
				// Each leaver is one erasure, its own transaction, audited by ErasePerson. One
				// that fails (a hold placed since the list was made, say) is noted on the line
				// and not counted; the other leavers, and the classes after, still go.
				decision := fmt.Sprintf("retention schedule: leavers with no open call are erased %d months after leaving (left %s)",
					rule.Months, d.LeftAt.In(r.Zone.Location()).Format("2 January 2006"))
				if d.Caller {
					decision = fmt.Sprintf("retention schedule: callers added at the service desk (not in the directory) are erased %d months "+
						"after their last call, as leavers are (last changed %s)", rule.Months, d.LeftAt.In(r.Zone.Location()).Format("2 January 2006"))
				}
				_, err := r.Store.ErasePerson(ctx, actor, desk.Erasure{PersonID: d.ID, Basis: desk.BasisPublicTask, Ground: desk.GroundRetention,
					Decision: decision, Confirmed: true})
				if err != nil {
					if ctx.Err() != nil {
						return line, err
					}
					failed = append(failed, fmt.Errorf("person %d not erased: %w", d.ID, r.unnamed(ctx, d.ID, err)))
					continue
				}
			}
			line.AddLeaver(d)
		}
		if len(failed) > 0 {
			err := someFailed{class: class, errs: failed}
			line.Note = err.Error()
			return line, err
		}
		return line, nil
	}
	return r.Store.SweepClass(ctx, actor, plan, class, dry)
}

// someFailed is the failure of some records of a class, the rest of which were done: the sweep
// notes it, marks the run as having problems, and goes on with the other classes.
type someFailed struct {
	class string
	errs  []error
}

func (e someFailed) Error() string {
	msgs := make([]string, len(e.errs))
	for i, err := range e.errs {
		msgs[i] = err.Error()
	}
	return fmt.Sprintf("retention %s: %s", e.class, strings.Join(msgs, "; "))
}

func (e someFailed) Unwrap() []error { return e.errs }

// unnamed is err with person id's name replaced, so that the kept report, which outlives their
// erasure, does not name them.
func (r Retention) unnamed(ctx context.Context, id int64, err error) error {
	p, ferr := r.Store.FindPerson(ctx, id)
	if ferr != nil || strings.TrimSpace(p.Name()) == "" || !strings.Contains(err.Error(), p.Name()) {
		return err
	}
	return unnamedError{msg: strings.ReplaceAll(err.Error(), p.Name(), "the person"), err: err}
}

// unnamedError is an error whose message no longer names the person; it still unwraps to the
// original, for its code.
type unnamedError struct {
	msg string
	err error
}

func (e unnamedError) Error() string { return e.msg }
func (e unnamedError) Unwrap() error { return e.err }
