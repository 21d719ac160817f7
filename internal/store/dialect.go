package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is everything that differs between the two engines. Nothing else in store may branch
// on the engine.
type dialect interface {
	name() string
	rebind(query string) string
	// nextCallNumber hands out the next call number, unique across instances.
	nextCallNumber(ctx context.Context, t *Tx) (int64, error)
	// indexCall rebuilds the full-text document of one call from its text and diary.
	indexCall(ctx context.Context, t *Tx, callID int64) error
	// searchCond is a WHERE fragment over calls alias c matching the query terms (one ? argument).
	searchCond() string
	// searchArg turns normalised terms into the argument of searchCond.
	searchArg(terms []string) string
	// forUpdate is appended to a SELECT that must lock its row for the rest of the transaction.
	forUpdate() string
	// lock takes a transaction-scoped lock named key, serialising e.g. the audit sealer across instances.
	lock(ctx context.Context, t *Tx, key int64) error
	constraint(err error) constraintKind
}

type constraintKind int

const (
	constraintNone constraintKind = iota
	constraintUnique
	constraintForeignKey
)

// Lock keys for dialect.lock.
const (
	lockMigrate int64 = 7001
	lockSeal    int64 = 7002
)

type sqliteDialect struct{}

func (sqliteDialect) name() string           { return "sqlite" }
func (sqliteDialect) rebind(q string) string { return q }
func (sqliteDialect) forUpdate() string      { return "" }
func (sqliteDialect) searchCond() string {
	return "c.id IN (SELECT rowid FROM call_fts WHERE call_fts MATCH ?)"
}
func (sqliteDialect) lock(context.Context, *Tx, int64) error { return nil } // one writer connection already serialises

func (sqliteDialect) searchArg(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + t + `"`
	}
	return strings.Join(q, " ")
}

func (sqliteDialect) nextCallNumber(ctx context.Context, t *Tx) (int64, error) {
	var n int64
	err := t.queryRow(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'call_number' RETURNING value`).Scan(&n)
	return n, err
}

func (sqliteDialect) indexCall(ctx context.Context, t *Tx, callID int64) error {
	if _, err := t.exec(ctx, `DELETE FROM call_fts WHERE rowid = ?`, callID); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO call_fts(rowid, doc)
		SELECT c.id, c.summary || ' ' || c.description || ' ' ||
		       COALESCE((SELECT group_concat(d.body, ' ') FROM diary_entries d WHERE d.call_id = c.id), '')
		FROM calls c WHERE c.id = ?`, callID)
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

func (s *Store) openSQLite(ctx context.Context, path string, opt Options) error {
	if path == "" {
		return fmt.Errorf("the SQLite database path is empty")
	}
	base := "file:" + url.PathEscape(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)"
	w, err := sql.Open("sqlite", base)
	if err != nil {
		return fmt.Errorf("open SQLite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("open SQLite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
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
	if s.w, err = newSQLiteWriter(ctx, w); err != nil {
		r.Close()
		w.Close()
		return fmt.Errorf("open SQLite %s: %w", path, err)
	}
	return nil
}

type postgresDialect struct{}

func (postgresDialect) name() string      { return "postgres" }
func (postgresDialect) forUpdate() string { return " FOR UPDATE" }
func (postgresDialect) searchCond() string {
	return "c.search @@ to_tsquery('simple', ?)"
}
func (postgresDialect) searchArg(terms []string) string { return strings.Join(terms, " & ") }

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

func (postgresDialect) lock(ctx context.Context, t *Tx, key int64) error {
	_, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, key)
	return err
}

func (postgresDialect) nextCallNumber(ctx context.Context, t *Tx) (int64, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT nextval('call_number_seq')`).Scan(&n)
	return n, err
}

// indexCall splits the text on anything but letters and digits, as SQLite's unicode61 tokenizer
// does, so both engines find the same calls for the same words.
func (postgresDialect) indexCall(ctx context.Context, t *Tx, callID int64) error {
	_, err := t.exec(ctx, `UPDATE calls SET search = to_tsvector('simple', regexp_replace(
		summary || ' ' || description || ' ' ||
		COALESCE((SELECT string_agg(d.body, ' ' ORDER BY d.id) FROM diary_entries d WHERE d.call_id = calls.id), ''),
		'[^[:alnum:]]+', ' ', 'g')) WHERE id = ?`, callID)
	return err
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
	}
	return constraintNone
}

func (s *Store) openPostgres(ctx context.Context, dsn string, opt Options) error {
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
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	s.read, s.write = db, db
	return nil
}
