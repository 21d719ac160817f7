package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// searchUpkeep keeps SQLite's full-text index in few segments on a live desk (issue 22 point 3).
// FTS5 writes each committed batch's documents as a new segment, and its automerge merges a level
// only once it holds four: a desk that logs calls all day keeps a dozen or more segments (16 on a
// copy after a create benchmark), and a search opens each of them for each of its words. There a
// two-word search's page took 1.3-1.6 ms, against 0.24 ms once the index was merged down to two
// segments, and every API search 2.4 times as long.
//
// After writes have added segments, the upkeep runs FTS5's incremental merge ('merge', with
// usermerge 2: any level holding two segments is merged) a few pages at a time, each step a write
// of its own through the writer, and only while the desk writes nothing else: a merge that reaches
// the big segments of a million calls rewrites a hundred megabytes, and run beside a busy writer
// it halved the create rate (765 to 337 a second at a million calls). Under steady writes the
// index keeps automerge's segments, as before; the first quiet moment merges them. A write that
// arrives during a step waits for that step only.
type searchUpkeep struct {
	s       *Store
	kick    chan struct{} // enough segments were written; capacity 1, so kicks coalesce
	flushes atomic.Int64  // batches that wrote search documents since the last kick
	gap     atomic.Int64  // nanoseconds between a kick and the merge, and between rounds
	// quiet is how long (nanoseconds) the writer must have run no other write before a step.
	quiet   atomic.Int64
	steps   atomic.Int64 // merge steps run, for tests
	lastErr atomic.Value // the last failed round's error (a string), for tests
	cancel  context.CancelFunc
	done    chan struct{}
}

const (
	// upkeepAfter is how many batches that wrote search documents kick the upkeep: below it the
	// index holds only a few more segments than merged.
	upkeepAfter = 8
	// upkeepGap lets a burst of writes finish before merging what they wrote.
	upkeepGap = time.Second
	// upkeepPages is what one merge step writes, in FTS5 pages (about 4 KB each): a few
	// milliseconds of the writer's time, which a write arriving meanwhile waits for at most.
	upkeepPages = 32
	// upkeepQuiet is how long the writer must have written nothing else before the upkeep merges.
	upkeepQuiet = 250 * time.Millisecond
	// upkeepSteps bounds one round; what is left waits for the next (one gap later).
	upkeepSteps = 100
)

func newSearchUpkeep(s *Store) *searchUpkeep {
	ctx, cancel := context.WithCancel(context.Background())
	u := &searchUpkeep{s: s, kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	u.gap.Store(int64(upkeepGap))
	u.quiet.Store(int64(upkeepQuiet))
	go u.loop(ctx)
	return u
}

// wrote tells the upkeep a committed batch wrote search documents (a new segment); it never waits.
func (u *searchUpkeep) wrote() {
	if u.flushes.Add(1) < upkeepAfter {
		return
	}
	u.flushes.Store(0)
	select {
	case u.kick <- struct{}{}:
	default:
	}
}

func (u *searchUpkeep) loop(ctx context.Context) {
	defer close(u.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-u.kick:
		}
		for more := true; more; {
			wait := time.NewTimer(time.Duration(u.gap.Load()))
			select {
			case <-ctx.Done():
				wait.Stop()
				return
			case <-wait.C:
			}
			// A failed step (a full disk, a lock a backup holds) is tried again a gap later; the
			// index is whole either way, only less merged.
			var err error
			if more, err = u.round(ctx); err != nil {
				u.lastErr.Store(err.Error())
				more = true
			}
		}
	}
}

// round runs up to upkeepSteps merge steps, each once the writer has been quiet (no write but
// the upkeep's own for upkeepQuiet), and says whether merging is left.
func (u *searchUpkeep) round(ctx context.Context) (more bool, err error) {
	writes := u.s.w.writes.Load() - 1 // not quiet yet: wait for a quiet spell first
	for range upkeepSteps {
		for u.s.w.writes.Load() != writes {
			writes = u.s.w.writes.Load()
			wait := time.NewTimer(time.Duration(u.quiet.Load()))
			select {
			case <-ctx.Done():
				wait.Stop()
				return true, ctx.Err()
			case <-wait.C:
			}
		}
		if more, err = u.s.mergeSearchStep(ctx, searchMerge{usermerge: 2, pages: upkeepPages}); err != nil || !more {
			return more, err
		}
		u.steps.Add(1)
		writes++ // the step's own write
	}
	return true, nil
}

func (u *searchUpkeep) close() {
	u.cancel()
	<-u.done
}

// MergeSearch merges SQLite's full-text index, at most steps steps of upkeepPages pages each, and
// says how many it ran and whether merging is left to do. On PostgreSQL it does nothing: a GIN
// index has one tree, and autovacuum empties its pending list.
func (s *Store) MergeSearch(ctx context.Context, steps int) (ran int, more bool, err error) {
	if s.w == nil {
		return 0, false, nil
	}
	for ran < steps {
		if more, err = s.mergeSearchStep(ctx, searchMerge{usermerge: 2, pages: upkeepPages}); err != nil || !more {
			return ran + 1, more, err
		}
		ran++
	}
	return ran, true, nil
}

// searchMerge is one step of FTS5's incremental merge.
type searchMerge struct {
	// usermerge is how many segments of a level the step may merge together (2 to 16; a merge
	// already begun is continued whatever it is), pages how many pages the step writes.
	usermerge, pages int
	// all starts a merge of every segment into one (the optimize command, done a step at a
	// time); resume turns automerge back on (a sweep turned it off: pauseSearchMerges).
	all, resume bool
	// last, when set, runs in the transaction of the step that finds nothing left to merge.
	last func(*Tx) error
}

// mergeSearchStep runs one merge step, each setting its own usermerge (the upkeep and a
// compaction may take turns), and says whether it merged anything: FTS5's advice is that the
// merge is done when a step changes fewer than two rows.
func (s *Store) mergeSearchStep(ctx context.Context, m searchMerge) (more bool, err error) {
	err = s.inTx(ctx, func(t *Tx) error {
		if m.resume {
			if err := t.s.d.resumeSearchMerges(ctx, t); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `INSERT INTO call_fts(call_fts, rank) VALUES ('usermerge', ?)`, m.usermerge); err != nil {
			return err
		}
		var before, after int64
		if err := t.queryRow(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
			return err
		}
		pages := m.pages
		if s.mergePages > 0 {
			pages = s.mergePages
		}
		if m.all {
			pages = -pages
		}
		if _, err := t.exec(ctx, `INSERT INTO call_fts(call_fts, rank) VALUES ('merge', ?)`, pages); err != nil {
			return err
		}
		if err := t.queryRow(ctx, `SELECT total_changes()`).Scan(&after); err != nil {
			return err
		}
		more = after-before >= 2
		if !more && m.last != nil {
			return m.last(t)
		}
		return nil
	})
	if err != nil {
		return true, fmt.Errorf("merge the search index: %w", err)
	}
	if s.afterMergeStep != nil {
		s.afterMergeStep()
	}
	return more, nil
}
