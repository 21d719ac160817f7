package store

import (
	"context"
	"database/sql"
	"fmt"
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
	var sums, either []string
	var sumArgs, anyArgs []any
	f0, t0 := from.UnixMicro(), to.UnixMicro()
	for _, ev := range events {
		if err := reportEvent(ev); err != nil {
			return nil, err
		}
		col := "c." + ev + "_at"
		sums = append(sums, "SUM(CASE WHEN "+col+" >= ? AND "+col+" < ? THEN 1 ELSE 0 END)")
		either = append(either, "("+col+" >= ? AND "+col+" < ?)")
		sumArgs = append(sumArgs, f0, t0)
		anyArgs = append(anyArgs, f0, t0)
	}
	q := `SELECT COALESCE(c.group_id, 0), COALESCE(g.name, ''), ` + strings.Join(sums, ", ") + reportFrom(f) +
		`LEFT JOIN support_groups g ON g.id = c.group_id WHERE (` + strings.Join(either, " OR ") + `)` + and(conds) +
		` GROUP BY 1, 2 ORDER BY 2, 1`
	all := append(append(sumArgs, anyArgs...), args...)
	rows, err := s.query(ctx, q, all...)
	if err != nil {
		return nil, fmt.Errorf("report events by group: %w", err)
	}
	defer rows.Close()
	var out []GroupEvents
	for rows.Next() {
		g := GroupEvents{Counts: make([]int, len(events))}
		dest := []any{&g.GroupID, &g.Group}
		for i := range g.Counts {
			dest = append(dest, &g.Counts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
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
	q := `SELECT cu.kind, cu.department, COUNT(*) FROM calls c JOIN people cu ON cu.id = c.customer_id
		WHERE c.logged_at >= ? AND c.logged_at < ?` + and(conds) + ` GROUP BY 1, 2 ORDER BY 1, 2`
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

// openEnd is when a call stopped being open: its (latest) resolution, else its cancellation,
// else its closing. A reopened call is open from its logging to its latest resolution.
const openEnd = "COALESCE(c.resolved_at, c.cancelled_at, c.closed_at)"

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
	for _, c := range []struct {
		expr string
		add  func(d *DayFlow, n int)
	}{
		{"c.logged_at", func(d *DayFlow, n int) { d.Logged += n }},
		{openEnd, func(d *DayFlow, n int) { d.Ended += n }},
	} {
		dayExpr, dayArgs := localDay(c.expr, loc, from, now)
		q := `SELECT ` + dayExpr + `, COUNT(*)` + reportFrom(f) + `WHERE ` + c.expr + ` >= ? AND ` + c.expr + ` < ?` + and(conds) + ` GROUP BY 1`
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
