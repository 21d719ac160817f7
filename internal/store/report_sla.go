package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
//
// It is the reports' figures call by call, with each call's priority and group read from its
// row: the independent count ReportLevelFigures (what the reports read) is checked against. Each
// clock is its own pass and its own entry: a call whose two clocks settled in the range is listed
// twice, once with each, the respond clocks by call, then the resolve clocks by call. (CROSS
// JOIN: SQLite's planner keeps call_sla the outer loop, where it chose to scan every call;
// PostgreSQL plans it as the inner join it is.)
func (s *Store) ReportServiceLevels(ctx context.Context, f ReportFilter, from, to time.Time) ([]CallLevel, error) {
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	names, err := s.groupNames(ctx)
	if err != nil {
		return nil, err
	}
	var out []CallLevel
	for _, clock := range []string{"respond", "resolve"} {
		q := `SELECT c.priority, COALESCE(c.group_id, 0), s.` + clock + `_state, s.` + clock + `_elapsed, s.` + clock + `_by
			FROM call_sla s CROSS JOIN calls c` + customerJoin(f) + `
			WHERE c.id = s.call_id AND s.` + clock + `_state IN ('` + string(sla.Met) + `', '` + string(sla.Missed) + `') AND s.` + clock + `_stop_at >= ? AND s.` + clock + `_stop_at < ?` + and(conds) + ` ORDER BY s.call_id`
		rows, err := s.query(ctx, q, append([]any{from.UnixMicro(), to.UnixMicro()}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("report service levels: %w", err)
		}
		for rows.Next() {
			var l CallLevel
			var pr int
			var state sql.NullString
			var el, by sql.NullInt64
			if err := rows.Scan(&pr, &l.GroupID, &state, &el, &by); err != nil {
				rows.Close()
				return nil, err
			}
			l.Priority, l.Group = desk.Priority(pr), names[l.GroupID]
			if clock == "respond" {
				l.Respond = settledClock(state, el, by)
			} else {
				l.Resolve = settledClock(state, el, by)
			}
			out = append(out, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("report service levels: %w", err)
		}
	}
	return out, nil
}

// LevelFigures are the settled targets of one clock ("respond" or "resolve") of the calls of one
// priority and group that met (Met) or missed them: how many, and the working time each took.
type LevelFigures struct {
	Clock    string
	Priority desk.Priority
	GroupID  int64  // 0: no group
	Group    string // the group's name; "" when none
	Met      bool
	Count    int
	Elapsed  []time.Duration // each clock's working time to its event, pauses excluded; in no order
}

// ReportLevelFigures is ReportServiceLevels grouped in SQL: the calls matching f with a respond
// or resolve clock that settled in [from, to), counted per clock, priority, group (the call's
// now, which call_sla keeps beside the clocks: every change of the call re-evaluates them) and
// met or missed, with the working time of each (exact, for the percentiles) as one list per
// group. The same figures, a few dozen rows where ReportServiceLevels is a row per clock (a year
// of a million calls is hundreds of thousands of those).
//
// On SQLite each clock's covering index (0057_report_speed) is led by the grouping, then the
// stop time: the query names every state, priority and group (the groups in a second query for
// the calls with none), so each group is a range of the index read in order and SQLite sorts
// nothing (a year's GROUP BY sorted hundreds of thousands of rows). On PostgreSQL the index is
// led by the stop time: the year is one range, grouped by hashing. A filter joins the calls.
//
// Only the clocks named ("respond", "resolve") are read; both when none is named.
func (s *Store) ReportLevelFigures(ctx context.Context, f ReportFilter, from, to time.Time, clocks ...string) ([]LevelFigures, error) {
	return s.reportLevels(ctx, f, from, to, true, clocks)
}

// ReportLevelCounts is ReportLevelFigures without the working times (Elapsed nil): the
// compliance report counts, and listing the times would cost as much again.
func (s *Store) ReportLevelCounts(ctx context.Context, f ReportFilter, from, to time.Time, clocks ...string) ([]LevelFigures, error) {
	return s.reportLevels(ctx, f, from, to, false, clocks)
}

func (s *Store) reportLevels(ctx context.Context, f ReportFilter, from, to time.Time, times bool, clocks []string) ([]LevelFigures, error) {
	if len(clocks) == 0 {
		clocks = []string{"respond", "resolve"}
	}
	for _, c := range clocks {
		if c != "respond" && c != "resolve" {
			return nil, desk.Errorf(desk.EINVALID, "%q is not a service-level clock (respond, resolve)", c)
		}
	}
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	names, err := s.groupNames(ctx)
	if err != nil {
		return nil, err
	}
	groups := make([]int64, 0, len(names))
	for id := range names {
		groups = append(groups, id)
	}
	slices.Sort(groups)
	// CROSS JOIN: SQLite's planner keeps call_sla the outer loop (it chose to scan every call
	// instead); PostgreSQL plans it as the inner join it is.
	join, on := "", ""
	if len(conds) > 0 {
		join, on = ` CROSS JOIN calls c`+customerJoin(f), `c.id = s.call_id AND `
	}
	var out []LevelFigures
	for _, clock := range clocks {
		for _, inGroup := range []bool{true, false} {
			group, gargs := `s.group_id IS NULL`, []any(nil)
			if inGroup {
				if len(groups) == 0 {
					continue
				}
				group, gargs = `s.group_id IN (`+placeholders(len(groups))+`)`, idArgs(groups)
			}
			list := `''`
			if times {
				list = s.d.intList("COALESCE(s." + clock + "_elapsed, 0)")
			}
			q := `SELECT s.priority, COALESCE(s.group_id, 0), s.` + clock + `_state, COUNT(*), ` + list + `
				FROM call_sla s` + join + `
				WHERE ` + on + `s.` + clock + `_state IN ('` + string(sla.Met) + `', '` + string(sla.Missed) + `') AND s.priority IN (1, 2, 3, 4)
				AND ` + group + ` AND s.` + clock + `_stop_at >= ? AND s.` + clock + `_stop_at < ?` + and(conds) + `
				GROUP BY s.` + clock + `_state, s.priority, s.group_id`
			qargs := append(append(gargs, from.UnixMicro(), to.UnixMicro()), args...)
			if err := s.levelFigures(ctx, q, qargs, clock, names, times, &out); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// levelFigures adds the figures of query q (priority, group, state, count, the intList of times
// when times is set) for clock to out.
func (s *Store) levelFigures(ctx context.Context, q string, args []any, clock string, names map[int64]string, times bool, out *[]LevelFigures) error {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("report service levels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		l := LevelFigures{Clock: clock}
		var pr int
		var state, list string
		if err := rows.Scan(&pr, &l.GroupID, &state, &l.Count, &list); err != nil {
			return err
		}
		l.Priority, l.Group, l.Met = desk.Priority(pr), names[l.GroupID], state == string(sla.Met)
		if !times {
		} else if l.Elapsed, err = microsList(list, l.Count); err != nil {
			return fmt.Errorf("report service levels: %w", err)
		}
		*out = append(*out, l)
	}
	return rows.Err()
}

// microsList reads an intList of n microsecond counts as durations.
func microsList(list string, n int) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for len(list) > 0 {
		num, rest, _ := strings.Cut(list, ",")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, time.Duration(v)*time.Microsecond)
		list = rest
	}
	if len(out) != n {
		return nil, fmt.Errorf("%d figures listed for %d clocks", len(out), n)
	}
	return out, nil
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
