package store

import (
	"context"
	"time"
)

// SetAfterRecheck makes every retention sweep batch of s call f in its transaction between the
// re-check and the action: a test's way to change the records in that window.
func (s *Store) SetAfterRecheck(f func(ctx context.Context, class string, ids []int64, exec func(query string, args ...any) error)) {
	s.afterRecheck = f
}

// PeopleNamedQuery is the query (with ? placeholders) and arguments PeopleNamedIn sends first
// for texts, for a test to ask each engine how it plans it.
func PeopleNamedQuery(texts ...string) (string, []any) {
	addrs, words := namedCandidates(texts)
	return namedQuery(append(addrs, words...))
}

// FillDisk makes SQLite's writer connection unable to grow the database file by a single page
// (PRAGMA max_page_count at its present size), as a full disk would: the next write that needs a
// new page fails with SQLITE_FULL.
func (s *Store) FillDisk(ctx context.Context) error {
	return s.inTx(ctx, func(t *Tx) error { return t.execScript(ctx, `PRAGMA max_page_count = 1`) })
}

// EscalateInBatches is Escalate reading batch due rows at a time, for a test of a pass that
// takes several batches.
func (s *Store) EscalateInBatches(ctx context.Context, limit, batch int, mail EscalationMail) (EscalationPass, error) {
	return s.escalate(ctx, limit, batch, mail)
}

// SetSleep replaces the wait between the runs of a retried transaction (runTx) with f.
func (s *Store) SetSleep(f func(ctx context.Context, d time.Duration) error) { s.sleep = f }

// TxAttempts is how many times a write transaction runs before it gives up on conflicts.
const TxAttempts = txAttempts

// SearchPageQuery is the query (with ? placeholders) and arguments of the first page of 25 ids
// a search for text with no other filter sends (searchOnly), as the engine's estimate picks it,
// for a test to ask the engine how it plans it.
func (s *Store) SearchPageQuery(ctx context.Context, text string) (string, []any, error) {
	q := s.searchQuery(SearchTerms(text), nil)
	est, err := s.searchEstimateRows(ctx, q)
	if err != nil {
		return "", nil, err
	}
	page, args := s.searchPageQuery(q, est, 25, 0)
	return page, args, nil
}
