// Package storetest opens fresh, migrated stores for tests: a SQLite file per test always, and a
// PostgreSQL database per test whenever CALLDESK_TEST_POSTGRES holds a server URL. Tests call
// Each to run the same body on every available engine.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // pgx driver for creating and dropping test databases

	"calldesk/internal/desk"
	"calldesk/internal/keys"
	"calldesk/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL server URL for tests.
const EnvPostgres = "CALLDESK_TEST_POSTGRES"

// EnvPgBouncer names the variable holding the URL of a PgBouncer in transaction pooling mode in
// front of that server, with calldesk's pooler=transaction parameter (scripts/pgbouncer.sh sets
// it). EnvViaPgBouncer, set to 1, runs every PostgreSQL store test through it: DSN then gives
// each fresh database's URL through PgBouncer (the database itself is made on the server).
const (
	EnvPgBouncer    = "CALLDESK_TEST_PGBOUNCER"
	EnvViaPgBouncer = "CALLDESK_TEST_VIA_PGBOUNCER"
)

// PgBouncerDSN turns dsn, a test database's URL on the server (from DSN), into the same
// database's URL through the PgBouncer of EnvPgBouncer. Without one the test is skipped, or
// under CI=true fails (make test starts one).
func PgBouncerDSN(t testing.TB, dsn string) string {
	t.Helper()
	base := os.Getenv(EnvPgBouncer)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PgBouncer tests (make test starts one: scripts/pgbouncer.sh)", EnvPgBouncer)
		}
		t.Skipf("%s is not set (scripts/pgbouncer.sh starts a PgBouncer)", EnvPgBouncer)
	}
	b, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPgBouncer, err)
	}
	d, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", dsn, err)
	}
	b.Path = d.Path
	return b.String()
}

// Clock is a settable clock for tests; safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC()} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set puts the clock at t, forwards or back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t.UTC()
	c.mu.Unlock()
}

// Engines lists the engines tests should run on: "sqlite", and "postgres" when configured.
// Under CI=true a missing PostgreSQL URL is an error, so CI never silently skips an engine.
func Engines(t testing.TB) []string {
	e := []string{"sqlite"}
	if os.Getenv(EnvPostgres) != "" {
		e = append(e, "postgres")
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set: CI must run the store tests on PostgreSQL too (make test sets it)", EnvPostgres)
	}
	return e
}

// Each runs fn as a subtest per engine with a fresh store on that engine.
func Each(t *testing.T, clock *Clock, fn func(t *testing.T, s *store.Store)) {
	for _, engine := range Engines(t) {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine, clock))
		})
	}
}

// DSN returns a fresh database's DSN for engine, removed when the test ends.
func DSN(t testing.TB, engine string) string {
	switch engine {
	case "sqlite":
		return filepath.Join(t.TempDir(), "calldesk.db")
	case "postgres":
		return viaPgBouncer(t, postgresDB(t, "template0"))
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

// viaPgBouncer is dsn through PgBouncer when EnvViaPgBouncer says so, else dsn.
func viaPgBouncer(t testing.TB, dsn string) string {
	if os.Getenv(EnvViaPgBouncer) == "1" {
		return PgBouncerDSN(t, dsn)
	}
	return dsn
}

// Open returns a migrated store on a fresh database of engine, closed when the test ends.
func Open(t testing.TB, engine string, clock *Clock) *store.Store {
	t.Helper()
	return OpenDSN(t, engine, DSN(t, engine), clock)
}

// OpenDSN returns a migrated store on dsn (from DSN), closed when the test ends. Tests that need
// two instances on one database, or raw access beside the store (Raw), open the DSN themselves.
func OpenDSN(t testing.TB, engine, dsn string, clock *Clock) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := openStore(ctx, dsn, clock)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return s
}

// openStore opens the store on dsn with the test master keys and clock (the wall clock when nil).
func openStore(ctx context.Context, dsn string, clock *Clock) (*store.Store, error) {
	ring, err := keys.Parse([]byte(testKeys), "the test master key file")
	if err != nil {
		return nil, err
	}
	opt := store.Options{Keys: ring}
	if clock != nil {
		opt.Now = clock.Now
	}
	return store.Open(ctx, dsn, opt)
}

// testKeys is the master key file every test store runs with, so that every test writes and
// reads its encrypted content sealed, as a deployment with a master key does.
const testKeys = "mk-test-1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"

// Keys is the test stores' master key ring.
func Keys(t testing.TB) *keys.Ring {
	r, err := keys.Parse([]byte(testKeys), "the test master key file")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// postgresDB makes a database on the server of EnvPostgres, a copy of the template database (as
// CREATE DATABASE makes every database), and returns its URL; it is dropped when the test ends.
func postgresDB(t testing.TB, template string) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Fatalf("%s is not set", EnvPostgres)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + template); err != nil {
		admin.Close()
		t.Fatalf("create test database on %s: %v", base, err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		admin.Close()
	})
	u, err := postgresURL(base, name)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	return u
}

// postgresURL is the URL of database name on the server at base.
func postgresURL(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Raw opens a plain database/sql handle on dsn, beside the store, for tests that must reach under
// it: tampering with the audit trail, injecting failures. Closed when the test ends.
func Raw(t testing.TB, engine, dsn string) *RawDB {
	t.Helper()
	driver, name := "pgx", rawPostgresDSN(t, dsn)
	if engine == "sqlite" {
		driver, name = "sqlite", "file:"+url.PathEscape(dsn)+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatalf("raw %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return &RawDB{DB: db, engine: engine}
}

// rawPostgresDSN is dsn as pgx itself takes it: a pooler=transaction parameter (store.PoolerParam),
// which pgx would send to the server, becomes the statement mode the store uses through a pooler.
func rawPostgresDSN(t testing.TB, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || !u.Query().Has(store.PoolerParam) {
		return dsn
	}
	q := u.Query()
	q.Del(store.PoolerParam)
	q.Set("default_query_exec_mode", "cache_describe")
	u.RawQuery = q.Encode()
	return u.String()
}

// RawDB is a plain connection under the store, for tests that tamper with or inspect rows.
type RawDB struct {
	*sql.DB
	engine string
}

// Rebind turns ? placeholders into $n on PostgreSQL.
func (r *RawDB) Rebind(q string) string {
	if r.engine != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// MustExec runs a statement, failing the test on error.
func (r *RawDB) MustExec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := r.Exec(r.Rebind(q), args...); err != nil {
		t.Fatalf("raw %q: %v", q, err)
	}
}

// Count runs a SELECT COUNT(*), failing the test on error.
func (r *RawDB) Count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := r.QueryRow(r.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatalf("raw %q: %v", q, err)
	}
	return n
}

// Processor records a supplier firm in the DPO's register of processors, for the tests of
// supplier grants, which name one.
func Processor(t testing.TB, s *store.Store, name string) store.Processor {
	t.Helper()
	p, err := s.SaveProcessor(context.Background(), desk.Actor{Name: "the DPO", Surface: desk.SurfaceConsole}, store.Processor{Name: name,
		Service: "Supplier of the service desk software: support and upgrades", ContractDate: "2025-01-01", ReviewDue: "2027-01-01"}, "recorded for a test")
	if err != nil {
		t.Fatalf("record processor %s: %v", name, err)
	}
	return p
}
