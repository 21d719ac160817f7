package store

import (
	"context"
	"database/sql"
	"fmt"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
)

// The service-level repair (issue 17 point 3): after a change to a calendar, a rule or anything
// else of the configuration, the open calls' deadlines are re-evaluated in the background, a
// batch a transaction, as ServiceNow and Jira Service Management do; and calls that have no
// service-level row (logged before calldesk kept them, or loaded in bulk) get one, their history
// rebuilt from their timestamps and their first public update.

// SLARepair is what one RepairSLA pass did.
type SLARepair struct {
	Version     int64 // the configuration version the calls were evaluated under
	Backfilled  int   // calls given a service-level row
	Reevaluated int   // live calls re-evaluated under Version
	// Looked is how many calls the backfill looked at (those with a row already included): it
	// walks the calls by id, so a pass may find nothing to do and still have calls left to see.
	Looked int
}

// Done reports whether the pass found nothing to do and no call left to look at.
func (r SLARepair) Done() bool { return r.Backfilled == 0 && r.Reevaluated == 0 && r.Looked == 0 }

// RepairSLA does one pass of at most limit calls in one transaction, audited when it did
// anything: first calls with no service-level row get one, then live calls evaluated under an
// older configuration are re-evaluated. Call it until Done. Instances serialise on the
// configuration's row, so two never repair the same calls.
func (s *Store) RepairSLA(ctx context.Context, limit int) (SLARepair, error) {
	if limit <= 0 {
		limit = 500
	}
	var out SLARepair
	err := s.inTx(ctx, func(t *Tx) error {
		out = SLARepair{}
		var after, repaired int64
		if err := t.queryRow(ctx, `SELECT version, backfill_after, repair_after FROM sla_config WHERE id = 1`+s.d.forUpdate()).
			Scan(&out.Version, &after, &repaired); err != nil {
			return fmt.Errorf("service-level configuration: %w", err)
		}
		cf, err := s.slaConfigNow(ctx, t)
		if err != nil {
			return err
		}
		if cf.version != out.Version {
			if cf, err = loadSLAConfig(ctx, t, out.Version); err != nil {
				return err
			}
		}
		if out.Backfilled, out.Looked, after, err = t.backfillSLA(ctx, cf, after, limit); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE sla_config SET backfill_after = ? WHERE id = 1`, after); err != nil {
			return err
		}
		if left := limit - out.Backfilled; left > 0 {
			if out.Reevaluated, repaired, err = t.reevaluateSLA(ctx, cf, repaired, left); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `UPDATE sla_config SET repair_after = ? WHERE id = 1`, repaired); err != nil {
				return err
			}
		}
		if out.Backfilled == 0 && out.Reevaluated == 0 {
			return nil // the backfill's cursor moved over calls that have their rows: nothing to audit
		}
		return t.audit(ctx, desk.System("service levels"), "sla.repair", "sla", out.Version, nil,
			fmt.Sprintf("re-evaluated %d open call(s) under service-level configuration version %d; gave %d call(s) logged before service levels were kept their clocks",
				out.Reevaluated, out.Version, out.Backfilled))
	})
	return out, err
}

// backfillSLA looks at the calls after id `after` (at most limit of them) and gives those that
// have no service-level row one; it returns how many it gave one, how many it looked at, and the
// last call id it looked at. It walks the calls' ids only, and reads whole the calls that lack
// their row: every call logged through the store has it, and the walk passes over each call once
// (every few seconds on a busy desk, in the writer's turn on SQLite).
func (t *Tx) backfillSLA(ctx context.Context, cf *slaConfig, after int64, limit int) (int, int, int64, error) {
	rows, err := t.query(ctx, `SELECT c.id, CASE WHEN EXISTS (SELECT 1 FROM call_sla s WHERE s.call_id = c.id) THEN 0 ELSE 1 END
		FROM calls c WHERE c.id > ? ORDER BY c.id LIMIT ?`, after, limit)
	walked, err := scanRows(rows, err, func(sc scanner) ([2]int64, error) {
		var r [2]int64
		return r, sc.Scan(&r[0], &r[1])
	})
	if err != nil {
		return 0, 0, after, fmt.Errorf("calls to give service levels: %w", err)
	}
	var lacking []int64
	for _, r := range walked {
		after = r[0]
		if r[1] == 1 {
			lacking = append(lacking, r[0])
		}
	}
	seen := len(walked)
	if len(lacking) == 0 {
		return 0, seen, after, nil
	}
	// The ids as one argument (idSet): one statement text for any number of them, in the writer's
	// cache of prepared statements on SQLite.
	d := t.s.d
	rows, err = t.query(ctx, `SELECT `+callCols+` FROM calls c WHERE c.id IN `+d.idSet()+` ORDER BY c.id`, d.idSetArg(lacking))
	missing, err := scanRows(rows, err, scanStoredCall)
	if err != nil {
		return 0, 0, after, fmt.Errorf("calls to give service levels: %w", err)
	}
	// The first public update by someone other than the customer stops the respond clock.
	first := map[int64]int64{}
	rows, err = t.query(ctx, `SELECT d.call_id, MIN(d.created_at) FROM diary_entries d JOIN calls c ON c.id = d.call_id
		WHERE d.call_id IN `+d.idSet()+` AND d.kind = 'update' AND d.public <> 0 AND d.author_id IS NOT NULL
		AND d.author_id <> c.customer_id GROUP BY d.call_id`, d.idSetArg(lacking))
	if err != nil {
		return 0, 0, after, fmt.Errorf("first public updates: %w", err)
	}
	for rows.Next() {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return 0, 0, after, err
		}
		first[id] = at
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, after, err
	}
	for _, c := range missing {
		h, err := sla.DecodeHistory(HistoryFromTimestamps(c))
		if err != nil {
			return 0, 0, after, err
		}
		if at, ok := first[c.ID]; ok {
			h = append(h, sla.Event{At: fromMicros(sql.NullInt64{Int64: at, Valid: true}), Kind: sla.PublicResponse})
			sortEvents(h)
		}
		r, err := cf.evaluate(c, sla.EncodeHistory(h), t.Now)
		if err != nil {
			return 0, 0, after, err
		}
		if err := t.writeSLA(ctx, r, true); err != nil {
			return 0, 0, after, err
		}
	}
	return len(missing), seen, after, nil
}

// reevaluateSLA re-evaluates at most limit live calls after id `after` evaluated under a
// configuration older than cf's, walking call_sla by its key, and returns how many and how far it
// has looked: the last call it re-evaluated, or every call's once none is left.
func (t *Tx) reevaluateSLA(ctx context.Context, cf *slaConfig, after int64, limit int) (int, int64, error) {
	n, last, err := t.reevaluate(ctx, cf, `s.call_id > ? AND s.live = 1 AND s.config < ? ORDER BY s.call_id LIMIT ?`, after, cf.version, limit)
	if err != nil || n == limit {
		return n, last, err
	}
	var end sql.NullInt64
	if err := t.queryRow(ctx, `SELECT MAX(call_id) FROM call_sla`).Scan(&end); err != nil {
		return n, after, err
	}
	return n, max(end.Int64, after), nil
}

// reevaluate re-evaluates under cf the calls whose call_sla rows (aliased s) match where (with
// its order, limit and any lock), and returns how many and the id of the last.
func (t *Tx) reevaluate(ctx context.Context, cf *slaConfig, where string, args ...any) (int, int64, error) {
	rows, err := t.query(ctx, `SELECT `+callCols+`, s.history FROM call_sla s JOIN calls c ON c.id = s.call_id WHERE `+where, args...)
	if err != nil {
		return 0, 0, fmt.Errorf("calls to re-evaluate: %w", err)
	}
	type item struct {
		c       desk.Call
		history string
	}
	var items []item
	for rows.Next() {
		var it item
		if it.c, err = scanStoredCall(scanAlso{rows, &it.history}); err != nil {
			rows.Close()
			return 0, 0, err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	var last int64
	for _, it := range items {
		r, err := cf.evaluate(it.c, it.history, t.Now)
		if err != nil {
			return 0, 0, err
		}
		if err := t.writeSLA(ctx, r, false); err != nil {
			return 0, 0, err
		}
		last = it.c.ID
	}
	return len(items), last, nil
}

// scanAlso scans a row of callCols followed by more columns: scanCall reads the call's, the rest
// go to more.
type scanAlso struct {
	sc   scanner
	more any
}

func (s scanAlso) Scan(dest ...any) error { return s.sc.Scan(append(dest, s.more)...) }
