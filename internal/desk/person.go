package desk

import (
	"net/mail"
	"strings"
	"time"
)

// PersonKind is what a person is to the university (S4, S6).
type PersonKind string

// Kinds of person.
const (
	Staff   PersonKind = "staff"
	Student PersonKind = "student"
	Partner PersonKind = "partner"
	Visitor PersonKind = "visitor"
)

// Valid reports whether k is one of the known kinds.
func (k PersonKind) Valid() bool {
	switch k {
	case Staff, Student, Partner, Visitor:
		return true
	}
	return false
}

// Source says where a record came from: the nightly directory import, typed in by hand, or
// made from what the identity provider said at a partner's first single sign-on.
type Source string

// Sources of a person record.
const (
	FromDirectory Source = "directory"
	FromManual    Source = "manual"
	FromSignIn    Source = "sso"
	// FromAnalyst is a caller not in the register, added by an analyst while logging their call
	// (NewCaller): typed in at the service desk like FromManual, with only the call's fields.
	FromAnalyst Source = "analyst"
)

// LeftBy says who made a person a leaver.
type LeftBy string

// Who makes people leavers.
const (
	LeftByDirectory LeftBy = "directory" // a full import no longer listed them
	LeftBySCIM      LeftBy = "scim"      // a SCIM push said active false, or deleted them
	LeftByAdmin     LeftBy = "admin"     // an administrator marked them as left
)

// Person is anyone whose data calldesk holds (S6): the customer of a call, an analyst, a manager.
type Person struct {
	ID            int64
	FirstName     string
	LastName      string
	Username      string
	Email         string
	StudentNumber string
	Department    string
	Phone         string
	JobTitle      string
	ManagerID     int64 // 0 when none
	Kind          PersonKind
	Active        bool
	// LeftAt is when the person left (a directory or an administrator said so); zero while
	// they have not. A person who is not Active has no access to calldesk, whatever their
	// account says (access.Sessions decides the one exception: a grace period on the portal).
	LeftAt time.Time
	// LeftBy says who made the person a leaver ("" while they have not left): a directory
	// brings back only its own leavers, never an administrator's.
	LeftBy       LeftBy
	Source       Source
	DirectoryKey string // stable key from the directory; "" for manual records
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64
}

// Name is the person's display name.
func (p Person) Name() string { return strings.TrimSpace(p.FirstName + " " + p.LastName) }

// Validate checks the person's fields, normalising spacing.
func (p *Person) Validate() error {
	f := map[string]string{}
	p.FirstName = strings.TrimSpace(p.FirstName)
	p.LastName = strings.TrimSpace(p.LastName)
	p.Username = strings.TrimSpace(p.Username)
	p.Email = strings.TrimSpace(p.Email)
	if p.FirstName == "" && p.LastName == "" {
		f["last_name"] = "is required (a first or a last name)"
	}
	if len(p.FirstName) > 100 {
		f["first_name"] = "is longer than 100 characters"
	}
	if len(p.LastName) > 100 {
		f["last_name"] = "is longer than 100 characters"
	}
	if p.Email != "" && !ValidEmail(p.Email) {
		f["email"] = "is not a valid email address"
	}
	if p.Kind == "" {
		p.Kind = Staff
	}
	if !p.Kind.Valid() {
		f["kind"] = "must be staff, student, partner or visitor"
	}
	if p.Source == "" {
		p.Source = FromManual
	}
	if p.Source != FromDirectory && p.Source != FromManual && p.Source != FromSignIn && p.Source != FromAnalyst {
		f["source"] = "must be directory, manual, sso or analyst"
	}
	if p.ManagerID != 0 && p.ManagerID == p.ID {
		f["manager_id"] = "cannot be the person themself"
	}
	return Invalid("the person record is not valid", f)
}

// ValidEmail reports whether s is a single bare address (no display name), written as
// CanonicalEmail writes it: a local part that needs quotes ("john smith"@example.org) has them.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && strings.Contains(s, "@") && CanonicalEmail(a.Address) == s
}

// CanonicalEmail writes the address addr (as net/mail returns it: a quoted local part without
// its quotes) the way it must be written in a header or SMTP: a local part that is not a
// dot-atom quoted ("john smith"@example.org), any other left as it is.
func CanonicalEmail(addr string) string {
	s := (&mail.Address{Address: addr}).String()
	return strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
}

// Group is a support group: a team of analysts ("department" in the seeds, S2).
type Group struct {
	ID        int64
	Name      string
	Mailbox   string // shared mailbox address, may be ""
	CreatedAt time.Time
	// FirstLine marks a group of the Service Desk's first line: a call resolved by one of its
	// analysts without ever leaving it is a first-line fix (issue 18).
	FirstLine bool
}

// Validate checks the group's fields.
func (g *Group) Validate() error {
	f := map[string]string{}
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" {
		f["name"] = "is required"
	}
	if g.Mailbox != "" && !ValidEmail(g.Mailbox) {
		f["mailbox"] = "is not a valid email address"
	}
	return Invalid("the support group is not valid", f)
}

// Profile is one node of the problem-profile tree (Software > Email > Outlook).
type Profile struct {
	ID              int64
	ParentID        int64 // 0 for a root
	Name            string
	Path            string // "Software > Email > Outlook", maintained by the store
	DefaultGroupID  int64  // 0 when none
	DefaultPriority Priority
}

// Role is what an account may do. Stored now; enforced by access.
type Role string

// Roles (DESIGN section 4, S11-S14).
const (
	RoleCustomer       Role = "customer"
	RoleAnalyst        Role = "analyst"
	RoleSupportAnalyst Role = "support_analyst" // may see emails (S13)
	RoleServiceManager Role = "service_manager" // personal data in reports (S11)
	RoleDPO            Role = "dpo"
	RoleAdmin          Role = "admin"
	RoleSupplier       Role = "supplier" // time-boxed supplier access (S14)
)

// AllRoles lists every role in a stable order.
func AllRoles() []Role {
	return []Role{RoleCustomer, RoleAnalyst, RoleSupportAnalyst, RoleServiceManager, RoleDPO, RoleAdmin, RoleSupplier}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range AllRoles() {
		if r == k {
			return true
		}
	}
	return false
}

// Account is a person's sign-in to calldesk with the roles they hold.
type Account struct {
	ID           int64
	PersonID     int64
	Login        string
	PasswordHash string // argon2id, PHC string; "" when the account has no local password
	Roles        []Role
	Active       bool
	CreatedAt    time.Time
}

// MaxLogin is the longest login, in characters: an email address, the longest form a login
// takes, is at most 254. No account has a longer one, and sign-in takes a longer one for a
// wrong login without looking it up (it could not be a key of PostgreSQL's indexes either).
const MaxLogin = 254

// Has reports whether the account holds role r.
func (a Account) Has(r Role) bool {
	for _, x := range a.Roles {
		if x == r {
			return true
		}
	}
	return false
}
