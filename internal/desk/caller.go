package desk

import (
	"strings"
	"unicode/utf8"
)

// NewCaller is a caller who is not in the register (a visitor, a partner not yet imported), added
// by an analyst while logging their call (issue 16, defect 6). It holds only what the call needs
// (S9, minimisation): a name, and an email address or a phone number to reach them; no username,
// student number, department or job title. The person record made of it is typed in at the
// service desk by the analyst (FromAnalyst): the register's, erasure's, subject access's and retention's rules
// for people apply to it as to any other, and no directory import changes or removes it (an
// import whose record claims its email is refused for that record, and says so).
type NewCaller struct {
	FirstName, LastName string
	Email, Phone        string
	Kind                PersonKind // Visitor (the default) or Partner
}

// CallerFields are the log-a-call form's names of a new caller's fields, in the form's order.
var CallerFields = []string{"caller_first_name", "caller_last_name", "caller_kind", "caller_email", "caller_phone"}

// Validate checks the caller, trimming spaces; its field errors are named as CallerFields.
func (n *NewCaller) Validate() error {
	f := map[string]string{}
	n.FirstName, n.LastName = strings.TrimSpace(n.FirstName), strings.TrimSpace(n.LastName)
	n.Email, n.Phone = strings.TrimSpace(n.Email), strings.TrimSpace(n.Phone)
	if n.FirstName == "" && n.LastName == "" {
		f["caller_last_name"] = "is required (a first or a last name)"
	}
	for name, v := range map[string]string{"caller_first_name": n.FirstName, "caller_last_name": n.LastName} {
		if utf8.RuneCountInString(v) > 100 {
			f[name] = "is longer than 100 characters"
		} else if p := TextProblem(v); p != "" {
			f[name] = p
		}
	}
	if n.Email != "" && !ValidEmail(n.Email) {
		f["caller_email"] = "is not a valid email address (like name@example.org)"
	}
	if n.Phone != "" && !validPhone(n.Phone) {
		f["caller_phone"] = "is not a phone number (digits, spaces, +, -, brackets)"
	}
	if n.Kind == "" {
		n.Kind = Visitor
	}
	if n.Kind != Visitor && n.Kind != Partner {
		f["caller_kind"] = "must be a visitor or a partner: staff and students come from the directory"
	}
	return Invalid("the caller cannot be added", f)
}

// Person is the person record a new caller becomes: added by the analyst logging their call.
func (n NewCaller) Person() Person {
	return Person{FirstName: n.FirstName, LastName: n.LastName, Email: n.Email, Phone: n.Phone, Kind: n.Kind,
		Source: FromAnalyst, Active: true}
}
