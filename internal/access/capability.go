package access

import (
	"fmt"
	"slices"
	"strings"

	"calldesk/internal/desk"
)

// Capability is something an account may do. Roles are granted capabilities in one table
// (Capabilities); the console, the portal and the API ask Can or Require, and every route declares
// the capability it needs, so a new rule is added here, in one place (DESIGN section 4: "roles are
// explicit").
type Capability string

// The capabilities (DESIGN section 4, S11-S14).
const (
	// WorkCalls is the console and the API: read calls, people and search, and act on calls.
	// Every analyst sees all call information (S12).
	WorkCalls Capability = "work calls"
	// ReadEmails is reading the content and files of emails to and from the desk, and the
	// quarantine of incoming mail (S13: analysts with the support role). Other analysts see that
	// an email exists, who sent it and when.
	ReadEmails Capability = "read emails"
	// ReadSpecialCategory is reading special-category text (health, religion...) on any call.
	// The DESIGN gives it to the call's group and the DPO: the group's members read their own
	// calls as part of working them (ReadsCall); this capability is the DPO's, for every call.
	// Others see such a call masked (desk.MaskSpecial) and their search does not match its words.
	ReadSpecialCategory Capability = "read special-category text"
	// SeeNamedReports is seeing personal data (names) in reports; others see aggregates (S11).
	SeeNamedReports Capability = "see reports with names"
	// KeepDPORecords is the Data Protection Officer's work: subject requests and their bundles,
	// who has seen a person's data, restriction, erasure, retention rules and legal holds.
	KeepDPORecords Capability = "keep the DPO's records"
	// SeeDPORecords is reading the DPO's records that are about no person: the records of
	// processing, the privacy notice's versions, the evidence of compliance, the register of
	// processors and their transfers, DPIAs and legitimate-interest assessments (the DPO and
	// administrators, issue 19); only KeepDPORecords changes them. Consent records are about
	// persons: those are KeepDPORecords' alone.
	SeeDPORecords Capability = "see the records of processing"
	// SeeRetention is viewing the retention schedule, its sweeps and the legal holds (the DPO
	// and administrators); only KeepDPORecords changes them.
	SeeRetention Capability = "see the retention schedule"
	// Administer is the administrators' pages: outgoing email, held directory imports.
	Administer Capability = "administer"
	// ActUnderSupplierGrant is a supplier's access to the calls a time-boxed, justified grant
	// names (S14). Grants come in a later issue: until then it opens nothing, and a supplier-only
	// account is refused everywhere (Require says why).
	ActUnderSupplierGrant Capability = "act under a supplier grant"
	// UsePortal is using SupportMe, the self-service portal, as a customer: logging and
	// following one's own calls and one's own data. Every role but supplier holds it (an analyst
	// is somebody's customer too); a supplier who is also a member of the university holds the
	// customer role as well and uses the portal through it.
	UsePortal Capability = "use the portal as a customer"
)

// Public is what a route declares when it needs no session or token at all (sign-in, static
// files, the privacy notice). It is not granted to any role; Can reports true for it.
const Public Capability = "public"

// AllCapabilities lists every capability in a stable order (Public excluded).
func AllCapabilities() []Capability {
	return []Capability{WorkCalls, ReadEmails, ReadSpecialCategory, SeeNamedReports, KeepDPORecords, SeeDPORecords, SeeRetention,
		Administer, ActUnderSupplierGrant, UsePortal}
}

// Capabilities is the table: what role r grants. An account may do what any of its roles
// grants. An unknown role grants nothing.
func Capabilities(r desk.Role) []Capability {
	switch r {
	case desk.RoleCustomer:
		return []Capability{UsePortal}
	case desk.RoleAnalyst:
		return []Capability{WorkCalls, UsePortal}
	case desk.RoleSupportAnalyst:
		return []Capability{WorkCalls, ReadEmails, UsePortal}
	case desk.RoleServiceManager:
		return []Capability{WorkCalls, SeeNamedReports, UsePortal}
	case desk.RoleDPO:
		return []Capability{WorkCalls, KeepDPORecords, ReadSpecialCategory, SeeDPORecords, SeeRetention, UsePortal}
	case desk.RoleAdmin:
		return []Capability{WorkCalls, Administer, SeeDPORecords, SeeRetention, UsePortal}
	case desk.RoleSupplier:
		return []Capability{ActUnderSupplierGrant}
	}
	return nil
}

// Can reports whether acct may c: the account is active and one of its roles grants c. Public
// needs nothing.
func Can(acct desk.Account, c Capability) bool {
	if c == Public {
		return true
	}
	if !acct.Active {
		return false
	}
	for _, r := range acct.Roles {
		if slices.Contains(Capabilities(r), c) {
			return true
		}
	}
	return false
}

