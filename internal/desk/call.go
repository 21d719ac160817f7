package desk

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CallKind is a fault (F) or a request (R); it gives the reference's letter.
type CallKind string

// Kinds of call.
const (
	Fault   CallKind = "fault"
	Request CallKind = "request"
)

// Prefix is the reference letter of the kind.
func (k CallKind) Prefix() string {
	if k == Request {
		return "R"
	}
	return "F"
}

// Reference formats a call number as its reference: F0012345.
func Reference(kind CallKind, number int64) string {
	return fmt.Sprintf("%s%07d", kind.Prefix(), number)
}

// ParseReference splits a reference into kind and number, refusing anything but a letter F or R and
// seven digits.
func ParseReference(ref string) (CallKind, int64, error) {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	bad := Errorf(ENOTFOUND, "%q is not a call reference: a reference is F or R followed by 7 digits, like F0012345", ref)
	if len(ref) != 8 {
		return "", 0, bad
	}
	var kind CallKind
	switch ref[0] {
	case 'F':
		kind = Fault
	case 'R':
		kind = Request
	default:
		return "", 0, bad
	}
	// Digits only: ParseInt alone would take "F+001234" as F0001234.
	for _, r := range ref[1:] {
		if r < '0' || r > '9' {
			return "", 0, bad
		}
	}
	n, err := strconv.ParseInt(ref[1:], 10, 64)
	if err != nil || n <= 0 {
		return "", 0, bad
	}
	return kind, n, nil
}

// CallSource is how a call reached the desk.
type CallSource string

// Sources of a call.
const (
	SourcePortal     CallSource = "portal"
	SourceEmail      CallSource = "email"
	SourcePhone      CallSource = "phone"
	SourceFaceToFace CallSource = "face_to_face"
	SourceAPI        CallSource = "api"
)

// Valid reports whether s is a known source.
func (s CallSource) Valid() bool {
	switch s {
	case SourcePortal, SourceEmail, SourcePhone, SourceFaceToFace, SourceAPI:
		return true
	}
	return false
}

// Level is an impact or urgency.
type Level string

// Levels of impact and urgency.
const (
	High   Level = "high"
	Medium Level = "medium"
	Low    Level = "low"
)

func (l Level) rank() int {
	switch l {
	case High:
		return 0
	case Medium:
		return 1
	case Low:
		return 2
	}
	return -1
}

// Priority is P1 (most urgent) to P4.
type Priority int

// String renders the priority as "P1".."P4".
func (p Priority) String() string { return "P" + strconv.Itoa(int(p)) }

// Valid reports whether p is 1..4.
func (p Priority) Valid() bool { return p >= 1 && p <= 4 }

// PriorityOf is the impact x urgency matrix: high/high is P1; one step down P2; two steps P3; lower P4.
func PriorityOf(impact, urgency Level) Priority {
	s := impact.rank() + urgency.rank()
	if impact.rank() < 0 || urgency.rank() < 0 {
		return 0
	}
	switch {
	case s == 0:
		return 1
	case s == 1:
		return 2
	case s == 2:
		return 3
	default:
		return 4
	}
}

// LevelsOf gives the impact and urgency that produce priority p, for a profile's default priority.
func LevelsOf(p Priority) (impact, urgency Level) {
	switch p {
	case 1:
		return High, High
	case 2:
		return High, Medium
	case 3:
		return Medium, Medium
	default:
		return Low, Low
	}
}

// State is where a call is in its lifecycle.
type State string

// States of a call.
const (
	Unassigned State = "unassigned"
	Assigned   State = "assigned"
	Accepted   State = "accepted"
	Pending    State = "pending" // accepted and waiting (on the customer or a third party)
	OnHold     State = "on_hold"
	OffHold    State = "off_hold" // came off hold when its time passed; flagged urgent
	Resolved   State = "resolved"
	Closed     State = "closed"
	Cancelled  State = "cancelled"
)

// CustomerWords says where a call is in words for its customer, who is not an IT expert (the
// portal and the emails to customers use them).
func (s State) CustomerWords() string {
	switch s {
	case Pending:
		return "Waiting for you"
	case Resolved:
		return "Solved — please confirm"
	case Closed:
		return "Closed"
	case Cancelled:
		return "Withdrawn"
	case Unassigned:
		return "Received"
	}
	return "We're working on it"
}

// AllStates lists every state in lifecycle order.
func AllStates() []State {
	return []State{Unassigned, Assigned, Accepted, Pending, OnHold, OffHold, Resolved, Closed, Cancelled}
}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	for _, x := range AllStates() {
		if s == x {
			return true
		}
	}
	return false
}

