package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
)

// ReportFilter narrows the calls a report counts (issue 18). The zero filter counts every call.
type ReportFilter struct {
	GroupID      int64           // the call's support group now
	ProfileID    int64           // the call's problem profile or any profile beneath it
	Priority     desk.Priority   // 1..4
	Source       desk.CallSource // how the call reached the desk
	CustomerKind desk.PersonKind // staff, student, partner, visitor
}

// reportWhere is f as SQL conditions on calls c (and people cu, the customer, joined by
// reportFrom), with their arguments.
func (s *Store) reportWhere(ctx context.Context, f ReportFilter) ([]string, []any, error) {
	var conds []string
	var args []any
	if f.GroupID != 0 {
		conds, args = append(conds, "c.group_id = ?"), append(args, f.GroupID)
	}
	if f.Priority != 0 {
		conds, args = append(conds, "c.priority = ?"), append(args, int64(f.Priority))
	}
	if f.Source != "" {
		conds, args = append(conds, "c.source = ?"), append(args, string(f.Source))
	}
	if f.CustomerKind != "" {
		conds, args = append(conds, "cu.kind = ?"), append(args, string(f.CustomerKind))
	}
	if f.ProfileID != 0 {
		p, err := s.FindProfile(ctx, f.ProfileID)
		if err != nil {
			return nil, nil, err
		}
		// The subtree: the profile itself and every profile whose path starts with its path and
		// the separator. Compared by prefix, not LIKE, so a % or _ in a name is not a wildcard.
		prefix := p.Path + " > "
		conds = append(conds, "c.profile_id IN (SELECT pr.id FROM profiles pr WHERE pr.id = ? OR substr(pr.path, 1, ?) = ?)")
		args = append(args, p.ID, int64(utf8.RuneCountInString(prefix)), prefix)
	}
	return conds, args, nil
}

// reportFrom is the FROM clause for f: the calls, and their customers only when the filter
// asks for a kind of customer (a join per call costs seconds over a million calls).
func reportFrom(f ReportFilter) string {
	if f.CustomerKind != "" {
		return ` FROM calls c JOIN people cu ON cu.id = c.customer_id `
	}
	return ` FROM calls c `
}

func and(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " AND " + strings.Join(conds, " AND ")
}

// VolumeCount is how many calls of one source had an event on one day.
type VolumeCount struct {
	Day         time.Time // the day's start, in the zone ReportVolume was given
	Source      desk.CallSource
	Logged      int // calls logged that day
	SelfService int // of those, logged by their customer themselves (SupportMe)
	Resolved    int // calls whose (latest) resolution fell on the day
	Closed      int // calls closed that day
	Cancelled   int // calls cancelled that day
	Reopened    int // calls whose latest reopening fell on the day
	// ResolvedReopened, of the Resolved, is the calls that had been reopened before their latest
	// resolution: the reopen rate's numerator.
	ResolvedReopened int
}

const dayMicros = int64(24 * time.Hour / time.Microsecond)

// localDay is SQL for the day number (days since 1 January 1970 in loc) of column col, for
// instants in [from, to): the UTC offset is added, the offset in force at each instant, so a
// day in summer time starts at 23:00 UTC the day before. Each change of offset in the range is
// one branch of a CASE: a few a year. It returns the expression and its arguments.
func localDay(col string, loc *time.Location, from, to time.Time) (string, []any) {
	_, off := from.In(loc).Zone()
	var b strings.Builder
	var args []any
	b.WriteString("CASE")
	// Walk the range an hour at a time, and find each change to the second.
	for t := from; t.Before(to); {
		next := t.Add(time.Hour)
		if _, o := next.In(loc).Zone(); o != off {
			lo, hi := t, next
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, mo := mid.In(loc).Zone(); mo == off {
					lo = mid
				} else {
					hi = mid
				}
			}
			fmt.Fprintf(&b, " WHEN %s < ? THEN (%s + %d) / %d", col, col, int64(off)*1e6, dayMicros)
			args = append(args, hi.UnixMicro())
			off = o
		}
		t = next
	}
	last := fmt.Sprintf("(%s + %d) / %d", col, int64(off)*1e6, dayMicros)
	if len(args) == 0 {
		return last, nil
	}
	return b.String() + " ELSE " + last + " END", args
}

// ReportVolume counts the calls matching f logged, resolved, closed, cancelled and reopened in
// [from, to), per day in loc and source. Each event is counted by the time the call row keeps
// for it, so a call resolved twice counts once, at its latest resolution. Counts are of calls,
// never of people: erasure (which keeps times, sources and categories) leaves them as they were.
// The days are computed in SQL, so a year of a million calls comes back as a few thousand rows.
func (s *Store) ReportVolume(ctx context.Context, f ReportFilter, loc *time.Location, from, to time.Time) ([]VolumeCount, error) {
	return s.ReportVolumeOf(ctx, f, loc, from, to)
}

