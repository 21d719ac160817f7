package store

import (
	"context"
	"database/sql"
	"time"

	"calldesk/internal/desk"
)

// SetAfterRecheck makes every retention sweep batch of s call f in its transaction between the
// re-check and the action: a test's way to change the records in that window.
func (s *Store) SetAfterRecheck(f func(ctx context.Context, class string, ids []int64, exec func(query string, args ...any) error)) {
	s.afterRecheck = f
}

// SpecialPlainSQL is the query a search asks first: is any special-category call plain?
const SpecialPlainSQL = specialPlainSQL

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

// SearchPageQuery is the query (with ? placeholders) and arguments a search for text with no
// other filter sends first for its first page of 25 ids (searchOnly), as the engine's estimates
// pick it, for a test to ask the engine how it plans it: the walk of the newest calls
// (searchWalkQuery) where it comes first, else the page of the index's matches.
func (s *Store) SearchPageQuery(ctx context.Context, text string) (string, []any, error) {
	q, err := s.searchQuery(ctx, SearchTerms(text), nil)
	if err != nil {
		return "", nil, err
	}
	est, err := s.searchEstimateRows(ctx, q)
	if err != nil {
		return "", nil, err
	}
	if walk, args, err := s.searchWalkQuery(ctx, q, est, 25); err != nil || walk != "" {
		return walk, args, err
	}
	page, args := s.searchPageQuery(q, est, 25, 0)
	return page, args, nil
}

// SealForTest seals p as content of owner in a transaction of its own, as a write would; it
// returns the key column's value (0: plain) and what the content column would hold.
func (s *Store) SealForTest(ctx context.Context, kind string, owner int64, aad string, p []byte) (int64, []byte, error) {
	var id int64
	var c []byte
	err := s.inTx(ctx, func(t *Tx) error {
		k, sealed, err := t.sealBytes(ctx, kind, owner, aad, p)
		id, c = k.Int64, sealed
		return err
	})
	return id, c, err
}

// OpenForTest opens what SealForTest made.
func (s *Store) OpenForTest(ctx context.Context, keyID int64, kind string, owner int64, aad string, c []byte) ([]byte, error) {
	return s.openBytes(ctx, s, sql.NullInt64{Int64: keyID, Valid: keyID != 0}, kind, owner, aad, c)
}

// ShredForTest destroys the data keys of the owners, as an erasure does.
func (s *Store) ShredForTest(ctx context.Context, kind string, owners ...int64) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		n, err = t.shredKeys(ctx, kind, owners)
		return err
	})
	return n, err
}

// SealedColumnsForTest lists "table.column key_column" of every column rekey re-seals.
func SealedColumnsForTest() []string {
	var out []string
	for _, tb := range sealedTables() {
		for _, c := range tb.cols {
			out = append(out, tb.table+"."+c+" "+tb.keyCol)
		}
	}
	return out
}

// ImportKeysCountingForTest is ImportKeys counting the unreadable rows of table (id, key_id and a
// sealed text column data) as if it were a sealed table.
func (s *Store) ImportKeysCountingForTest(ctx context.Context, actor desk.Actor, source string, rows func(emit func(KeyRow) error) error, table string) (KeyImport, error) {
	return s.importKeys(ctx, actor, source, rows, []sealedTable{{table: table, keyCol: "key_id", idCol: "id", cols: []string{"data"}, text: map[string]bool{"data": true}}})
}

// RekeyForTest gives the owners new data keys and re-seals their content, as an erasure does.
func (s *Store) RekeyForTest(ctx context.Context, kind string, owners ...int64) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		n, err = t.rekey(ctx, kind, owners)
		return err
	})
	return n, err
}

// SealedDoc is the search document of a sealed call as indexSealedCalls writes it.
type SealedDoc struct {
	ID                int64
	Special, Replaced bool
	Info, Mail        string
}

// WatchSealedDocs makes s call f with the search documents of sealed calls as they are written.
func (s *Store) WatchSealedDocs(f func([]SealedDoc)) {
	s.sealedDocs = func(docs []callDoc) {
		out := make([]SealedDoc, len(docs))
		for i, d := range docs {
			out[i] = SealedDoc{ID: d.id, Special: d.special, Replaced: d.replaced, Info: d.info, Mail: d.mail}
		}
		f(out)
	}
}

// ReindexForTest rebuilds the search documents of calls ids in a transaction of its own, from
// what the database holds.
func (s *Store) ReindexForTest(ctx context.Context, ids ...int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		for _, id := range ids {
			t.indexLater(id, false)
		}
		return nil
	})
}

// SealSelect is the query (with ? placeholders) SealExisting reads the next rows of table with,
// for a test to ask the engine how it plans it.
func SealSelect(table string) string {
	tb, _ := sealedTableOf(table)
	return sealSelect(tb)
}

// ResealSelect is the query (with ? placeholders: a key's id, its owner's) rekeying reads the
// rows of table sealed under a key with, for a test to ask the engine how it plans it.
func ResealSelect(table string) string {
	tb, _ := sealedTableOf(table)
	return resealSelect(tb)
}

// PlannedQuery is a query (with ? placeholders) and its arguments, as the store sends it.
type PlannedQuery struct {
	Name, SQL string
	Args      []any
}

// LevelListQueries are the queries a list by service level alone (levelOnly) sends at the
// store's now: its bounded count, its first page of 25 calls, and the page after a cursor at
// the deadline key after (and call id 0), for a test to ask each engine how it plans them.
func (s *Store) LevelListQueries(f CallFilter, after int64) ([]PlannedQuery, error) {
	q, err := s.levelQuery(f)
	if err != nil {
		return nil, err
	}
	with := func(extra ...any) []any { return append(append([]any{}, q.args...), extra...) }
	cond, cargs := callCursor{order: q.order.name, keys: []int64{after, 0}}.cond(q.order)
	return []PlannedQuery{
		{"count", countUpToQuery(q.count()), with(SLAListCountLimit + 1)},
		{"first page", q.page(briefCols, "", q.order.sql(false)), with(26, 0)},
		{"next page", q.page(briefCols, cond, q.order.sql(false)), with(append(cargs, 26, 0)...)},
	}, nil
}

// DueKeysQuery is the query (two call ids) a list sorted by deadline reads its page's first and
// last keys with, for its cursors.
const DueKeysQuery = dueKeysQuery

// SearchSegments is how many segments SQLite's full-text index holds (its words' table lists
// each segment's terms).
func (s *Store) SearchSegments(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(DISTINCT segid) FROM call_fts_idx`).Scan(&n)
	return n, err
}

// SetUpkeepGap sets the search upkeep's wait between a kick and its merge (search_upkeep.go).
func (s *Store) SetUpkeepGap(d time.Duration) { s.w.upkeep.gap.Store(int64(d)) }

// SetUpkeepQuiet sets how long the writer must be quiet before the search upkeep merges.
func (s *Store) SetUpkeepQuiet(d time.Duration) { s.w.upkeep.quiet.Store(int64(d)) }

// UpkeepSteps is how many merge steps the search upkeep has run.
func (s *Store) UpkeepSteps() int64 { return s.w.upkeep.steps.Load() }

// UpkeepError is the search upkeep's last error, if any.
func (s *Store) UpkeepError() any { return s.w.upkeep.lastErr.Load() }

// SetAfterMergeStep makes every committed step of the search index's merge call f.
func (s *Store) SetAfterMergeStep(f func()) { s.afterMergeStep = f }

// SetMergePages makes each step of the search index's merge write pages pages.
func (s *Store) SetMergePages(pages int) { s.mergePages = pages }
