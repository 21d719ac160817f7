package privacy_test

import (
	"context"
	"os"
	"testing"
	"time"

	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// BenchmarkSARBundle500 builds the SAR bundle (gathered, redacted against the whole register,
// rendered to the zip with its HTML and PDF reports) of a person with 500 calls among the
// million calls of the SQLite database CALLDESK_BENCH_DB names (a copy: the benchmark gives one
// person 500 existing calls, whose diary entries come with them). Issue 7's target: under 5 s.
func BenchmarkSARBundle500(b *testing.B) {
	path := os.Getenv("CALLDESK_BENCH_DB")
	if path == "" {
		b.Skip("CALLDESK_BENCH_DB names no copy of the million-call database")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	raw := storetest.Raw(b, "sqlite", path)
	// The customer with the fewest calls, given exactly 500: existing calls of others are moved
	// to them (or, had they more, theirs to another customer).
	var person, have, other int64
	if err := raw.QueryRow(`SELECT customer_id, COUNT(*) FROM calls GROUP BY customer_id ORDER BY COUNT(*), customer_id LIMIT 1`).Scan(&person, &have); err != nil {
		b.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT customer_id FROM calls WHERE customer_id <> ? ORDER BY id DESC LIMIT 1`, person).Scan(&other); err != nil {
		b.Fatal(err)
	}
	switch {
	case have < 500:
		raw.MustExec(b, `UPDATE calls SET customer_id = ? WHERE id IN (SELECT id FROM calls WHERE customer_id <> ? ORDER BY id DESC LIMIT ?)`,
			person, person, 500-have)
	case have > 500:
		raw.MustExec(b, `UPDATE calls SET customer_id = ? WHERE id IN (SELECT id FROM calls WHERE customer_id = ? ORDER BY id LIMIT ?)`,
			other, person, have-500)
	}
	calls := raw.Count(b, `SELECT COUNT(*) FROM calls WHERE customer_id = ?`, person)
	entries := raw.Count(b, `SELECT COUNT(*) FROM diary_entries d JOIN calls c ON c.id = d.call_id WHERE c.customer_id = ?`, person)
	people := raw.Count(b, `SELECT COUNT(*) FROM people`)
	builder := &privacy.Builder{Store: s, Now: time.Now, ParseMail: parseMail}
	var size, reds int
	b.ResetTimer()
	for b.Loop() {
		bu, err := builder.Gather(ctx, person, nil)
		if err != nil {
			b.Fatal(err)
		}
		zip, err := bu.RenderBytes(ctx, nil, privacy.StoreFiles(s))
		if err != nil {
			b.Fatal(err)
		}
		size, reds = len(zip), len(bu.Redactions)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/bundle")
	b.ReportMetric(float64(calls), "calls")
	b.ReportMetric(float64(entries), "entries")
	b.ReportMetric(float64(reds), "redactions")
	b.ReportMetric(float64(size), "zip-bytes")
	b.ReportMetric(float64(people), "register")
}