// ReportVolumeOf is ReportVolume counting only the events named ("logged", "resolved", "closed",
// "cancelled", "reopened"; every one when none is named): each event is a pass over the calls, so
// a report that needs two of them makes two passes, not five.
func (s *Store) ReportVolumeOf(ctx context.Context, f ReportFilter, loc *time.Location, from, to time.Time, events ...string) ([]VolumeCount, error) {
	for _, ev := range events {
		if err := reportEvent(ev); err != nil {
			return nil, err
		}
	}
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	type key struct {
		day    int64
		source string
	}
	byKey := map[key]*VolumeCount{}
	var order []key
	count := func(col, part string, add func(v *VolumeCount, n, self int)) error {
		dayExpr, dayArgs := localDay("c."+col, loc, from, to)
		q := `SELECT ` + dayExpr + `, c.source, COUNT(*), SUM(CASE WHEN ` + part + ` THEN 1 ELSE 0 END)` +
			reportFrom(f) + `WHERE c.` + col + ` >= ? AND c.` + col + ` < ?` + and(conds) + ` GROUP BY 1, 2`
		all := append(append(dayArgs, from.UnixMicro(), to.UnixMicro()), args...)
		rows, err := s.query(ctx, q, all...)
		if err != nil {
			return fmt.Errorf("report volume (%s): %w", col, err)
		}
		defer rows.Close()
		for rows.Next() {
			var k key
			var n, self int
			if err := rows.Scan(&k.day, &k.source, &n, &self); err != nil {
				return err
			}
			v := byKey[k]
			if v == nil {
				v = &VolumeCount{Day: time.Date(1970, 1, 1+int(k.day), 0, 0, 0, 0, loc), Source: desk.CallSource(k.source)}
				byKey[k] = v
				order = append(order, k)
			}
			add(v, n, self)
		}
		return rows.Err()
	}
	// Each column's count, and the part of it a second figure counts (self-service among the
	// logged, reopened before among the resolved).
	for _, c := range []struct {
		col, part string
		add       func(v *VolumeCount, n, part int)
	}{
		{"logged_at", "c.logged_by = c.customer_id", func(v *VolumeCount, n, self int) { v.Logged += n; v.SelfService += self }},
		{"resolved_at", "c.reopened_at IS NOT NULL", func(v *VolumeCount, n, re int) { v.Resolved += n; v.ResolvedReopened += re }},
		{"closed_at", "1 = 0", func(v *VolumeCount, n, _ int) { v.Closed += n }},
		{"cancelled_at", "1 = 0", func(v *VolumeCount, n, _ int) { v.Cancelled += n }},
		{"reopened_at", "1 = 0", func(v *VolumeCount, n, _ int) { v.Reopened += n }},
	} {
		if len(events) > 0 && !slices.Contains(events, strings.TrimSuffix(c.col, "_at")) {
			continue
		}
		if err := count(c.col, c.part, c.add); err != nil {
			return nil, err
		}
	}
	out := make([]VolumeCount, len(order))
	for i, k := range order {
		out[i] = *byKey[k]
	}
	return out, nil
}

// BacklogCount is how many open calls of one group are in one age band.
type BacklogCount struct {
	GroupID int64  // 0: no group yet
	Group   string // the group's name; "" when none
	Band    int    // index into the bands ReportBacklog was given; len(bands) for older than the last
	Open    int
}

