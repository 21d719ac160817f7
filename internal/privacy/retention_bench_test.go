package privacy_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// EnvBenchDB names a SQLite database the retention benchmark may change: a copy of the
// million-call database `calldesk demo --calls 1000000` makes (scripts/bench.sh, part retention).
const EnvBenchDB = "CALLDESK_BENCH_DB"

// BenchmarkRetentionSweep1M sweeps the million-call database once (issue 7: under 60 s on
// SQLite), with the clock moved to six years after the middle of the calls' closing dates, so
// about half the closed calls are due under the default closed-calls rule. It times a dry run
// and then the real sweep, and reports both and what the sweep did. Run it with -benchtime 1x:
// a second sweep finds nothing left to do.
//
//	CALLDESK_BENCH_DB=.bench/retention.db go test -run '^$' -bench RetentionSweep1M -benchtime 1x ./internal/privacy/
func BenchmarkRetentionSweep1M(b *testing.B) {
	path := os.Getenv(EnvBenchDB)
	if path == "" {
		b.Skip(EnvBenchDB + " names no database: the benchmark changes it, so it must be a copy")
	}
	ctx := context.Background()
	clock := storetest.NewClock(time.Now())
	s, err := store.Open(ctx, path, store.Options{Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	var first, last, calls int64
	err = raw.QueryRowContext(ctx, `SELECT MIN(COALESCE(closed_at, cancelled_at)), MAX(COALESCE(closed_at, cancelled_at)), COUNT(*)
		FROM calls WHERE anonymised_at IS NULL AND state IN ('closed', 'cancelled')`).Scan(&first, &last, &calls)
	raw.Close()
	if err != nil {
		b.Fatal(err)
	}
	if calls < 1000 {
		b.Fatalf("%s has %d closed calls left to sweep: make a fresh copy of the million-call database", path, calls)
	}
	mid := time.UnixMicro((first + last) / 2).UTC()
	clock.Set(mid.AddDate(6, 0, 0))
	r := privacy.Retention{Store: s}
	actor := desk.System("retention benchmark")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		dry, err := r.Sweep(ctx, actor, true)
		if err != nil {
			b.Fatal(err)
		}
		dryS := time.Since(t0).Seconds()
		t0 = time.Now()
		run, err := r.Sweep(ctx, actor, false)
		if err != nil {
			b.Fatal(err)
		}
		realS := time.Since(t0).Seconds()
		// The search compaction job then merges what the sweep left in the index (in the
		// background, a minute later, in calldesk serve): timed apart from the sweep.
		t0 = time.Now()
		if did, err := s.CompactSearchIfDue(ctx); err != nil || !did {
			b.Fatalf("the sweep did not ask for search compaction: %v %v", did, err)
		}
		compactS := time.Since(t0).Seconds()
		if i > 0 {
			continue
		}
		b.ReportMetric(dryS, "s-dry-run")
		b.ReportMetric(realS, "s-sweep")
		b.ReportMetric(compactS, "s-compact")
		b.ReportMetric(float64(calls), "closed-calls")
		for j, l := range run.Lines {
			if l.Count != dry.Lines[j].Count {
				b.Errorf("%s: the dry run counted %d, the sweep did %d", l.Class, dry.Lines[j].Count, l.Count)
			}
			if l.Count > 0 {
				b.ReportMetric(float64(l.Count), l.Class)
			}
		}
	}
}
