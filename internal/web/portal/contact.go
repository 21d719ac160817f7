package portal

import (
	"slices"
	"strings"
)

// Contact is how to reach the IT service desk other than through SupportMe: shown on every portal
// page and on the sign-in page, for whoever cannot sign in or would rather talk to someone. Empty
// fields are left out; with none set, the block says to ask the desk in person.
type Contact struct {
	// Phone is the desk's number, as people dial it ("01234 567890").
	Phone string
	// Email is the desk's address.
	Email string
	// Counter is where the desk's counter is ("Library, ground floor").
	Counter string
	// Hours says when the desk is open ("Monday to Friday, 8:30 to 17:00").
	Hours string
}

// DefaultNextSteps is what the confirmation after logging a call says happens next, when
// Portal.NextSteps is empty.
const DefaultNextSteps = "Someone at the IT service desk will read it and reply by email and here, usually within one working day."

// nextSteps says what happens after a call is logged, and when.
func (p *Portal) nextSteps() string {
	if s := strings.TrimSpace(p.NextSteps); s != "" {
		return s
	}
	return DefaultNextSteps
}

// telLink is a phone number as a tel: link wants it: digits and a leading +.
func telLink(phone string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(phone) {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fieldError is one error of a form, for the error summary at the top of the page: the message,
// and the id of the field it is about (the summary links to it).
type fieldError struct{ ID, Message string }

// inFormOrder lists errs (keyed by field name) in the order the form shows its fields (order),
// each linking to the field's id (ids maps a name to its id when they differ); errors of fields
// not in order come last, sorted by name, so none is lost.
func inFormOrder(errs map[string]string, order []string, ids map[string]string) []fieldError {
	var out []fieldError
	seen := map[string]bool{}
	add := func(k string) {
		m, ok := errs[k]
		if !ok || seen[k] {
			return
		}
		seen[k] = true
		id := k
		if ids[k] != "" {
			id = ids[k]
		}
		out = append(out, fieldError{ID: id, Message: m})
	}
	for _, k := range order {
		add(k)
	}
	var rest []string
	for k := range errs {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		add(k)
	}
	return out
}
