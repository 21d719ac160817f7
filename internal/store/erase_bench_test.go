package store_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// BenchmarkErase500 is issue 7's erasure target: with a million calls loaded, erasing a person
// with 500 calls takes under 5 s on SQLite. It needs CALLDESK_BENCH_DB, a copy of a database
// `calldesk demo --calls 1000000` made (the benchmark writes to it; make bench's privacy part
// makes the copy). Each round gives a fresh person 500 calls spread over the years, notes naming
// them on 50 of those and on 20 other people's calls, then times the erasure alone.
func BenchmarkErase500(b *testing.B) {
	dsn := os.Getenv("CALLDESK_BENCH_DB")
	if dsn == "" {
		b.Skip("CALLDESK_BENCH_DB names no copy of a million-call SQLite database (make bench sets it)")
	}
	ctx := context.Background()
	clock := storetest.NewClock(time.Now())
	s := storetest.OpenDSN(b, "sqlite", dsn, clock)
	raw := storetest.Raw(b, "sqlite", dsn)
	var calls, maxID int64
	if err := raw.QueryRow(`SELECT COUNT(*), MAX(id) FROM calls`).Scan(&calls, &maxID); err != nil {
		b.Fatal(err)
	}
	if calls < 500_000 {
		b.Fatalf("%s holds %d calls: the target is for a million", dsn, calls)
	}
	var analyst desk.Person
	var err error
	if err := raw.QueryRow(`SELECT person_id FROM accounts WHERE roles LIKE '%analyst%' ORDER BY id LIMIT 1`).Scan(&analyst.ID); err != nil {
		b.Fatal(err)
	}
	if analyst, err = s.FindPerson(ctx, analyst.ID); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for i := range b.N {
		b.StopTimer()
		var id int64
		if err := raw.QueryRow(`SELECT id FROM people WHERE kind = 'student' AND erased_at IS NULL AND email <> '' ORDER BY id LIMIT 1 OFFSET ?`, 100+i).Scan(&id); err != nil {
			b.Fatal(err)
		}
		p, err := s.FindPerson(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		snap, _ := json.Marshal(desk.SnapshotOf(p))
		step := maxID / 500
		raw.MustExec(b, `UPDATE calls SET customer_id = ?, customer_snapshot = ? WHERE id % ? = ? AND id <= ?`, id, string(snap), step, int64(i)%step, step*500)
		var own int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM calls WHERE customer_id = ?`, id).Scan(&own); err != nil {
			b.Fatal(err)
		}
		rows, err := raw.Query(`SELECT number, kind, customer_id = ? FROM calls WHERE id % ? = ? ORDER BY id LIMIT 70`, id, step, int64(i)%step)
		if err != nil {
			b.Fatal(err)
		}
		type target struct {
			ref string
			own bool
		}
		var targets []target
		for rows.Next() {
			var n int64
			var kind string
			var mine bool
			if err := rows.Scan(&n, &kind, &mine); err != nil {
				b.Fatal(err)
			}
			targets = append(targets, target{desk.Reference(desk.CallKind(kind), n), mine})
		}
		rows.Close()
		others := 0
		for _, t := range targets {
			text := "Spoke to " + p.FirstName + " about it; they will reply from " + p.Email
			if !t.own {
				if others == 20 {
					continue
				}
				others++
				text = p.Name() + " (" + p.Username + ") reported the same on this call"
			}
			if _, err := s.AddEntry(ctx, storetest.Actor(analyst), t.ref, desk.EntryNote, text); err != nil && desk.ErrorCode(err) != desk.EFORBIDDEN {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		began := time.Now()
		rec, err := s.ErasePerson(ctx, storetest.Actor(analyst), desk.Erasure{PersonID: id, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
			Decision: "benchmark", Confirmed: true})
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(began)
		total += took
		b.Logf("erased person %d with %d calls (%d texts scrubbed, %d files, %d emails, %d audit records) in %s", id, rec.Counts.Calls,
			rec.Counts.Scrubbed, rec.Counts.Attachments, rec.Counts.Emails, rec.Counts.AuditRedacted, took.Round(time.Millisecond))
		if own < 450 || rec.Counts.Calls != own {
			b.Fatalf("the person had %d calls, the erasure counted %d: want about 500", own, rec.Counts.Calls)
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s-erase")
}
