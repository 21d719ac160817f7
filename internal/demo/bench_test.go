package demo_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"calldesk/internal/demo"
	"calldesk/internal/store/storetest"
)

// EnvBench turns the load benchmarks on: they take a minute or more, so a plain `go test -bench .`
// skips them. CALLDESK_BENCH_DEMO=1 go test -run X -bench BenchmarkLoad -benchtime 1x ./internal/demo/
const EnvBench = "CALLDESK_BENCH_DEMO"

// BenchmarkLoad1M times `calldesk demo --calls 1000000` on SQLite (the target: under 3 minutes on
// two cores) and reports the size of the database it makes.
func BenchmarkLoad1M(b *testing.B) { benchLoad(b, "sqlite", 1_000_000) }

// BenchmarkLoad20kPostgres times the default demo on PostgreSQL (CALLDESK_TEST_POSTGRES).
func BenchmarkLoad20kPostgres(b *testing.B) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		b.Skipf("%s is not set", storetest.EnvPostgres)
	}
	benchLoad(b, "postgres", 20_000)
}

func benchLoad(b *testing.B, engine string, calls int) {
	if os.Getenv(EnvBench) == "" {
		b.Skipf("set %s=1 to run the demo load benchmarks", EnvBench)
	}
	if n, err := strconv.Atoi(os.Getenv(EnvBench)); err == nil && n > 1 {
		calls = n // CALLDESK_BENCH_DEMO=200000 for a quicker look
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		dsn := storetest.DSN(b, engine)
		s := storetest.OpenDSN(b, engine, dsn, nil)
		b.StartTimer()
		start := time.Now()
		var written time.Duration // until every call is written, before the search index is built
		progress := func(done, total int) {
			if done == total/2 && written == 0 {
				written = time.Since(start)
			}
		}
		res, err := demo.Load(ctx, s, demo.Options{Calls: calls, Now: time.Now(), Progress: progress})
		if err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(res.Calls)/elapsed.Seconds(), "calls/s")
		b.ReportMetric(float64(res.Entries), "entries")
		var size int64
		switch engine {
		case "sqlite":
			for _, suffix := range []string{"", "-wal"} {
				if fi, err := os.Stat(dsn + suffix); err == nil {
					size += fi.Size()
				}
			}
		case "postgres":
			if err := storetest.Raw(b, engine, dsn).QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&size); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size)/(1<<20), "MiB")
		b.Logf("%s: %d calls, %d diary entries, %d people in %s (written in %s, then indexed); database %.0f MiB", engine,
			res.Calls, res.Entries, res.People, elapsed.Round(time.Millisecond), written.Round(time.Millisecond), float64(size)/(1<<20))
		b.StartTimer()
	}
}
