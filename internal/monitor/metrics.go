package monitor

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"calldesk/internal/store"
)

// Mailbox is one IMAP mailbox's intake, for the metrics (a copy of what mail.Fetcher.Status
// reports, so that this package needs nothing of mail's).
type Mailbox struct {
	// Name is the mailbox's name in the configuration ("servicedesk"), not an address.
	Name      string
	Connected bool
	// Delivered counts messages taken in (calls opened or updated, oversized ones included);
	// Failed counts messages whose delivery failed (to be offered again); Oversized counts those
	// taken in without their body; Connects counts logins (more than one: it reconnected).
	Delivered, Failed, Oversized, Connects int64
	// Retrying is how many messages wait to be offered again after a failure.
	Retrying int
}

// Sources are what the metrics read at each scrape. Only Store is required.
type Sources struct {
	Store *store.Store
	// AuditQueue is the read-audit group commit's backlog (audit.Recorder.Queued).
	AuditQueue func() int
	// Jobs follows the background tasks.
	Jobs *Jobs
	// Mailboxes reports the IMAP fetchers' intake.
	Mailboxes func() []Mailbox
	// Version is this binary's version, for calldesk_build_info.
	Version string
	// Timeout bounds the database queries of one scrape (DefaultTimeout when 0).
	Timeout time.Duration
}

// Metrics is calldesk's Prometheus registry and the HTTP instrumentation that feeds it. Build
// one per server with NewMetrics.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge

	// The series of each route, method and status met so far, so that a request costs a map
	// lookup rather than hashing its labels (the routes are the muxes' patterns: a bounded set).
	mu     sync.RWMutex
	series map[seriesKey]requestSeries
}

type seriesKey struct {
	route, method string
	code          int
}

type requestSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// seriesFor returns the series of k, making them the first time.
func (m *Metrics) seriesFor(k seriesKey) requestSeries {
	m.mu.RLock()
	s, ok := m.series[k]
	m.mu.RUnlock()
	if ok {
		return s
	}
	s = requestSeries{requests: m.requests.WithLabelValues(k.route, k.method, statusText(k.code)),
		latency: m.latency.WithLabelValues(k.route, k.method)}
	m.mu.Lock()
	m.series[k] = s
	m.mu.Unlock()
	return s
}

// NewMetrics makes a registry holding the Go runtime's and the process's metrics, the HTTP
// metrics Instrument records, and collectors reading src at each scrape.
func NewMetrics(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), series: map[seriesKey]requestSeries{}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "calldesk_http_requests_total",
		Help: "HTTP requests answered, by route (the ServeMux pattern, never the path), method and status code.",
	}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "calldesk_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route (the ServeMux pattern) and method.",
		Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "calldesk_http_requests_in_flight",
		Help: "HTTP requests being answered now.",
	})
	m.reg.MustRegister(m.requests, m.latency, m.inflight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "calldesk_build_info",
			Help:        "Always 1; its labels say which calldesk this is.",
			ConstLabels: prometheus.Labels{"version": src.Version},
		}, func() float64 { return 1 }),
		newStoreCollector(src))
	return m
}

// Registry is the registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus' text format. A collector that fails (the database
// did not answer) leaves its metrics out and the rest are served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// methodLabel is the method label: the standard methods by name, others "OTHER", so a client
// inventing methods cannot make new series.
func methodLabel(m string) string {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return m
	}
	return "OTHER"
}

// Instrument counts and times every request next answers, by the pattern of the ServeMux route
// that answered it. The muxes of calldesk (this server's, the API's, the console's, the
// portal's) route the same *http.Request, each setting r.Pattern, so once next returns
// r.Pattern is the innermost route's: "GET /calls/{ref}", never "/calls/F0012345".
func (m *Metrics) Instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inflight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			m.inflight.Dec()
			code := sw.status
			if code == 0 {
				code = http.StatusOK
			}
			s := m.seriesFor(seriesKey{route: routeOf(r.Pattern), method: methodLabel(r.Method), code: code})
			s.requests.Inc()
			s.latency.Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// routeOf is the route label of a ServeMux pattern: its path, without the method; "unmatched"
// when no route matched.
func routeOf(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = strings.TrimLeft(pattern[i+1:], " \t")
	}
	return pattern
}

// statusText is the code label: the common codes without allocating.
func statusText(code int) string {
	switch code {
	case 200:
		return "200"
	case 201:
		return "201"
	case 204:
		return "204"
	case 303:
		return "303"
	case 304:
		return "304"
	case 400:
		return "400"
	case 401:
		return "401"
	case 403:
		return "403"
	case 404:
		return "404"
	case 500:
		return "500"
	case 503:
		return "503"
	}
	return strconv.Itoa(code)
}

