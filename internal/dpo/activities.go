package dpo

import "calldesk/internal/store"

// StandardActivities are calldesk's own processing activities as shipped, written for a UK
// university: the demo records them, and a DPO may start from them. Each names the register
// tables it uses, from which the categories of data, retention and location are derived.
func StandardActivities() []store.ProcessingActivity {
	const (
		desk     = "IT service desk analysts and the support teams a call is assigned to; a supplier only for the calls a time-boxed grant names"
		security = "Access by role (analyst, support analyst, service-level manager, DPO, administrator); single sign-on; " +
			"TLS in transit; special-category text and attachments encrypted at rest; every view and change recorded in a hash-chained audit trail"
		people = "students, staff, associates and visitors who ask the desk for help; IT staff"
	)
	return []store.ProcessingActivity{
		{Code: "call-handling", Name: "Handling calls for IT help", Purpose: "To log, route, work and resolve requests for IT help and reports of faults, and to tell people how their call is going.",
			LawfulBasis: "public task", SpecialCondition: "Article 9(2)(g) substantial public interest, with the DPA 2018 schedule 1 condition of supporting individuals with a particular disability or medical condition, where a person chooses to describe one",
			People: people, Recipients: desk, Transfers: "none", Security: security, Tables: []string{"calls", "diary_entries", "attachments", "call_fts"},
			Obligation: "There is no obligation to give details, but the desk cannot help without enough to identify and reach you.", Automated: "none"},
		{Code: "email-in-out", Name: "Email to and from the desk", Purpose: "To take in requests and replies by email, and to send updates about calls.",
			LawfulBasis: "public task", People: people, Recipients: "support analysts (S13); the university's mail service", Transfers: "none",
			Security: security + "; email authenticity (SPF, DKIM, DMARC) checked; unknown senders quarantined", Tables: []string{"mail_messages", "mail_recipients", "mail_outbox"}, Automated: "none"},
		{Code: "directory-import", Name: "Importing people from the university directory", Purpose: "To know who may use the desk and to reach them: names, usernames, contact details and department, from the university's directory.",
			LawfulBasis: "public task", People: "students, staff and associates listed in the university directory", Recipients: desk, Transfers: "none",
			Security: security + "; imports checked by a guard rail before they apply", Tables: []string{"people", "import_runs", "directory_groups"}, Automated: "none"},
		{Code: "portal-accounts", Name: "SupportMe and console accounts", Purpose: "To let people sign in to SupportMe and staff to the console, and to keep sign-in secure.",
			LawfulBasis: "contract", People: "everyone with a calldesk account", Recipients: "calldesk administrators", Transfers: "none",
			Security: security + "; passwords hashed; sign-in throttled", Tables: []string{"accounts", "api_tokens", "sessions", "password_resets", "signin_failures", "signin_throttle"}, Automated: "none"},
		{Code: "reports", Name: "Service reports and statistics", Purpose: "To measure and improve the IT service: volumes, response and resolution times, service levels.",
			LawfulBasis: "legitimate interests", SpecialCondition: "Article 9(2)(j) statistical purposes, with the DPA 2018 schedule 1 paragraph 4 condition: calls marked special-category are counted, their text never shown in a report",
			People: people, Recipients: "service-level managers (named reports); other staff see aggregates only (S11)", Transfers: "none",
			Security: security, Tables: []string{"calls", "saved_views", "wallboards"}, Automated: "none"},
		{Code: "subject-requests", Name: "Subject access and other rights requests", Purpose: "To answer people's requests under the UK GDPR (access, rectification, erasure, restriction, portability, objection) within the legal time.",
			LawfulBasis: "legal obligation", People: "people who make a request, and third parties acting for them", Recipients: "the Data Protection Officer; the person themselves", Transfers: "none",
			Security: security + "; bundles encrypted, held for a limited time", Tables: []string{"subject_requests", "sar_bundles", "sar_redactions"}, Automated: "none"},
		{Code: "erasure-retention", Name: "Erasure and retention", Purpose: "To erase people on request and to delete or anonymise data when its retention period ends, keeping anonymous statistics.",
			LawfulBasis: "legal obligation", People: people, Recipients: "the Data Protection Officer", Transfers: "none", Security: security,
			Tables: []string{"erasures", "legal_holds", "retention_rules", "retention_runs"}, Automated: "Retention sweeps delete or anonymise records automatically when their period ends; they make no decision about a person."},
		{Code: "audit-trail", Name: "The audit trail", Purpose: "To record who saw or changed personal data and when, so that people can be told who has seen their data and misuse is detected.",
			LawfulBasis: "legal obligation", People: people, Recipients: "the Data Protection Officer; the person themselves (who has seen my data)", Transfers: "none",
			Security: security, Tables: []string{"audit_log"}, Automated: "none"},
		{Code: "single-sign-on", Name: "Single sign-on", Purpose: "To sign people in through the university's identity provider (OpenID Connect or SAML).",
			LawfulBasis: "contract", People: "everyone who signs in through single sign-on", Recipients: "the university's identity provider", Transfers: "none",
			Security: security, Tables: []string{"accounts", "sessions"}, Automated: "none"},
		{Code: "dpo-records", Name: "The DPO's accountability records", Purpose: "To document the desk's processing and publish the privacy notice (records of processing, notices, audit checks).",
			LawfulBasis: "legal obligation", People: "IT staff and the Data Protection Officer who keep the records", Recipients: "the Data Protection Officer; administrators (read only); the ICO on request", Transfers: "none",
			Security: security, Tables: []string{"processing_versions", "privacy_notices", "audit_verifications"}, Automated: "none"},
	}
}
