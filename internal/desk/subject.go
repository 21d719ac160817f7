package desk

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// RequestKind is what a data subject asks for (UK GDPR articles 15 to 21).
type RequestKind string

// Kinds of subject request.
const (
	RequestAccess        RequestKind = "access" // a subject access request (SAR)
	RequestRectification RequestKind = "rectification"
	RequestErasure       RequestKind = "erasure"
	RequestRestriction   RequestKind = "restriction"
	RequestPortability   RequestKind = "portability"
	RequestObjection     RequestKind = "objection"
)

// RequestKinds lists the kinds, in the order forms offer them.
func RequestKinds() []RequestKind {
	return []RequestKind{RequestAccess, RequestRectification, RequestErasure, RequestRestriction, RequestPortability, RequestObjection}
}

// Words names the kind for people.
func (k RequestKind) Words() string {
	switch k {
	case RequestAccess:
		return "Access (a copy of their data)"
	case RequestRectification:
		return "Rectification (correct their data)"
	case RequestErasure:
		return "Erasure (delete their data)"
	case RequestRestriction:
		return "Restriction (freeze their data)"
	case RequestPortability:
		return "Portability (their data, machine-readable)"
	case RequestObjection:
		return "Objection (stop processing)"
	}
	return string(k)
}

// Request states.
const (
	RequestOpen      = "open"
	RequestDone      = "done"
	RequestRefused   = "refused"
	RequestWithdrawn = "withdrawn"
)

// SubjectRequest is a data subject's request, in the Data Protection Officer's register.
type SubjectRequest struct {
	ID       int64
	PersonID int64
	Person   string // their name, when read
	Kind     RequestKind
	State    string
	// ReceivedAt is when the request arrived; IdentityAt when the person's identity was proved
	// (zero until it is): the deadline counts from the later of the two.
	ReceivedAt, IdentityAt time.Time
	// IdentityHow is what proved it ("signed in through single sign-on", "passport seen at the
	// desk"), IdentityBy who checked.
	IdentityHow, IdentityBy string
	// ThirdParty, when not "", acts for the person, with the written Authority recorded
	// (clause 25.6).
	ThirdParty, Authority string
	// ExtendedTo, when not zero, is the deadline extended (by up to two further months) for
	// ExtensionReason.
	ExtendedTo      time.Time
	ExtensionReason string
	Details         string // what the person asked, in their words
	Outcome         string // what was done, when closed
	LoggedBy        string
	Channel         string // portal, console
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int64
	// LastBundle is the state of the newest bundle of the person's data built for the request
	// ("" for none; "failed" when its build failed, so nothing was sent), when read.
	LastBundle string
}

// Due is the request's deadline: one calendar month from the later of its receipt and the proof
// of identity, or the extended deadline; zero while identity is not proved.
func (r SubjectRequest) Due() time.Time {
	if !r.ExtendedTo.IsZero() {
		return r.ExtendedTo
	}
	if r.IdentityAt.IsZero() {
		return time.Time{}
	}
	start := r.ReceivedAt
	if r.IdentityAt.After(start) {
		start = r.IdentityAt
	}
	return AddCalendarMonths(start, 1)
}

// AddCalendarMonths is t plus n calendar months, as the ICO counts a deadline: the same day of
// the month n months on, or that month's last day when it has no such day (31 January plus one
// month is 28 or 29 February, never 3 March).
func AddCalendarMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// RightsBegan is the day the UK GDPR's rights began (25 May 2018): no request in the register
// was received before it, so an earlier date is a mistyped year.
func RightsBegan() time.Time { return time.Date(2018, time.May, 25, 0, 0, 0, 0, time.UTC) }

// Limits on what a request's free-text fields hold, in characters.
const (
	MaxIdentityHow = 500
	MaxThirdParty  = 200
	MaxAuthority   = 1000
	MaxRequestText = 10000
	MaxStepReason  = 1000
	MaxOutcome     = 2000
)

// Validate checks a new request's fields (that it was not received in the future needs a
// clock: the store checks it).
func (r *SubjectRequest) Validate() error {
	f := map[string]string{}
	known := false
	for _, k := range RequestKinds() {
		known = known || k == r.Kind
	}
	if !known {
		f["kind"] = "must be access, rectification, erasure, restriction, portability or objection"
	}
	if r.PersonID == 0 {
		f["person"] = "is required"
	}
	if r.ReceivedAt.IsZero() {
		f["received"] = "is required"
	} else if r.ReceivedAt.Before(RightsBegan().AddDate(0, 0, -1)) {
		f["received"] = "is before 25 May 2018, when the UK GDPR's rights began: check the year"
	}
	r.ThirdParty, r.Authority = strings.TrimSpace(r.ThirdParty), strings.TrimSpace(r.Authority)
	if r.ThirdParty != "" && r.Authority == "" {
		f["authority"] = "is required when someone acts for the person: their written authority"
	}
	tooLong := func(field, v string, max int) {
		if n := utf8.RuneCountInString(v); n > max {
			f[field] = fmt.Sprintf("is %d characters long: at most %d", n, max)
		}
	}
	tooLong("identity", r.IdentityHow, MaxIdentityHow)
	tooLong("third_party", r.ThirdParty, MaxThirdParty)
	tooLong("authority", r.Authority, MaxAuthority)
	tooLong("details", r.Details, MaxRequestText)
	return Invalid("the request is not valid", f)
}
