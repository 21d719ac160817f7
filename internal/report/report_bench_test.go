package report_test

import (
	"context"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/report"
	"calldesk/internal/store"
)

// benchReports runs report kind over the last year of a million-call database, unfiltered, as a
// service-level manager (issue 18's speed target: under 500 ms p50 on SQLite and PostgreSQL).
// It needs CALLDESK_BENCH_DB, as BenchmarkErase500 does; it only reads.
func benchReport(b *testing.B, kind report.Kind, every report.Every) {
	dsn := os.Getenv("CALLDESK_BENCH_DB")
	if dsn == "" {
		b.Skip("CALLDESK_BENCH_DB names no copy of a million-call database (make bench sets it)")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	// The year up to the newest call, so the range is full whenever the database was made.
	calls, _, err := s.FindCalls(ctx, store.CallFilter{Sort: "newest", Limit: 1})
	if err != nil || len(calls) == 0 {
		b.Fatalf("the database holds no calls: %v", err)
	}
	last := calls[0].LoggedAt
	zone, err := desk.LoadZone("Europe/London")
	if err != nil {
		b.Fatal(err)
	}
	r := report.Reporter{Store: s, Zone: zone, Now: func() time.Time { return last }}
	p := report.Params{Kind: kind, From: last.AddDate(-1, 0, 1), To: last, Every: every}
	b.ResetTimer()
	took := make([]time.Duration, 0, b.N)
	cpu0 := cpuTime()
	for range b.N {
		start := time.Now()
		if _, err := r.Run(ctx, p, report.Viewer{Named: true}); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	// The target is the median run (p50), which a noisy machine's one slow run does not move.
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2])/float64(time.Millisecond), "ms-p50")
	// This process's CPU time per run: SQLite's whole cost (it runs in the process) whatever else
	// shares the machine; for PostgreSQL only the client's part.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "ms-cpu")
}

func BenchmarkReportVolumeYearDaily(b *testing.B)   { benchReport(b, report.Volume, report.Daily) }
func BenchmarkReportVolumeYearMonthly(b *testing.B) { benchReport(b, report.Volume, report.Monthly) }
func BenchmarkReportBacklog(b *testing.B)           { benchReport(b, report.Backlog, report.Daily) }
func BenchmarkReportWorkloadYear(b *testing.B)      { benchReport(b, report.Workload, report.Daily) }
func BenchmarkReportBacklogTrendYearDaily(b *testing.B) {
	benchReport(b, report.BacklogTrend, report.Daily)
}
func BenchmarkReportReopensYear(b *testing.B) { benchReport(b, report.Reopens, report.Monthly) }
func BenchmarkReportCancellationsYear(b *testing.B) {
	benchReport(b, report.Cancellations, report.Monthly)
}
func BenchmarkReportCustomersYear(b *testing.B) { benchReport(b, report.Customers, report.Monthly) }
func BenchmarkReportHoldsYear(b *testing.B)     { benchReport(b, report.Holds, report.Monthly) }
func BenchmarkReportServiceLevelsYear(b *testing.B) {
	benchReport(b, report.ServiceLevels, report.Monthly)
}
func BenchmarkReportTimesYear(b *testing.B) { benchReport(b, report.Times, report.Monthly) }
func BenchmarkReportFirstContactYear(b *testing.B) {
	benchReport(b, report.FirstContact, report.Monthly)
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
