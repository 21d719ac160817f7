package desk

import "strings"

// Channels through which an audit record's action was done, as "who has seen my data" names
// them (P2): the screen or the route, in words.
const (
	ViaConsole   = "the analysts' console"
	ViaAPI       = "the API"
	ViaPortal    = "SupportMe, the self-service portal"
	ViaEmail     = "email"
	ViaDirectory = "the university directory"
	ViaSignIn    = "single sign-on"
	ViaCalldesk  = "calldesk itself"
	ViaSAR       = "a copy of the person's data (subject access bundle)"
	ViaStaff     = "the analysts' console or the API"
)

// Surface is the screen or route through which an audit record's action was done, as stored
// with the record (audit_log.surface).
type Surface string

// The surfaces.
const (
	SurfaceConsole   Surface = "console"   // the analysts' console
	SurfaceAPI       Surface = "api"       // the REST API
	SurfacePortal    Surface = "portal"    // SupportMe, the self-service portal
	SurfaceSAR       Surface = "sar"       // a subject access bundle being prepared or exported
	SurfaceEmail     Surface = "email"     // an email taken in or sent
	SurfaceDirectory Surface = "directory" // a directory import or push
	SurfaceSignIn    Surface = "sso"       // single sign-on enrolling a person
	SurfaceCalldesk  Surface = "calldesk"  // calldesk's own jobs and command line
)

// Words names the surface as "who has seen my data" does; "" for an unknown surface.
func (s Surface) Words() string {
	switch s {
	case SurfaceConsole:
		return ViaConsole
	case SurfaceAPI:
		return ViaAPI
	case SurfacePortal:
		return ViaPortal
	case SurfaceSAR:
		return ViaSAR
	case SurfaceEmail:
		return ViaEmail
	case SurfaceDirectory:
		return ViaDirectory
	case SurfaceSignIn:
		return ViaSignIn
	case SurfaceCalldesk:
		return ViaCalldesk
	}
	return ""
}

// Detail prefixes that name the channel of a read (the console's and the API's records say
// which; the portal's have always begun "portal: ").
const (
	DetailConsole = "console: "
	DetailAPI     = "api: "
	DetailPortal  = "portal: "
)

// Channel says through which screen or route the record's action was done: its recorded
// Surface, or for older records a guess from the detail and the actor.
func (r AuditRecord) Channel() string {
	if w := r.Surface.Words(); w != "" {
		return w
	}
	switch {
	case strings.HasPrefix(r.Detail, DetailPortal):
		return ViaPortal
	case strings.HasPrefix(r.Detail, DetailConsole):
		return ViaConsole
	case strings.HasPrefix(r.Detail, DetailAPI):
		return ViaAPI
	case r.ClientAddr == "email" || strings.HasPrefix(r.Actor, "mailbox "):
		return ViaEmail
	case strings.HasPrefix(r.Actor, "directory "):
		return ViaDirectory
	case strings.HasPrefix(r.Actor, "single sign-on"):
		return ViaSignIn
	case strings.HasPrefix(r.Actor, "calldesk") || r.ActorID == 0 && r.ClientAddr == "":
		return ViaCalldesk
	}
	return ViaStaff
}

