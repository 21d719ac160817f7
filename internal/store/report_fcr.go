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

// The first-contact resolution and first-line fix report (issue 18) reads two figures the call
// row keeps, both written by the UPDATE of the change itself (no extra statement, nothing at
// logging): calls.reassigned, the times the call's group changed from one group to another, and
// calls.resolved_by, who resolved it (its latest resolution). support_groups.first_line marks
// the Service Desk's first-line groups.

// resolvedBySet is updateCall's assignment of calls.resolved_by: its arguments are
// resolvedByMode's mode (1: the actor resolved it now, 2: it is no longer resolved, 0: as it
// was) and the actor's person id (0, calldesk itself, is nobody).
const resolvedBySet = `resolved_by = CASE CAST(? AS INTEGER) WHEN 1 THEN NULLIF(CAST(? AS BIGINT), 0) WHEN 2 THEN NULL ELSE resolved_by END`

// resolvedByMode is resolvedBySet's mode for transition tr leaving call c as it is.
func resolvedByMode(tr desk.Transition, c desk.Call) int {
	switch {
	case tr.Action == desk.ActResolve:
		return 1
	case c.ResolvedAt.IsZero():
		return 2
	}
	return 0
}

// regrouped is 1 when a change moved a call from one support group to another, else 0: its
// first assignment (from no group) is not a reassignment, nor a new analyst in the same group.
func regrouped(before, after desk.Call) int {
	if before.GroupID != 0 && after.GroupID != before.GroupID {
		return 1
	}
	return 0
}

