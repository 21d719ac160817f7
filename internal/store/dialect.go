package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"calldesk/internal/desk"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is everything that differs between the two engines. Nothing else in store may branch
// on the engine.
type dialect interface {
	name() string
	rebind(query string) string
	// callNumber gives the SQL expression (and its arguments) for the next call number in an
	// INSERT, unique across instances.
	callNumber(ctx context.Context, t *Tx) (expr string, args []any, err error)
	// appendAudit inserts one audit record, queues it for sealing and indexes its persons.
	appendAudit(ctx context.Context, t *Tx, r desk.AuditRecord, persons string) (int64, error)
	// reindexCalls (re)builds the full-text documents of calls from their text and diary, in one
	// statement for all of them; replaced lists the ids that already had a document.
	reindexCalls(ctx context.Context, t *Tx, ids, replaced []int64) error
	// indexCallTexts (re)builds the full-text documents of calls from their text as callTexts
	// gives it (callDoc: info, mail), opened in Go because the columns hold it sealed, in one
	// statement where the engine allows; special decides the parts; replaced says it had one.
	indexCallTexts(ctx context.Context, t *Tx, docs []callDoc) error
	// indexCalls builds the full-text documents of the calls with ids from..to (inclusive), which
	// have none yet, with the same text as reindexCalls, leaving out anonymised calls (which a
	// retention sweep took out of the index): used once at the end of a bulk load, and by the
	// migration that split the documents in parts.
	indexCalls(ctx context.Context, t *Tx, from, to int64) error
	// rebuildSearch builds the full-text documents of every call up to id last again (as
	// indexCalls does), once, in a migration's transaction, over a whole database.
	rebuildSearch(ctx context.Context, t *Tx, last int64) error
	// advanceCallNumber makes sure the next call number handed out is greater than n.
	advanceCallNumber(ctx context.Context, t *Tx, n int64) error
	// syncIdentity makes the id generator of table hand out ids above its largest id, after a bulk
	// load wrote explicit ids. table is one of the store's own table names, never input.
	syncIdentity(ctx context.Context, t *Tx, table string) error
	// raiseIdentity makes the id generator of table hand out ids above its largest id, but never
	// lowers it: ids once handed out (and since deleted) are not handed out again.
	raiseIdentity(ctx context.Context, t *Tx, table string) error
	// bulkSession tunes a pinned connection for a bulk load and returns how to undo it.
	bulkSession(ctx context.Context, c *sql.Conn) (restore func(context.Context) error, err error)
	// bulkTx tunes each transaction of a bulk load (PostgreSQL; SQLite's bulk load runs on the
	// writer connection with no sql.Tx).
	bulkTx(ctx context.Context, tx *sql.Tx) error
	// optimize refreshes stale planner statistics; run now and then by the server.
	optimize(ctx context.Context, t *Tx) error
	// pauseSearchMerges stops the full-text index from merging its segments as it is written
	// (a retention sweep removing hundreds of thousands of documents), resumeSearchMerges
	// starts it again; compactSearch then merges everything at once.
	pauseSearchMerges(ctx context.Context, t *Tx) error
	resumeSearchMerges(ctx context.Context, t *Tx) error
	// shred makes deleted content unreadable in the database's files (ShredIfDue), on c outside
	// any transaction; tables are the tables of the register of personal data, due the value
	// shredMark left. errShredWait when it cannot yet.
	shred(ctx context.Context, c *sql.Conn, tables []string, due int64) error
	// shredMark is the statement that marks shredding due, in the deleting transaction.
	shredMark() string
	// analyze refreshes the query planner's statistics (and tidies up) after a bulk load.
	analyze(ctx context.Context, c *sql.Conn) error
	// searchCond is a WHERE fragment over calls alias c matching the query terms (one ? argument).
	searchCond() string
	// newCallSearch gives, where the search document lives in the calls row, its column and the
	// expression computing it from a new call's summary and description (two ? arguments), the
	// same document reindexCalls builds for a call without a diary; "" where it lives apart.
	newCallSearch() (column, expr string)
	// nextCallID is the query giving the id the next call will have, taken in the writing
	// transaction so that a special-category call's text is sealed under its key before the row
	// is written (SQLite's single writer: the largest id plus one, as SQLite would choose; PostgreSQL:
	// the identity's next value).
	nextCallID() string
	// searchHits selects a row per call matching the search argument (one ? argument), for a
	// count that stops at a bound (countUpTo).
	searchHits() string
	// searchEstimate is a query whose one row and column is the engine's JSON plan for counting
	// the search's hits, with the estimated rows; "" when the engine gives no estimate.
	searchEstimate() string
	// searchPage lists the ids of matching calls, highest first (arguments: search, limit, offset).
	// few says the hits are expected to be few (the engine's estimate is at most searchFewRows, or
	// every hit is asked for): the query must then start from the search index, never walk the
	// calls in id order filtering each (issue 22 point 4).
	searchPage(few bool) string
	// searchArg turns normalised terms into the argument of searchCond, matching every part of
	// the documents (erasure, retention: no reader).
	searchArg(terms []string) string
	// searchArgIn is searchArg matching only the parts cols of the documents (a reader's).
	searchArgIn(terms []string, cols searchCols) string
	// searchOr is the argument matching either of the arguments a and b.
	searchOr(a, b string) string
	// searchMinePage and searchMineHits are searchPage and searchHits for a reader who may
	// read some special-category calls only (those of their groups, or assigned to them): the
	// hits of a first argument (the parts every call shows them) and those of a second (the
	// special-category parts) on calls where mineCond holds (its two ? arguments: the reader's
	// person id twice). The two sets of hits never overlap: a call's text is in the one or the
	// other part. Arguments: search, search, person, person (then limit, offset for the page).
	searchMinePage(few bool) string
	searchMineHits() string
	// searchWalk lists the ids of the matching calls among the newest ones, highest first
	// (arguments: how many of the newest calls to look at, then searchPage's or, with mine,
	// searchMinePage's search arguments, then the most ids to list); "" where the engine pages
	// from its search index alone (SQLite's FTS5, which gives no estimate to doubt).
	searchWalk(mine bool) string
	// forUpdate is appended to a SELECT that must lock its row for the rest of the transaction.
	forUpdate() string
	// forNoKeyUpdate locks rows for a change of their non-key columns: unlike forUpdate it lets
	// other transactions go on writing rows that reference them (a call of a person being erased).
	forNoKeyUpdate() string
	// batchesUpdates: many rows are better updated by one statement from a JSON recordset
	// (rowUpdates) than by one statement each, as on PostgreSQL, where each is a round trip.
	batchesUpdates() bool
	// forShare locks rows against change (not against other readers) until the transaction ends.
	forShare() string
	// skipLocked is appended to a SELECT that claims rows of the table aliased alias for work: it
	// locks them and passes over rows another transaction holds, so that several instances share
	// a queue.
	skipLocked(alias string) string
	// serialOnly is the statement that keeps the rest of a transaction from starting parallel
	// workers ("" where the engine has none): a bounded count reads a few hundred index entries,
	// and starting workers for it cost a busy two-core server ten times the count itself.
	serialOnly() string
	// indexedBy follows a table (and its alias) in FROM to hold the engine to reading it through
	// index, whatever its statistics say: SQLite's INDEXED BY, which also fails the query should
	// the index be gone. "" on PostgreSQL, which has no such clause: a query that needs it is
	// shaped so that no other index serves it (levelQuery).
	indexedBy(index string) string
	// lock takes the transaction-scoped lock name (a row of table locks), serialising e.g. the
	// audit sealer across instances: it waits while another transaction holds it.
	lock(ctx context.Context, t *Tx, name string) error
	constraint(err error) constraintKind
	// unavailable says err means the database cannot serve just now, through no fault of the
	// request: unreachable, shutting down, out of disk, locked by another process.
	unavailable(err error) bool
	// connLost says err means the connection died under the statement (a terminated backend, a
	// reset socket), before anything was done on it: worth one more try on a new connection.
	connLost(err error) bool
	// retryable says err means the engine refused the transaction because it conflicted with
	// others (serialization failure, deadlock), not because of anything in it: the whole
	// transaction is worth running again (runTx). Never on SQLite, whose one writer runs alone.
	retryable(err error) bool
	// createRace says err is what CREATE ... IF NOT EXISTS gives when another transaction created
	// the same object at the same moment (makeMigrateLock): the object is there once it commits.
	createRace(err error) bool
	// constraintName is the name of the index or constraint err violated, where the engine's
	// error says it (PostgreSQL); "" where it does not (SQLite, whose one writer runs each
	// transaction alone, so the store's checks in the transaction find a clash first).
	constraintName(err error) string
	// idSet is a subquery listing the ids of one argument made by idSetArg, for "x IN "+idSet().
	idSet() string
	// intList is an aggregate of integer expression expr over a group's rows as one text of
	// decimal numbers separated by commas, in no order (NULLs left out): a report reads a hundred
	// thousand figures as a few rows (intList), not a row each.
	intList(expr string) string
	idSetArg(ids []int64) string
	// likeCI is the operator of a LIKE that ignores case: LIKE on SQLite (ASCII letters only, which
	// is why the mention finder's needles are ASCII: desk.Scrubber.Needles), ILIKE on PostgreSQL.
	// containsAnyCI is a condition that column col holds one of needles, case-insensitively,
	// reading a large (TOASTed) value once rather than once per needle.
	containsAnyCI(col string, needles []string) (string, []any)
	// reducedSnapshot is the expression of calls.customer_snapshot reduced to the fields that
	// identify nobody (department and kind), for anonymised calls.
	reducedSnapshot() string
	// unindexCalls removes the full-text documents of calls.
	unindexCalls(ctx context.Context, t *Tx, ids []int64) error
}

