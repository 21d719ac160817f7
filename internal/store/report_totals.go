package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ReportVolumeTotals is ReportVolumeOf's figures for [from, to) added up: no day, no source. A
// report compares its range with the period before it by totals alone, and counting a period
// without grouping it is a range of each event's covering index (0050_report_indexes) with
// nothing sorted: grouping the period before by day and source doubled a year's report.
func (s *Store) ReportVolumeTotals(ctx context.Context, f ReportFilter, from, to time.Time, events ...string) (VolumeCount, error) {
	var v VolumeCount
	for _, ev := range events {
		if err := reportEvent(ev); err != nil {
			return v, err
		}
	}
	conds, args, err := s.reportWhere(ctx, f)
	if err != nil {
		return v, err
	}
	for _, c := range []struct {
		col, part string
		n, p      *int
	}{
		{"logged_at", "c.logged_by = c.customer_id", &v.Logged, &v.SelfService},
		{"resolved_at", "c.reopened_at IS NOT NULL", &v.Resolved, &v.ResolvedReopened},
		{"closed_at", "1 = 0", &v.Closed, nil},
		{"cancelled_at", "1 = 0", &v.Cancelled, nil},
		{"reopened_at", "1 = 0", &v.Reopened, nil},
	} {
		if len(events) > 0 && !slices.Contains(events, strings.TrimSuffix(c.col, "_at")) {
			continue
		}
		q := `SELECT COUNT(*), COALESCE(SUM(CASE WHEN ` + c.part + ` THEN 1 ELSE 0 END), 0)` + reportFrom(f) +
			`WHERE c.` + c.col + ` >= ? AND c.` + c.col + ` < ?` + and(conds)
		var part int
		if err := s.queryRow(ctx, q, append([]any{from.UnixMicro(), to.UnixMicro()}, args...)...).Scan(c.n, &part); err != nil {
			return v, fmt.Errorf("report volume totals (%s): %w", c.col, err)
		}
		if c.p != nil {
			*c.p = part
		}
	}
	return v, nil
}
