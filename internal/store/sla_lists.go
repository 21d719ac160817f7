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
	where := []string{"s.queue_key IS NOT NULL"}
	var args []any
	now := s.now().UnixMicro()
	switch f.SLA {
	case "":
	case "at_risk":
		// The band narrows the rows to read (call_sla_band); the instants decide.
		where = append(where, "s.band IN ('ok', 'at_risk') AND s.risk_at <= ? AND s.queue_key > ?")
		args = append(args, now, now)
	case "breached":
		where = append(where, "s.queue_key <= ?")
		args = append(args, now)
	default:
		return CallPage{}, desk.Invalid("the filter is not valid", map[string]string{"sla": "must be at_risk or breached"})
	}
	if len(f.GroupIDs) > 0 {
		where = append(where, "s.group_id IN ("+placeholders(len(f.GroupIDs))+")")
		args = append(args, idArgs(f.GroupIDs)...)
	}
	w := " WHERE " + strings.Join(where, " AND ")
	page := CallPage{Total: -1, TotalExact: true}
	if !f.NoTotal {
		n, err := s.countUpTo(ctx, `SELECT 1 FROM call_sla s`+w, args, SLAListCountLimit+1)
		if err != nil {
			return CallPage{}, fmt.Errorf("count calls: %w", err)
		}
		page.Total = n
		if n > SLAListCountLimit {
			page.Total, page.TotalExact, page.TotalAtLeast = SLAListCountLimit, false, true
		}
	}
	o := callOrder{"due", []string{"s.queue_key", "s.call_id"}, false}
	err := s.keysetPage(ctx, &page, f, o, func(cols, cond, order string) string {
		if cond != "" {
			cond = " AND " + cond
		}
		return `SELECT ` + cols + ` FROM (SELECT s.call_id, s.queue_key FROM call_sla s` + w + cond +
			` ORDER BY ` + order + ` LIMIT ? OFFSET ?) p JOIN calls c ON c.id = p.call_id ORDER BY ` + strings.ReplaceAll(order, "s.", "p.")
	}, args)
	if err != nil {
		return CallPage{}, fmt.Errorf("find calls: %w", err)
	}
	return page, nil
}