type constraintKind int

const (
	constraintNone constraintKind = iota
	constraintUnique
	constraintForeignKey
	constraintText // text the engine cannot store (PostgreSQL: a NUL)
)

// Lock names for dialect.lock: the rows of table locks (migration 0045 seeds them; the
// migration lock's row is made before any migration runs: Migrate).
const (
	lockMigrate = "migrate"
	lockSeal    = "seal"
	// lockRetention serialises the start of real retention sweeps across instances.
	lockRetention = "retention"
)

type sqliteDialect struct{}

func (sqliteDialect) name() string             { return "sqlite" }
func (sqliteDialect) rebind(q string) string   { return q }
func (sqliteDialect) forUpdate() string        { return "" }
func (sqliteDialect) forNoKeyUpdate() string   { return "" }
func (sqliteDialect) batchesUpdates() bool     { return false }
func (sqliteDialect) forShare() string         { return "" }
func (sqliteDialect) skipLocked(string) string { return "" }
func (sqliteDialect) serialOnly() string       { return "" }
func (sqliteDialect) indexedBy(index string) string {
	return " INDEXED BY " + index
}
func (sqliteDialect) searchCond() string {
	return "c.id IN (SELECT rowid FROM call_fts WHERE call_fts MATCH ?)"
}
func (sqliteDialect) searchHits() string {
	return "SELECT 1 FROM call_fts WHERE call_fts MATCH ?"
}
func (sqliteDialect) newCallSearch() (string, string) { return "", "" } // call_fts is a table of its own

func (sqliteDialect) nextCallID() string { return `SELECT COALESCE(MAX(id), 0) + 1 FROM calls` }

func (postgresDialect) nextCallID() string {
	return `SELECT nextval(pg_get_serial_sequence('calls', 'id'))`
}

func (sqliteDialect) searchEstimate() string { return "" } // FTS5 counts hits in milliseconds
func (sqliteDialect) searchPage(bool) string {
	return "SELECT rowid FROM call_fts WHERE call_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?"
}
func (sqliteDialect) lock(context.Context, *Tx, string) error { return nil } // one writer connection already serialises
func (sqliteDialect) intList(expr string) string              { return "group_concat(" + expr + ", ',')" }
func (sqliteDialect) idSet() string                           { return "(SELECT value FROM json_each(?))" }
func (sqliteDialect) idSetArg(ids []int64) string             { return jsonIDs(ids) }
func (sqliteDialect) containsAnyCI(col string, needles []string) (string, []any) {
	var ors []string
	var args []any
	for _, n := range needles {
		ors, args = append(ors, col+" LIKE ?"), append(args, "%"+n+"%")
	}
	return strings.Join(ors, " OR "), args
}
func (sqliteDialect) reducedSnapshot() string {
	return `json_object('name', '', 'department', COALESCE(json_extract(customer_snapshot, '$.department'), ''),
		'kind', COALESCE(json_extract(customer_snapshot, '$.kind'), ''))`
}
func (d sqliteDialect) unindexCalls(ctx context.Context, t *Tx, ids []int64) error {
	_, err := t.exec(ctx, `DELETE FROM call_fts WHERE rowid IN `+d.idSet(), d.idSetArg(ids))
	return err
}

func (sqliteDialect) searchArgIn(terms []string, cols searchCols) string {
	q := sqliteDialect{}.searchArg(terms)
	if cols == colAll {
		return q
	}
	return "{" + strings.Join(cols.names([4]string{"doc", "mail", "sdoc", "smail"}), " ") + "} : (" + q + ")"
}

func (sqliteDialect) searchOr(a, b string) string { return "(" + a + ") OR (" + b + ")" }

func (sqliteDialect) searchMinePage(bool) string {
	return `SELECT rowid FROM call_fts WHERE call_fts MATCH ?
		UNION ALL SELECT call_fts.rowid FROM call_fts JOIN calls c ON c.id = call_fts.rowid WHERE call_fts MATCH ? AND ` + mineCond + `
		ORDER BY 1 DESC LIMIT ? OFFSET ?`
}

