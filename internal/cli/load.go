package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// loadResult is what a load run measured.
type loadResult struct {
	Requests int
	Errors   int
	FirstErr string
	Elapsed  time.Duration
	P50, P90 time.Duration
	P99, Max time.Duration
}

// Rate is successful requests per second.
func (r loadResult) Rate() float64 { return float64(r.Requests-r.Errors) / r.Elapsed.Seconds() }

func (r loadResult) String() string {
	s := fmt.Sprintf("%d requests in %s: %.0f/s; latency p50 %s, p90 %s, p99 %s, max %s; %d errors",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.Rate(), r.P50.Round(10*time.Microsecond), r.P90.Round(10*time.Microsecond),
		r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond), r.Errors)
	if r.FirstErr != "" {
		s += " (first: " + r.FirstErr + ")"
	}
	return s
}

// runLoad sends requests from `clients` concurrent clients, each sending the next request as soon
// as the last one answered, until `duration` has passed or `limit` requests were sent (0: no
// limit). It stops by itself. newReq makes client c's i-th request; want is the expected status.
func runLoad(ctx context.Context, hc *http.Client, clients int, duration time.Duration, limit int, want int,
	newReq func(c, i int) (*http.Request, error)) loadResult {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	res := loadResult{}
	var sent int
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			errs, firstErr := 0, ""
			for i := 0; ; i++ {
				mu.Lock()
				if ctx.Err() != nil || (limit > 0 && sent >= limit) {
					mu.Unlock()
					break
				}
				sent++
				mu.Unlock()
				req, err := newReq(c, i)
				if err != nil {
					errs++
					firstErr = err.Error()
					continue
				}
				t0 := time.Now()
				resp, err := hc.Do(req.WithContext(context.WithoutCancel(ctx)))
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != want {
						err = fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
					}
				}
				local = append(local, time.Since(t0))
				if err != nil {
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			res.Errors += errs
			if res.FirstErr == "" {
				res.FirstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = len(lat)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	res.P50, res.P90, res.P99 = pct(0.50), pct(0.90), pct(0.99)
	if len(lat) > 0 {
		res.Max = lat[len(lat)-1]
	}
	return res
}
