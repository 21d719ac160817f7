// Package directory brings people in from the university's directory (issue 6, S7): the nightly
// CSV export, LDAP or Active Directory, and SCIM pushes from Entra ID or Okta. Each source turns
// what it reads into Records; the store's sync matches them to the person register by their
// stable directory key (never by name), records where each field came from and when, turns the
// people a full import no longer lists into leavers, and stops before an import that would change
// too much.
package directory

import "calldesk/internal/desk"

// Record is one person as a directory source gives them. Fields the source does not map are "".
type Record struct {
	// Key is the person's stable directory key (Active Directory's objectGUID, an employee
	// number, SCIM's externalId): how the person is matched, never by name.
	Key string
	// Line is where the record came from, for reports: the CSV line, or the LDAP entry's number.
	Line int
	// DN is the LDAP distinguished name ("" for other sources), by which managers are named.
	DN string

	FirstName, LastName, Username, Email string
	StudentNumber, Department, Phone     string
	JobTitle                             string
	// ManagerKey is the manager's directory key, or ManagerDN their LDAP DN, "" when none.
	ManagerKey, ManagerDN string
	// Kind is what the person is; "" when the source does not say (an empty kind cell), which
	// leaves a known person's kind as it is.
	Kind desk.PersonKind
	// KindIfNew is the kind of a person the register does not hold yet when Kind is "".
	KindIfNew desk.PersonKind
}

// Problem is a record a source could not use: where, which key (when known) and why. The good
// records of a source are still imported.
type Problem struct {
	Line   int
	Key    string
	Reason string
}