// Open reports whether the call still needs work (not resolved, closed or cancelled).
func (s State) Open() bool { return s != Resolved && s != Closed && s != Cancelled }

// Condition is the Supportworks colour-coded condition of a call, derived from its state.
type Condition string

// Conditions of a call.
const (
	CondUnassigned Condition = "unassigned" // blue
	CondPending    Condition = "pending"    // black: assigned, accepted, pending
	CondOnHold     Condition = "on_hold"    // green
	CondOffHold    Condition = "off_hold"   // red: off hold, urgent
	CondResolved   Condition = "resolved"
	CondClosed     Condition = "closed"
	CondCancelled  Condition = "cancelled"
)

// AllConditions lists the conditions in display order.
func AllConditions() []Condition {
	return []Condition{CondUnassigned, CondPending, CondOnHold, CondOffHold, CondResolved, CondClosed, CondCancelled}
}

// States returns the states that show as condition c.
func (c Condition) States() []State {
	switch c {
	case CondUnassigned:
		return []State{Unassigned}
	case CondPending:
		return []State{Assigned, Accepted, Pending}
	case CondOnHold:
		return []State{OnHold}
	case CondOffHold:
		return []State{OffHold}
	case CondResolved:
		return []State{Resolved}
	case CondClosed:
		return []State{Closed}
	case CondCancelled:
		return []State{Cancelled}
	}
	return nil
}

// ConditionOf derives the condition from the state.
func ConditionOf(s State) Condition {
	for _, c := range AllConditions() {
		for _, x := range c.States() {
			if x == s {
				return c
			}
		}
	}
	return ""
}

// Snapshot is the customer's details as they were when the call was logged (S5): the call keeps
// them even if the person record changes later.
type Snapshot struct {
	Name          string `json:"name"`
	Username      string `json:"username,omitempty"`
	Email         string `json:"email,omitempty"`
	StudentNumber string `json:"student_number,omitempty"`
	Department    string `json:"department,omitempty"`
	Phone         string `json:"phone,omitempty"`
	JobTitle      string `json:"job_title,omitempty"`
	Kind          string `json:"kind,omitempty"`
}

// SnapshotOf takes the snapshot of p.
func SnapshotOf(p Person) Snapshot {
	return Snapshot{Name: p.Name(), Username: p.Username, Email: p.Email, StudentNumber: p.StudentNumber,
		Department: p.Department, Phone: p.Phone, JobTitle: p.JobTitle, Kind: string(p.Kind)}
}

// Call is a request or a fault (S1).
type Call struct {
	ID          int64
	Ref         string
	Kind        CallKind
	Summary     string
	Description string
	CustomerID  int64
	Customer    Snapshot // taken at logging
	// Extra contact details for this call only (S9).
	AltEmail  string
	AltPhone  string
	Source    CallSource
	ProfileID int64 // 0 when not classified
	Impact    Level
	Urgency   Level
	Priority  Priority
	GroupID   int64 // 0 when unassigned
	AnalystID int64 // 0 when none
	State     State
	Urgent    bool // set when the call comes off hold by itself
	// SpecialCategory marks a call whose customer was warned that its text looks like
	// special-category personal data (health, religion...) and sent it anyway (S8).
	SpecialCategory bool
	// TriagePending marks a call opened by an email, under the "triage" setting, whose summary
	// and description (the email's subject and text) no support analyst has confirmed yet: until
	// then they are the support role's, like the email (S13; MaskTriage).
	TriagePending bool

	HoldUntil  time.Time
	HoldReason string
	Resolution string
	CancelNote string // cancellation reason

	LoggedAt    time.Time
	LoggedBy    int64 // person id of whoever logged it
	AssignedAt  time.Time
	AcceptedAt  time.Time
	HeldAt      time.Time
	OffHoldAt   time.Time
	ResolvedAt  time.Time
	ClosedAt    time.Time
	CancelledAt time.Time
	ReopenedAt  time.Time
	UpdatedAt   time.Time
	Version     int64 // bumped by every change of the call row; for optimistic locking
	// SLA is the call's service level as last evaluated, where the read fills it (lists do).
	SLA *ServiceLevel
}

// Condition is the call's Supportworks condition.
func (c Call) Condition() Condition { return ConditionOf(c.State) }

