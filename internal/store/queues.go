package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// QueueCounts is how many calls wait in each of the console's queues. Each count stops at
// ListCountLimit; its More field then says more calls wait ("more than 1,000").
type QueueCounts struct {
	Mine       int // open calls assigned to the analyst
	Groups     int // open calls of the analyst's groups
	Unassigned int // calls in state unassigned
	OnHold     int
	OffHold    int // came off hold by themselves: urgent
	Resolved   int // resolved, awaiting the customer's confirmation
	Open       int // every open call

	MineMore, GroupsMore, UnassignedMore, OnHoldMore, OffHoldMore, ResolvedMore, OpenMore bool
}

// queueCountsMaxAge is how long CountQueues may answer its counts of every analyst's queues
// (unassigned, on hold, off hold, resolved, open) from its cache while this process has written
// no call. It bounds how stale counts can be after another instance (PostgreSQL) or another
// process changed calls; changes made through this store show at once.
const queueCountsMaxAge = 2 * time.Second

// queueCache holds the counts of the queues every analyst shares.
type queueCache struct {
	mu     sync.Mutex
	counts QueueCounts // Mine and Groups unset
	ok     bool
	writes int64     // Store.callWrites when counts were read
	at     time.Time // when counts were read
}

// countPart is one bounded count of CountQueues: the rows of calls c matching cond, read in
// the queue's order (byLogged) or in any.
type countPart struct {
	cond     string
	args     []any
	byLogged bool
	n        *int
	more     *bool
}

// CountQueues counts the calls in every queue for an analyst and their groups, each up to
// ListCountLimit (issue 21 point 5): an exact count of a queue of 50,000 calls read all of them
// on every page and every refresh, where a bounded one reads at most ListCountLimit+1 rows of
// the queue's own index, however long the queue. The counts every analyst shares are reused
// until a call is written through this store or queueCountsMaxAge has passed.
func (s *Store) CountQueues(ctx context.Context, analystID int64, groupIDs []int64) (QueueCounts, error) {
	n, err := s.sharedQueueCounts(ctx)
	if err != nil {
		return QueueCounts{}, err
	}
	var parts []countPart
	if analystID != 0 {
		parts = append(parts, countPart{"c.analyst_id = ? AND " + openCond, []any{analystID}, false, &n.Mine, &n.MineMore})
	}
	if len(groupIDs) > 0 {
		parts = append(parts, countPart{"c.group_id IN (" + placeholders(len(groupIDs)) + ") AND " + openCond, idArgs(groupIDs), false, &n.Groups, &n.GroupsMore})
	}
	if err := s.countParts(ctx, parts); err != nil {
		return QueueCounts{}, fmt.Errorf("count queues: %w", err)
	}
	return n, nil
}

// sharedQueueCounts returns the counts of the queues every analyst shares, read again when stale.
// One caller reads; the others wait for its answer rather than run the same counts.
func (s *Store) sharedQueueCounts(ctx context.Context) (QueueCounts, error) {
	c := &s.queues
	c.mu.Lock()
	defer c.mu.Unlock()
	writes := s.callWrites.Load()
	if c.ok && c.writes == writes && time.Since(c.at) < queueCountsMaxAge {
		return c.counts, nil
	}
	at := time.Now()
	var n QueueCounts
	err := s.countParts(ctx, []countPart{
		{"c.state = 'unassigned'", nil, true, &n.Unassigned, &n.UnassignedMore},
		{"c.state = 'on_hold'", nil, true, &n.OnHold, &n.OnHoldMore},
		{"c.state = 'off_hold'", nil, true, &n.OffHold, &n.OffHoldMore},
		{"c.state = 'resolved'", nil, true, &n.Resolved, &n.ResolvedMore},
		{openCond, nil, true, &n.Open, &n.OpenMore},
	})
	if err != nil {
		return QueueCounts{}, fmt.Errorf("count queues: %w", err)
	}
	c.counts, c.ok, c.writes, c.at = n, true, writes, at
	return n, nil
}

// countParts counts the calls of each part up to ListCountLimit, in one statement.
func (s *Store) countParts(ctx context.Context, parts []countPart) error {
	if len(parts) == 0 {
		return nil
	}
	var cols []string
	var args []any
	for _, p := range parts {
		order := ""
		if p.byLogged {
			order = countOrder
		}
		cols = append(cols, `(SELECT COUNT(*) FROM (SELECT 1 FROM calls c WHERE `+p.cond+order+` LIMIT ?) x)`)
		args = append(append(args, p.args...), ListCountLimit+1)
	}
	dest := make([]any, len(parts))
	for i, p := range parts {
		dest[i] = p.n
	}
	if err := s.serialRow(ctx, `SELECT `+strings.Join(cols, ", "), args, dest...); err != nil {
		return err
	}
	for _, p := range parts {
		if *p.n > ListCountLimit {
			*p.n, *p.more = ListCountLimit, true
		}
	}
	return nil
}

// countOrder reads a bounded count of a queue in the order of its index (state, logged_at, id;
// calls_open_logged for all open calls), from one end: left to choose, PostgreSQL scanned the
// table from its start for the first thousand unassigned calls (the newest, at its end), and
// SQLite walked the state index through every closed call to reach the open ones. (An
// analyst's and a group's counts are left to the planner: their indexes hold only their calls,
// and ordering a count of several groups sent PostgreSQL scanning every call by time.)
const countOrder = " ORDER BY c.logged_at, c.id"