func (sqliteDialect) searchWalk(bool) string { return "" }

func (sqliteDialect) searchMineHits() string {
	return `SELECT 1 FROM call_fts WHERE call_fts MATCH ? UNION ALL
		SELECT 1 FROM call_fts JOIN calls c ON c.id = call_fts.rowid WHERE call_fts MATCH ? AND ` + mineCond
}

func (sqliteDialect) searchArg(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + t + `"`
	}
	return strings.Join(q, " ")
}

func (sqliteDialect) callNumber(ctx context.Context, t *Tx) (string, []any, error) {
	var n int64
	err := t.queryRow(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'call_number' RETURNING value`).Scan(&n)
	return "?", []any{n}, err
}

func (sqliteDialect) appendAudit(ctx context.Context, t *Tx, r desk.AuditRecord, persons string) (int64, error) {
	var id int64
	err := t.queryRow(ctx, `INSERT INTO audit_log (at, actor_id, actor, action, object_type, object_id, persons, client_addr, reason, detail, surface)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.At.UnixMicro(), nullID(r.ActorID), r.Actor, r.Action, r.ObjectType, r.ObjectID, persons,
		r.ClientAddr, r.Reason, r.Detail, string(r.Surface)).Scan(&id)
	if err != nil {
		return 0, err
	}
	if _, err := t.exec(ctx, `INSERT INTO audit_pending (audit_id) VALUES (?)`, id); err != nil {
		return 0, err
	}
	for _, p := range splitIDs(persons) {
		if _, err := t.exec(ctx, `INSERT INTO audit_persons (person_id, audit_id) VALUES (?, ?)`, p, id); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// maxCallDoc caps the characters of a call's text that are indexed, the same on both engines:
// PostgreSQL refuses a tsvector over 1 MB, which a few hundred thousand characters of short,
// distinct words (a pasted log) exceed, and the call could then take no more diary entries.
// 200,000 characters stay under it whatever the words; the summary and description come first.
const maxCallDoc = "200000"

// sqliteCallDocs writes the full-text documents of the calls c matching where: callTexts
// decides the text, the call's mark decides the columns (doc and mail, or for a special-category
// call sdoc and smail: see searchCols).
func sqliteCallDocs(where string) string {
	return `INSERT INTO call_fts(rowid, doc, mail, sdoc, smail)
		SELECT id, CASE WHEN special THEN '' ELSE info END, CASE WHEN special THEN '' ELSE mail END,
		       CASE WHEN special THEN info ELSE '' END, CASE WHEN special THEN mail ELSE '' END
		FROM (` + callTexts("group_concat", where) + `) t`
}

// reindexCalls runs once per committed batch, after every savepoint: FTS5 writes its pending
// index to a new segment (and merges) at each savepoint or statement that follows an insert, which
// per call took nearly half the writer's time once the index held a million calls.
func (sqliteDialect) reindexCalls(ctx context.Context, t *Tx, ids, replaced []int64) error {
	for _, id := range replaced {
		if _, err := t.exec(ctx, `DELETE FROM call_fts WHERE rowid = ?`, id); err != nil {
			return err
		}
	}
	_, err := t.exec(ctx, sqliteCallDocs(`c.id IN (SELECT value FROM json_each(?))`), jsonIDs(ids))
	return err
}

func (d sqliteDialect) indexCallTexts(ctx context.Context, t *Tx, docs []callDoc) error {
	if len(docs) > 500 { // SQLite takes at most 32766 parameters
		if err := d.indexCallTexts(ctx, t, docs[:500]); err != nil {
			return err
		}
		return d.indexCallTexts(ctx, t, docs[500:])
	}
	if len(docs) == 0 {
		return nil
	}
	var args []any
	rows := make([]string, len(docs))
	for i, c := range docs {
		if c.replaced {
			if _, err := t.exec(ctx, `DELETE FROM call_fts WHERE rowid = ?`, c.id); err != nil {
				return err
			}
		}
		doc, m, sdoc, smail := c.info, c.mail, "", ""
		if c.special {
			doc, m, sdoc, smail = "", "", c.info, c.mail
		}
		rows[i] = "(?, ?, ?, ?, ?)"
		args = append(args, c.id, doc, m, sdoc, smail)
	}
	// One statement: FTS5 writes a segment per statement that follows an insert.
	_, err := t.exec(ctx, `INSERT INTO call_fts(rowid, doc, mail, sdoc, smail) VALUES `+strings.Join(rows, ", "), args...)
	return err
}

func (sqliteDialect) indexCalls(ctx context.Context, t *Tx, from, to int64) error {
	_, err := t.exec(ctx, sqliteCallDocs(`c.id BETWEEN ? AND ? AND c.anonymised_at IS NULL`), from, to)
	return err
}

// rebuildSearch fills call_fts, which the migration made again empty.
func (d sqliteDialect) rebuildSearch(ctx context.Context, t *Tx, last int64) error {
	return d.indexCalls(ctx, t, 1, last)
}

func (sqliteDialect) advanceCallNumber(ctx context.Context, t *Tx, n int64) error {
	_, err := t.exec(ctx, `UPDATE counters SET value = ? WHERE name = 'call_number' AND value < ?`, n, n)
	return err
}

// syncIdentity has nothing to do: an INTEGER PRIMARY KEY always continues after the largest id.
func (sqliteDialect) syncIdentity(context.Context, *Tx, string) error { return nil }

// raiseIdentity has nothing to do: an AUTOINCREMENT table's sqlite_sequence follows an insert of a
// larger id, and never goes down.
func (sqliteDialect) raiseIdentity(context.Context, *Tx, string) error { return nil }

// bulkSession turns durability down for the length of a bulk load only: with synchronous=OFF a
// power cut during the load can lose or corrupt what the load wrote, which is acceptable because
// a bulk load goes into a new database that is simply loaded again. restore puts the setting back
// before the writer serves anyone else. (A larger page cache was tried: no faster, five times the memory.)
func (sqliteDialect) bulkSession(ctx context.Context, c *sql.Conn) (func(context.Context) error, error) {
	var sync int64
	if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
		return nil, err
	}
	restore := func(ctx context.Context) error {
		_, err := c.ExecContext(ctx, fmt.Sprintf(`PRAGMA synchronous = %d`, sync))
		return err
	}
	if _, err := c.ExecContext(ctx, `PRAGMA synchronous = OFF`); err != nil {
		return nil, errors.Join(err, restore(ctx))
	}
	return restore, nil
}

func (sqliteDialect) bulkTx(context.Context, *sql.Tx) error { return nil }

// analyze samples at most a few hundred rows per index, so it takes moments even on millions of calls.
// analyze gathers statistics for the tables a bulk load fills, and only those: statistics taken
// while the audit tables held a few rows made the planner scan the whole audit log per record
// once it held thousands (Optimize keeps statistics current afterwards).
func (sqliteDialect) analyze(ctx context.Context, c *sql.Conn) error {
	_, err := c.ExecContext(ctx, `PRAGMA analysis_limit = 400;
		ANALYZE people; ANALYZE support_groups; ANALYZE group_members; ANALYZE profiles; ANALYZE accounts;
		ANALYZE calls; ANALYZE diary_entries;
		PRAGMA analysis_limit = 0; PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// optimize lets SQLite refresh the statistics of any table that grew or shrank a lot since it was
// last analysed (0x10000: not only the tables this connection has used), as SQLite advises for
// long-lived connections. SQLite's optimize never takes again the statistics of a table analysed
// while it was empty (every row of sqlite_stat1 for it says 0), however many rows it holds since:
// a migration analysed call_sla on every new database, and on a million-call desk the planner
// still believed it empty (issue 22 point 4). Such a table is analysed here once it holds a row;
// afterwards its statistics hold its row count, so it is not analysed again for that reason.
func (sqliteDialect) optimize(ctx context.Context, t *Tx) error {
	if err := t.execScript(ctx, `PRAGMA analysis_limit = 400; PRAGMA optimize = 0x10002; PRAGMA analysis_limit = 0`); err != nil {
		return err
	}
	rows, err := t.query(ctx, `SELECT tbl FROM sqlite_stat1 GROUP BY tbl HAVING MAX(CAST(stat AS INTEGER)) = 0 ORDER BY tbl`)
	empty, err := scanRows(rows, err, scanString)
	if err != nil {
		return err
	}
	var stale []string
	for _, tbl := range empty {
		var one int
		err := t.queryRow(ctx, `SELECT 1 FROM `+quoteIdent(tbl)+` LIMIT 1`).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return fmt.Errorf("optimize: look into %s: %w", tbl, err)
		}
		stale = append(stale, "ANALYZE "+quoteIdent(tbl)+";")
	}
	if len(stale) == 0 {
		return nil
	}
	return t.execScript(ctx, `PRAGMA analysis_limit = 400; `+strings.Join(stale, " ")+` PRAGMA analysis_limit = 0`)
}

// scanString reads a row of one text column (with scanRows).
func scanString(r scanner) (v string, err error) { return v, r.Scan(&v) }

// quoteIdent quotes an SQL identifier (a table's name read from the schema).
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// shredChunk bounds one zero-filled row of sqliteDialect.shred, below SQLite's largest value.
const shredChunk = 64 << 20

// shred overwrites every page on the file's free list with zeros, then checkpoints the WAL into
// the file and truncates it. The pages are overwritten by taking them all: one transaction
// stores zero-filled values of the free list's size in a table of its own, which takes every free
// page (SQLite reuses free pages before it grows the file) and writes zeros into it, then drops
// the table, which gives the zeroed pages back. That covers what secure_delete(FAST) leaves (the
// overflow pages of deleted values, the old content of pages that became free-list trunks) and
// whatever was freed before, at the cost of writing the free pages (twice: WAL, then file) only
// when something was deleted, rather than secure_delete(ON)'s zeroing of every freed page on
// every write. The checkpoint waits (2 s) for readers of older WAL frames to finish; if they do
// not, the WAL is not truncated and shred fails, to be tried again.
func (sqliteDialect) shredMark() string { return `UPDATE maintenance SET due = 1 WHERE name = 'shred'` }

func (sqliteDialect) shred(ctx context.Context, c *sql.Conn, _ []string, _ int64) error {
	var free, size int64
	if err := c.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
		return err
	}
	if err := c.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		return err
	}
	if free > 0 {
		if _, err := c.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
			return err
		}
		fill := func() error {
			if _, err := c.ExecContext(ctx, `CREATE TABLE shred_fill (b BLOB NOT NULL)`); err != nil {
				return err
			}
			for left := free * size; left > 0; left -= shredChunk {
				if _, err := c.ExecContext(ctx, `INSERT INTO shred_fill (b) VALUES (zeroblob(?))`, min(left, shredChunk)); err != nil {
					return err
				}
			}
			_, err := c.ExecContext(ctx, `DROP TABLE shred_fill`)
			return err
		}
		if err := fill(); err != nil {
			_, _ = c.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
			return fmt.Errorf("overwrite free pages: %w", err)
		}
		if _, err := c.ExecContext(ctx, `COMMIT`); err != nil {
			_, _ = c.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
			return fmt.Errorf("overwrite free pages: %w", err)
		}
	}
	// The checkpoint waits for readers of older frames; for 2 s, not the writer's 10, since every
	// other write waits meanwhile.
	var timeout int64
	if err := c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, `PRAGMA busy_timeout = 2000`); err != nil {
		return err
	}
	defer c.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA busy_timeout = %d`, timeout))
	var busy, logged, moved int64
	if err := c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint: readers kept the WAL in use (%d of %d frames copied); it was not truncated: %w", moved, logged, errShredWait)
	}
	return nil
}