// What says what the record's action did with the person's data, in plain words.
func (r AuditRecord) What() string {
	ref := ""
	if r.ObjectType == "call" && r.ObjectID != "" {
		ref = " " + r.ObjectID
	}
	switch r.Action {
	case "call.restore":
		return "undid the withdrawal of the call" + ref
	case "call.view":
		return "looked at the call" + ref
	case "call.search":
		return "saw a list of calls that included yours"
	case "call.create":
		return "logged the call" + ref
	case "call.update":
		return "added a public update to the call" + ref
	case "call.note":
		return "added an internal note to the call" + ref
	case "call.email":
		return "added an email to the call" + ref
	case "call.escalate":
		return "escalated the call" + ref + ": it reached a point of its service level"
	case "person.view":
		return "looked at the person record"
	case "person.search":
		return "found the person in a search"
	case "person.create", "person.sync":
		return "created or updated the person record"
	case "person.update":
		return "changed the person record"
	case "person.leave":
		return "recorded that the person left"
	case "person.return":
		return "recorded that the person came back (no longer a leaver)"
	case "attachment.view":
		return "opened a file of a call"
	case "mail.view":
		return "read an email"
	case "mail.receive":
		return "took in an email"
	case "mail.release":
		return "made a call of an email"
	case "person.audit":
		return "looked at who has seen this person's data"
	case "session.start":
		return "signed in"
	case "grant.request":
		return "asked for a supplier's access"
	case "grant.approve":
		return "approved a supplier's access"
	case "grant.refuse":
		return "refused a supplier's access"
	case "grant.end":
		return "a supplier's access ended"
	case "grant.use":
		return "opened a page under a supplier grant"
	case "session.second_factor":
		return "gave a two-factor sign-in code"
	case "second_factor.begin":
		return "began setting up two-factor sign-in"
	case "second_factor.enrol":
		return "set up two-factor sign-in"
	case "second_factor.reset":
		return "reset two-factor sign-in"
	case "second_factor.recovery_used":
		return "signed in with a recovery code"
	case "session.end":
		return "signed out"
	case "breach.report":
		return "reported a personal data breach"
	case "breach.assess":
		return "recorded the assessment or handling of a personal data breach that affects the person"
	case "breach.link":
		return "recorded that a personal data breach affects the person"
	case "breach.unlink":
		return "recorded that a personal data breach does not affect the person after all"
	case "breach.escalate":
		return "reminded the Data Protection Officer of the 72-hour deadline of a personal data breach"
	case "breach.view", "breach.list":
		return "looked at a personal data breach that affects the person"
	case "disclosure.log":
		return "recorded a third party's request for the person's data"
	case "disclosure.decide":
		return "recorded the decision on a third party's request for the person's data"
	case "disclosure.exempt":
		return "recorded whether the person's copy of their data shows a disclosure to a third party"
	case "disclosure.download":
		return "downloaded the person's data to disclose it to a third party"
	case "disclosure.view", "disclosure.list":
		return "looked at a disclosure of the person's data to a third party"
	case "request.log":
		return "recorded a request about the person's data"
	case "request.step":
		return "took a step on a request about the person's data"
	case "request.view", "request.list":
		return "looked at a request about the person's data"
	case "sar.queue":
		return "asked for a copy of the person's data to be prepared"
	case "sar.build":
		return "prepared a copy of the person's data"
	case "sar.build_failed":
		return "tried to prepare a copy of the person's data, and failed"
	case "sar.view":
		return "looked at the copy of the person's data being prepared"
	case "sar.redaction":
		return "decided what of other people's data to leave out of the copy"
	case "sar.final":
		return "made the copy of the person's data final"
	case "sar.release":
		return "made the copy of the person's data downloadable on the portal"
	case "sar.download":
		return "downloaded the copy of the person's data"
	case "sar.expire":
		return "deleted the copy of the person's data at the end of its download period"
	case "sar.export":
		return "exported a copy of the person's data"
	case "person.erase":
		return "erased the person: their data now carries a pseudonym"
	case "person.restrict":
		return "restricted the processing of the person's data"
	case "person.unrestrict":
		return "lifted the restriction of the processing of the person's data"
	case "legal_hold.place":
		return "placed a legal hold, so the data is kept"
	case "legal_hold.lift":
		return "lifted a legal hold"
	case "legal_hold.view":
		return "looked at legal holds that name the person or their calls"
	case "import.view":
		return "looked at the report of a directory import that names the person"
	case "account.create":
		return "gave the person a calldesk account"
	case "account.password":
		return "changed the password of the person's calldesk account"
	case "account.reset_ask":
		return "asked for a link to reset the password of the person's calldesk account"
	case "token.create":
		return "issued an API token for the person's account"
	case "token.revoke":
		return "revoked an API token of the person's account"
	case "session.signin_failed":
		return "tried to sign in as the person, with a wrong password"
	case "mail.discard":
		return "discarded an email without making a call of it"
	case "mail.retry":
		return "sent an email again after it had failed"
	case "retention.delete":
		return "deleted data whose retention period had ended"
	case "retention.rule":
		return "changed how long a kind of data is kept"
	case "processing.create":
		return "added a record of processing (what the desk does with personal data, and why)"
	case "processing.change":
		return "changed a record of processing"
	case "processing.review":
		return "reviewed a record of processing"
	case "notice.publish":
		return "published a version of the privacy notice"
	case "audit.verify":
		return "checked that the audit trail has not been tampered with"
	case "group.create":
		return "created a support group"
	case "group.add_member":
		return "made the person a member of a support group"
	case "group.lead":
		return "made the person a lead of a support group, or no longer one"
	case "group.first_line":
		return "marked a support group a first-line group of the Service Desk, or no longer one"
	case "profile.create":
		return "created a problem profile"
	case "view.create":
		return "saved a view of a queue"
	case "view.rename":
		return "renamed a saved view of a queue"
	case "view.delete":
		return "deleted a saved view of a queue"
	case "reply.create":
		return "created a canned reply"
	case "reply.update":
		return "changed a canned reply"
	case "reply.delete":
		return "deleted a canned reply"
	case "report.subscribe":
		return "asked for a report to be emailed every week or month"
	case "report.unsubscribe":
		return "stopped a report being emailed"
	case "report.send":
		return "queued a subscribed report's summary by email"
	case "wallboard.create":
		return "made a wallboard link"
	case "wallboard.revoke":
		return "revoked a wallboard link"
	case "backup.write":
		return "took an encrypted backup of the database"
	case "backup.restore":
		return "restored the database from an encrypted backup"
	case "keys.rotate":
		return "re-wrapped the encryption keys under a new master key"
	case "keys.seal":
		return "encrypted content stored before encryption was turned on"
	case "keys.import":
		return "restored the encryption keys from a key backup"
	case "keys.retire":
		return "retired a master key nothing used any more"
	case "consent.give":
		return "recorded your consent, and the words you agreed to"
	case "consent.withdraw":
		return "recorded the withdrawal of your consent (and deleted what it covered)"
	case "consent.view":
		return "looked at your consent records"
	case "consent.wording":
		return "wrote a new version of the words people consent to"
	case "processor.create":
		return "added a processor to the register of processors"
	case "processor.update":
		return "changed a processor's record"
	case "dpia.create":
		return "added a DPIA or legitimate-interest assessment"
	case "dpia.update":
		return "changed a DPIA or legitimate-interest assessment"
	case "dpia.signoff":
		return "signed off a DPIA or legitimate-interest assessment"
	case "dpia.file":
		return "attached a document to a DPIA or legitimate-interest assessment"
	case "review.remind":
		return "reminded the Data Protection Officer that a review was due"
	}
	if strings.HasPrefix(r.Action, "call.") {
		return "changed the call" + ref + " (" + strings.ReplaceAll(strings.TrimPrefix(r.Action, "call."), "_", " ") + ")"
	}
	return r.Action
}
