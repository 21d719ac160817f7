package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// reportEvent checks that event names a time the call row keeps for a report to count.
func reportEvent(event string) error {
	switch event {
	case "logged", "resolved", "closed", "cancelled", "reopened":
		return nil
	}
	return desk.Errorf(desk.EINVALID, "%q is not an event a report counts (logged, resolved, closed, cancelled, reopened)", event)
}

// GroupEvents is, for one support group, how many calls had each of the events a
// ReportEventsByGroup was asked for, in the order asked.
type GroupEvents struct {
	GroupID int64  // 0: no group
	Group   string // the group's name; "" when none
	Counts  []int
}

// ReportEventsByGroup counts, per support group (the call's group now), the calls matching f
// whose time of each event ("logged", "resolved", "closed", "cancelled", "reopened") falls in
// [from, to): one pass over the calls for every event. Counts are of calls, as ReportVolume's.
func (s *Store) ReportEventsByGroup(ctx context.Context, f ReportFilter, events []string, from, to time.Time) ([]GroupEvents, error) {
	if len(events) == 0 {
		return nil, desk.Errorf(desk.EINVALID, "no event to count")
	}
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	// One pass per event, each a range of that event's covering index (0050_report_indexes):
	// one pass with the events OR'd read every call row.
	f0, t0 := from.UnixMicro(), to.UnixMicro()
	type key struct {
		id   int64
		name string
	}
	byGroup := map[key][]int{}
	for i, ev := range events {
		if err := reportEvent(ev); err != nil {
			return nil, err
		}
		col := "c." + ev + "_at"
		q := `SELECT COALESCE(c.group_id, 0), COUNT(*)` + reportFrom(f) + `WHERE ` + col + ` >= ? AND ` + col + ` < ?` + and(conds) + ` GROUP BY 1`
		rows, err := s.query(ctx, q, append([]any{f0, t0}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("report events by group: %w", err)
		}
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, err
			}
			k := key{id: id}
			if byGroup[k] == nil {
				byGroup[k] = make([]int, len(events))
			}
			byGroup[k][i] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	names, err := s.groupNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]GroupEvents, 0, len(byGroup))
	for k, counts := range byGroup {
		out = append(out, GroupEvents{GroupID: k.id, Group: names[k.id], Counts: counts})
	}
	// By name, then id, as before (no group: the empty name, first).
	slices.SortFunc(out, func(a, b GroupEvents) int {
		if c := strings.Compare(a.Group, b.Group); c != 0 {
			return c
		}
		return cmp.Compare(a.GroupID, b.GroupID)
	})
	return out, nil
}

// groupNames maps every support group's id to its name.
func (s *Store) groupNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.query(ctx, `SELECT id, name FROM support_groups`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		names[id] = name
	}
	return names, rows.Err()
}

// CustomerCount is how many calls customers of one kind and department logged.
type CustomerCount struct {
	Kind       desk.PersonKind
	Department string // the customer's department as the directory has it; "" when none
	Logged     int
}

