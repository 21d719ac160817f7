package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// Issue 20's targets for encryption at rest: logging special-category calls with encryption on
// within 15% of the rate with it off, and reading a call whose text is sealed within 1 ms of the
// p50 of reading it plain. Each benchmark runs off (a store without master keys) then on, per
// engine, and logs the ratio (create) or the difference of the p50s (read).

func benchEngines() []string {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, "postgres")
	}
	return engines
}

// BenchmarkSpecialCallCreate logs special-category calls from 8 callers, with and without
// encryption.
func BenchmarkSpecialCallCreate(b *testing.B) {
	for _, engine := range benchEngines() {
		perOp := map[bool]float64{}
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/encrypted=%v", engine, on), func(b *testing.B) {
				s := storetest.Open(b, engine, nil)
				if !on {
					s.SetKeys(nil)
				}
				f := storetest.Seed(b, s)
				actor := storetest.Actor(f.Ann)
				b.SetParallelism(4) // 2 cores x 4 = 8 callers
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := s.CreateCall(context.Background(), actor, desk.NewCall{Summary: "Adjustments for my condition",
							Description: "I have epilepsy and need a screen that does not flicker in the library", CustomerID: f.Dan.ID,
							ProfileID: f.Outlook.ID, SpecialCategory: true}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				perOp[on] = float64(b.Elapsed()) / float64(b.N)
			})
		}
		if perOp[false] > 0 && perOp[true] > 0 {
			b.Logf("%s: create with encryption on takes %.2fx the time of off (%.0f vs %.0f µs/op; target ≤ 1.15x)",
				engine, perOp[true]/perOp[false], perOp[true]/1e3, perOp[false]/1e3)
		}
	}
}

// BenchmarkSpecialCallRead reads a special-category call and its diary (ten entries), as the
// call's page does, with its text sealed and plain, and reports the p50 of a read.
func BenchmarkSpecialCallRead(b *testing.B) {
	ctx := context.Background()
	for _, engine := range benchEngines() {
		p50 := map[bool]time.Duration{}
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/encrypted=%v", engine, on), func(b *testing.B) {
				s := storetest.Open(b, engine, nil)
				if !on {
					s.SetKeys(nil)
				}
				f := storetest.Seed(b, s)
				actor := storetest.Actor(f.Ann)
				c, err := s.CreateCall(ctx, actor, desk.NewCall{Summary: "Adjustments for my condition",
					Description: strings.Repeat("I have epilepsy and need a screen that does not flicker. ", 40), CustomerID: f.Dan.ID,
					GroupID: f.Networks.ID, SpecialCategory: true})
				if err != nil {
					b.Fatal(err)
				}
				for i := range 10 {
					if _, err := s.AddEntry(ctx, actor, c.Ref, desk.EntryNote, fmt.Sprintf("note %d: spoke to the disability service about the seizures", i)); err != nil {
						b.Fatal(err)
					}
				}
				read := func() {
					got, err := s.FindCallByRef(ctx, c.Ref)
					if err != nil || got.Summary != c.Summary {
						b.Fatalf("read: %v", err)
					}
					if d, err := s.Diary(ctx, got.ID, true); err != nil || len(d) != 11 { // the assignment and the ten notes
						b.Fatalf("diary: %d %v", len(d), err)
					}
				}
				read() // warm: the data key is unwrapped once and cached, as in a running server
				ds := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					read()
					ds = append(ds, time.Since(t0))
				}
				b.StopTimer()
				slices.Sort(ds)
				p := ds[len(ds)/2]
				b.ReportMetric(float64(p.Microseconds()), "p50-µs")
				p50[on] = p
			})
		}
		if p50[false] > 0 && p50[true] > 0 {
			b.Logf("%s: read p50 %v encrypted vs %v plain: %v more (target < 1ms)", engine, p50[true], p50[false], p50[true]-p50[false])
		}
	}
}
