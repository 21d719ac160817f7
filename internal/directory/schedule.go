package directory

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Run reads the configured source sc and syncs it, with the configuration's guard rail; by says
// who runs it, for the run's record.
func (c Config) Run(ctx context.Context, st *store.Store, sc SourceConfig, by string, dry, force bool) (store.SyncResult, error) {
	return c.run(ctx, st, sc, by, dry, force, 0)
}

// run is Run with, for a confirmation, the run confirmed (store.SyncOptions.ConfirmRun).
func (c Config) run(ctx context.Context, st *store.Store, sc SourceConfig, by string, dry, force bool, confirm int64) (store.SyncResult, error) {
	src, err := sc.Source()
	if err != nil {
		return store.SyncResult{}, err
	}
	given, err := sc.given()
	if err != nil {
		return store.SyncResult{}, err
	}
	res, err := Import(ctx, st, src, store.SyncOptions{Source: sc.Name, Full: !sc.Partial, MaxLeaverShare: c.MaxLeaverShare,
		MaxChangeShare: c.MaxChangeShare, MaxNewShare: c.MaxNewShare, Force: force, DryRun: dry, By: by, Given: given, ConfirmRun: confirm})
	if err != nil {
		return res, fmt.Errorf("import %s: %w", sc.Name, err)
	}
	return res, nil
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
		won, err := sch.Store.ClaimImport(ctx, sc.Name, t.Format("2006-01-02"))
		if err != nil {
			return err
		}
		if !won {
			continue // run today already, here or on another instance
		}
		res, err := sch.Config.Run(ctx, sch.Store, sc, "nightly schedule", false, false)
		switch {
		case err != nil:
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
	return sch.Config.run(ctx, sch.Store, sc, "confirmed by "+actor.Name, false, true, run)
}