// NewCall is what is needed to log a call.
type NewCall struct {
	Kind        CallKind
	Summary     string
	Description string
	CustomerID  int64
	AltEmail    string
	AltPhone    string
	Source      CallSource
	ProfileID   int64
	Impact      Level
	Urgency     Level
	// GroupID and AnalystID, when set, log the call straight into assigned.
	GroupID   int64
	AnalystID int64
	// SpecialCategory marks the call as holding special-category personal data: the customer
	// was warned (privacy.Detect) and chose to send it anyway, or the analyst logging it (the
	// console's box, the API's special_category) said so.
	SpecialCategory bool
	// TriagePending logs the call awaiting a support analyst's triage (Call.TriagePending).
	TriagePending bool
	// FormKey, when set, is the key drawn into the form the call was sent from: a second call sent
	// with the same key is refused (ECONFLICT), so a form sent twice logs one call.
	FormKey string
	// NoticeVersion, when not 0, is the version of the privacy notice whose summary the person
	// saw on the form they logged the call with (policy 14.5): recorded on the call.
	NoticeVersion int
}

// Validate checks a new call's fields, filling defaults (kind fault, source api, medium/medium).
func (n *NewCall) Validate() error {
	f := map[string]string{}
	n.Summary = strings.TrimSpace(n.Summary)
	n.Description = strings.TrimSpace(n.Description)
	if n.Kind == "" {
		n.Kind = Fault
	}
	if n.Kind != Fault && n.Kind != Request {
		f["kind"] = "must be fault or request"
	}
	if n.Summary == "" {
		f["summary"] = "is required"
	} else if len([]rune(n.Summary)) > 200 {
		f["summary"] = "is longer than 200 characters"
	}
	if len(n.Description) > 100_000 {
		f["description"] = "is longer than 100,000 characters"
	}
	if n.CustomerID <= 0 {
		f["customer_id"] = "is required"
	}
	if len(n.FormKey) > 100 {
		f["form_key"] = "is longer than 100 characters"
	}
	n.AltEmail = strings.TrimSpace(n.AltEmail)
	if n.AltEmail != "" && !ValidEmail(n.AltEmail) {
		f["alt_email"] = "is not a valid email address"
	}
	n.AltPhone = strings.TrimSpace(n.AltPhone)
	if n.AltPhone != "" && !validPhone(n.AltPhone) {
		f["alt_phone"] = "is not a phone number (digits, spaces, +, -, brackets)"
	}
	if n.Source == "" {
		n.Source = SourceAPI
	}
	if !n.Source.Valid() {
		f["source"] = "must be portal, email, phone, face_to_face or api"
	}
	for name, l := range map[string]*Level{"impact": &n.Impact, "urgency": &n.Urgency} {
		if *l != "" && l.rank() < 0 {
			f[name] = "must be high, medium or low"
		}
	}
	if n.AnalystID != 0 && n.GroupID == 0 {
		f["group_id"] = "is required when an analyst is given"
	}
	return Invalid("the call cannot be logged", f)
}

// ValidPhone says whether s looks like a phone number: digits, spaces, + - ( ), at least five
// digits, at most 40 characters.
func ValidPhone(s string) bool { return validPhone(s) }

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-()", r):
		default:
			return false
		}
	}
	return digits >= 5 && len(s) <= 40
}

// EmailWithheld is what an email entry says to those who may not read emails (S13).
const EmailWithheld = "An email (its content is shown to analysts with the support role only)."

// ForReader returns entries as a reader sees them: for one who may not read emails (readsEmail
// false: an analyst without the support role, as access.ReadEmails decides), each email keeps
// its author and time but not its text or files (S13).
func ForReader(readsEmail bool, entries []Entry) []Entry {
	if readsEmail {
		return entries
	}
	out := make([]Entry, len(entries))
	for i, e := range entries {
		if e.Kind == EntryEmail {
			e.Text, e.Attachments = EmailWithheld, nil
		}
		out[i] = e
	}
	return out
}

// AttachmentsForReader leaves out the files of emails for a reader who may not read them
// (readsEmail false).
func AttachmentsForReader(readsEmail bool, atts []Attachment) []Attachment {
	if readsEmail {
		return atts
	}
	out := atts[:0:0]
	for _, x := range atts {
		if !x.FromEmail {
			out = append(out, x)
		}
	}
	return out
}

// EntryKind is the kind of a diary entry.
type EntryKind string

// Kinds of diary entry.
const (
	EntryUpdate     EntryKind = "update"     // public update, seen by the customer
	EntryNote       EntryKind = "note"       // internal note, analysts only
	EntryStatus     EntryKind = "status"     // a state change
	EntryAssignment EntryKind = "assignment" // group or analyst changed
	EntryEmail      EntryKind = "email"      // an email in or out (issue 5)
)

// Entry is one line of a call's diary.
type Entry struct {
	ID        int64
	CallID    int64
	Kind      EntryKind
	Public    bool
	Text      string
	AuthorID  int64 // 0 for the system
	Author    string
	CreatedAt time.Time
	// CallVersion is the call's version after the change this entry records.
	CallVersion int64
	// Attachments are the files that came with the entry (metadata only), where loaded.
	Attachments []Attachment
}
