package demo_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/demo"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// BenchmarkSearchParts loads the demo (CALLDESK_BENCH_DEMO calls, default 200,000; PostgreSQL
// when CALLDESK_BENCH_ENGINE=postgres) and times, for issue 15 points 7 and 8: a search by an
// analyst (call information only, plus the special-category calls of their groups), by a
// support analyst and with no reader, for a common and a rare word; then migration 0033 run
// again over the loaded calls (the rebuild of every search document an upgrade does).
// CALLDESK_BENCH_DEMO=200000 go test -run X -bench BenchmarkSearchParts -benchtime 1x ./internal/demo/
func BenchmarkSearchParts(b *testing.B) {
	if os.Getenv(EnvBench) == "" {
		b.Skipf("set %s=1 to run the demo load benchmarks", EnvBench)
	}
	engine := "sqlite"
	if os.Getenv("CALLDESK_BENCH_ENGINE") == "postgres" {
		engine = "postgres"
		if os.Getenv(storetest.EnvPostgres) == "" {
			b.Skipf("%s is not set", storetest.EnvPostgres)
		}
	}
	calls := 200_000
	if n, err := strconv.Atoi(os.Getenv(EnvBench)); err == nil && n > 1 {
		calls = n
	}
	ctx := context.Background()
	dsn := storetest.DSN(b, engine)
	s := storetest.OpenDSN(b, engine, dsn, nil)
	if _, err := demo.Load(ctx, s, demo.Options{Calls: calls, Now: time.Now()}); err != nil {
		b.Fatal(err)
	}
	groups, err := s.Groups(ctx)
	if err != nil || len(groups) == 0 {
		b.Fatalf("groups: %v", err)
	}
	members, err := s.Members(ctx, groups[0].ID)
	if err != nil || len(members) == 0 {
		b.Fatalf("members: %v", err)
	}
	mine := []int64{groups[0].ID}
	readers := map[string]*desk.Reader{"no reader": nil}
	for name, roles := range map[string][]desk.Role{"analyst": {desk.RoleAnalyst}, "support analyst": {desk.RoleSupportAnalyst}} {
		r := access.ReaderOf(desk.Account{PersonID: members[0], Roles: roles, Active: true}, mine)
		readers[name] = &r
	}
	b.ResetTimer()
	for b.Loop() {
		for _, word := range []string{"printer", "moodle", "xylophone"} {
			for name, r := range readers {
				start := time.Now()
				const n = 20
				var total int
				for range n {
					p, err := s.FindCallsPage(ctx, store.CallFilter{Text: word, Reader: r, Limit: 25})
					if err != nil {
						b.Fatal(err)
					}
					total = p.Total
				}
				b.Logf("%s, %d calls: search %q as %s: %d hits, %s a page", engine, calls, word, name, total, (time.Since(start) / n).Round(time.Microsecond))
			}
		}
		raw := storetest.Raw(b, engine, dsn)
		raw.MustExec(b, `ALTER TABLE calls DROP COLUMN triage_pending`)
		if engine == "sqlite" {
			raw.MustExec(b, `DROP TABLE call_fts`)
			raw.MustExec(b, `CREATE VIRTUAL TABLE call_fts USING fts5(doc, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`)
		}
		// 0034 and 0035 run again after it: what they added goes too.
		raw.MustExec(b, `ALTER TABLE audit_log DROP COLUMN surface`)
		raw.MustExec(b, `DELETE FROM retention_rules WHERE class IN ('import_reports', 'lifted_holds', 'erasure_decisions')`)
		raw.MustExec(b, `DROP INDEX import_runs_started`)
		raw.MustExec(b, `DROP INDEX legal_holds_lifted`)
		raw.MustExec(b, `DELETE FROM schema_migrations WHERE version >= 33`)
		start := time.Now()
		if _, err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s, %d calls: migration 0033 (every search document rebuilt) in %s", engine, calls, time.Since(start).Round(time.Millisecond))
	}
}