// ReportBacklog counts the calls matching f that are open at now (not resolved, closed or
// cancelled), per group and age band: band i holds the calls logged less than bands[i] before
// now (and not in an earlier band); band len(bands) the older ones. bands must increase.
func (s *Store) ReportBacklog(ctx context.Context, f ReportFilter, now time.Time, bands []time.Duration) ([]BacklogCount, error) {
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	var cases strings.Builder
	var bargs []any
	cases.WriteString("CASE")
	for i, b := range bands {
		if i > 0 && b <= bands[i-1] {
			return nil, desk.Errorf(desk.EINVALID, "the age bands must increase: %s follows %s", b, bands[i-1])
		}
		fmt.Fprintf(&cases, " WHEN c.logged_at > ? THEN %d", i)
		bargs = append(bargs, now.Add(-b).UnixMicro())
	}
	fmt.Fprintf(&cases, " ELSE %d END", len(bands))
	band := cases.String()
	q := `SELECT COALESCE(c.group_id, 0), COALESCE(g.name, ''), ` + band + `, COUNT(*)` + reportFrom(f) +
		`LEFT JOIN support_groups g ON g.id = c.group_id WHERE ` + openCond + and(conds) +
		` GROUP BY 1, 2, 3 ORDER BY 2, 3`
	all := append(append([]any{}, bargs...), args...)
	rows, err := s.query(ctx, q, all...)
	if err != nil {
		return nil, fmt.Errorf("report backlog: %w", err)
	}
	defer rows.Close()
	var out []BacklogCount
	for rows.Next() {
		var b BacklogCount
		if err := rows.Scan(&b.GroupID, &b.Group, &b.Band, &b.Open); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// WorkloadCount is one analyst's work over a period.
type WorkloadCount struct {
	AnalystID int64
	Name      string // the analyst's name as the directory has it (a pseudonym once erased)
	Assigned  int    // calls assigned to them now whose assignment fell in the period
	Resolved  int    // calls resolved in the period that are assigned to them
	InHand    int    // open calls assigned to them now
}

// ReportWorkload counts, per analyst, the calls matching f assigned to them and resolved by them
// in [from, to), and the open calls they hold now. A call counts for the analyst it is assigned
// to now (the call row keeps the latest assignment only).
func (s *Store) ReportWorkload(ctx context.Context, f ReportFilter, from, to time.Time) ([]WorkloadCount, error) {
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	// Three passes, each per analyst a range of one index (0050_report_indexes): the calls
	// assigned in the range (calls_assigned_report), resolved in it (calls_resolved_analyst) and
	// open now (calls_analyst_open). One pass with the three OR'd read every call row and its
	// analyst's. PostgreSQL, which cannot skip through an index led by the analyst, reads the
	// range of calls_assigned_since and calls_resolved_since instead (0057).
	f0, t0 := from.UnixMicro(), to.UnixMicro()
	byAnalyst := map[int64]*WorkloadCount{}
	for _, p := range []struct {
		where string
		args  []any
		add   func(w *WorkloadCount, n int)
	}{
		{"c.assigned_at >= ? AND c.assigned_at < ?", []any{f0, t0}, func(w *WorkloadCount, n int) { w.Assigned += n }},
		{"c.resolved_at >= ? AND c.resolved_at < ?", []any{f0, t0}, func(w *WorkloadCount, n int) { w.Resolved += n }},
		{openCond, nil, func(w *WorkloadCount, n int) { w.InHand += n }},
	} {
		q := `SELECT c.analyst_id, COUNT(*)` + reportFrom(f) + `WHERE c.analyst_id IS NOT NULL AND ` + p.where + and(conds) + ` GROUP BY c.analyst_id`
		rows, err := s.query(ctx, q, append(append([]any{}, p.args...), args...)...)
		if err != nil {
			return nil, fmt.Errorf("report workload: %w", err)
		}
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, err
			}
			w := byAnalyst[id]
			if w == nil {
				w = &WorkloadCount{AnalystID: id}
				byAnalyst[id] = w
			}
			p.add(w, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if len(byAnalyst) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(byAnalyst))
	for id := range byAnalyst {
		ids = append(ids, id)
	}
	// The analysts' names, in their order: last name, first name, id.
	rows, err := s.query(ctx, `SELECT id, first_name, last_name FROM people WHERE id IN (`+placeholders(len(ids))+`)
		ORDER BY last_name, first_name, id`, idArgs(ids)...)
	if err != nil {
		return nil, fmt.Errorf("report workload: %w", err)
	}
	defer rows.Close()
	var out []WorkloadCount
	for rows.Next() {
		var id int64
		var first, last string
		if err := rows.Scan(&id, &first, &last); err != nil {
			return nil, err
		}
		w := byAnalyst[id]
		w.Name = strings.TrimSpace(first + " " + last)
		out = append(out, *w)
	}
	return out, rows.Err()
}

// ReportCallRefs lists the references of up to limit calls matching f whose time in column
// event ("logged", "resolved", "closed", "cancelled", "reopened") falls in [from, to), oldest
// first: the calls behind a figure, for the service-level manager's drill-down (S11).
func (s *Store) ReportCallRefs(ctx context.Context, f ReportFilter, event string, from, to time.Time, limit int) ([]string, error) {
	if err := reportEvent(event); err != nil {
		return nil, err
	}
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	col := "c." + event + "_at"
	q := `SELECT c.kind, c.number` + reportFrom(f) + `WHERE ` + col + ` >= ? AND ` + col + ` < ?` + and(conds) +
		` ORDER BY ` + col + `, c.id LIMIT ?`
	rows, err := s.query(ctx, q, append(append([]any{from.UnixMicro(), to.UnixMicro()}, args...), int64(limit))...)
	if err != nil {
		return nil, fmt.Errorf("report calls: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind string
		var n int64
		if err := rows.Scan(&kind, &n); err != nil {
			return nil, err
		}
		out = append(out, desk.Reference(desk.CallKind(kind), n))
	}
	return out, rows.Err()
}
