package monitor_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"calldesk/internal/monitor"
	"calldesk/internal/store/storetest"
)

// BenchmarkInstrument measures what the metrics add to a request: the same nested muxes (app)
// answered bare and through Edge with Metrics (counter, histogram, in-flight gauge, status
// capture). The difference is the instrumentation's cost per request, to set against a request's
// milliseconds.
func BenchmarkInstrument(b *testing.B) {
	s := storetest.Open(b, "sqlite", nil)
	bare := app()
	edge := monitor.Edge{Health: &monitor.Health{Store: s}, Metrics: monitor.NewMetrics(monitor.Sources{Store: s})}.Handler(app())
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"instrumented", edge}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/api/v1/calls/F0012345", nil)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &discard{h: http.Header{}}
				for pb.Next() {
					r := req.Clone(req.Context())
					c.h.ServeHTTP(w, r)
				}
			})
		})
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}