// SetGroupFirstLine marks group id as one of the Service Desk's first-line groups, or not,
// audited (group.first_line). The reports read the mark as it is when they run.
func (s *Store) SetGroupFirstLine(ctx context.Context, actor desk.Actor, id int64, first bool) (desk.Group, error) {
	var g desk.Group
	err := s.inTx(ctx, func(t *Tx) error {
		name, err := t.groupName(ctx, id)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE support_groups SET first_line = ? WHERE id = ?`, b2i(first), id); err != nil {
			return err
		}
		words := "marked " + name + " a first-line group"
		if !first {
			words = "marked " + name + " not a first-line group"
		}
		return t.audit(ctx, actor, "group.first_line", "group", id, nil, words)
	})
	if err != nil {
		return g, err
	}
	return s.FindGroup(ctx, id)
}

// backfillFirstLine sets calls.reassigned and calls.resolved_by of the calls with ids in
// [from, to] from their diaries, as migration 0049 does for the calls before it: the bulk load
// (the demo, an import) writes calls with their diaries and no transitions. The moves join the
// calls (UPDATE ... FROM): a subquery per call read the whole list of moves for each, and took
// most of the 20 minutes of loading a million demo calls into PostgreSQL.
func (t *Tx) backfillFirstLine(ctx context.Context, from, to int64) error {
	if _, err := t.exec(ctx, `WITH a AS (
		  SELECT d.call_id, d.id, g.id AS gid FROM diary_entries d JOIN support_groups g
		    ON d.body = 'assigned to ' || g.name OR substr(d.body, 1, length(g.name) + 15) = 'assigned to ' || g.name || ' / '
		  WHERE d.kind = 'assignment' AND d.call_id BETWEEN ? AND ?
		), b AS (
		  SELECT call_id, gid, LAG(gid) OVER (PARTITION BY call_id ORDER BY id) AS prev FROM a
		), n AS (
		  SELECT call_id, COUNT(*) AS moves FROM b WHERE prev IS NOT NULL AND prev <> gid GROUP BY call_id
		)
		UPDATE calls SET reassigned = n.moves FROM n WHERE n.call_id = calls.id`, from, to); err != nil {
		return fmt.Errorf("calls' reassignments: %w", err)
	}
	if _, err := t.exec(ctx, `UPDATE calls SET resolved_by = (SELECT d.author_id FROM diary_entries d
		WHERE d.call_id = calls.id AND d.kind = 'status' AND substr(d.body, 1, 10) = 'resolved: ' ORDER BY d.id DESC LIMIT 1)
		WHERE resolved_at IS NOT NULL AND id BETWEEN ? AND ?`, from, to); err != nil {
		return fmt.Errorf("calls' resolvers: %w", err)
	}
	return nil
}

// FirstContactRule is what counts as resolved at the first contact: within Window of logging.
type FirstContactRule struct{ Window time.Duration }

// firstLineFix is SQL true for a call c (support_groups g joined on its group) that is a
// first-line fix: never moved between groups, in a first-line group, and resolved by a member of
// a first-line group (a list made once per query, not a look-up per call).
const firstLineFix = `c.reassigned = 0 AND g.first_line = 1 AND c.resolved_by IN (SELECT fm.person_id FROM group_members fm
	JOIN support_groups fg ON fg.id = fm.group_id WHERE fg.first_line = 1)`

// firstContact is SQL true for a call c resolved at its first contact: resolved by the analyst
// who logged it, within the window (its argument, microseconds) of logging, never reopened,
// never moved between groups (firstContactCall), and with no public update or email in its diary
// between logging and resolution from anyone but that analyst (a customer's reply by email or on
// SupportMe: firstContactReply).
const firstContact = firstContactCall + ` AND NOT ` + firstContactReply

// firstContactCall is what the call row alone says of a first contact (its argument the window).
const firstContactCall = `c.resolved_by = c.logged_by AND c.resolved_at - c.logged_at <= ? AND c.reopened_at IS NULL
	AND c.reassigned = 0`

// firstContactReply is SQL true for a call c with a public update or email in its diary between
// logging and resolution from anyone but the analyst who logged it.
const firstContactReply = `EXISTS (SELECT 1 FROM diary_entries fd WHERE fd.call_id = c.id
	AND fd.kind IN ('update', 'email') AND fd.created_at >= c.logged_at AND fd.created_at <= c.resolved_at
	AND (fd.author_id IS NULL OR fd.author_id <> c.logged_by))`

// FirstContactCount is, for the calls of one priority, group and source resolved in a range,
// how many there were and how many were first-line fixes and first-contact resolutions.
type FirstContactCount struct {
	Priority     desk.Priority
	GroupID      int64  // the call's group now; 0: none
	Group        string // its name
	FirstLine    bool   // the group is a first-line group
	Source       desk.CallSource
	Resolved     int
	FirstLineFix int
	FirstContact int
}

// ReportFirstContact counts the calls matching f whose (latest) resolution falls in [from, to),
// per priority, group and source, with those that were first-line fixes and first-contact
// resolutions under rule: one pass over the range's resolved calls (the calls_resolved_since
// index, which covers what it reads: 0057), the diary read only for the few that pass every
// other test of a first contact. Grouped by numbers and the source alone, the groups' names and
// marks looked up once: a year's grouping sorts every resolved call, and the narrower each
// sorted row the faster.
func (s *Store) ReportFirstContact(ctx context.Context, f ReportFilter, rule FirstContactRule, from, to time.Time) ([]FirstContactCount, error) {
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	type group struct {
		name  string
		first bool
	}
	groups := map[int64]group{}
	rows, err := s.query(ctx, `SELECT id, name, first_line FROM support_groups`)
	if err != nil {
		return nil, fmt.Errorf("report first contact: %w", err)
	}
	for rows.Next() {
		var id int64
		var g group
		if err := rows.Scan(&id, &g.name, &g.first); err != nil {
			rows.Close()
			return nil, err
		}
		groups[id] = g
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The first contacts by the call rows first (no diary read: a look in the diary per call
	// made PostgreSQL cost the query in millions and compile it), then, in a second pass, those
	// of them a reply in the diary rules out, taken away.
	type key struct {
		priority int
		group    int64
		source   string
	}
	byKey := map[key]*FirstContactCount{}
	var out []*FirstContactCount
	q := `SELECT c.priority, COALESCE(c.group_id, 0), c.source, COUNT(*),
		SUM(CASE WHEN ` + firstLineFix + ` THEN 1 ELSE 0 END), SUM(CASE WHEN ` + firstContactCall + ` THEN 1 ELSE 0 END)` + reportFrom(f) +
		`LEFT JOIN support_groups g ON g.id = c.group_id WHERE c.resolved_at >= ? AND c.resolved_at < ?` + and(conds) +
		` GROUP BY c.priority, c.group_id, c.source`
	replied := `SELECT c.priority, COALESCE(c.group_id, 0), c.source, 0, 0, -COUNT(*)` + reportFrom(f) +
		`WHERE c.resolved_at >= ? AND c.resolved_at < ? AND ` + firstContactCall + ` AND ` + firstContactReply + and(conds) +
		` GROUP BY c.priority, c.group_id, c.source`
	for _, p := range []struct {
		q    string
		args []any
	}{
		{q, append([]any{rule.Window.Microseconds(), from.UnixMicro(), to.UnixMicro()}, args...)},
		{replied, append([]any{from.UnixMicro(), to.UnixMicro(), rule.Window.Microseconds()}, args...)},
	} {
		rows, err = s.query(ctx, p.q, p.args...)
		if err != nil {
			return nil, fmt.Errorf("report first contact: %w", err)
		}
		for rows.Next() {
			var k key
			var n, flf, fc int
			if err := rows.Scan(&k.priority, &k.group, &k.source, &n, &flf, &fc); err != nil {
				rows.Close()
				return nil, err
			}
			c := byKey[k]
			if c == nil {
				g := groups[k.group]
				c = &FirstContactCount{Priority: desk.Priority(k.priority), GroupID: k.group, Group: g.name, FirstLine: g.first,
					Source: desk.CallSource(k.source)}
				byKey[k] = c
				out = append(out, c)
			}
			c.Resolved, c.FirstLineFix, c.FirstContact = c.Resolved+n, c.FirstLineFix+flf, c.FirstContact+fc
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("report first contact: %w", err)
		}
	}
	// By priority, group name, group and source, as the report lists them.
	slices.SortFunc(out, func(a, b *FirstContactCount) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(a.Group, b.Group), cmp.Compare(a.GroupID, b.GroupID),
			strings.Compare(string(a.Source), string(b.Source)))
	})
	list := make([]FirstContactCount, len(out))
	for i, c := range out {
		list[i] = *c
	}
	return list, nil
}

// ReportFirstContactTotals is ReportFirstContact's figures added up (no priority, group or source
// in the result): the period before a report's, which it compares by totals alone, counted with
// nothing sorted.
func (s *Store) ReportFirstContactTotals(ctx context.Context, f ReportFilter, rule FirstContactRule, from, to time.Time) (FirstContactCount, error) {
	var c FirstContactCount
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return c, err
	}
	// As ReportFirstContact: the call rows first, then the replies in the diary.
	q := `SELECT COUNT(*), COALESCE(SUM(CASE WHEN ` + firstLineFix + ` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ` + firstContactCall + ` THEN 1 ELSE 0 END), 0)` + reportFrom(f) +
		`LEFT JOIN support_groups g ON g.id = c.group_id WHERE c.resolved_at >= ? AND c.resolved_at < ?` + and(conds)
	all := append([]any{rule.Window.Microseconds(), from.UnixMicro(), to.UnixMicro()}, args...)
	if err := s.queryRow(ctx, q, all...).Scan(&c.Resolved, &c.FirstLineFix, &c.FirstContact); err != nil {
		return c, fmt.Errorf("report first contact: %w", err)
	}
	var replied int
	q = `SELECT COUNT(*)` + reportFrom(f) + `WHERE c.resolved_at >= ? AND c.resolved_at < ? AND ` + firstContactCall +
		` AND ` + firstContactReply + and(conds)
	all = append([]any{from.UnixMicro(), to.UnixMicro(), rule.Window.Microseconds()}, args...)
	if err := s.queryRow(ctx, q, all...).Scan(&replied); err != nil {
		return c, fmt.Errorf("report first contact: %w", err)
	}
	c.FirstContact -= replied
	return c, nil
}

// First-contact drill-down events: the calls behind a report figure (ReportFirstContactRefs).
const (
	EventFirstLineFix = "first_line_fix"
	EventFirstContact = "first_contact"
)

// ReportFirstContactRefs lists the references of up to limit calls matching f resolved in
// [from, to) that were first-line fixes (event EventFirstLineFix) or first-contact resolutions
// under rule (EventFirstContact), by their resolution: a service-level manager's drill-down.
func (s *Store) ReportFirstContactRefs(ctx context.Context, f ReportFilter, rule FirstContactRule, event string, from, to time.Time, limit int) ([]string, error) {
	var cond string
	var condArgs []any
	switch event {
	case EventFirstLineFix:
		cond = firstLineFix
	case EventFirstContact:
		cond, condArgs = firstContact, []any{rule.Window.Microseconds()}
	default:
		return nil, desk.Errorf(desk.EINVALID, "%q is not a first-contact figure (%s, %s)", event, EventFirstLineFix, EventFirstContact)
	}
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	q := `SELECT c.kind, c.number` + reportFrom(f) + `LEFT JOIN support_groups g ON g.id = c.group_id
		WHERE c.resolved_at >= ? AND c.resolved_at < ? AND ` + cond + and(conds) + ` ORDER BY c.resolved_at, c.id LIMIT ?`
	all := append(append(append([]any{from.UnixMicro(), to.UnixMicro()}, condArgs...), args...), int64(limit))
	rows, err := s.query(ctx, q, all...)
	if err != nil {
		return nil, fmt.Errorf("report first-contact calls: %w", err)
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

// CallFirstContact is what the first-contact report reads of one call: the times its group
// changed from one group to another, and who resolved it (0: not resolved, or nobody known).
type CallFirstContact struct {
	Reassigned int
	ResolvedBy int64
}

// FindCallFirstContact returns call ref's CallFirstContact, or ENOTFOUND.
func (s *Store) FindCallFirstContact(ctx context.Context, ref string) (CallFirstContact, error) {
	kind, number, err := desk.ParseReference(ref)
	if err != nil {
		return CallFirstContact{}, err
	}
	var out CallFirstContact
	var by sql.NullInt64
	err = s.queryRow(ctx, `SELECT reassigned, resolved_by FROM calls WHERE number = ? AND kind = ?`, number, string(kind)).Scan(&out.Reassigned, &by)
	if err == sql.ErrNoRows {
		return out, notFound("no call %s", ref)
	}
	out.ResolvedBy = by.Int64
	return out, err
}