// pauseSearchMerges turns FTS5's automerge off: each batch of a sweep writes a segment of
// tombstones, and merging them as they come took half of a sweep over a million calls.
func (sqliteDialect) pauseSearchMerges(ctx context.Context, t *Tx) error {
	_, err := t.exec(ctx, `INSERT INTO call_fts(call_fts, rank) VALUES ('automerge', 0)`)
	return err
}

// resumeSearchMerges sets automerge back to FTS5's default (4).
func (sqliteDialect) resumeSearchMerges(ctx context.Context, t *Tx) error {
	_, err := t.exec(ctx, `INSERT INTO call_fts(call_fts, rank) VALUES ('automerge', 4)`)
	return err
}

func (sqliteDialect) constraint(err error) constraintKind {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return constraintNone
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return constraintUnique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return constraintForeignKey
	}
	return constraintNone
}

func (sqliteDialect) constraintName(error) string { return "" }

func (sqliteDialect) unavailable(err error) bool {
	if errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff { // the primary code, whatever its extended code
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY:
		return true
	}
	return false
}

func (sqliteDialect) connLost(error) bool   { return false } // no connection to lose
func (sqliteDialect) retryable(error) bool  { return false } // one writer: nothing to conflict with
func (sqliteDialect) createRace(error) bool { return false }

