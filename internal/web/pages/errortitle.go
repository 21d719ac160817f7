package pages

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTitle is the longest a title taken from an error's message may be, in characters: a longer
// message is said on the page, under a title that names its kind.
const maxTitle = 60

// ErrorTitle is the title (and heading) of an error page: what went wrong, in words, never a
// status's name such as "Unprocessable Entity" (issue 16). message, when given, is the domain
// error's message, safe to show ("this search is too long: ..."): its first clause is the title
// when it is short enough; otherwise the title says what the status means to a person. An
// internal error's message never becomes a title.
func ErrorTitle(status int, message string) string {
	if status < http.StatusInternalServerError {
		if t := firstClause(message); t != "" {
			return t
		}
	}
	switch status {
	case http.StatusBadRequest:
		return "What was sent could not be read"
	case http.StatusUnauthorized:
		return "Please sign in"
	case http.StatusForbidden:
		return "You are not allowed to do this"
	case http.StatusNotFound:
		return "Page not found"
	case http.StatusMethodNotAllowed:
		return "This page cannot do that"
	case http.StatusConflict:
		return "Changed by someone else meanwhile"
	case http.StatusRequestEntityTooLarge:
		return "What you sent is too large"
	case http.StatusUnsupportedMediaType:
		return "What you sent is of a kind that is not accepted"
	case http.StatusUnprocessableEntity:
		return "Please check what you sent"
	case http.StatusTooManyRequests:
		return "Too many attempts: wait a moment"
	case http.StatusServiceUnavailable:
		return "Not available just now"
	}
	if status >= http.StatusInternalServerError {
		return "Something went wrong on our side"
	}
	return "This could not be done"
}

// firstClause is message up to its first colon, semicolon, full stop or bracket, as a sentence ("" when
// that is too short or too long to be a title).
func firstClause(message string) string {
	s := strings.TrimSpace(message)
	for _, sep := range []string{": ", "; ", ". ", " ("} {
		if i := strings.Index(s, sep); i >= 0 {
			s = s[:i]
		}
	}
	s = strings.TrimRight(strings.TrimSpace(s), ".:;")
	if n := utf8.RuneCountInString(s); n > maxTitle || len(strings.Fields(s)) < 3 {
		return ""
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}
