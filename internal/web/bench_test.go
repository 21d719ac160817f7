package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web"
)

// benchStore is a fresh seeded store on engine with an API token of Ann, an analyst.
func benchStore(b *testing.B, engine string) (*store.Store, storetest.Fixture, string) {
	b.Helper()
	s := storetest.Open(b, engine, nil)
	f := storetest.Seed(b, s)
	ctx := context.Background()
	acct, err := s.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Ann.ID, Login: "ann", Roles: []desk.Role{desk.RoleAnalyst}})
	if err != nil {
		b.Fatal(err)
	}
	token, hash, _ := access.NewToken()
	if _, err := s.CreateToken(ctx, f.Admin, acct.ID, "bench", hash, time.Time{}); err != nil {
		b.Fatal(err)
	}
	return s, f, token
}

// benchServer serves the API of s, recording reads as the server does, until the benchmark ends.
func benchServer(b *testing.B, s *store.Store) *httptest.Server {
	b.Helper()
	buf := audit.NewRecorder(s)
	b.Cleanup(buf.Close)
	hs := httptest.NewServer((&web.Server{Store: s, Audit: buf, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	b.Cleanup(hs.Close)
	return hs
}

// BenchmarkCreateCall logs calls through POST /api/v1/calls with parallel clients (use -cpu to set
// how many), on each engine available.
func BenchmarkCreateCall(b *testing.B) {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, "postgres")
	}
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			s, f, token := benchStore(b, engine)
			hs := benchServer(b, s)
			body := []byte(fmt.Sprintf(`{"summary": "Laptop will not boot", "description": "Black screen after the update", "customer_id": %d, "profile_id": %d}`, f.Dan.ID, f.Outlook.ID))
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.SetParallelism(4) // with -cpu 2: 8 clients
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r, _ := http.NewRequest("POST", hs.URL+"/api/v1/calls", bytes.NewReader(body))
					r.Header.Set("Authorization", "Bearer "+token)
					r.Header.Set("Content-Type", "application/json")
					res, err := client.Do(r)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 201 {
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}

// BenchmarkViewCall reads a call through GET /api/v1/calls/{ref} on each engine available, each
// read audited (call.view): "1client" reports the median latency of one client reading in turn,
// "8clients" the rate of eight clients at once (SetParallelism 4 with -cpu 2). Every record of a
// read is durable before its answer is sent (issue 21), so these figures include that cost.
func BenchmarkViewCall(b *testing.B) {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, "postgres")
	}
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			s, f, token := benchStore(b, engine)
			ctx := context.Background()
			var refs []string
			for i := range 20 {
				c, err := s.CreateCall(ctx, storetest.Actor(f.Bob), desk.NewCall{Summary: fmt.Sprintf("Laptop %d will not boot", i),
					Description: "Black screen after the update", CustomerID: f.Dan.ID, ProfileID: f.Outlook.ID})
				if err != nil {
					b.Fatal(err)
				}
				refs = append(refs, c.Ref)
			}
			hs := benchServer(b, s)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			view := func(i int) error {
				r, _ := http.NewRequest("GET", hs.URL+"/api/v1/calls/"+refs[i%len(refs)], nil)
				r.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(r)
				if err != nil {
					return err
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					return fmt.Errorf("status %d", res.StatusCode)
				}
				return nil
			}
			b.Run("1client", func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				for i := 0; b.Loop(); i++ {
					t0 := time.Now()
					if err := view(i); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
			})
			b.Run("8clients", func(b *testing.B) {
				b.SetParallelism(4) // with -cpu 2: 8 clients
				var n atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := view(int(n.Add(1))); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "views/s")
			})
		})
	}
}