func (s *Store) openSQLite(ctx context.Context, path string, opt Options) error {
	if path == "" {
		return fmt.Errorf("the SQLite database path is empty")
	}
	// secure_delete(FAST) zeroes the bytes of deleted and rewritten rows where that costs no extra
	// write (within the page being written anyway): an erased person's old words do not linger
	// in the file's free space.
	busy := opt.BusyTimeout
	if busy <= 0 {
		busy = 10 * time.Second
	}
	base := "file:" + url.PathEscape(path) + "?_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)" +
		"&_pragma=secure_delete(FAST)"
	if opt.MustExist {
		// Refused before SQLite would create the file; mode=rw keeps it from creating one
		// should it vanish meanwhile.
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return desk.Errorf(desk.ENOTFOUND, "there is no database at %s (no such file); nothing was created", path)
		}
		base += "&mode=rw"
	} else if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		// A new database holds personal data: only calldesk's own user may read it. SQLite gives
		// its log and shared-memory files the database file's mode.
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create the SQLite database %s: %w", path, err)
	}
	s.source = base
	ckpt, err := newSQLiteCheckpointer(ctx, base)
	if err != nil {
		return fmt.Errorf("open SQLite %s: %w", path, err)
	}
	// The writer leaves checkpoints to ckpt (checkpoint.go).
	w, err := sql.Open("sqlite", base+"&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		ckpt.close()
		return fmt.Errorf("open SQLite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		ckpt.close()
		return fmt.Errorf("open SQLite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)&_pragma=mmap_size(17179869184)")
	if err != nil {
		w.Close()
		ckpt.close()
		return fmt.Errorf("open SQLite %s: %w", path, err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	s.read, s.write = r, w
	if s.w, err = newSQLiteWriter(ctx, w, ckpt); err != nil {
		r.Close()
		w.Close()
		ckpt.close()
		return fmt.Errorf("open SQLite %s: %w", path, err)
	}
	s.w.upkeep = newSearchUpkeep(s)
	return nil
}

// postgresDialect is PostgreSQL's; pooled says the server is reached through a pooler in
// transaction mode (PoolerParam), where a session's settings may go to another client.
type postgresDialect struct{ pooled bool }

func (postgresDialect) name() string      { return "postgres" }
func (postgresDialect) forUpdate() string { return " FOR UPDATE" }

// forNoKeyUpdate: a second UPDATE of a row in the same transaction re-checks its foreign keys,
// taking KEY SHARE on the rows they name, which FOR UPDATE on those rows would make wait.
func (postgresDialect) forNoKeyUpdate() string { return " FOR NO KEY UPDATE" }
func (postgresDialect) batchesUpdates() bool   { return true }

// forShare: a call being logged holds its customer still, so an erasure of the customer running
// at the same moment either finishes first (and the call is refused) or finds the call.
func (postgresDialect) forShare() string        { return " FOR SHARE" }
func (postgresDialect) serialOnly() string      { return "SET LOCAL max_parallel_workers_per_gather = 0" }
func (postgresDialect) indexedBy(string) string { return "" }
func (postgresDialect) skipLocked(alias string) string {
	return " FOR UPDATE OF " + alias + " SKIP LOCKED"
}
func (postgresDialect) searchCond() string {
	return "c.search @@ to_tsquery('simple', ?)"
}
func (postgresDialect) searchHits() string {
	return "SELECT 1 FROM calls c WHERE c.search @@ to_tsquery('simple', ?)"
}

// optimize analyses the tables that changed much since they were last analysed: autovacuum
// does so too, but only once its own thresholds pass (a tenth of a million-row table), and
// statistics taken before a bulk load or a heavy day's writing made the planner misjudge a search
// (issue 22 point 4). As SQLite's optimize: a table with more than 1,000 rows changed and
// more than a twentieth of its rows.
func (postgresDialect) optimize(ctx context.Context, t *Tx) error {
	rows, err := t.query(ctx, `SELECT quote_ident(relname) FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND n_mod_since_analyze > 1000 AND n_mod_since_analyze > n_live_tup / 20
		ORDER BY relname`)
	stale, err := scanRows(rows, err, scanString)
	if err != nil || len(stale) == 0 {
		return err
	}
	_, err = t.exec(ctx, `ANALYZE `+strings.Join(stale, ", "))
	return err
}

func (postgresDialect) pauseSearchMerges(context.Context, *Tx) error  { return nil }
func (postgresDialect) resumeSearchMerges(context.Context, *Tx) error { return nil }

func (postgresDialect) newCallSearch() (string, string) {
	return "search", `setweight(to_tsvector('simple', regexp_replace(left(CAST(? AS text) || ' ' || CAST(? AS text) || ' ', ` + maxCallDoc + `),
		'[^[:alnum:]]+', ' ', 'g')), 'A')`
}

func (postgresDialect) searchEstimate() string {
	return "EXPLAIN (FORMAT JSON) SELECT 1 FROM calls c WHERE c.search @@ to_tsquery('simple', ?)"
}

// searchPage: for a common word the newest hits come soonest walking calls_pkey backwards. For
// a rare one that walk filters the whole table: a rare-word search once took 2.7 s at p50 when
// the planner estimated 1,741 hits and found 8. When few hits are expected, the matches come
// from the GIN index first, in a MATERIALIZED CTE the planner cannot walk in id order, and only
// those are sorted.
func (postgresDialect) searchPage(few bool) string {
	if few {
		return pgFewHits("c.search @@ to_tsquery('simple', ?)")
	}
	return "SELECT c.id FROM calls c WHERE c.search @@ to_tsquery('simple', ?) ORDER BY c.id DESC LIMIT ? OFFSET ?"
}

// pgFewHits is the page of the ids of the calls c where cond holds, highest first, from a
// MATERIALIZED CTE: a set made before it is ordered, so calls_pkey's order cannot serve it.
func pgFewHits(cond string) string {
	return "WITH hits AS MATERIALIZED (SELECT c.id FROM calls c WHERE " + cond + ") SELECT id FROM hits ORDER BY id DESC LIMIT ? OFFSET ?"
}
func (postgresDialect) searchArg(terms []string) string { return strings.Join(terms, " & ") }

// searchArgIn restricts every term to the weights of cols: "word:AB".
func (postgresDialect) searchArgIn(terms []string, cols searchCols) string {
	if cols == colAll {
		return postgresDialect{}.searchArg(terms)
	}
	w := ":" + strings.Join(cols.names([4]string{"A", "B", "C", "D"}), "")
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = t + w
	}
	return strings.Join(q, " & ")
}

func (postgresDialect) searchOr(a, b string) string { return "(" + a + ") | (" + b + ")" }

const postgresMineCond = `(c.search @@ to_tsquery('simple', ?) OR (c.search @@ to_tsquery('simple', ?) AND ` + mineCond + `))`

func (postgresDialect) searchMinePage(few bool) string {
	if few {
		return pgFewHits(postgresMineCond)
	}
	return "SELECT c.id FROM calls c WHERE " + postgresMineCond + " ORDER BY c.id DESC LIMIT ? OFFSET ?"
}

// searchWalk walks calls_pkey backwards through the newest calls only, as far as it must to list
// the ids asked for: never more than the first argument, however few the hits.
func (postgresDialect) searchWalk(mine bool) string {
	cond := "c.search @@ to_tsquery('simple', ?)"
	if mine {
		cond = postgresMineCond
	}
	return "SELECT c.id FROM (SELECT * FROM calls ORDER BY id DESC LIMIT ?) c WHERE " + cond + " ORDER BY c.id DESC LIMIT ?"
}

func (postgresDialect) searchMineHits() string {
	return "SELECT 1 FROM calls c WHERE " + postgresMineCond
}
func (postgresDialect) intList(expr string) string {
	return "string_agg(CAST(" + expr + " AS TEXT), ',')"
}

func (postgresDialect) idSet() string {
	return "(SELECT unnest(string_to_array(CAST(? AS text), ',')::bigint[]))"
}
func (postgresDialect) idSetArg(ids []int64) string { return joinIDs(ids) }

// containsAnyCI is one regular expression of the needles: ILIKE per needle would detoast (and
// decompress) the value once per needle.
func (postgresDialect) containsAnyCI(col string, needles []string) (string, []any) {
	q := make([]string, len(needles))
	for i, n := range needles {
		q[i] = regexp.QuoteMeta(n)
	}
	return col + " ~* ?", []any{strings.Join(q, "|")}
}
func (postgresDialect) reducedSnapshot() string {
	return `CAST(json_build_object('name', '', 'department', COALESCE(CAST(customer_snapshot AS json)->>'department', ''),
		'kind', COALESCE(CAST(customer_snapshot AS json)->>'kind', '')) AS text)`
}
func (d postgresDialect) unindexCalls(ctx context.Context, t *Tx, ids []int64) error {
	_, err := t.exec(ctx, `UPDATE calls SET search = NULL WHERE id IN `+d.idSet(), d.idSetArg(ids))
	return err
}

// rebind turns ? placeholders into $1, $2... Queries never hold a literal '?'.
func (postgresDialect) rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// lock claims the lock's row with SELECT ... FOR UPDATE, which another transaction claiming it
// waits behind until this one commits or rolls back: a lease that cannot outlive its holder, held
// by no session (so it survives a transaction-pooling PgBouncer) and built from what every
// PostgreSQL-compatible engine has (CockroachDB and YugabyteDB lack advisory locks).
func (d postgresDialect) lock(ctx context.Context, t *Tx, name string) error {
	var got string
	err := t.queryRow(ctx, `SELECT name FROM locks WHERE name = ?`+d.forUpdate(), name).Scan(&got)
	if err == sql.ErrNoRows {
		return fmt.Errorf("lock %q: the database has no row for it in table locks (run calldesk migrate)", name)
	}
	if err != nil {
		return fmt.Errorf("lock %q: %w", name, err)
	}
	return nil
}

func (postgresDialect) callNumber(context.Context, *Tx) (string, []any, error) {
	return "nextval('call_number_seq')", nil, nil
}

// appendAudit writes the record, its place in the sealing queue and its persons in one round trip.
func (postgresDialect) appendAudit(ctx context.Context, t *Tx, r desk.AuditRecord, persons string) (int64, error) {
	var id int64
	err := t.queryRow(ctx, `WITH a AS (
			INSERT INTO audit_log (at, actor_id, actor, action, object_type, object_id, persons, client_addr, reason, detail, surface)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, persons),
		q AS (INSERT INTO audit_pending (audit_id) SELECT id FROM a),
		p AS (INSERT INTO audit_persons (person_id, audit_id)
			SELECT unnest(string_to_array(NULLIF(a.persons, ''), ',')::bigint[]), a.id FROM a)
		SELECT id FROM a`,
		r.At.UnixMicro(), nullID(r.ActorID), r.Actor, r.Action, r.ObjectType, r.ObjectID, persons,
		r.ClientAddr, r.Reason, r.Detail, string(r.Surface)).Scan(&id)
	return id, err
}

// postgresCallDocs sets the search vectors of the calls c matching where: callTexts decides the
// text, the call's mark decides the weights (see searchCols). The text is split on anything but
// letters and digits, as SQLite's unicode61 tokenizer does, so both engines find the same calls
// for the same words.
func postgresCallDocs(where string) string {
	return `UPDATE calls SET search =
		setweight(to_tsvector('simple', regexp_replace(t.info, '[^[:alnum:]]+', ' ', 'g')), CAST(CASE WHEN t.special THEN 'C' ELSE 'A' END AS "char")) ||
		setweight(to_tsvector('simple', regexp_replace(t.mail, '[^[:alnum:]]+', ' ', 'g')), CAST(CASE WHEN t.special THEN 'D' ELSE 'B' END AS "char"))
		FROM (` + callTexts("string_agg", where) + `) t WHERE calls.id = t.id`
}

func (postgresDialect) reindexCalls(ctx context.Context, t *Tx, ids, _ []int64) error {
	_, err := t.exec(ctx, postgresCallDocs(`c.id = ANY(string_to_array(?, ',')::bigint[])`), joinIDs(ids))
	return err
}

func (postgresDialect) indexCallTexts(ctx context.Context, t *Tx, docs []callDoc) error {
	for _, d := range docs {
		wInfo, wMail := "A", "B"
		if d.special {
			wInfo, wMail = "C", "D"
		}
		if _, err := t.exec(ctx, `UPDATE calls SET search =
			setweight(to_tsvector('simple', regexp_replace(CAST(? AS text), '[^[:alnum:]]+', ' ', 'g')), CAST(? AS "char")) ||
			setweight(to_tsvector('simple', regexp_replace(CAST(? AS text), '[^[:alnum:]]+', ' ', 'g')), CAST(? AS "char")) WHERE id = ?`,
			d.info, wInfo, d.mail, wMail, d.id); err != nil {
			return err
		}
	}
	return nil
}

func (postgresDialect) indexCalls(ctx context.Context, t *Tx, from, to int64) error {
	_, err := t.exec(ctx, postgresCallDocs(`c.id BETWEEN ? AND ? AND c.anonymised_at IS NULL`), from, to)
	return err
}

// rebuildSearch drops the GIN index of calls.search while the vectors are rewritten and builds it
// again at the end (one pass is much faster than updating it a row at a time; the same index as
// 0001_core.sql). A call with no email in its diary and not marked special category had, as its
// one vector, exactly the text callTexts now gives as its information: its vector is kept and
// only weighted A, without reading its text again. The other calls are indexed from their text.
func (d postgresDialect) rebuildSearch(ctx context.Context, t *Tx, last int64) error {
	if _, err := t.exec(ctx, `DROP INDEX IF EXISTS calls_search`); err != nil {
		return err
	}
	const hasEmail = `EXISTS (SELECT 1 FROM diary_entries e WHERE e.call_id = c.id AND e.kind = 'email')`
	if _, err := t.exec(ctx, `UPDATE calls c SET search = setweight(c.search, 'A')
		WHERE c.search IS NOT NULL AND c.anonymised_at IS NULL AND NOT c.special_category AND NOT c.triage_pending AND NOT `+hasEmail); err != nil {
		return err
	}
	if _, err := t.exec(ctx, postgresCallDocs(`c.id <= ? AND c.anonymised_at IS NULL AND
		(c.search IS NULL OR c.special_category OR c.triage_pending OR `+hasEmail+`)`), last); err != nil {
		return err
	}
	_, err := t.exec(ctx, `CREATE INDEX calls_search ON calls USING GIN (search)`)
	return err
}

func (postgresDialect) advanceCallNumber(ctx context.Context, t *Tx, n int64) error {
	_, err := t.exec(ctx, `SELECT setval('call_number_seq', GREATEST(CAST(? AS BIGINT),
		(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM call_number_seq)))`, n)
	return err
}

func (postgresDialect) raiseIdentity(ctx context.Context, t *Tx, table string) error {
	// pg_sequences.last_value is NULL for a sequence not used yet.
	_, err := t.exec(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), MAX(id)) FROM `+table+`
		HAVING MAX(id) > COALESCE((SELECT last_value FROM pg_sequences
			WHERE format('%I.%I', schemaname, sequencename) = pg_get_serial_sequence('`+table+`', 'id')), 0)`)
	return err
}

func (postgresDialect) syncIdentity(ctx context.Context, t *Tx, table string) error {
	// setval is strict: on an empty table MAX is NULL and nothing changes.
	_, err := t.exec(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), (SELECT MAX(id) FROM `+table+`))`)
	return err
}