// RolesWith lists the roles that grant c, in desk.AllRoles order.
func RolesWith(c Capability) []desk.Role {
	var out []desk.Role
	for _, r := range desk.AllRoles() {
		if slices.Contains(Capabilities(r), c) {
			out = append(out, r)
		}
	}
	return out
}

// SupplierNotYet is the refusal for an account whose only role beyond customer is supplier, when
// no grant of its is running (supplier_grant.go).
const SupplierNotYet = "supplier access is open only under a running grant: this account holds the supplier role, which " +
	"opens what a supplier is asked to help with only while a grant that an administrator asked for and the Data Protection " +
	"Officer approved is running, for a limited time and fully recorded; no grant is running for it now. Ask the service " +
	"desk if you expected one, or, if you also work or study at the university, to give your account the role you need"

// Require returns nil when acct may c, and otherwise an EFORBIDDEN error saying why and which
// roles would allow it: a disabled account; a supplier without a staff role (SupplierNotYet,
// whatever c is, since supplier access does not exist yet); a customer at the console or the
// API (their account is for SupportMe); anyone else lacking the role.
func Require(acct desk.Account, c Capability) error {
	if Can(acct, c) {
		return nil
	}
	switch {
	case !acct.Active:
		return desk.Errorf(desk.EFORBIDDEN, "the account %s is disabled", acct.Login)
	case acct.Has(desk.RoleSupplier) && !Can(acct, WorkCalls):
		if c != UsePortal && Can(acct, UsePortal) {
			return desk.Errorf(desk.EFORBIDDEN, "%s; meanwhile this account may use SupportMe, the self-service portal, as a customer", SupplierNotYet)
		}
		return desk.Errorf(desk.EFORBIDDEN, "%s", SupplierNotYet)
	case c == WorkCalls && Can(acct, UsePortal):
		return desk.Errorf(desk.EFORBIDDEN, "this account is for SupportMe, the self-service portal, not for working "+
			"on calls in the analysts' console or the API: that needs %s", roleWords(RolesWith(c)))
	}
	return desk.Errorf(desk.EFORBIDDEN, "only accounts with %s may %s; your account %s holds %s: ask an administrator if you need it",
		roleWords(RolesWith(c)), verb(c), acct.Login, roleList(acct.Roles))
}

// verb is what c lets a person do, in words that follow "may".
func verb(c Capability) string {
	switch c {
	case WorkCalls:
		return "work on calls"
	case ReadEmails:
		return "read emails (analysts with the support role)"
	case KeepDPORecords:
		return "do this: it is the Data Protection Officer's work"
	case Administer:
		return "do this: it is an administrator's work"
	case UsePortal:
		return "use SupportMe, the self-service portal"
	}
	return string(c)
}

// roleWords names roles for a message: `the role "dpo"`, `one of the roles "analyst", "admin"`.
func roleWords(rs []desk.Role) string {
	switch len(rs) {
	case 0:
		return "a role that does not exist yet"
	case 1:
		return fmt.Sprintf("the role %q", rs[0])
	}
	return "one of the roles " + roleList(rs)
}

func roleList(rs []desk.Role) string {
	if len(rs) == 0 {
		return "no role"
	}
	q := make([]string, len(rs))
	for i, r := range rs {
		q[i] = fmt.Sprintf("%q", r)
	}
	return strings.Join(q, ", ")
}

// ReaderOf is what acct may read of calls' text (desk.Reader), groups being the support groups
// its person is a member of.
func ReaderOf(acct desk.Account, groups []int64) desk.Reader {
	return desk.Reader{PersonID: acct.PersonID, Groups: groups, Emails: Can(acct, ReadEmails),
		AllSpecial: Can(acct, ReadSpecialCategory)}
}

// ReadsCall reports whether r may read call c's text, diary and files (S8, P4): every call that
// is not marked special category; a special-category call only for the members of the group it
// is assigned to, the analyst it is assigned to, and readers of every special-category call (the
// DPO). The store's search applies the same rule in SQL (store.mineCond). Emails on a call the
// reader may read are further the support role's (r.Emails, desk.ForReader).
func ReadsCall(r desk.Reader, c desk.Call) bool {
	if !c.SpecialCategory || r.AllSpecial {
		return true
	}
	if r.NoSpecial {
		return false
	}
	if r.PersonID != 0 && c.AnalystID == r.PersonID {
		return true
	}
	if c.GroupID == 0 && c.AnalystID == 0 {
		// Not routed yet (a customer's own call from SupportMe lands here): it has no group but
		// the desk that triages the unassigned queue, who must read it to route it. Once
		// assigned, only its group, its analyst and the DPO read it.
		return true
	}
	return c.GroupID != 0 && slices.Contains(r.Groups, c.GroupID)
}

