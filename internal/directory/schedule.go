package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Run reads the configured source sc and syncs it, with the configuration's guard rail; by says
// who runs it, for the run's record.
func (c Config) Run(ctx context.Context, st *store.Store, sc SourceConfig, by string, dry, force bool) (store.SyncResult, error) {
	return c.run(ctx, st, sc, by, dry, force, 0, "")
}

// run is Run with, for a confirmation, the run confirmed (store.SyncOptions.ConfirmRun), and for
// the scheduled import, the day it claims (store.SyncOptions.ClaimDay).
func (c Config) run(ctx context.Context, st *store.Store, sc SourceConfig, by string, dry, force bool, confirm int64, day string) (store.SyncResult, error) {
	src, err := sc.Source()
	if err != nil {
		return store.SyncResult{}, err
	}
	given, err := sc.given()
	if err != nil {
		return store.SyncResult{}, err
	}
	res, err := Import(ctx, st, src, store.SyncOptions{Source: sc.Name, Full: !sc.Partial, MaxLeaverShare: c.MaxLeaverShare,
		MaxChangeShare: c.MaxChangeShare, MaxNewShare: c.MaxNewShare, Force: force, DryRun: dry, By: by, Given: given, ConfirmRun: confirm, ClaimDay: day})
	if err != nil && !errors.Is(err, store.ErrImportClaimed) {
		return res, fmt.Errorf("import %s: %w", sc.Name, err)
	}
	return res, err
}

// Scheduler runs the configured imports on their nightly schedule, once a day however many
// instances share the database, and when an administrator confirms one the guard rail held.
type Scheduler struct {
	Store  *store.Store
	Config Config
	// Zone is the desk's time zone, in which schedules are read (UTC when nil).
	Zone *time.Location
	Now  func() time.Time
	Log  *slog.Logger
}

// Due runs every source whose time of day has come today and that no instance has run today
// (call it every minute). A failed or held import is logged; the register is as it was.
func (sch *Scheduler) Due(ctx context.Context) error {
	zone, now := sch.Zone, time.Now
	if zone == nil {
		zone = time.UTC
	}
	if sch.Now != nil {
		now = sch.Now
	}
	log := sch.Log
	if log == nil {
		log = slog.Default()
	}
	t := now().In(zone)
	for _, sc := range sch.Config.Sources {
		if sc.Schedule == "" {
			continue
		}
		at, _ := time.ParseInLocation("15:04", sc.Schedule, zone)
		if t.Before(time.Date(t.Year(), t.Month(), t.Day(), at.Hour(), at.Minute(), 0, 0, zone)) {
			continue
		}
		day := t.Format("2006-01-02")
		if done, err := sch.Store.ImportClaimed(ctx, sc.Name, day); err != nil {
			return err
		} else if done {
			continue // run today already, here or on another instance
		}
		// The import claims the day in its own transaction (store.SyncOptions.ClaimDay): two
		// instances may read the source at once, but one imports; one that dies mid-import
		// leaves the day unclaimed, and the next check, here or elsewhere, imports.
		res, err := sch.Config.run(ctx, sch.Store, sc, "nightly schedule", false, false, 0, day)
		if errors.Is(err, store.ErrImportClaimed) {
			continue
		}
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err() // stopping: the day stays unclaimed
			}
			// Tried once a day: the failure claims the day, so that it is not retried every minute.
			if _, cerr := sch.Store.ClaimImport(ctx, sc.Name, day); cerr != nil {
				err = errors.Join(err, cerr)
			}
			log.Error("directory import failed; the register is as it was", "source", sc.Name, "err", err)
		case res.State == store.RunHeld:
			log.Warn("directory import held for an administrator", "source", sc.Name, "run", res.RunID, "reason", res.Reason)
		case res.LeaversHeld > 0:
			log.Warn("directory import done, its leavers held for an administrator", "source", sc.Name, "run", res.RunID,
				"leavers_held", res.LeaversHeld, "rejected", res.Rejected, "reason", res.Reason)
		default:
			log.Info("directory import done", "source", sc.Name, "run", res.RunID, "created", res.Created, "updated", res.Updated,
				"left", res.Left, "returned", res.Returned, "rejected", res.Rejected, "took", res.Duration)
		}
	}
	return nil
}

// Confirm runs source's import past the guard rail, as the administrator actor's confirmation of
// run (the one they reviewed; 0: the source's last), which must be the source's last run, held: it is refused (ECONFLICT) when there is none, or when the source no
// longer gives what that run read (an export overwritten since it was reviewed), so that what
// goes in past every limit is what the administrator saw.
func (sch *Scheduler) Confirm(ctx context.Context, actor desk.Actor, source string, run int64) (store.SyncResult, error) {
	sc, err := sch.Config.Find(source)
	if err != nil {
		return store.SyncResult{}, err
	}
	return sch.Config.run(ctx, sch.Store, sc, "confirmed by "+actor.Name, false, true, run, "")
}