// bulkSession sets nothing for the session, which a transaction pooler would hand on to other
// clients: bulkTx turns durability down in each of the load's transactions instead.
func (postgresDialect) bulkSession(context.Context, *sql.Conn) (func(context.Context) error, error) {
	return func(context.Context) error { return nil }, nil
}

// bulkTx lets the commit of a bulk load's transaction return before its WAL reaches the disk
// (synchronous_commit=off, for this transaction only: a crash may lose the last moments of the
// load, never corrupt it).
func (postgresDialect) bulkTx(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`)
	return err
}

// analyze also vacuums: indexing the calls rewrote every row of calls, and the visibility map
// VACUUM sets lets queries answer from indexes alone.
func (postgresDialect) analyze(ctx context.Context, c *sql.Conn) error {
	_, err := c.ExecContext(ctx, `VACUUM (ANALYZE) people, support_groups, group_members, profiles, accounts, calls, diary_entries`)
	return err
}

// shred rewrites the tables, one statement each (VACUUM cannot run in a transaction), with
// VACUUM (FULL): a plain VACUUM frees the dead row versions that erasure and retention left (the
// old words of rewritten rows, deleted files in TOAST), but PostgreSQL does not clear the space
// it frees, so their bytes stay in the pages of the table, its TOAST and its indexes until new
// rows happen to overwrite them (TestDeletedContentLeavesTheFiles found the erased person in
// calls, the attachments' TOAST and two indexes after a plain VACUUM). A rewrite copies only
// the live rows into new files and empties the old ones. Each takes its table's exclusive lock
// for the copy; autovacuum (off on some servers) is not relied on. What PostgreSQL keeps beyond
// the tables (WAL segments, WAL archives, backups) is for the operator: see README.
//
// It waits at most shredLockWait for each lock: queued behind a long transaction, the rewrite
// would hold up every later reader of the table too. It then fails, to be tried again. Through a
// transaction pooler (pooled) a session's lock_timeout could reach other clients and miss the
// VACUUM: each rewrite is VACUUM (FULL, SKIP_LOCKED) instead, which passes over a table it cannot
// lock at once; a table whose file did not change was passed over, and shred waits to be tried
// again (errShredWait).
func (d postgresDialect) shred(ctx context.Context, c *sql.Conn, tables []string, due int64) (err error) {
	// Wait while any snapshot or transaction on the server is as old as the deletion (due, its
	// txid_current): the rewrite would have to copy the deleted rows, which it may still see.
	if older, err := pgOlderThan(ctx, c, due); err != nil {
		return err
	} else if older {
		return errShredWait
	}
	// The planner statistics (pg_statistic: each column's most common values and histogram
	// bounds) sample the rows, deleted ones included until they are analysed again. ANALYZE
	// first, in a transaction whose id says when the old statistics rows died.
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `ANALYZE `+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	var analysed int64
	if err := tx.QueryRowContext(ctx, `SELECT txid_current()`).Scan(&analysed); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if d.pooled {
		for _, t := range tables {
			var before, after sql.NullInt64
			if err := c.QueryRowContext(ctx, `SELECT pg_relation_filenode(CAST($1 AS TEXT)::regclass)`, t).Scan(&before); err != nil {
				return err
			}
			if _, err := c.ExecContext(ctx, `VACUUM (FULL, SKIP_LOCKED) `+t); err != nil {
				return fmt.Errorf("vacuum %s: %w", t, err)
			}
			if err := c.QueryRowContext(ctx, `SELECT pg_relation_filenode(CAST($1 AS TEXT)::regclass)`, t).Scan(&after); err != nil {
				return err
			}
			if before == after {
				return errShredWait // it was locked: passed over
			}
		}
	} else {
		if _, err := c.ExecContext(ctx, `SET lock_timeout = '`+shredLockWait+`'`); err != nil {
			return err
		}
		defer func() {
			_, rerr := c.ExecContext(context.WithoutCancel(ctx), `RESET lock_timeout`)
			err = errors.Join(err, rerr)
		}()
		for _, t := range tables {
			if _, err := c.ExecContext(ctx, `VACUUM (FULL) `+t); err != nil {
				return fmt.Errorf("vacuum %s: %w", t, err)
			}
		}
	}
	// Then the old statistics rows go the same way, once no snapshot older than the ANALYZE
	// is left (the rewrites usually outlast them; it waits up to shredStatsWait more). The
	// database's owner may rewrite pg_statistic; for another role the server only warns, and
	// the old rows stay until autovacuum reuses their space.
	for deadline := time.Now().Add(shredStatsWait); ; {
		older, err := pgOlderThan(ctx, c, analysed)
		if err != nil {
			return err
		}
		if !older {
			break
		}
		if time.Now().After(deadline) {
			return shredWaitAfter{analysed} // due again, from the ANALYZE: the next run
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if _, err := c.ExecContext(ctx, `VACUUM (FULL) pg_statistic`); err != nil {
		return fmt.Errorf("vacuum pg_statistic: %w", err)
	}
	return nil
}

// shredStatsWait is how long shred waits on PostgreSQL, after the rewrites, for the snapshots
// older than its ANALYZE before it rewrites pg_statistic.
const shredStatsWait = 30 * time.Second

// pgOlderThan says whether a transaction or snapshot as old as xid is open anywhere on the
// server. (Measured: a transaction open in another database keeps dead rows too.) The oldest
// transaction still running, which this snapshot's xmin is, counts even for a role that may not
// see other sessions in pg_stat_activity.
func pgOlderThan(ctx context.Context, c *sql.Conn, xid int64) (bool, error) {
	var older int
	err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM (
			SELECT backend_xmin AS x FROM pg_stat_activity WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid()
			UNION ALL SELECT backend_xid FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
			UNION ALL SELECT transaction FROM pg_prepared_xacts
			UNION ALL SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296)::text::xid
		) o WHERE age(o.x) >= age(($1::bigint % 4294967296)::text::xid)`, xid).Scan(&older)
	return older > 0, err
}

