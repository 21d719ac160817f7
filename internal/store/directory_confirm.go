package store

import (
	"context"
	"database/sql"
	"strconv"

	"calldesk/internal/desk"
)

// checkConfirmation refuses an import forced past the guard rail (opt.Force) unless it confirms
// what an administrator reviewed: the source's latest recorded run must have been held (by the
// guard rail, or its leavers held) and must have read the same records (opt.Digest). Otherwise
// the export may have changed since, overwritten by a truncated one, and the confirmation would
// apply a file nobody reviewed with every limit off. It runs in the import's transaction and
// claims the run, so two confirmations of one held run apply it once, also at the same moment.
func (t *Tx) checkConfirmation(ctx context.Context, opt SyncOptions) error {
	var id int64
	var state, digest string
	var leaversHeld int
	err := t.queryRow(ctx, `SELECT id, state, leavers_held, digest FROM import_runs WHERE source = ? ORDER BY id DESC LIMIT 1`,
		opt.Source).Scan(&id, &state, &leaversHeld, &digest)
	switch {
	case err == sql.ErrNoRows:
		return desk.Errorf(desk.ECONFLICT, "there is no held import of %s to confirm: run the import and review it", opt.Source)
	case err != nil:
		return err
	case opt.ConfirmRun != 0 && opt.ConfirmRun != id:
		return desk.Errorf(desk.ECONFLICT, "the import of %s has run again since the run you confirmed (run %d; the latest is run %d): review the latest run, and confirm it if it is right",
			opt.Source, opt.ConfirmRun, id)
	case state != RunHeld && leaversHeld == 0:
		return desk.Errorf(desk.ECONFLICT, "the last import of %s (run %d) was not held: there is nothing to confirm; run the import and review it",
			opt.Source, id)
	case digest == "" || digest != opt.Digest:
		return desk.Errorf(desk.ECONFLICT, "the export changed since the run you are confirming (run %d of %s): run the import again and review it",
			id, opt.Source)
	}
	// The run is claimed for this confirmation in import_claims (whose key is unique), so that
	// of two confirmations at once on PostgreSQL, where each reads the held run before the other
	// records its own, the second waits for the first and then finds the claim taken. A
	// confirmation that fails rolls its claim back with it.
	res, err := t.exec(ctx, `INSERT INTO import_claims (source, day, claimed_at) VALUES (?, ?, ?) ON CONFLICT (source, day) DO NOTHING`,
		opt.Source, "confirm of run "+strconv.FormatInt(id, 10), t.Now.UnixMicro())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return desk.Errorf(desk.ECONFLICT, "run %d of %s has been confirmed already: there is nothing left to confirm", id, opt.Source)
	}
	return nil
}
