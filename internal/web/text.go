package web

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"

	"calldesk/internal/desk"
)

// CheckURL refuses a request whose path or query parameters are not fit text (a NUL character,
// bytes that are not UTF-8: desk.TextProblem) with an EINVALID error naming the parameter, so
// that neither engine is handed them (PostgreSQL answers a NUL with an error, SQLite keeps it).
func CheckURL(r *http.Request) error {
	if p := desk.TextProblem(r.URL.Path); p != "" {
		return desk.Errorf(desk.EINVALID, "the address %s", p)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return desk.Errorf(desk.EINVALID, "the address's query could not be read (%v)", err)
	}
	return checkValues(q, "parameter")
}

// CheckForm refuses a URL-encoded form (a POST, PUT or PATCH) any of whose fields is not fit
// text, with an EINVALID error naming the field. It parses the form (r.PostForm), so a handler
// reading it later reads what was checked; a form that cannot be read is refused too. Multipart
// forms are checked as ReadForm streams them.
func CheckForm(r *http.Request) error {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read (%v); nothing was saved", err)
	}
	return checkValues(r.PostForm, "field")
}

// CheckRequest is CheckURL and then CheckForm: the checks the console and the portal make of
// every request before its handler reads it.
func CheckRequest(r *http.Request) error {
	if err := CheckURL(r); err != nil {
		return err
	}
	return CheckForm(r)
}

// checkValues refuses the first value (by name) that is not fit text; what is "parameter" or
// "field".
func checkValues(vals url.Values, what string) error {
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if p := desk.TextProblem(k); p != "" {
			return desk.Errorf(desk.EINVALID, "the name of a %s %s", what, p)
		}
		for _, v := range vals[k] {
			if p := desk.TextProblem(v); p != "" {
				return desk.Invalid(fmt.Sprintf("%s %s %s", what, k, p), map[string]string{k: p})
			}
		}
	}
	return nil
}