// shredLockWait is how long shred waits for a table's lock on PostgreSQL.
const shredLockWait = "5s"

func (postgresDialect) shredMark() string {
	return `UPDATE maintenance SET due = GREATEST(due, txid_current()) WHERE name = 'shred'`
}

func (postgresDialect) constraint(err error) constraintKind {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return constraintNone
	}
	switch pe.Code {
	case "23505":
		return constraintUnique
	case "23503":
		return constraintForeignKey
	case "22021", "22P05": // character_not_in_repertoire (a NUL in text), untranslatable_character
		return constraintText
	}
	return constraintNone
}

// unavailable: the server cannot be reached or refuses connections, is shutting down or
// starting, has run out of connections, disk or memory, or is a read-only standby.
func (d postgresDialect) unavailable(err error) bool {
	if d.connLost(err) || errors.As(err, new(*pgconn.ConnectError)) || errors.As(err, new(*net.OpError)) {
		return true
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch {
	case strings.HasPrefix(pe.Code, "08"), // connection exception
		strings.HasPrefix(pe.Code, "53"),  // insufficient resources: disk full, out of memory, too many connections
		strings.HasPrefix(pe.Code, "57P"), // operator intervention: admin or crash shutdown, cannot connect now
		pe.Code == "25006":                // read_only_sql_transaction: a standby, or the primary demoted
		return true
	}
	return false
}

// connLost: the backend was terminated (pg_terminate_backend, a restart) or the socket closed
// under an idle pooled connection, which the next statement on it finds.
func (postgresDialect) connLost(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "57P01" || pe.Code == "57P02" || strings.HasPrefix(pe.Code, "08") // admin or crash shutdown, connection failure
	}
	return false
}

