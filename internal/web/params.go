package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// params reads query parameters, collecting one message per bad parameter; err returns them all
// as one 400.
type params struct {
	q      url.Values
	fields map[string]string
}

func (p *params) bad(name, format string, args ...any) {
	if p.fields == nil {
		p.fields = map[string]string{}
	}
	if _, dup := p.fields[name]; !dup {
		p.fields[name] = fmt.Sprintf(format, args...)
	}
}

func (p *params) err() error {
	if len(p.fields) == 0 {
		return nil
	}
	names := make([]string, 0, len(p.fields))
	for k := range p.fields {
		names = append(names, k)
	}
	slices.Sort(names)
	msgs := make([]string, len(names))
	for i, k := range names {
		msgs[i] = "parameter " + k + ": " + p.fields[k]
	}
	return &httpError{status: http.StatusBadRequest, msg: strings.Join(msgs, "; "), fields: p.fields}
}

// known refuses parameters outside names, so a misspelt filter is not silently ignored.
func (p *params) known(names ...string) {
	for k := range p.q {
		if !slices.Contains(names, k) {
			p.bad(k, "is not a parameter of this endpoint; the parameters are %s", strings.Join(names, ", "))
		}
	}
}

// list returns a parameter given several times or as a comma-separated list, or both.
func (p *params) list(name string) []string {
	var out []string
	for _, v := range p.q[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	if len(out) > maxListParam {
		p.bad(name, "lists %d values; give at most %d", len(out), maxListParam)
		return out[:maxListParam]
	}
	return out
}

// maxListParam bounds a list parameter (group=1,2,3): no desk filters on more, and each length
// makes a different query.
const maxListParam = 50

func (p *params) idValue(name, v string) int64 {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		p.bad(name, "%q is not an id; give a positive whole number", v)
		return 0
	}
	return id
}

// id reads an optional id parameter; what describes it in the error.
func (p *params) id(name, what string) int64 {
	v := p.q.Get(name)
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		p.bad(name, "%q is not valid; give %s", v, what)
		return 0
	}
	return id
}

// time reads an RFC 3339 time or a YYYY-MM-DD date (a UTC day). With end set, a date means the
// end of that day, so to=2026-03-02 includes the whole of 2 March.
func (p *params) time(name string, end bool) time.Time {
	v := p.q.Get(name)
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC()
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d
	}
	p.bad(name, "%q is not a time; give a date like 2026-03-02 or a time like 2026-03-02T09:30:00Z", v)
	return time.Time{}
}

// page reads limit and offset: limit 1..max (def when absent), offset 0 or more.
func (p *params) page(def, max int) (limit, offset int) {
	limit = def
	if v := p.q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			p.bad("limit", "%q is not valid; give a number from 1 to %d", v, max)
		} else {
			limit = n
		}
	}
	if v := p.q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			p.bad("offset", "%q is not valid; give 0 or a positive number", v)
		} else {
			offset = n
		}
	}
	return limit, offset
}
