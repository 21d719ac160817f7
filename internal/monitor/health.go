// Package monitor is how an operations team watches calldesk (issue 21 point 6): /healthz says
// the process is alive, /readyz whether it can serve (database reachable, schema current,
// background tasks running), and /metrics gives Prometheus the request rates and latencies by
// route, the database pools and SQLite's writer, the audit backlog, the IMAP intake, the
// background tasks' runs and the service-level breaches.
//
// Nothing here is global: each server builds its own Health, Jobs and Metrics (with its own
// Prometheus registry), so tests run side by side. No personal data reaches a metric: requests
// are labelled by their ServeMux pattern (/calls/{ref}), never by their path, and the other labels
// are the names of pools, tasks and mailboxes from the configuration.
package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"calldesk/internal/store"
)

// DefaultTimeout bounds each database check of /readyz when Health.Timeout is 0: a database
// that takes longer to answer is not ready, whatever it would answer later.
const DefaultTimeout = 2 * time.Second

// Health serves /healthz and /readyz.
type Health struct {
	// Store is the database. Required.
	Store *store.Store
	// Jobs follows the background tasks; nil: the tasks are not checked.
	Jobs *Jobs
	// Timeout bounds each database check (DefaultTimeout when 0).
	Timeout time.Duration
	// Log receives a warning when the server stops being ready, and a note when it is again.
	Log *slog.Logger

	mu       sync.Mutex
	notReady bool // the last /readyz answered 503: log only changes
}

// Check is one thing /readyz looked at.
type Check struct {
	Name   string `json:"name"` // database, schema, jobs
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Status is the JSON body of /healthz and /readyz.
type Status struct {
	// Status is "alive" (/healthz), "ready" or "not ready" (/readyz).
	Status string  `json:"status"`
	Checks []Check `json:"checks,omitempty"`
}

// Live answers /healthz: 200 while the process serves HTTP at all. It reads nothing, so a
// database outage does not get a healthy process restarted.
func (h *Health) Live(w http.ResponseWriter, r *http.Request) {
	writeStatus(w, http.StatusOK, Status{Status: "alive"})
}

// Ready answers /readyz: 200 when the database answers within the timeout, its schema is this
// binary's, and every background task has run lately (Jobs.Stalled); 503 otherwise, with each
// check and what is wrong. The details name no host, user or error text from the driver (this
// answer is public); the log has those.
func (h *Health) Ready(w http.ResponseWriter, r *http.Request) {
	checks, cause := h.checks(r.Context())
	ready := true
	for _, c := range checks {
		ready = ready && c.OK
	}
	h.noteChange(ready, checks, cause)
	if !ready {
		w.Header().Set("Retry-After", "5")
		writeStatus(w, http.StatusServiceUnavailable, Status{Status: "not ready", Checks: checks})
		return
	}
	writeStatus(w, http.StatusOK, Status{Status: "ready", Checks: checks})
}

// checks runs the readiness checks, returning them and the database's error, if any, for the log.
func (h *Health) checks(ctx context.Context) ([]Check, error) {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var checks []Check
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var cause error
	if err := h.Store.Ping(ctx); err != nil {
		cause = err
		detail := "the database did not answer"
		if ctx.Err() != nil {
			detail += fmt.Sprintf(" within %s", timeout)
		}
		checks = append(checks, Check{Name: "database", Detail: detail},
			Check{Name: "schema", Detail: "not checked: the database did not answer"})
	} else {
		checks = append(checks, Check{Name: "database", OK: true})
		db, known, err := h.Store.SchemaState(ctx)
		switch {
		case err != nil:
			cause = err
			checks = append(checks, Check{Name: "schema", Detail: "the schema version could not be read"})
		case db < known:
			checks = append(checks, Check{Name: "schema", Detail: fmt.Sprintf("the database schema is at version %d, older than this calldesk's %d: run calldesk migrate (or start one calldesk serve, which migrates)", db, known)})
		case db > known:
			checks = append(checks, Check{Name: "schema", Detail: fmt.Sprintf("the database schema is at version %d, newer than this calldesk's %d: run the newer calldesk", db, known)})
		default:
			checks = append(checks, Check{Name: "schema", OK: true, Detail: fmt.Sprintf("version %d", db)})
		}
	}
	if h.Jobs != nil {
		stalled := h.Jobs.Stalled()
		if len(stalled) == 0 {
			checks = append(checks, Check{Name: "jobs", OK: true})
		} else {
			var parts []string
			for _, s := range stalled {
				how := "no run started or ended"
				if s.Running {
					how = "one run has not ended"
				}
				parts = append(parts, fmt.Sprintf("%s (every %s: %s since %s)", s.Task, s.Every, how, s.Since.UTC().Format(time.RFC3339)))
			}
			checks = append(checks, Check{Name: "jobs", Detail: "stalled: " + strings.Join(parts, "; ")})
		}
	}
	return checks, cause
}

// noteChange logs when readiness changes, not on every probe.
func (h *Health) noteChange(ready bool, checks []Check, cause error) {
	h.mu.Lock()
	changed := h.notReady == ready
	h.notReady = !ready
	h.mu.Unlock()
	if !changed || h.Log == nil {
		return
	}
	if ready {
		h.Log.Info("ready again")
		return
	}
	var failed []string
	for _, c := range checks {
		if !c.OK {
			failed = append(failed, c.Name+": "+c.Detail)
		}
	}
	args := []any{"failed", strings.Join(failed, "; ")}
	if cause != nil {
		args = append(args, "err", cause)
	}
	h.Log.Warn("not ready", args...)
}

func writeStatus(w http.ResponseWriter, code int, s Status) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(s)
}
