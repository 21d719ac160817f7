package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
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

// queueCountsMaxAge is how long CountQueues may answer from its cache while this process has
// written no call. It bounds how stale counts can be after another instance (PostgreSQL) or
// another process changed calls; changes made through this store show at once.
const queueCountsMaxAge = 2 * time.Second

// queueCache holds the number of open and resolved calls per state, group and analyst: every
// analyst's queue counts are sums over it. It is a few hundred rows for a whole university.
type queueCache struct {
	mu     sync.Mutex
	rows   []queueCount
	writes int64     // Store.callWrites when rows were read
	at     time.Time // when rows were read
}

type queueCount struct {
	state             string
	group, analyst, n int64
}

// CountQueues counts the calls in every queue for an analyst and their groups. Every queue page
// shows these counts, and counting a million calls' open ones took most of a page's time, so the
// counts of all analysts come from one grouped count over the calls_queue index, reused until a
// call is written through this store or queueCountsMaxAge has passed.
func (s *Store) CountQueues(ctx context.Context, analystID int64, groupIDs []int64) (QueueCounts, error) {
	rows, err := s.queueCounts(ctx)
	if err != nil {
		return QueueCounts{}, err
	}
	var n QueueCounts
	for _, r := range rows {
		open := r.state != "resolved"
		switch r.state {
		case "unassigned":
			n.Unassigned += int(r.n)
		case "on_hold":
			n.OnHold += int(r.n)
		case "off_hold":
			n.OffHold += int(r.n)
		case "resolved":
			n.Resolved += int(r.n)
		}
		if open {
			n.Open += int(r.n)
			if r.analyst == analystID && analystID != 0 {
				n.Mine += int(r.n)
			}
			if r.group != 0 && slices.Contains(groupIDs, r.group) {
				n.Groups += int(r.n)
			}
		}
	}
	return n, nil
}

// queueCounts returns the grouped counts, read again when stale. One caller reads; the others
// wait for its answer rather than run the same count.
func (s *Store) queueCounts(ctx context.Context) ([]queueCount, error) {
	c := &s.queues
	c.mu.Lock()
	defer c.mu.Unlock()
	writes := s.callWrites.Load()
	if c.rows != nil && c.writes == writes && time.Since(c.at) < queueCountsMaxAge {
		return c.rows, nil
	}
	at := time.Now()
	rows, err := s.query(ctx, `SELECT c.state, COALESCE(c.group_id, 0), COALESCE(c.analyst_id, 0), COUNT(*) FROM calls c
		WHERE c.state IN ('unassigned','assigned','accepted','pending','on_hold','off_hold','resolved')
		GROUP BY c.state, c.group_id, c.analyst_id`)
	if err != nil {
		return nil, fmt.Errorf("count queues: %w", err)
	}
	defer rows.Close()
	out := []queueCount{}
	for rows.Next() {
		var r queueCount
		if err := rows.Scan(&r.state, &r.group, &r.analyst, &r.n); err != nil {
			return nil, fmt.Errorf("count queues: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count queues: %w", err)
	}
	c.rows, c.writes, c.at = out, writes, at
	return out, nil
}
