// Package desk is calldesk's domain: people, groups, problem profiles, calls, their lifecycle and
// diary, and the coded errors every layer uses. It imports nothing internal, so every other package
// can depend on it and its rules stay testable as pure functions.
package desk

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. Each maps to one HTTP status at the edge (see web).
const (
	EINVALID      = "invalid"      // the input breaks a rule; Fields says which
	ENOTFOUND     = "not_found"    // no such object
	ECONFLICT     = "conflict"     // the object changed since the caller read it
	EFORBIDDEN    = "forbidden"    // authenticated, but not allowed
	EUNAUTHORIZED = "unauthorized" // not authenticated
	ETHROTTLED    = "throttled"    // too many attempts; the message says when to try again
	EUNAVAILABLE  = "unavailable"  // the database is briefly unreachable, full or locked; try again soon
	EINTERNAL     = "internal"     // our fault; the message is generic
)

// Error is a domain error whose Message is safe to show to the person who caused it.
type Error struct {
	Code    string
	Message string
	// Fields holds per-field messages for EINVALID (field name -> what is wrong).
	Fields map[string]string
	// Changes lists, for ECONFLICT, what changed since the caller's version.
	Changes []string
	// Unmasked is, for an ECONFLICT of a special-category call, the same error with the texts of
	// the changes (resolutions, hold reasons): Changes then name only the kind of each change,
	// who made it and when, which is all a reader who may not read the call is shown
	// (access.ConflictFor gives the others Unmasked).
	Unmasked *Error
	// Cause is the error behind an EUNAVAILABLE (the driver's): Error gives it, for logs and the
	// command line; Message, which pages and problem documents show, does not.
	Cause error
}

// Unwrap gives the cause, so the log and errors.Is see what the database said.
func (e *Error) Unwrap() error { return e.Cause }

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i == 0 {
				b.WriteString(": ")
			} else {
				b.WriteString("; ")
			}
			b.WriteString(k + " " + e.Fields[k])
		}
	}
	if e.Cause != nil {
		// For logs and the command line; pages and problem documents show Message only.
		b.WriteString(" (" + e.Cause.Error() + ")")
	}
	return b.String()
}

// Errorf builds a coded error with a formatted, showable message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid builds an EINVALID error from per-field messages; it returns nil when fields is empty,
// so validators can end with `return desk.Invalid("...", v)`.
func Invalid(message string, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other error and
// "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Message returns the showable message of the *Error in err's chain, or a generic message for any
// other error (whose text may hold internals), and "" for nil.
func Message(err error) string {
	if err == nil {
		return ""
	}
	if e := AsError(err); e != nil {
		return e.Message
	}
	return "something went wrong on our side; it has been logged"
}

// MessageWithFields is Message followed by the per-field messages of an EINVALID error, in field
// order ("the person record is not valid: email is not a valid email address"), for a one-line
// report (an import's problem line, a SCIM error's detail).
func MessageWithFields(err error) string {
	msg := Message(err)
	e := AsError(err)
	if e == nil || len(e.Fields) == 0 {
		return msg
	}
	names := make([]string, 0, len(e.Fields))
	for f := range e.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, f := range names {
		parts[i] = f + " " + e.Fields[f]
	}
	return msg + ": " + strings.Join(parts, "; ")
}
