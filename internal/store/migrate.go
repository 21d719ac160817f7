package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFiles embed.FS // read-only; embed.FS cannot change

// migration is one embedded, numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	return readMigrations(migrationFiles, "migrations/"+s.d.name())
}

// readMigrations reads the NNNN_name.sql files of dir in fsys, in order of their numbers. Two files
// with one number are an error: Migrate would apply only one of them (two branches that each
// added "the next" migration, merged), and databases would differ without anyone knowing.
func readMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %04d_%s and %04d_%s have the same number: renumber the newer one",
				ms[i-1].version, ms[i-1].name, ms[i].version, ms[i].name)
		}
	}
	return ms, nil
}

// SchemaVersion returns the version of the database's schema (0 when empty) and the newest
// version this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (db, known int, err error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, 0, err
	}
	known = ms[len(ms)-1].version
	err = s.inTx(ctx, func(t *Tx) error {
		var e error
		db, e = t.schemaVersion(ctx)
		return e
	})
	return db, known, err
}

func (t *Tx) schemaVersion(ctx context.Context) (int, error) {
	if _, err := t.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	var v int
	err := t.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Migrate applies every embedded migration the database lacks, each in its own transaction, and
// returns the versions applied. It refuses a database whose schema is newer than this binary.
// Several instances may call it at once on PostgreSQL: a lock lets one migrate at a time.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	ms, err := s.migrations()
	if err != nil {
		return nil, err
	}
	known := ms[len(ms)-1].version
	if err := s.makeMigrateLock(ctx); err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range ms {
		done := false
		err := s.inTx(ctx, func(t *Tx) error {
			if err := s.d.lock(ctx, t, lockMigrate); err != nil {
				return err
			}
			cur, err := t.schemaVersion(ctx)
			if err != nil {
				return err
			}
			if cur > known {
				return fmt.Errorf("the database schema is at version %d, newer than this calldesk knows (%d): run a newer calldesk", cur, known)
			}
			if cur >= m.version {
				done = true
				return nil
			}
			if err := t.precondition(ctx, m.version); err != nil {
				return fmt.Errorf("migration %04d_%s cannot run: %w", m.version, m.name, err)
			}
			if err := t.execScript(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
			}
			if err := t.afterMigration(ctx, m.version); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
			}
			_, err = t.exec(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, t.Now.UnixMicro())
			return err
		})
		if err != nil {
			return applied, err
		}
		if !done {
			applied = append(applied, m.version)
		}
	}
	return applied, nil
}

// lockTableDDL makes table locks, as migration 0045 does (the same statement, which it runs
// again harmlessly): the migration lock's row must exist before the first migration.
const lockTableDDL = `CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY)`

// makeMigrateLock makes the migration lock's row (table locks and its row 'migrate') where the
// database has none yet: an empty database, or one from before migration 0045. Each migration's
// transaction then claims the row (dialect.lock: SELECT ... FOR UPDATE), so one instance migrates
// at a time, as the advisory lock did. It runs in a short transaction of its own, committed before
// any migration: CREATE TABLE IF NOT EXISTS, then INSERT ... ON CONFLICT DO NOTHING, both of which
// change nothing where the row exists. Two instances starting on an empty PostgreSQL database may
// both create the table at once: the second's CREATE waits on the first's uncommitted catalog
// rows and, once the first commits, fails (a unique violation on pg_type_typname_nsp_index, or
// "type locks already exists": dialect.createRace) in place of finding the table; the table is
// there by then, and the step simply runs again. (In the migration's own transaction the same
// would hold, but the second instance would wait for the whole first migration, and CockroachDB
// prefers schema changes in transactions of their own.)
func (s *Store) makeMigrateLock(ctx context.Context) error {
	var err error
	for range 3 {
		err = s.runTx(ctx, func(t *Tx) error { // unmapped: createRace reads the engine's error
			if _, err := t.exec(ctx, lockTableDDL); err != nil {
				return err
			}
			_, err := t.exec(ctx, `INSERT INTO locks (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, lockMigrate)
			return err
		})
		if s.d.createRace(err) {
			continue
		}
		break
	}
	if err != nil {
		return fmt.Errorf("make the migration lock: %w", s.mapErr(err))
	}
	return nil
}

// precondition checks, before migration version runs, that the data can take it: a failing
// check stops the upgrade saying what to fix, where the engine would refuse halfway through
// with a bare constraint error, and the migration's transaction changes nothing.
func (t *Tx) precondition(ctx context.Context, version int) error {
	if version == migrationUniqueIdentities {
		return t.identityClashes(ctx)
	}
	return nil
}

// migrationSearchParts splits the search documents in parts (search_parts.go).
const migrationSearchParts = 33

// afterMigration does, in migration version's transaction, what its SQL file cannot: rebuilding
// every call's search documents with the one query that builds them (callTexts), not a copy of
// it in a migration file. It is the work a bulk load does at its end, in one statement: about
// the time of that load's indexing step.
func (t *Tx) afterMigration(ctx context.Context, version int) error {
	if version != migrationSearchParts {
		return nil
	}
	var last int64
	if err := t.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM calls`).Scan(&last); err != nil {
		return err
	}
	if last == 0 {
		return nil
	}
	if err := t.s.d.rebuildSearch(ctx, t, last); err != nil {
		return fmt.Errorf("index calls: %w", err)
	}
	return nil
}

// CheckSchema returns an error unless the database is migrated to exactly this binary's version.
func (s *Store) CheckSchema(ctx context.Context) error {
	db, known, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case db > known:
		return fmt.Errorf("the database schema is at version %d, newer than this calldesk knows (%d): run a newer calldesk", db, known)
	case db < known:
		return fmt.Errorf("the database schema is at version %d, older than this calldesk (%d): run calldesk migrate", db, known)
	}
	return nil
}
