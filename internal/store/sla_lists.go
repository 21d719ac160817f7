package store

import (
	"context"
	"fmt"
	"strings"

	"calldesk/internal/desk"
)

// Lists by service level (CallFilter.SLA, Sort "due") that ask nothing of a call but its service
// level and group are read from call_sla's indexes alone: the page's ids in deadline order, then
// those calls. Every live row of call_sla is an open call (its row is rewritten in the
// transaction that changes the call's state), so "open" needs no look at calls either.

// levelOnly reports whether f is such a list: by level, filtered (if at all) by group and open.
func levelOnly(f CallFilter) bool {
	return (f.SLA != "" || f.Sort == "due") && (f.Sort == "" || f.Sort == "due") && f.AnalystID == 0 && !f.Unassigned &&
		f.CustomerID == 0 && f.ProfileID == 0 && len(f.Conditions) == 0 && !f.Unfinished && !f.Finished && f.Priority == 0 &&
		f.From.IsZero() && f.To.IsZero() && strings.TrimSpace(f.Text) == ""
}

// levelList answers a levelOnly filter.
func (s *Store) levelList(ctx context.Context, f CallFilter) (CallPage, error) {
	q, err := s.levelQuery(f)
	if err != nil {
		return CallPage{}, err
	}
	page := CallPage{Total: -1, TotalExact: true}
	if !f.NoTotal {
		n, err := s.countUpTo(ctx, q.count(), q.args, SLAListCountLimit+1)
		if err != nil {
			return CallPage{}, fmt.Errorf("count calls: %w", err)
		}
		page.Total = n
		if n > SLAListCountLimit {
			page.Total, page.TotalExact, page.TotalAtLeast = SLAListCountLimit, false, true
		}
	}
	if err := s.keysetPage(ctx, &page, f, q.order, q.page, q.args); err != nil {
		return CallPage{}, fmt.Errorf("find calls: %w", err)
	}
	return page, nil
}

// levelQuery is what a levelOnly list reads: the rows of call_sla s (from, where, with their
// arguments) and the order of its pages.
type levelQuery struct {
	from, where string
	args        []any
	order       callOrder
}

// levelQuery gives the rows and order of a levelOnly filter at the store's now.
//
// The breached list and a queue by deadline read call_sla_queue (or call_sla_group_queue) in
// deadline order and stop after a page. The at-risk list must not: on a live desk the calls at
// risk are not the first by deadline. A call just logged is 'ok' and due within its target (half
// an hour, an hour), ahead of older calls at risk due later in the day, so a walk from now read
// the row of every call logged in the last while to look at its band (on a million-call copy,
// 16,600 rows for a page after a few minutes of logging; p50 0.9 s while four clients logged
// calls). The at-risk rows are read from call_sla_band instead ('at_risk' rows, and the 'ok'
// rows whose risk_at has passed: those the escalation job has not reached yet), the instants
// decide, and the page sorts them: as many rows as there are calls at risk.
//
// Statistics do not decide it: SQLite walked call_sla_queue both with those a migration leaves
// (call_sla analysed while empty, which PRAGMA optimize does not redo) and with full ones
// (ANALYZE, stat4). INDEXED BY (dialect.indexedBy) holds SQLite to call_sla_band, and queue_key
// is compared and sorted as queue_key+0, which no index serves: held to call_sla_band, SQLite
// could still skip-scan it for queue_key > now; and PostgreSQL, with a new database's
// statistics, read a group's calls at risk from call_sla_group_queue (TestAtRiskListPlan).
func (s *Store) levelQuery(f CallFilter) (levelQuery, error) {
	q := levelQuery{from: "call_sla s", order: callOrder{"due", []string{"s.queue_key", "s.call_id"}, false}}
	where := []string{"s.queue_key IS NOT NULL"}
	now := s.now().UnixMicro()
	switch f.SLA {
	case "":
	case "at_risk":
		q.from += s.d.indexedBy("call_sla_band")
		q.order.cols[0] = "s.queue_key + 0"
		where = append(where, "s.band IN ('ok', 'at_risk') AND s.risk_at <= ? AND s.queue_key + 0 > ?")
		q.args = append(q.args, now, now)
	case "breached":
		where = append(where, "s.queue_key <= ?")
		q.args = append(q.args, now)
	default:
		return levelQuery{}, desk.Invalid("the filter is not valid", map[string]string{"sla": "must be at_risk or breached"})
	}
	if len(f.GroupIDs) > 0 {
		where = append(where, "s.group_id IN ("+placeholders(len(f.GroupIDs))+")")
		q.args = append(q.args, idArgs(f.GroupIDs)...)
	}
	q.where = " WHERE " + strings.Join(where, " AND ")
	return q, nil
}

// count is a SELECT of a row per call of the list, for countUpTo.
func (q levelQuery) count() string { return `SELECT 1 FROM ` + q.from + q.where }

// page is the query of a page of the list as keysetPage asks it: the ids and keys of the page
// from call_sla alone (cond: past the cursor; order: q.order's, either way), then those calls.
func (q levelQuery) page(cols, cond, order string) string {
	if cond != "" {
		cond = " AND " + cond
	}
	return `SELECT ` + cols + ` FROM (SELECT s.call_id, s.queue_key FROM ` + q.from + q.where + cond +
		` ORDER BY ` + order + ` LIMIT ? OFFSET ?) p JOIN calls c ON c.id = p.call_id ORDER BY ` + strings.ReplaceAll(order, "s.", "p.")
}
