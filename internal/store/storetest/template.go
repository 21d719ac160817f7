package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Migrating a fresh database is most of what NewEnv costs: some 60 migrations, each its own
// transaction: about 0.25 s and 0.5 s of the machine's CPU (most of it the kernel's) on
// PostgreSQL, and 50 ms on SQLite. A package that makes hundreds of Envs (the console's and the
// portal's tests: one a test and engine) can instead migrate one template database per engine
// and give each test a copy of it: CREATE DATABASE ... TEMPLATE on PostgreSQL, a copy of the
// file on SQLite. Each test still has a database of its own, in the state a fresh migration
// leaves; OpenDSN still opens it and runs Migrate (which finds nothing to do), as serve does.

// templates are the package's template databases, made on first use after UseTemplates.
var templates struct {
	mu      sync.Mutex
	enabled bool
	byName  map[string]*template // by engine
}

// template is one engine's migrated template database.
type template struct {
	once sync.Once
	err  error
	path string // SQLite: the migrated file
	dir  string // SQLite: the folder that holds it
	name string // PostgreSQL: the template database's name
	base string // PostgreSQL: the server URL it was made on
}

// UseTemplates makes NewEnv (and EachEnv) in this test binary copy a migrated template database
// per engine instead of migrating a fresh one. Call it from TestMain, before m.Run, and call drop
// after: it removes the templates.
func UseTemplates() (drop func()) {
	templates.mu.Lock()
	templates.enabled = true
	templates.mu.Unlock()
	return dropTemplates
}

func dropTemplates() {
	templates.mu.Lock()
	defer templates.mu.Unlock()
	templates.enabled = false
	for _, tp := range templates.byName {
		if tp.dir != "" {
			os.RemoveAll(tp.dir)
		}
		if tp.name != "" {
			if admin, err := sql.Open("pgx", tp.base); err == nil {
				admin.Exec(`ALTER DATABASE ` + tp.name + ` WITH IS_TEMPLATE false`)
				admin.Exec(`DROP DATABASE IF EXISTS ` + tp.name + ` WITH (FORCE)`)
				admin.Close()
			}
		}
	}
	templates.byName = nil
}

// templateFor returns engine's template, making it on first use, or nil when UseTemplates is off.
func templateFor(t testing.TB, engine string) *template {
	t.Helper()
	templates.mu.Lock()
	if !templates.enabled {
		templates.mu.Unlock()
		return nil
	}
	if templates.byName == nil {
		templates.byName = map[string]*template{}
	}
	tp := templates.byName[engine]
	if tp == nil {
		tp = &template{}
		templates.byName[engine] = tp
	}
	templates.mu.Unlock()
	tp.once.Do(func() { tp.err = tp.make(engine) })
	if tp.err != nil {
		t.Fatalf("template database on %s: %v", engine, tp.err)
	}
	return tp
}

// make migrates the template: a file in a temporary folder on SQLite, a database on the
// PostgreSQL server that takes no connections once made (so that autovacuum cannot hold it
// while a test copies it).
func (tp *template) make(engine string) error {
	ctx := context.Background()
	switch engine {
	case "sqlite":
		dir, err := os.MkdirTemp("", "calldesk-template-")
		if err != nil {
			return err
		}
		tp.dir, tp.path = dir, filepath.Join(dir, "calldesk.db")
		return migrateTemplate(ctx, tp.path)
	case "postgres":
		tp.base = os.Getenv(EnvPostgres)
		if tp.base == "" {
			return fmt.Errorf("%s is not set", EnvPostgres)
		}
		admin, err := sql.Open("pgx", tp.base)
		if err != nil {
			return err
		}
		defer admin.Close()
		b := make([]byte, 6)
		rand.Read(b)
		tp.name = "t_template_" + hex.EncodeToString(b)
		if _, err := admin.Exec(`CREATE DATABASE ` + tp.name + ` TEMPLATE template0`); err != nil {
			tp.name = ""
			return err
		}
		dsn, err := postgresURL(tp.base, tp.name)
		if err != nil {
			return err
		}
		if err := migrateTemplate(ctx, dsn); err != nil {
			return err
		}
		_, err = admin.Exec(`ALTER DATABASE ` + tp.name + ` WITH ALLOW_CONNECTIONS false IS_TEMPLATE true`)
		return err
	}
	return fmt.Errorf("unknown engine %q", engine)
}

// migrateTemplate migrates the database at dsn and closes it.
func migrateTemplate(ctx context.Context, dsn string) error {
	s, err := openStore(ctx, dsn, nil)
	if err != nil {
		return err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return err
	}
	return s.Close()
}

// copyOf returns the DSN of a fresh copy of the template for a test, removed when it ends.
func (tp *template) copyOf(t testing.TB, engine string) string {
	t.Helper()
	if engine == "postgres" {
		return viaPgBouncer(t, postgresDB(t, tp.name))
	}
	dst := filepath.Join(t.TempDir(), "calldesk.db")
	// A clean close leaves no write-ahead log; copy one all the same if it is there.
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(tp.path+suffix, dst+suffix); err != nil {
			if suffix != "" && os.IsNotExist(err) {
				continue
			}
			t.Fatalf("copy the template database: %v", err)
		}
	}
	return dst
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
