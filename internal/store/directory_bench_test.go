package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// BenchmarkSync50000 is the store's part of issue 6's targets on SQLite: 50,000 people taken in
// from nothing (the whole import under 10 s), then the same with 1% changed (under 5 s).
func BenchmarkSync50000(b *testing.B) {
	const n = 50_000
	recs := make([]store.DirectoryRecord, n)
	for i := range recs {
		kind := desk.Student
		if i%5 == 0 {
			kind = desk.Staff
		}
		recs[i] = store.DirectoryRecord{Line: i + 2, Person: desk.Person{DirectoryKey: fmt.Sprintf("emp-%06d", i), FirstName: "Given",
			LastName: fmt.Sprintf("Family%06d", i), Username: fmt.Sprintf("u%06d", i), Email: fmt.Sprintf("u%06d@uni.example", i),
			Department: fmt.Sprintf("Department %d", i%40), Phone: fmt.Sprintf("01234 %06d", i), JobTitle: "Lecturer", Kind: kind}}
		if i%5 != 0 {
			recs[i].Person.StudentNumber = fmt.Sprintf("2026%05d", i)
		}
		if i >= 10 {
			recs[i].ManagerKey = fmt.Sprintf("emp-%06d", i%10)
		}
	}
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		e := storetest.NewEnv(b, "sqlite", time.Now())
		b.StartTimer()
		began := time.Now()
		res, err := e.S.SyncPeople(ctx, recs, store.SyncOptions{Source: "bench", Full: true, By: "bench"})
		if err != nil || res.Created != n {
			b.Fatalf("first import: %+v %v", res, err)
		}
		first := time.Since(began)
		changed := append([]store.DirectoryRecord(nil), recs...)
		for i := 0; i < n; i += 100 {
			changed[i].Person.Department = "Renamed department"
		}
		began = time.Now()
		res, err = e.S.SyncPeople(ctx, changed, store.SyncOptions{Source: "bench", Full: true, By: "bench"})
		if err != nil || res.Updated != n/100 {
			b.Fatalf("re-run: %+v %v", res, err)
		}
		again := time.Since(began)
		b.ReportMetric(first.Seconds(), "s-first-import")
		b.ReportMetric(again.Seconds(), "s-rerun-1pct")
	}
}
