package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/web/pages"
)

// ProblemType is the prefix of every problem's type URI; the code follows it
// (/api/v1/problems/invalid). The OpenAPI document lists them.
const ProblemType = APIPrefix + "problems/"

// Problem is an RFC 9457 problem document, the body of every error response.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	// Detail says what went wrong and what to do about it, for a person.
	Detail string `json:"detail"`
	// Instance is the request path.
	Instance string `json:"instance,omitempty"`
	// Code is the short problem code (the last part of Type), for programs.
	Code string `json:"code"`
	// Errors maps a field or query parameter to what is wrong with it (422 and 400).
	Errors map[string]string `json:"errors,omitempty"`
	// Changes lists what changed since the version the client sent (409).
	Changes []string `json:"changes,omitempty"`
	// Incident identifies a 500 in the server's log.
	Incident string `json:"incident,omitempty"`
}

// httpError is an error found at the HTTP edge (malformed body, bad query parameter, unknown
// path) that has no domain code but a status of its own.
type httpError struct {
	status int
	msg    string
	fields map[string]string
}

func (e *httpError) Error() string { return e.msg }

// badRequest is a 400 about one field or parameter.
func badRequest(field, msg string) error {
	e := &httpError{status: http.StatusBadRequest, msg: msg}
	if field != "" {
		e.fields = map[string]string{field: msg}
	}
	return e
}

// kindOf gives a status its problem code and title.
func kindOf(status int) (code, title string) {
	switch status {
	case http.StatusBadRequest:
		return "bad-request", "The request is malformed"
	case http.StatusUnauthorized:
		return "unauthorized", "A valid API token is needed"
	case http.StatusForbidden:
		return "forbidden", "Not allowed"
	case http.StatusNotFound:
		return "not-found", "Not found"
	case http.StatusMethodNotAllowed:
		return "method-not-allowed", "Method not allowed"
	case http.StatusConflict:
		return "conflict", "Changed by someone else"
	case http.StatusRequestEntityTooLarge:
		return "too-large", "The request body is too large"
	case http.StatusUnsupportedMediaType:
		return "unsupported-media-type", "The request body must be JSON"
	case http.StatusUnprocessableEntity:
		return "invalid", "The request is not valid"
	case http.StatusTooManyRequests:
		return "throttled", "Too many attempts"
	case http.StatusInternalServerError:
		return "internal", "Internal error"
	case http.StatusServiceUnavailable:
		return "unavailable", "The service desk is briefly unavailable"
	}
	return "status-" + strconv.Itoa(status), pages.ErrorTitle(status, "")
}

// StatusOf maps a domain error code to its HTTP status (500 for EINTERNAL and anything unknown).
// The console answers with the same statuses as the API.
func StatusOf(code string) int {
	switch code {
	case desk.EINVALID:
		return http.StatusUnprocessableEntity
	case desk.ENOTFOUND:
		return http.StatusNotFound
	case desk.ECONFLICT:
		return http.StatusConflict
	case desk.EFORBIDDEN:
		return http.StatusForbidden
	case desk.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case desk.ETHROTTLED:
		return http.StatusTooManyRequests
	case desk.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// RetryAfter is the Retry-After (in seconds) of a 503: the database cannot serve just now.
const RetryAfter = "30"

// Unavailable prepares the answer to an EUNAVAILABLE error, on every surface (API, console,
// portal, SCIM): Retry-After, and a warning in the log with what the database said (the person
// is told only that the desk is briefly unavailable). It is logged here, at the edge, once.
func Unavailable(w http.ResponseWriter, r *http.Request, log *slog.Logger, surface string, err error) {
	w.Header().Set("Retry-After", RetryAfter)
	cause := err
	if e := desk.AsError(err); e != nil && e.Cause != nil {
		cause = e.Cause
	}
	log.WarnContext(r.Context(), surface+": the database is unavailable", "method", r.Method, "path", r.URL.Path, "err", cause)
}

// fail writes err as a problem response. Only internal errors are logged, here and nowhere else,
// and their message is replaced by a generic one with an incident id that points at the log line.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		return // the client went away; nobody is listening
	}
	p := Problem{Instance: r.URL.Path}
	var he *httpError
	if errors.As(err, &he) {
		p.Status, p.Detail, p.Errors = he.status, he.msg, he.fields
	} else if de := desk.AsError(err); de != nil && de.Code != desk.EINTERNAL {
		p.Status, p.Detail = StatusOf(de.Code), de.Message
		p.Errors, p.Changes = de.Fields, de.Changes
		if p.Status == http.StatusUnprocessableEntity && len(p.Errors) > 0 {
			p.Detail = detailWithFields(de)
		}
	} else {
		p.Status = http.StatusInternalServerError
	}
	if p.Status == http.StatusInternalServerError {
		p.Incident = incidentID()
		p.Detail = "something went wrong on our side and nothing was saved; try again, and if it keeps happening " +
			"tell the calldesk administrators, quoting incident " + p.Incident
		p.Errors, p.Changes = nil, nil
		s.log().ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path,
			"incident", p.Incident, "err", err)
	}
	if p.Status == http.StatusServiceUnavailable {
		Unavailable(w, r, s.log(), "api", err)
	}
	if p.Status == http.StatusUnauthorized {
		// RFC 6750: say that a bearer token is wanted, and whether the one given was bad.
		challenge := `Bearer realm="calldesk"`
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	p.Code, p.Title = kindOf(p.Status)
	p.Type = ProblemType + p.Code
	body, _ := json.Marshal(p)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(p.Status)
	w.Write(append(body, '\n'))
}

func incidentID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// detailWithFields is the message followed by each field's problem, in the order of the field
// names, leaving out a field whose problem the message already states ("parameter q is not valid
// UTF-8..." says it for q).
func detailWithFields(de *desk.Error) string {
	keys := make([]string, 0, len(de.Fields))
	for k := range de.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(de.Message)
	sep := ": "
	for _, k := range keys {
		said := k + " " + de.Fields[k]
		if strings.Contains(de.Message, said) {
			continue
		}
		b.WriteString(sep + said)
		sep = "; "
	}
	return b.String()
}
