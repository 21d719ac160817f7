package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
)

// SettledClock is one of a call's two service-level clocks once its event happened: the
// response given or the call resolved, within its time (met) or after it (missed).
type SettledClock struct {
	Settled bool          // the clock stopped in the report's range
	Met     bool          // within its time
	Elapsed time.Duration // working time from its start to its event, pauses excluded
	By      time.Duration // the margin: time to spare when met, the overrun when missed
}

// CallLevel is a call's service level as the service-level reports count it (issue 18 item 1):
// its priority and group now, and each clock that settled in the range.
type CallLevel struct {
	Priority         desk.Priority
	GroupID          int64  // 0: no group
	Group            string // the group's name; "" when none
	Respond, Resolve SettledClock
}

// ReportServiceLevels lists the calls matching f with a respond or resolve clock that settled
// (met or missed its target) in [from, to), from call_sla: the figures were kept when the clocks
// stopped, so no calendar is read again, and erasure and retention keep them (issue 17 point 6).
// A clock with no target, still counting, paused or ended by a closure before its event is not
// settled and is not counted.
func (s *Store) ReportServiceLevels(ctx context.Context, f ReportFilter, from, to time.Time) ([]CallLevel, error) {
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	settled := func(clock string) string {
		return `(s.` + clock + `_state IN ('` + string(sla.Met) + `', '` + string(sla.Missed) + `') AND s.` + clock + `_stop_at >= ? AND s.` + clock + `_stop_at < ?)`
	}
	q := `SELECT c.priority, COALESCE(c.group_id, 0), COALESCE(g.name, ''),
		CASE WHEN ` + settled("respond") + ` THEN s.respond_state END, s.respond_elapsed, s.respond_by,
		CASE WHEN ` + settled("resolve") + ` THEN s.resolve_state END, s.resolve_elapsed, s.resolve_by
		FROM call_sla s JOIN calls c ON c.id = s.call_id` + customerJoin(f) + `
		LEFT JOIN support_groups g ON g.id = c.group_id
		WHERE (` + settled("respond") + ` OR ` + settled("resolve") + `)` + and(conds) + ` ORDER BY s.call_id`
	f0, t0 := from.UnixMicro(), to.UnixMicro()
	rows, err := s.query(ctx, q, append([]any{f0, t0, f0, t0, f0, t0, f0, t0}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("report service levels: %w", err)
	}
	defer rows.Close()
	var out []CallLevel
	for rows.Next() {
		var l CallLevel
		var pr int
		var rState, sState sql.NullString
		var rEl, rBy, sEl, sBy sql.NullInt64
		if err := rows.Scan(&pr, &l.GroupID, &l.Group, &rState, &rEl, &rBy, &sState, &sEl, &sBy); err != nil {
			return nil, err
		}
		l.Priority = desk.Priority(pr)
		l.Respond, l.Resolve = settledClock(rState, rEl, rBy), settledClock(sState, sEl, sBy)
		out = append(out, l)
	}
	return out, rows.Err()
}

func settledClock(state sql.NullString, elapsed, by sql.NullInt64) SettledClock {
	if !state.Valid {
		return SettledClock{}
	}
	us := func(v sql.NullInt64) time.Duration { return time.Duration(v.Int64) * time.Microsecond }
	return SettledClock{Settled: true, Met: state.String == string(sla.Met), Elapsed: us(elapsed), By: us(by)}
}

// customerJoin joins the call's customer as cu when f asks for a kind of customer.
func customerJoin(f ReportFilter) string {
	if f.CustomerKind != "" {
		return ` JOIN people cu ON cu.id = c.customer_id`
	}
	return ""
}