// statusWriter notes the status code a handler writes. Unwrap lets http.ResponseController reach
// the connection's own writer (flushing, deadlines).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush passes a flush on (for handlers that assert http.Flusher).
func (s *statusWriter) Flush() {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	http.NewResponseController(s.ResponseWriter).Flush()
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// RequireToken guards h with a bearer token: a request without "Authorization: Bearer <token>"
// gets 401. The comparison takes the same time whatever the token sent.
func RequireToken(token string, h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="calldesk metrics"`)
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "the metrics need the token given to calldesk serve --metrics-token: send Authorization: Bearer <token>", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Edge puts /healthz, /readyz and, with a token, /metrics in front of the application's
// handler, and instruments the whole (when Metrics is set).
type Edge struct {
	Health  *Health
	Metrics *Metrics
	// Token guards /metrics on this address; empty: /metrics is not served here (the debug
	// address serves it).
	Token string
}

// Handler returns app behind the edge's routes. They are matched by exact path before app's
// muxes see the request (one more ServeMux in front cost a request allocations of its own), and
// name their pattern in r.Pattern, as a ServeMux would, for the metrics' route label.
func (e Edge) Handler(app http.Handler) http.Handler {
	var metrics http.Handler
	if e.Metrics != nil && e.Token != "" {
		metrics = RequireToken(e.Token, e.Metrics.Handler())
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			switch r.URL.Path {
			case "/healthz":
				r.Pattern = "GET /healthz"
				e.Health.Live(w, r)
				return
			case "/readyz":
				r.Pattern = "GET /readyz"
				e.Health.Ready(w, r)
				return
			case "/metrics":
				if metrics != nil {
					r.Pattern = "GET /metrics"
					metrics.ServeHTTP(w, r)
					return
				}
			}
		}
		app.ServeHTTP(w, r)
	})
	if e.Metrics == nil {
		return h
	}
	return e.Metrics.Instrument(h)
}

// storeCollector reads the store, the audit recorder, the tasks and the mailboxes at each scrape.
type storeCollector struct {
	src Sources

	poolOpen, poolInUse, poolIdle, poolMax, poolWaits, poolWaited, poolClosed, writerQueue, writerBatch, writerBusy, auditPending, auditQueue, sla, slaCapped, jobRuns, jobFailures, jobDuration, jobSuccess, jobRunning, imapUp, imapIn, imapFailed, imapBig, imapRetry, imapLogins *prometheus.Desc
}

// newStoreCollector describes the metrics the collector makes.
func newStoreCollector(src Sources) *storeCollector {
	return &storeCollector{src: src,
		poolOpen:     prometheus.NewDesc("calldesk_db_open_connections", "Connections open in the pool (in use and idle).", []string{"pool"}, nil),
		poolInUse:    prometheus.NewDesc("calldesk_db_in_use_connections", "Connections in use.", []string{"pool"}, nil),
		poolIdle:     prometheus.NewDesc("calldesk_db_idle_connections", "Idle connections.", []string{"pool"}, nil),
		poolMax:      prometheus.NewDesc("calldesk_db_max_open_connections", "The pool's limit on open connections.", []string{"pool"}, nil),
		poolWaits:    prometheus.NewDesc("calldesk_db_wait_count_total", "Times a query waited for a free connection.", []string{"pool"}, nil),
		poolWaited:   prometheus.NewDesc("calldesk_db_wait_duration_seconds_total", "Time spent waiting for a free connection.", []string{"pool"}, nil),
		poolClosed:   prometheus.NewDesc("calldesk_db_closed_connections_total", "Connections closed by the pool, by reason (max_idle, max_idle_time, max_lifetime).", []string{"pool", "reason"}, nil),
		writerQueue:  prometheus.NewDesc("calldesk_sqlite_writer_queue_depth", "Writes waiting for SQLite's single writer.", nil, nil),
		writerBatch:  prometheus.NewDesc("calldesk_sqlite_writer_batch_size", "Writes group-committed per transaction by SQLite's single writer.", nil, nil),
		writerBusy:   prometheus.NewDesc("calldesk_sqlite_writer_busy_seconds_total", "Time SQLite's single writer spent running transactions (not waiting for writes); its rate near 1: the instance writes as fast as it can, and writes queue.", nil, nil),
		auditPending: prometheus.NewDesc("calldesk_audit_unsealed_records", "Audit records written and not yet sealed into the hash chain (all instances: the database's queue).", nil, nil),
		auditQueue:   prometheus.NewDesc("calldesk_audit_read_queue_depth", "Audit records of reads waiting for their group commit in this instance.", nil, nil),
		sla:          prometheus.NewDesc("calldesk_sla_calls", "Live calls at risk of or in breach of their service level (all instances), counted up to the lists' limit.", []string{"band"}, nil),
		slaCapped:    prometheus.NewDesc("calldesk_sla_calls_capped", "1 when calldesk_sla_calls stopped counting at the lists' limit: more calls are in the band.", []string{"band"}, nil),
		jobRuns:      prometheus.NewDesc("calldesk_job_runs_total", "Runs of each background task that ended in this instance.", []string{"job"}, nil),
		jobFailures:  prometheus.NewDesc("calldesk_job_failures_total", "Runs of each background task that failed.", []string{"job"}, nil),
		jobDuration:  prometheus.NewDesc("calldesk_job_duration_seconds", "How long each background task's runs took.", []string{"job"}, nil),
		jobSuccess:   prometheus.NewDesc("calldesk_job_last_success_timestamp_seconds", "When each background task last ended without error (Unix time; 0: not yet).", []string{"job"}, nil),
		jobRunning:   prometheus.NewDesc("calldesk_job_running", "1 while a run of the task is under way.", []string{"job"}, nil),
		imapUp:       prometheus.NewDesc("calldesk_imap_connected", "1 while the mailbox's IMAP connection is up.", []string{"mailbox"}, nil),
		imapIn:       prometheus.NewDesc("calldesk_imap_messages_ingested_total", "Messages taken in from the mailbox (calls opened or updated).", []string{"mailbox"}, nil),
		imapFailed:   prometheus.NewDesc("calldesk_imap_messages_failed_total", "Messages whose intake failed (offered again later).", []string{"mailbox"}, nil),
		imapBig:      prometheus.NewDesc("calldesk_imap_messages_oversized_total", "Messages taken in without their body, over --mail-max-message.", []string{"mailbox"}, nil),
		imapRetry:    prometheus.NewDesc("calldesk_imap_messages_retrying", "Messages waiting to be offered again after a failure.", []string{"mailbox"}, nil),
		imapLogins:   prometheus.NewDesc("calldesk_imap_connects_total", "Logins to the mailbox (more than one: it reconnected).", []string{"mailbox"}, nil),
	}
}

// Describe sends nothing: the collector is unchecked, since which metrics it has depends on the
// engine and the configuration.
func (c *storeCollector) Describe(chan<- *prometheus.Desc) {}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Store
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	st := s.Stats()
	for pool, p := range st.Pools {
		gauge(c.poolOpen, float64(p.OpenConnections), pool)
		gauge(c.poolInUse, float64(p.InUse), pool)
		gauge(c.poolIdle, float64(p.Idle), pool)
		gauge(c.poolMax, float64(p.MaxOpenConnections), pool)
		counter(c.poolWaits, float64(p.WaitCount), pool)
		counter(c.poolWaited, p.WaitDuration.Seconds(), pool)
		counter(c.poolClosed, float64(p.MaxIdleClosed), pool, "max_idle")
		counter(c.poolClosed, float64(p.MaxIdleTimeClosed), pool, "max_idle_time")
		counter(c.poolClosed, float64(p.MaxLifetimeClosed), pool, "max_lifetime")
	}
	if st.HasWriter {
		w := st.Writer
		gauge(c.writerQueue, float64(w.Queued))
		buckets := map[float64]uint64{}
		var sum uint64
		for i, b := range store.BatchSizeBounds() {
			sum += uint64(w.BatchSizes[i])
			buckets[float64(b)] = sum
		}
		ch <- prometheus.MustNewConstHistogram(c.writerBatch, uint64(w.Batches), float64(w.Writes), buckets)
		ch <- prometheus.MustNewConstMetric(c.writerBusy, prometheus.CounterValue, w.Busy.Seconds())
	}
	if c.src.AuditQueue != nil {
		gauge(c.auditQueue, float64(c.src.AuditQueue()))
	}
	timeout := c.src.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if n, err := s.PendingAudit(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.auditPending, err)
	} else {
		gauge(c.auditPending, float64(n))
	}
	if n, err := s.CountSLA(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.sla, err)
	} else {
		gauge(c.sla, float64(n.AtRisk), "at_risk")
		gauge(c.sla, float64(n.Breached), "breached")
		gauge(c.slaCapped, boolFloat(n.AtRiskMore), "at_risk")
		gauge(c.slaCapped, boolFloat(n.BreachedMore), "breached")
	}
	if c.src.Jobs != nil {
		for _, f := range c.src.Jobs.figures() {
			counter(c.jobRuns, float64(f.runs), f.name)
			counter(c.jobFailures, float64(f.failures), f.name)
			ch <- prometheus.MustNewConstHistogram(c.jobDuration, uint64(f.runs), f.seconds, f.buckets, f.name)
			var last float64
			if !f.lastSuccess.IsZero() {
				last = float64(f.lastSuccess.UnixMilli()) / 1000
			}
			gauge(c.jobSuccess, last, f.name)
			gauge(c.jobRunning, boolFloat(f.running), f.name)
		}
	}
	if c.src.Mailboxes != nil {
		for _, mb := range c.src.Mailboxes() {
			gauge(c.imapUp, boolFloat(mb.Connected), mb.Name)
			counter(c.imapIn, float64(mb.Delivered), mb.Name)
			counter(c.imapFailed, float64(mb.Failed), mb.Name)
			counter(c.imapBig, float64(mb.Oversized), mb.Name)
			gauge(c.imapRetry, float64(mb.Retrying), mb.Name)
			counter(c.imapLogins, float64(mb.Connects), mb.Name)
		}
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
