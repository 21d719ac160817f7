package store

import (
	"context"
	"fmt"
)

// QueueCounts is how many calls wait in each of the console's queues.
type QueueCounts struct {
	Mine       int // open calls assigned to the analyst
	Groups     int // open calls of the analyst's groups
	Unassigned int // calls in state unassigned
	OnHold     int
	OffHold    int // came off hold by themselves: urgent
	Resolved   int // resolved, awaiting the customer's confirmation
	Open       int // every open call
}

// CountQueues counts the calls in every queue for an analyst and their groups, in one pass over
// the calls that are open or resolved (the index calls_queue covers it).
func (s *Store) CountQueues(ctx context.Context, analystID int64, groupIDs []int64) (QueueCounts, error) {
	inGroups := "0 = 1"
	args := []any{analystID}
	if len(groupIDs) > 0 {
		inGroups = "c.group_id IN (" + placeholders(len(groupIDs)) + ")"
		args = append(args, idArgs(groupIDs)...)
	}
	const open = "c.state <> 'resolved'"
	q := `SELECT
		COALESCE(SUM(CASE WHEN ` + open + ` AND c.analyst_id = ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ` + open + ` AND ` + inGroups + ` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.state = 'unassigned' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.state = 'on_hold' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.state = 'off_hold' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.state = 'resolved' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ` + open + ` THEN 1 ELSE 0 END), 0)
		FROM calls c WHERE c.state IN ('unassigned','assigned','accepted','pending','on_hold','off_hold','resolved')`
	var n QueueCounts
	err := s.queryRow(ctx, q, args...).Scan(&n.Mine, &n.Groups, &n.Unassigned, &n.OnHold, &n.OffHold, &n.Resolved, &n.Open)
	if err != nil {
		return QueueCounts{}, fmt.Errorf("count queues: %w", err)
	}
	return n, nil
}
