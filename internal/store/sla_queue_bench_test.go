package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// BenchmarkQueueServiceLevels is what a queue page adds for service levels (issue 17 point 5):
// the at-risk and breached counts, and a page of 25 calls' clocks carried forward to now (two
// days after logging, across a night) from the cached calendars: no query per call.
func BenchmarkQueueServiceLevels(b *testing.B) {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, "postgres")
	}
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			e := &env{storetest.NewEnv(b, engine, start)}
			ctx := context.Background()
			slaDesk(b, e)
			for i := range 25 {
				if _, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: fmt.Sprintf("printer %d", i), CustomerID: e.F.Dan.ID,
					GroupID: e.F.ServiceDesk.ID, Impact: desk.Medium, Urgency: desk.Medium}); err != nil {
					b.Fatal(err)
				}
			}
			calls, _, err := e.S.FindCalls(ctx, store.CallFilter{Limit: 25})
			if err != nil || len(calls) != 25 {
				b.Fatal(len(calls), err)
			}
			e.Clock.Advance(48 * time.Hour)
			b.Run("counts", func(b *testing.B) {
				for b.Loop() {
					if _, err := e.S.CountSLA(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("page of 25 now", func(b *testing.B) {
				for b.Loop() {
					if _, err := e.S.ServiceLevelsNow(ctx, calls, e.Clock.Now()); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