// CallFor returns call c as r may read it: masked (desk.MaskSpecial) when it is a
// special-category call r may not read (ReadsCall); with its summary and description withheld
// (desk.MaskTriage) while it awaits a support analyst's triage and r does not read emails, since
// they are still the email's words (S13).
func CallFor(r desk.Reader, c desk.Call) desk.Call {
	if !ReadsCall(r, c) {
		return desk.MaskSpecial(c)
	}
	if c.TriagePending && !r.Emails {
		return desk.MaskTriage(c)
	}
	return c
}

// CallsFor is CallFor for each of a list of calls (queues, searches, the API's lists).
func CallsFor(r desk.Reader, calls []desk.Call) []desk.Call {
	out := make([]desk.Call, len(calls))
	for i, c := range calls {
		out[i] = CallFor(r, c)
	}
	return out
}

// DiaryFor returns call c's diary as r may read it: every entry masked on a special-category
// call r may not read; otherwise emails withheld from readers without the support role
// (desk.ForReader).
func DiaryFor(r desk.Reader, c desk.Call, entries []desk.Entry) []desk.Entry {
	if !ReadsCall(r, c) {
		return desk.MaskSpecialEntries(entries)
	}
	return desk.ForReader(r.Emails, entries)
}

// AttachmentsFor returns the files of call c that r may see listed and download: none of a
// special-category call r may not read; otherwise the files of emails only for the support role.
func AttachmentsFor(r desk.Reader, c desk.Call, atts []desk.Attachment) []desk.Attachment {
	if !ReadsCall(r, c) {
		return nil
	}
	return desk.AttachmentsForReader(r.Emails, atts)
}

// Moves reports whether tr moves a call to a group or analyst (assign, reassign, accept; the
// console's "take it" is an assign and an accept).
func Moves(tr desk.Transition) bool {
	return tr.Action == desk.ActAssign || tr.Action == desk.ActAccept
}

// MayMove refuses, with EFORBIDDEN, a move (Moves) of a special-category call by a reader who
// may not read it (ReadsCall): whoever moves a call can then read it, so moving it is for its
// group, its analyst and the DPO only. Every other transition, and every move of another call,
// is left to the lifecycle and the store's checks.
func MayMove(r desk.Reader, c desk.Call, tr desk.Transition) error {
	if !Moves(tr) || ReadsCall(r, c) {
		return nil
	}
	return desk.Errorf(desk.EFORBIDDEN, "you cannot %s call %s: it holds special-category information, and only its group "+
		"and the Data Protection Officer can move it", tr.Action, c.Ref)
}

// ConflictFor returns err as r may read it: an ECONFLICT of a special-category call r may not
// read (c as it is now) keeps the store's masked list of changes (who changed the call, when,
// and what kind of change, without the texts); any other reader gets the list with the texts
// (desk.Error.Unmasked). Other errors are returned as they are.
func ConflictFor(r desk.Reader, c desk.Call, err error) error {
	de := desk.AsError(err)
	if de == nil || de.Code != desk.ECONFLICT || de.Unmasked == nil || !ReadsCall(r, c) {
		return err
	}
	return de.Unmasked
}

// MayMarkSpecial refuses, with EFORBIDDEN, a change of call c's special-category mark to special
// by reader r. No capability of its own is needed; the closest existing ones decide:
//
//   - Marking (special true) is more protective: whoever works calls (WorkCalls, which the route
//     declares) may do it, provided they may read the call (ReadsCall), so that a reader who sees
//     the call masked cannot change it even in the safe direction without having seen it.
//   - Taking the mark off (special false) unmasks the call's text to every analyst, so it needs a
//     reader of the call (ReadsCall: a masked reader can never unmask it) who is either the Data
//     Protection Officer (ReadSpecialCategory, r.AllSpecial) or an analyst with the support role
//     (ReadEmails, r.Emails: the role that already reads the desk's most sensitive words, emails)
//     who is a member of the call's group, the group that works it and answers for its text.
//
// A supplier under a grant (r.NoSpecial) never reads a special-category call, so never unmarks one.
func MayMarkSpecial(r desk.Reader, c desk.Call, special bool) error {
	if !ReadsCall(r, c) {
		return desk.Errorf(desk.EFORBIDDEN, "you cannot change the special-category mark of call %s: it holds special-category "+
			"information you may not read; only its group and the Data Protection Officer can", c.Ref)
	}
	if special || r.AllSpecial {
		return nil
	}
	if r.Emails && c.GroupID != 0 && slices.Contains(r.Groups, c.GroupID) {
		return nil
	}
	return desk.Errorf(desk.EFORBIDDEN, "you cannot take the special-category mark off call %s: that unmasks its text to every "+
		"analyst, so only the Data Protection Officer or a support analyst of the call's group can; ask one of them", c.Ref)
}
