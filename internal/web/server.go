// Package web is calldesk's HTTP edge. It serves the JSON API v1 under /api/v1/ (token
// authentication, application/problem+json errors, an embedded OpenAPI 3.1 document) and mounts
// the analysts' console (package web/console) beside it, and SupportMe, the self-service portal
// (package web/portal), under /portal/.
//
// Handlers return errors instead of writing error responses themselves: one adapter (middleware.go)
// turns every error into a problem response (problem.go) and logs only the 500s, once. The routes
// live in one table (routes.go) so tests can check them against the OpenAPI document.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/store"
)

// DefaultMaxBody is the largest request body accepted when Server.MaxBody is 0: 1 MiB.
const DefaultMaxBody int64 = 1 << 20

// DefaultTokenCacheTTL is how long a token lookup is reused by default.
const DefaultTokenCacheTTL = 5 * time.Second

// Server holds what the HTTP handlers need. Build it with its fields and call Handler once; it
// holds no other state, so several servers (one per test) can run side by side.
type Server struct {
	// FirstContactWindow is how soon after logging a call resolved by the analyst who logged it
	// counts as resolved at the first contact (the first-contact report); 10 minutes when 0.
	FirstContactWindow time.Duration
	// Store is the database. Required.
	Store *store.Store
	// Audit batches the audit records of reads (a call's detail, a person's record). Required:
	// the API must never show personal data without recording it (P2).
	Audit *audit.Recorder
	// Log receives one record per internal error (500). slog.Default() when nil.
	Log *slog.Logger
	// Now is the clock stamped on audit records of reads; time.Now when nil.
	Now func() time.Time
	// Zone is the desk's time zone, whose days the reports count (UTC when nil).
	Zone *time.Location
	// MaxBody caps request bodies in bytes; DefaultMaxBody (1 MiB) when 0. Larger bodies get 413.
	MaxBody int64
	// TokenCacheTTL is how long a token's owner is remembered between database lookups
	// (DefaultTokenCacheTTL when 0, no cache when negative): a revoked, expired or disabled token
	// stops working within this time.
	TokenCacheTTL time.Duration
	// Proxies are the reverse proxies trusted to name the client in X-Forwarded-For (none: the
	// connection's address is the client's).
	Proxies Proxies
	// Console, when set, serves every path outside the API: the analysts' console (package
	// console). Its requests are waited for at shutdown like the API's.
	Console http.Handler
	// Portal, when set, serves everything under /portal/: SupportMe, the self-service portal for
	// staff, students and partners (package portal). Its requests are waited for at shutdown too.
	Portal http.Handler
	// SCIM, when set, serves SCIMPrefix: the SCIM 2.0 service through which Entra ID or Okta
	// push people as they change (package scim).
	SCIM http.Handler

	tokens   *tokenCache    // made by Handler
	inflight sync.WaitGroup // requests being handled, for Wait
}

// Handler returns the API's ServeMux. It panics when Store or Audit is missing, a wiring mistake
// that must stop the program at start rather than serve unaudited reads.
func (s *Server) Handler() http.Handler {
	if s.Store == nil || s.Audit == nil {
		panic("web.Server needs both Store and Audit")
	}
	switch {
	case s.TokenCacheTTL == 0:
		s.tokens = newTokenCache(DefaultTokenCacheTTL, s.now, 10000)
	case s.TokenCacheTTL > 0:
		s.tokens = newTokenCache(s.TokenCacheTTL, s.now, 10000)
	}
	return s.mux()
}

// Wait blocks until no request is being handled, or ctx ends. The server calls it at shutdown,
// after the listener is closed, so that no handler still reads or audits when the audit recorder
// and the store close.
func (s *Server) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Server) maxBody() int64 {
	if s.MaxBody <= 0 {
		return DefaultMaxBody
	}
	return s.MaxBody
}