// retryable: serialization_failure (40001: PostgreSQL at REPEATABLE READ or SERIALIZABLE, and
// CockroachDB and YugabyteDB at their default isolation) and deadlock_detected (40P01). PostgreSQL
// has rolled the transaction back; running it again from the start is what it asks for.
func (postgresDialect) retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// createRace: unique_violation (23505, on pg_type's or pg_class's name index), duplicate_table
// (42P07) or duplicate_object (42710, the table's row type), all seen here when two
// transactions ran CREATE TABLE IF NOT EXISTS locks at once.
func (postgresDialect) createRace(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "23505" || pe.Code == "42P07" || pe.Code == "42710")
}

func (postgresDialect) constraintName(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return ""
	}
	return pe.ConstraintName
}

// PoolerParam is calldesk's own parameter of a postgres:// URL that says the server is reached
// through a connection pooler: pooler=transaction for PgBouncer (or another pooler) in
// transaction pooling mode, where each transaction may run on a different server connection.
// Open removes it from the URL before connecting (the pooler would refuse it as a startup
// parameter) and then:
//   - has pgx run statements as unnamed prepared statements, their descriptions cached on the
//     client (pgx's default_query_exec_mode=cache_describe), in place of its default of named
//     statements prepared once per connection, which a pooler hands to other clients (PgBouncer
//     1.18, Debian 12's, has no max_prepared_statements: "prepared statement ... already exists").
//     cache_describe sends each statement's Parse with its Bind and Execute, in one round trip
//     once its description is cached, with the server's parameter types and binary formats, as
//     the default mode does on a direct connection, so statements behave the same either way.
//     Measured (bench.sh part pooler, three instances through PgBouncer 1.18, a noisy 2-core
//     machine): exec (text formats, types assumed from Go's) was no faster (78 and 171 calls a
//     second against 152 and 127 in two rounds); describe_exec, which runs the unnamed
//     statement its describe round trip parsed, failed outside transactions ("unnamed prepared
//     statement does not exist": the two round trips went to different server connections). A
//     default_query_exec_mode given in the URL is kept, but cache_statement and describe_exec
//     are refused with pooler=transaction;
//   - keeps every setting inside a transaction: nothing in calldesk sets anything for a session
//     (a bulk load's synchronous_commit is SET LOCAL in each of its transactions), except the
//     shredder's lock_timeout around VACUUM (FULL), which cannot run in a transaction: through a
//     pooler it uses VACUUM's SKIP_LOCKED instead (dialect.shred).
//
// Nothing else depends on a session: locks are rows (dialect.lock), nothing listens or notifies,
// there are no temporary tables.
const PoolerParam = "pooler"

// poolerDSN removes PoolerParam from dsn, saying whether it named a transaction pooler, and sets
// pgx's statement mode for it.
func poolerDSN(dsn string) (string, bool, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", false, fmt.Errorf("the PostgreSQL URL: %w", err)
	}
	q := u.Query()
	if !q.Has(PoolerParam) {
		return dsn, false, nil
	}
	switch v := q.Get(PoolerParam); v {
	case "transaction":
	case "", "none", "session":
		q.Del(PoolerParam)
		u.RawQuery = q.Encode()
		return u.String(), false, nil
	default:
		return "", false, fmt.Errorf("the PostgreSQL URL's %s=%q: give %s=transaction for a pooler in transaction mode (PgBouncer's pool_mode = transaction), or leave it out", PoolerParam, v, PoolerParam)
	}
	q.Del(PoolerParam)
	switch m := q.Get("default_query_exec_mode"); m {
	case "":
		q.Set("default_query_exec_mode", "cache_describe")
	case "cache_statement", "describe_exec":
		return "", false, fmt.Errorf("the PostgreSQL URL's default_query_exec_mode=%s does not work through a pooler in transaction mode (%s=transaction): its statements outlive a round trip; leave it out (cache_describe), or give exec or simple_protocol", m, PoolerParam)
	}
	u.RawQuery = q.Encode()
	return u.String(), true, nil
}

func (s *Store) openPostgres(ctx context.Context, dsn string, opt Options) error {
	dsn, pooled, err := poolerDSN(dsn)
	if err != nil {
		return err
	}
	s.d = postgresDialect{pooled: pooled}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("open PostgreSQL: %w", err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 16
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	s.idleConns = n
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	s.read, s.write = db, db
	return nil
}
