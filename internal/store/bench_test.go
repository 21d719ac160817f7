package store_test

import (
	"context"
	"os"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// BenchmarkCreateCall measures logging calls through the store with 8 concurrent callers.
func BenchmarkCreateCall(b *testing.B) {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, "postgres")
	}
	for _, engine := range engines {
		for _, levels := range []bool{false, true} {
			name := engine
			if levels {
				name += "/sla"
			}
			b.Run(name, func(b *testing.B) {
				benchCreate(b, engine, levels)
			})
		}
	}
}

// benchCreate logs calls from 8 callers, with the desk's service levels on when levels is set
// (every call then has targets, as on a desk that uses them).
func benchCreate(b *testing.B, engine string, levels bool) {
	s := storetest.Open(b, engine, nil)
	f := storetest.Seed(b, s)
	if levels {
		storetest.ServiceLevels(b, s, f)
	}
	actor := storetest.Actor(f.Ann)
	b.SetParallelism(4) // 2 cores x 4 = 8 callers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.CreateCall(context.Background(), actor, desk.NewCall{Summary: "Printer on level 2 jams", Description: "Paper jam every morning in the library", CustomerID: f.Dan.ID, ProfileID: f.Outlook.ID}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