// ReportCustomers counts the calls matching f logged in [from, to) per kind of customer and
// department, as their people rows have them now (erasure keeps both, for the statistics).
func (s *Store) ReportCustomers(ctx context.Context, f ReportFilter, from, to time.Time) ([]CustomerCount, error) {
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	// Counted per customer first (the calls_customer index, read customer by customer: nothing
	// sorted), then each customer's count added to their kind and department: a look-up per
	// customer, not per call.
	q := `SELECT p.kind, p.department, SUM(x.n) FROM (SELECT c.customer_id, COUNT(*) AS n` + reportFrom(f) +
		`WHERE c.logged_at >= ? AND c.logged_at < ?` + and(conds) + ` GROUP BY c.customer_id) x
		JOIN people p ON p.id = x.customer_id GROUP BY 1, 2 ORDER BY 1, 2`
	rows, err := s.query(ctx, q, append([]any{from.UnixMicro(), to.UnixMicro()}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("report customers: %w", err)
	}
	defer rows.Close()
	var out []CustomerCount
	for rows.Next() {
		var c CustomerCount
		var kind string
		if err := rows.Scan(&kind, &c.Department, &c.Logged); err != nil {
			return nil, err
		}
		c.Kind = desk.PersonKind(kind)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Hold is a call's latest hold as the call row records it.
type Hold struct {
	Priority  desk.Priority
	GroupID   int64
	HeldAt    time.Time // when it went on hold
	OffHoldAt time.Time // when the hold time passed and it came off hold; zero when it has not (yet)
	OnHold    bool      // it is on hold now
}

// ReportHolds lists the holds of the calls matching f that came off hold in [from, to) (their
// length is known: off_hold_at - held_at), that began in [from, to) and ended otherwise (by a
// reassignment, resolution or cancellation, which the call row does not time), or that are on
// hold now. Only each call's latest hold is on the row: an earlier one of the same call is not
// counted. The row keeps these times through erasure and retention.
func (s *Store) ReportHolds(ctx context.Context, f ReportFilter, from, to time.Time) ([]Hold, error) {
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	q := `SELECT c.priority, COALESCE(c.group_id, 0), c.held_at, c.off_hold_at, c.state` + reportFrom(f) +
		`WHERE c.held_at IS NOT NULL AND ((c.off_hold_at >= c.held_at AND c.off_hold_at >= ? AND c.off_hold_at < ?)
		OR (c.held_at >= ? AND c.held_at < ?) OR c.state = 'on_hold')` + and(conds)
	f0, t0 := from.UnixMicro(), to.UnixMicro()
	rows, err := s.query(ctx, q, append([]any{f0, t0, f0, t0}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("report holds: %w", err)
	}
	defer rows.Close()
	var out []Hold
	for rows.Next() {
		var h Hold
		var pr int
		var held, off sql.NullInt64
		var state string
		if err := rows.Scan(&pr, &h.GroupID, &held, &off, &state); err != nil {
			return nil, err
		}
		h.Priority, h.HeldAt, h.OnHold = desk.Priority(pr), fromMicros(held), state == string(desk.OnHold)
		if o := fromMicros(off); !o.Before(h.HeldAt) {
			h.OffHoldAt = o
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// DayFlow is how many calls matching a filter were logged, and how many ended (were first
// resolved, cancelled or closed: their latest resolution, for a reopened call), on one day.
type DayFlow struct {
	Day    time.Time // the day's start in the zone ReportOpenFlow was given
	Logged int
	Ended  int
}

// OpenFlow is what the backlog's trend is drawn from: the calls open at Now, and the calls
// logged and ended on each day from the range's start to Now. The calls open at any instant T
// between are then OpenNow - (logged in [T, Now)) + (ended in [T, Now)): counted from the open
// calls' index and two grouped passes, never call by call.
type OpenFlow struct {
	Now     time.Time
	OpenNow int
	Days    []DayFlow // by day, only days with a figure
}

// A call stopped being open at its end: its (latest) resolution, else its cancellation, else its
// closing (COALESCE(resolved_at, cancelled_at, closed_at)). A reopened call is open from its
// logging to its latest resolution.

// ReportOpenFlow counts the calls matching f open at now, and the calls logged and ended on
// each day (in loc) of [from, now).
func (s *Store) ReportOpenFlow(ctx context.Context, f ReportFilter, loc *time.Location, from, now time.Time) (OpenFlow, error) {
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return OpenFlow{}, err
	}
	out := OpenFlow{Now: now}
	row := s.queryRow(ctx, `SELECT COUNT(*)`+reportFrom(f)+`WHERE `+openCond+` AND c.logged_at < ?`+and(conds),
		append([]any{now.UnixMicro()}, args...)...)
	if err := row.Scan(&out.OpenNow); err != nil {
		return out, fmt.Errorf("report open calls: %w", err)
	}
	if !from.Before(now) {
		return out, nil
	}
	byDay := map[int64]*DayFlow{}
	var order []int64
	logged := func(d *DayFlow, n int) { d.Logged += n }
	ended := func(d *DayFlow, n int) { d.Ended += n }
	// The end (the first of resolved_at, cancelled_at and closed_at) counted in three
	// passes, one per column, each a range of that column's covering index (0050_report_indexes)
	// where the columns before it are NULL: a pass on the COALESCE read every call row.
	for _, c := range []struct {
		expr, only string
		add        func(d *DayFlow, n int)
	}{
		{"c.logged_at", "", logged},
		{"c.resolved_at", "", ended},
		{"c.cancelled_at", " AND c.resolved_at IS NULL", ended},
		{"c.closed_at", " AND c.resolved_at IS NULL AND c.cancelled_at IS NULL", ended},
	} {
		dayExpr, dayArgs := localDay(c.expr, loc, from, now)
		q := `SELECT ` + dayExpr + `, COUNT(*)` + reportFrom(f) + `WHERE ` + c.expr + ` >= ? AND ` + c.expr + ` < ?` + c.only + and(conds) + ` GROUP BY 1`
		rows, err := s.query(ctx, q, append(append(dayArgs, from.UnixMicro(), now.UnixMicro()), args...)...)
		if err != nil {
			return out, fmt.Errorf("report open calls' flow: %w", err)
		}
		for rows.Next() {
			var day int64
			var n int
			if err := rows.Scan(&day, &n); err != nil {
				rows.Close()
				return out, err
			}
			d := byDay[day]
			if d == nil {
				d = &DayFlow{Day: time.Date(1970, 1, 1+int(day), 0, 0, 0, 0, loc)}
				byDay[day] = d
				order = append(order, day)
			}
			c.add(d, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
	}
	for _, d := range order {
		out.Days = append(out.Days, *byDay[d])
	}
	return out, nil
}
