package store

import "strings"

// This file is the register of personal data (shared/DESIGN.md section 4; issue 15, point 1):
// every table and column that can hold personal data, declared once, with its category, whose
// data it is, where it comes from, how it is stored, its retention class, how erasure treats it
// and which section of the subject access (SAR) bundle shows it. Beside it, NotPersonalColumns
// lists the text, bytes and JSON columns that hold no personal data, each with its reason.
//
// Adding a column: a migration that adds a text, bytes or JSON column (TEXT, BLOB, untyped on
// SQLite; text, varchar, bytea, json, jsonb, tsvector... on PostgreSQL) must declare it here in the
// same commit, in Register or in NotPersonalColumns, or TestRegisterCoversTheSchema fails on both
// engines, naming the column. Dropping or renaming a column fails the same test until its entry
// goes too. Declare what erasure, the SAR bundle and retention do with it today (Today, SAR,
// Retention) and, where they fall short, say so in EraseGap, SARGap or RetentionGap: the register
// is a truthful map, not a promise.
//
// Erasure follows the register: the mention finder (mentions.go) scans every column whose value
// may name anyone or is someone's identifier, decoded as Stored says, and erasure treats what it
// finds as Erasure says (erase.go scrubMentions), listing what is kept (Keep) for the DPO. The
// SAR bundle's mentions of the person on other people's records follow the register too:
// privacy.Builder takes what the finder finds in every column whose Whose.Anyone is set and files
// each mention under the column's last SAR section. The rest of the SAR bundle (sar.go and the
// privacy package) and the retention sweep (retention_sweep.go) still keep their own lists of
// columns; the gaps below are what those lists miss.

// Category is the kind of personal data a column holds.
type Category string

// The categories of personal data.
const (
	CatIdentity Category = "identity" // names, usernames, logins, identifiers of a person or of the staff who acted
	CatContact  Category = "contact"  // email addresses, phone numbers
	CatAcademic Category = "academic" // student number, department
	// CatSpecial marks data revealing health, religion, ethnicity... (UK GDPR article 9) or
	// criminal offences (article 10): here, the mark on a call whose text holds it.
	CatSpecial    Category = "special category"
	CatFreeText   Category = "free text"       // words people typed, or calldesk composed from them: may name anyone
	CatFile       Category = "file"            // files and documents made of people's data, in any format
	CatRawEmail   Category = "raw email"       // an email as it came, or the headers copied from one
	CatCredential Category = "credential"      // password and token hashes: secrets' stand-ins, never shown
	CatNetwork    Category = "network address" // IP addresses and what a browser says of itself (user agent): online identifiers
)

// Categories lists every category.
func Categories() []Category {
	return []Category{CatIdentity, CatContact, CatAcademic, CatSpecial, CatFreeText, CatFile, CatRawEmail, CatCredential, CatNetwork}
}

// Treatment is what erasure does with a column's value for the person erased (P19: the person
// becomes a pseudonym, their identifiers are scrubbed from free text, files and emails go, the
// statistics stay).
type Treatment string

// The erasure treatments.
const (
	// Pseudonymise replaces the value by the erased person's pseudonym (or another value that
	// identifies nobody and keeps the row working: a login "erased-<id>", a digest of a key).
	Pseudonymise Treatment = "pseudonymise"
	// Scrub replaces each of the person's identifiers inside the text by the pseudonym and keeps
	// every other word.
	Scrub Treatment = "scrub"
	// Remove deletes the value (emptied, set NULL) or the whole row. (Not "Delete": that is the
	// retention action of the same name.)
	Remove Treatment = "delete"
	// Keep leaves the value as it is; the entry's KeepReason says why that is lawful.
	Keep Treatment = "keep"
)

// Treatments lists every erasure treatment.
func Treatments() []Treatment { return []Treatment{Pseudonymise, Scrub, Remove, Keep} }

// SARSection is the part of the subject access bundle that shows a column: the name of the file
// of the bundle's zip (privacy.Bundle.Render), which its README describes to the person.
type SARSection string

// The sections of the SAR bundle, and SectionNone for a column the bundle does not show.
const (
	SectionPerson     SARSection = "person.json"      // the person record's fields and their sources
	SectionCalls      SARSection = "calls.json"       // the person's calls with their diaries (also calls.csv)
	SectionEntries    SARSection = "entries.csv"      // diary entries: of their calls, and those they wrote on others'
	SectionEmails     SARSection = "emails.json"      // emails taken in on their calls or from them: headers and text
	SectionSentEmails SARSection = "emails_sent.json" // emails calldesk sent to them or about their calls
	SectionFiles      SARSection = "attachments.csv"  // files of their calls and files they uploaded; the files themselves under attachments/
	SectionAudit      SARSection = "audit.csv"        // who saw or changed their data, when, through which screen
	SectionRequests   SARSection = "requests.json"    // their subject requests
	SectionLegalHolds SARSection = "legal_holds.json" // legal holds on them or their calls
	SectionAccount    SARSection = "account.json"     // their account, sign-ins and API tokens
	SectionBreaches   SARSection = "breaches.json"    // personal data breaches that affected them
	SectionDisclosure SARSection = "disclosures.json" // disclosures of their data to third parties, unless exempt
	SectionConsents   SARSection = "consents.json"    // their consents, the words they agreed to, and withdrawals
	// SectionNone: the bundle does not show the column, for the entry's SARReason.
	SectionNone SARSection = "not shown"
)

// SARSections lists every section of the bundle (SectionNone excluded).
func SARSections() []SARSection {
	return []SARSection{SectionPerson, SectionCalls, SectionEntries, SectionEmails, SectionSentEmails, SectionFiles, SectionAudit, SectionRequests, SectionLegalHolds, SectionAccount, SectionBreaches, SectionDisclosure, SectionConsents}
}

// RetentionClass is what ends a column's value in time: a class of the retention schedule
// (retention_rules.class, swept by retention_sweep.go and privacy.Retention), or one of the three
// kinds of ending that are not part of the schedule.
type RetentionClass string

// The record classes of the retention schedule, and the endings outside it.
const (
	RetainSpecialCategory RetentionClass = ClassSpecialCategory
	RetainClosedCalls     RetentionClass = ClassClosedCalls
	RetainAttachments     RetentionClass = ClassAttachments
	RetainDiaryEntries    RetentionClass = ClassDiaryEntries
	RetainEmails          RetentionClass = ClassEmails
	RetainSubjectRequests RetentionClass = ClassSubjectRequests
	RetainLeavers         RetentionClass = ClassLeavers // the person record: erased when its person has left
	RetainAuditRecords    RetentionClass = ClassAuditRecords
	RetainImportReports   RetentionClass = ClassImportReports
	RetainLiftedHolds     RetentionClass = ClassLiftedHolds
	RetainErasures        RetentionClass = ClassErasureDecisions
	RetainBreaches        RetentionClass = ClassBreaches
	RetainDisclosures     RetentionClass = ClassDisclosures
	RetainConsents        RetentionClass = ClassConsents
	RetainProcessors      RetentionClass = ClassProcessors
	RetainDPIAs           RetentionClass = ClassDPIAs
	// RetainExpiry: not a schedule class; housekeeping deletes the row when it expires (sessions,
	// sign-in throttling), within hours or days.
	RetainExpiry RetentionClass = "expiry"
	// RetainListed: not a schedule class; kept while the directory lists it, which removes it.
	RetainListed RetentionClass = "while listed"
	// RetainNone: no rule ends it: kept until an erasure touches it, or for ever. The entry's
	// RetentionGap says so.
	RetainNone RetentionClass = "none"
)

// Scheduled says whether c is a class of the retention schedule (a row of retention_rules).
func (c RetentionClass) Scheduled() bool {
	for _, s := range RetentionClasses() {
		if string(c) == s {
			return true
		}
	}
	return false
}

// RetentionEndings lists every retention class the register may name: the schedule's, in sweep
// order, then the endings outside it.
func RetentionEndings() []RetentionClass {
	var out []RetentionClass
	for _, c := range RetentionClasses() {
		out = append(out, RetentionClass(c))
	}
	return append(out, RetainExpiry, RetainListed, RetainNone)
}

// Source is where a column's value comes from.
type Source string

// The sources of personal data.
const (
	FromDirectory Source = "directory" // a directory import or push (CSV, LDAP, SCIM)
	FromSignIn    Source = "sign-in"   // the identity provider of single sign-on
	FromCustomer  Source = "customer"  // the person themselves: portal, phone, email
	FromStaff     Source = "staff"     // analysts, administrators and the Data Protection Officer, typing in calldesk
	FromEmail     Source = "email"     // an incoming email, whoever sent it
	FromBrowser   Source = "browser"   // the person's connection and browser: address, user agent
	FromCalldesk  Source = "calldesk"  // written by calldesk itself: copies, composed messages, records of what happened
)

// Encoding is how a column's value is stored: what a scan for a person's identifiers must
// decode to find them.
type Encoding string

// The encodings of stored values.
const (
	Plain       Encoding = "plain text"
	JSONText    Encoding = "JSON"
	MIMEMessage Encoding = "MIME message"        // headers may be RFC 2047-encoded, parts base64 or quoted-printable
	FileBytes   Encoding = "file"                // any format: text, PDF, office documents, images, archives
	ZipArchive  Encoding = "zip"                 // deflated JSON, CSV, HTML, PDF and files
	SearchIndex Encoding = "search index"        // words of other columns as the full-text index keeps them
	DecodedText Encoding = "decoded text"        // the text read in another column's encoded value, kept for the mention finder to narrow
	HexDigest   Encoding = "hex digest or token" // a hash or a random value
)

// Link is how a row leads to the person whose data it holds: Column of the row holds people.id,
// or, with Through ("table.column"), holds the id of a row of that table whose column does.
type Link struct {
	Column  string
	Through string
}

// Whose says whose personal data a column holds.
type Whose struct {
	// Links lead to the people the row belongs to (its customer, its author...).
	Links []Link
	// Identifier: the value is a person's name, address or login with no id beside it (a member
	// of staff recorded by name, a sender's address): found by matching their identifiers whole.
	Identifier bool
	// Anyone: the text may name anyone besides: found only by scanning it for identifiers.
	Anyone bool
}

// String says it in words.
func (w Whose) String() string {
	var parts []string
	for _, l := range w.Links {
		if l.Through != "" {
			parts = append(parts, "the person in "+l.Through+" of the row "+l.Column+" names")
		} else {
			parts = append(parts, "the person in "+l.Column)
		}
	}
	if w.Identifier {
		parts = append(parts, "whoever the value identifies")
	}
	if w.Anyone {
		parts = append(parts, "anyone the text names")
	}
	return strings.Join(parts, "; ")
}

// PersonalColumn is one entry of the register: a column that can hold personal data.
type PersonalColumn struct {
	Table, Column string
	// Engine is "sqlite" or "postgres" for a column that only one engine has ("": both).
	Engine   string
	Category Category
	Whose    Whose
	Sources  []Source
	Stored   Encoding
	// Sealed names the column of the same row that holds the data key this column's content is
	// sealed under (AES-256-GCM, issue 20 point 3) when calldesk runs with a master key; empty:
	// stored as Stored says, in the clear. Every sealed column is listed in sealedTables.
	Sealed string
	// Retention is the class (or ending) that ends the value in time.
	Retention RetentionClass
	// Erasure is how erasure should treat the value; KeepReason says why, for Keep.
	Erasure    Treatment
	KeepReason string
	// Today is what ErasePerson does with the column now (erase.go), in words.
	Today string
	// SAR are the bundle's sections that show (or, per SARGap, should show) the value;
	// SectionNone alone, with SARReason, for one the bundle does not show.
	SAR       []SARSection
	SARReason string
	// The gaps: what erasure, the SAR bundle or retention miss today for this column.
	EraseGap, SARGap, RetentionGap string
}

// Name is "table.column".
func (c PersonalColumn) Name() string { return c.Table + "." + c.Column }

// NotPersonal is a text, bytes or JSON column that holds no personal data, and why.
type NotPersonal struct {
	Table, Column string
	Engine        string // as PersonalColumn.Engine
	Reason        string
}

// Name is "table.column".
func (c NotPersonal) Name() string { return c.Table + "." + c.Column }

// Register returns the register of personal data, a fresh copy on every call.
func Register() []PersonalColumn {
	on := func(col string) Link { return Link{Column: col} }
	via := func(col, through string) Link { return Link{Column: col, Through: through} }
	customer := on("customer_id")
	callCustomer := via("call_id", "calls.customer_id")
	account := via("account_id", "accounts.person_id")
	// staff are the columns that record by name which member of staff did something.
	staff := func(table, col string, retention RetentionClass, retentionGap string) PersonalColumn {
		return PersonalColumn{Table: table, Column: col, Category: CatIdentity, Whose: Whose{Identifier: true},
			Sources: []Source{FromCalldesk}, Stored: Plain, Retention: retention, RetentionGap: retentionGap, Erasure: Pseudonymise,
			Today: "replaced by the pseudonym where it equals one of the erased person's names (erase.go namedBy)",
			SAR:   []SARSection{SectionAudit}, SARGap: staffSARGap}
	}
	// ftsPart is one part (column) of SQLite's search index (search_parts.go), holding holds.
	ftsPart := func(col, holds string) PersonalColumn {
		return PersonalColumn{Table: "call_fts", Column: col, Engine: "sqlite", Category: CatFreeText, Whose: Whose{Links: []Link{via("rowid", "calls.customer_id")}, Anyone: true},
			Sources: []Source{FromCalldesk}, Stored: SearchIndex, Retention: RetainClosedCalls, Erasure: Scrub,
			Today: "holds " + holds + "; every call the erasure touched is indexed again from its scrubbed text; the search compaction job then rewrites " +
				"the index so the old words leave its pages (call_fts_data); anonymised calls are taken out of the index",
			SAR: []SARSection{SectionNone}, SARReason: searchSARReason}
	}
	return []PersonalColumn{
		// The person register.
		{Table: "people", Column: "first_name", Category: CatIdentity, Whose: Whose{Links: []Link{on("id")}},
			Sources: []Source{FromDirectory, FromSignIn, FromStaff}, Stored: Plain, Retention: RetainLeavers, Erasure: Pseudonymise,
			Today: "becomes \"" + ErasedFirstName + "\"", SAR: []SARSection{SectionPerson}},
		{Table: "people", Column: "last_name", Category: CatIdentity, Whose: Whose{Links: []Link{on("id")}},
			Sources: []Source{FromDirectory, FromSignIn, FromStaff}, Stored: Plain, Retention: RetainLeavers, Erasure: Pseudonymise,
			Today: "becomes the pseudonym", SAR: []SARSection{SectionPerson}},
		{Table: "people", Column: "username", Category: CatIdentity, Whose: Whose{Links: []Link{on("id")}},
			Sources: []Source{FromDirectory, FromSignIn, FromStaff}, Stored: Plain, Retention: RetainLeavers, Erasure: Remove,
			Today: "emptied", SAR: []SARSection{SectionPerson}},
		{Table: "people", Column: "email", Category: CatContact, Whose: Whose{Links: []Link{on("id")}},
			Sources: []Source{FromDirectory, FromSignIn, FromStaff}, Stored: Plain, Retention: RetainLeavers, Erasure: Remove,
			Today: "emptied", SAR: []SARSection{SectionPerson}},
		{Table: "people", Column: "student_number", Category: CatAcademic, Whose: Whose{Links: []Link{on("id")}},
			Sources: []Source{FromDirectory, FromStaff}, Stored: Plain, Retention: RetainLeavers, Erasure: Remove,
			Today: "emptied", SAR: []SARSection{SectionPerson}},
		{Table: "people", Column: "phone", Category: CatContact, Whose: Whose{Links: []Link{on("id")}},
			Sources: []Source{FromDirectory, FromStaff}, Stored: Plain, Retention: RetainLeavers, Erasure: Remove,
			Today: "emptied", SAR: []SARSection{SectionPerson}},
		{Table: "people", Column: "department", Category: CatAcademic, Whose: Whose{Links: []Link{on("id")}},
			Sources: []Source{FromDirectory, FromStaff}, Stored: Plain, Retention: RetainLeavers, Erasure: Keep,
			KeepReason: "statistics per department; a department names no one once the name and identifiers are gone",
			Today:      "kept", SAR: []SARSection{SectionPerson}},
		{Table: "people", Column: "job_title", Category: CatIdentity, Whose: Whose{Links: []Link{on("id")}, Anyone: true},
			Sources: []Source{FromDirectory, FromStaff}, Stored: Plain, Retention: RetainLeavers, Erasure: Scrub,
			Today: "emptied on the erased person's own record; another person's job title that names them (\"Assistant to ...\") " +
				"is found by the mention finder and scrubbed",
			SAR: []SARSection{SectionPerson}},
		{Table: "people", Column: "directory_key", Category: CatIdentity, Whose: Whose{Links: []Link{on("id")}},
			Sources: []Source{FromDirectory, FromSignIn}, Stored: Plain, Retention: RetainLeavers, Erasure: Remove,
			Today: "emptied", SAR: []SARSection{SectionPerson}},
		{Table: "people", Column: "restricted_reason", Category: CatFreeText, Whose: Whose{Links: []Link{on("id")}, Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainLeavers, Erasure: Remove,
			Today: "emptied", SAR: []SARSection{SectionPerson}},

		// Accounts and sign-in.
		{Table: "accounts", Column: "login", Category: CatIdentity, Whose: Whose{Links: []Link{on("person_id")}},
			Sources: []Source{FromStaff, FromDirectory, FromSignIn}, Stored: Plain, Retention: RetainLeavers, Erasure: Pseudonymise,
			Today: "becomes \"erased-<person id>\"; the account is closed", SAR: []SARSection{SectionAccount}},
		{Table: "accounts", Column: "password_hash", Category: CatCredential, Whose: Whose{Links: []Link{on("person_id")}},
			Sources: []Source{FromCustomer, FromStaff}, Stored: HexDigest, Retention: RetainLeavers, Erasure: Remove,
			Today: "emptied", SAR: []SARSection{SectionNone}, SARReason: credentialSARReason},
		{Table: "api_tokens", Column: "name", Category: CatFreeText, Whose: Whose{Links: []Link{account}},
			Sources: []Source{FromCustomer, FromStaff}, Stored: Plain, Retention: RetainLeavers, Erasure: Remove,
			Today: "replaced by \"token of an erased person\"; the token is revoked (revoked_at)", SAR: []SARSection{SectionAccount}},
		{Table: "api_tokens", Column: "token_hash", Category: CatCredential, Whose: Whose{Links: []Link{account}},
			Sources: []Source{FromCalldesk}, Stored: HexDigest, Retention: RetainLeavers, Erasure: Remove,
			Today:    "kept: erasure only revokes the token (revoked_at)",
			EraseGap: "the revoked tokens' rows, hash and all, stay after erasure", SAR: []SARSection{SectionNone}, SARReason: credentialSARReason},
		{Table: "sessions", Column: "token_hash", Category: CatCredential, Whose: Whose{Links: []Link{account}},
			Sources: []Source{FromCalldesk}, Stored: HexDigest, Retention: RetainExpiry, Erasure: Remove,
			Today: "the person's sessions are deleted", SAR: []SARSection{SectionNone}, SARReason: credentialSARReason},
		{Table: "password_resets", Column: "token_hash", Category: CatCredential, Whose: Whose{Links: []Link{account}},
			Sources: []Source{FromCalldesk}, Stored: HexDigest, Retention: RetainExpiry, Erasure: Remove,
			Today: "the person's reset links are deleted", SAR: []SARSection{SectionNone}, SARReason: credentialSARReason},
		{Table: "second_factors", Column: "secret", Category: CatCredential, Whose: Whose{Links: []Link{account}},
			Sources: []Source{FromCalldesk}, Stored: HexDigest, Sealed: "key_id", Retention: RetainLeavers, Erasure: Remove,
			Today: "sealed under the account's data key when calldesk runs with a master key (a reset or a new enrolment destroys that key); " +
				"the person's second factor is deleted with their account", SAR: []SARSection{SectionNone}, SARReason: credentialSARReason},
		{Table: "recovery_codes", Column: "code_hash", Category: CatCredential, Whose: Whose{Links: []Link{account}},
			Sources: []Source{FromCalldesk}, Stored: HexDigest, Retention: RetainLeavers, Erasure: Remove,
			Today: "the person's recovery codes are deleted with their account", SAR: []SARSection{SectionNone}, SARReason: credentialSARReason},
		{Table: "supplier_grants", Column: "reason", Category: CatFreeText, Whose: Whose{Links: []Link{account}, Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainAuditRecords, Erasure: Scrub,
			Today: "the mention finder scrubs their identifiers from it", RetentionGap: "supplier grants are kept; no sweep deletes them yet",
			SAR: []SARSection{SectionNone}, SARReason: "the reason is the university's, about a supplier's work; the supplier's reads under it are in audit.csv",
			SARGap: "a supplier's own grants are not listed in their bundle"},
		{Table: "supplier_grants", Column: "refusal", Category: CatFreeText, Whose: Whose{Links: []Link{account}, Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainAuditRecords, Erasure: Scrub,
			Today: "the mention finder scrubs their identifiers from it", RetentionGap: "supplier grants are kept; no sweep deletes them yet",
			SAR: []SARSection{SectionNone}, SARReason: "the DPO's reason for refusing a supplier's access", SARGap: "a supplier's own grants are not listed in their bundle"},
		{Table: "sessions", Column: "client_addr", Category: CatNetwork, Whose: Whose{Links: []Link{account}},
			Sources: []Source{FromBrowser}, Stored: Plain, Retention: RetainExpiry, Erasure: Remove,
			Today: "the person's sessions are deleted", SAR: []SARSection{SectionAccount}},
		{Table: "sessions", Column: "user_agent", Category: CatNetwork, Whose: Whose{Links: []Link{account}},
			Sources: []Source{FromBrowser}, Stored: Plain, Retention: RetainExpiry, Erasure: Remove,
			Today: "the person's sessions are deleted", SAR: []SARSection{SectionAccount}},
		{Table: "signin_failures", Column: "key", Category: CatIdentity, Whose: Whose{Identifier: true},
			Sources: []Source{FromBrowser}, Stored: Plain, Retention: RetainExpiry, Erasure: Remove,
			Today:    "rows whose key contains their login, or any of their identifiers (a login typed as their address), are deleted",
			EraseGap: "\"addr:<address>\" keys of their connection stay until housekeeping",
			SAR:      []SARSection{SectionNone}, SARReason: throttleSARReason},
		{Table: "signin_throttle", Column: "key", Category: CatIdentity, Whose: Whose{Identifier: true},
			Sources: []Source{FromBrowser}, Stored: Plain, Retention: RetainExpiry, Erasure: Remove,
			Today:    "rows whose key contains their login, or any of their identifiers (a login typed as their address), are deleted",
			EraseGap: "\"addr:<address>\" keys of their connection stay until the window ends",
			SAR:      []SARSection{SectionNone}, SARReason: throttleSARReason},

		// Calls.
		callText("summary", []Source{FromCustomer, FromStaff, FromEmail}),
		callText("description", []Source{FromCustomer, FromStaff, FromEmail}),
		callText("resolution", []Source{FromStaff}),
		callText("hold_reason", []Source{FromStaff}),
		callText("cancel_note", []Source{FromStaff, FromCustomer}),
		{Table: "calls", Column: "customer_snapshot", Category: CatIdentity, Whose: Whose{Links: []Link{customer}},
			Sources: []Source{FromCalldesk}, Stored: JSONText, Retention: RetainClosedCalls, Erasure: Pseudonymise,
			Today: "on their own calls, reduced to the pseudonym, department and kind", SAR: []SARSection{SectionCalls}},
		{Table: "calls", Column: "alt_email", Category: CatContact, Whose: Whose{Links: []Link{customer}, Identifier: true},
			Sources: []Source{FromCustomer, FromStaff}, Stored: Plain, Retention: RetainClosedCalls, Erasure: Remove,
			Today: "emptied on their own calls, and on another customer's call that gives their address as its alternative contact",
			SAR:   []SARSection{SectionCalls}},
		{Table: "calls", Column: "alt_phone", Category: CatContact, Whose: Whose{Links: []Link{customer}, Identifier: true},
			Sources: []Source{FromCustomer, FromStaff}, Stored: Plain, Retention: RetainClosedCalls, Erasure: Remove,
			Today: "emptied on their own calls, and on another customer's call that gives their number as its alternative contact",
			SAR:   []SARSection{SectionCalls}},
		{Table: "calls", Column: "special_category", Category: CatSpecial, Whose: Whose{Links: []Link{customer}},
			Sources: []Source{FromCustomer, FromStaff}, Stored: Plain, Retention: RetainSpecialCategory, Erasure: Keep,
			KeepReason: "a mark counted in statistics; once the call's text is scrubbed and the customer is a pseudonym it reveals nothing of anyone",
			Today:      "kept; while it is set the call's summary, description, diary and files are shown only to its group, its analyst and the DPO (access.ReadsCall), and its text is indexed apart (call_fts.sdoc/smail, weights C/D); with a master key its text and diary are sealed under the call's data key and its words indexed blind; only they may move it (access.MayMove), a conflict lists its changes without their texts to others, and the mail log, the quarantine and notifications mask its subject and text", SAR: []SARSection{SectionCalls}},
		{Table: "calls", Column: "search", Engine: "postgres", Category: CatFreeText, Whose: Whose{Links: []Link{customer}, Anyone: true},
			Sources: []Source{FromCalldesk}, Stored: SearchIndex, Retention: RetainClosedCalls, Erasure: Scrub,
			Today: "weighted parts (search_parts.go): A call information, B email-only text, C and D the same of special-category calls " +
				"(with a master key as keyed hashes of the words, search_blind.go); " +
				"rebuilt from the scrubbed text of every call the erasure touched; anonymised calls are taken out of the index",
			SAR: []SARSection{SectionNone}, SARReason: searchSARReason},
		ftsPart("doc", "the call information of a call not marked special category"),
		ftsPart("mail", "the email-only text of a call not marked special category (the support role's, S13)"),
		ftsPart("sdoc", "the call information of a call marked special category (its group's and the DPO's, S8): with a master key, "+
			"its words as keyed hashes (search_blind.go: which sealed calls share a word, not the word); without, its words"),
		ftsPart("smail", "the email-only text of a call marked special category, its words blind as sdoc holds them"),
		{Table: "diary_entries", Column: "body", Category: CatFreeText, Whose: Whose{Links: []Link{callCustomer, on("author_id")}, Anyone: true},
			Sources: []Source{FromStaff, FromCustomer, FromEmail}, Stored: Plain, Sealed: "key_id", Retention: RetainDiaryEntries, Erasure: Scrub,
			Today: specialSealed + "on the calls the erasure touches: every identifier scrubbed on their own calls and in entries they wrote, " +
				"their identifiers wherever the mention finder finds them, however long the diary",
			SAR: []SARSection{SectionCalls, SectionEntries}},
		{Table: "attachments", Column: "filename", Category: CatFile, Whose: Whose{Links: []Link{callCustomer, on("uploaded_by")}, Anyone: true},
			Sources: []Source{FromCustomer, FromStaff, FromEmail}, Stored: Plain, Retention: RetainAttachments, Erasure: Scrub,
			Today: "files on their own calls or uploaded by them are deleted; on other calls a name that names them is scrubbed " +
				"(the mention finder reads every file's name)",
			SAR: []SARSection{SectionFiles}},
		{Table: "attachments", Column: "data", Category: CatFile, Whose: Whose{Links: []Link{callCustomer, on("uploaded_by")}, Anyone: true},
			Sources: []Source{FromCustomer, FromStaff, FromEmail}, Stored: FileBytes, Sealed: "key_id", Retention: RetainAttachments, Erasure: Remove,
			Today: "sealed under the call's data key (with a master key file); deleted with its row on their own calls, when they uploaded it, and when its text names them (the mention " +
				"finder reads text (UTF-8, UTF-16), HTML and zip files, office documents included, and a PDF's text in simple fonts; " +
				"a PDF's CID-font or hex-string text and an image are not read); the call's data key is then replaced (rekey), so older copies of the deleted file (backups, old pages) cannot be opened",
			SAR: []SARSection{SectionFiles}},
		{Table: "attachments", Column: "data_text", Category: CatFile, Whose: Whose{Links: []Link{callCustomer, on("uploaded_by")}, Anyone: true},
			Sources: []Source{FromCustomer, FromStaff, FromEmail}, Stored: DecodedText, Sealed: "key_id", Retention: RetainAttachments, Erasure: Remove,
			Today: "the text of data (desk.FileText), written when the file is stored, sealed as data is; deleted with its row; the mention finder reads " +
				"data only where this holds a needle (opened in batches where it is sealed) or is NULL (files stored before migration 0039)",
			SAR: []SARSection{SectionFiles}},

		// The audit trail.
		{Table: "audit_log", Column: "actor", Category: CatIdentity, Whose: Whose{Links: []Link{on("actor_id")}, Identifier: true},
			Sources: []Source{FromCalldesk}, Stored: Plain, Retention: RetainAuditRecords, Erasure: Pseudonymise,
			Today: "records they made: the pseudonym; other records the erasure rewrites: scrubbed",
			SAR:   []SARSection{SectionAudit}, SARGap: staffSARGap},
		{Table: "audit_log", Column: "client_addr", Category: CatNetwork, Whose: Whose{Links: []Link{on("actor_id")}},
			Sources: []Source{FromBrowser}, Stored: Plain, Retention: RetainAuditRecords, Erasure: Remove,
			Today:    "emptied on the records they made",
			EraseGap: "the address of a failed sign-in or refused single sign-on as them (made by no actor) stays",
			SAR:      []SARSection{SectionAudit}, SARGap: staffSARGap},
		auditText("reason", ""),
		auditText("detail", "audit.csv shows each record's action in words (desk.AuditRecord.What), never its detail, which may quote "+
			"their data: a search they typed, the words of a change"),

		// Email.
		{Table: "mail_messages", Column: "message_id", Category: CatRawEmail, Whose: Whose{Anyone: true},
			Sources: []Source{FromEmail}, Stored: Plain, Retention: RetainEmails, Erasure: Pseudonymise,
			Today:    "kept: it is the key that makes taking mail in exactly-once",
			EraseGap: messageIDGap, SAR: []SARSection{SectionNone}, SARReason: messageIDSARReason, RetentionGap: messageIDRetentionGap},
		{Table: "mail_messages", Column: "sender", Category: CatContact, Whose: Whose{Identifier: true},
			Sources: []Source{FromEmail}, Stored: Plain, Retention: RetainEmails, Erasure: Remove,
			Today: "emptied where it is one of their addresses, on messages on the calls the erasure touches or from their addresses",
			SAR:   []SARSection{SectionEmails}},
		{Table: "mail_messages", Column: "subject", Category: CatFreeText, Whose: Whose{Links: []Link{callCustomer}, Anyone: true},
			Sources: []Source{FromEmail}, Stored: Plain, Retention: RetainEmails, Erasure: Scrub,
			Today: "scrubbed on messages on the calls the erasure touches, from their addresses, or found by the mention finder " +
				"(those in quarantine become discarded)",
			SAR: []SARSection{SectionEmails}},
		{Table: "mail_messages", Column: "reason", Category: CatFreeText, Whose: Whose{Links: []Link{callCustomer}, Anyone: true},
			Sources: []Source{FromCalldesk}, Stored: Plain, Retention: RetainEmails, Erasure: Scrub,
			Today: "scrubbed with the subject (it names the customer a call was made for and the analyst who acted), and wherever " +
				"the mention finder finds their name (\"discarded by <them>\")",
			SAR: []SARSection{SectionEmails}},
		{Table: "mail_messages", Column: "raw", Category: CatRawEmail, Whose: Whose{Links: []Link{callCustomer}, Anyone: true},
			Sources: []Source{FromEmail}, Stored: MIMEMessage, Sealed: "key_id", Retention: RetainEmails, Erasure: Remove,
			Today: "sealed (with a master key file) under the call's data key, or the message's own while it is on no call (quarantine, " +
				"refused, automatic; released onto a call it is sealed again under the call's); deleted (NULL) on the calls the erasure touches, on messages from their addresses, and on every message the " +
				"mention finder finds naming them once decoded (a Cc in encoded words, a quote in quoted-printable, in quarantine too); " +
				"then the calls' keys are replaced and the messages' own keys destroyed, so older copies cannot be opened",
			SAR: []SARSection{SectionEmails}},
		{Table: "mail_messages", Column: "raw_text", Category: CatRawEmail, Whose: Whose{Links: []Link{callCustomer}, Anyone: true},
			Sources: []Source{FromEmail}, Stored: DecodedText, Sealed: "key_id", Retention: RetainEmails, Erasure: Remove,
			Today: "the text of raw (desk.MailText), written when the message is taken in, sealed as raw is; NULL with raw wherever raw is deleted " +
				"(erasure, discarding, retention); the mention finder reads raw only where this holds a needle or is NULL (messages stored before migration 0039)",
			SAR: []SARSection{SectionEmails}},
		{Table: "mail_recipients", Column: "address", Category: CatContact, Whose: Whose{Identifier: true},
			Sources: []Source{FromEmail}, Stored: Plain, Retention: RetainEmails, Erasure: Remove,
			Today: "deleted where it is one of their addresses, and with the messages of the calls the erasure touches " +
				"(the copy list of a call: who may reply to it by email, issue 14)",
			SAR: []SARSection{SectionEmails}},
		{Table: "mail_outbox", Column: "recipient", Category: CatContact, Whose: Whose{Identifier: true},
			Sources: []Source{FromCalldesk}, Stored: Plain, Retention: RetainEmails, Erasure: Remove,
			Today: "mail to them not yet sent is deleted; their address is emptied on the rest, on the calls the erasure touches or sent to them",
			SAR:   []SARSection{SectionSentEmails}},
		outboxText("subject"),
		outboxText("text_body"),
		outboxText("html_body"),
		{Table: "mail_outbox", Column: "in_reply_to", Category: CatRawEmail, Whose: Whose{Anyone: true},
			Sources: []Source{FromEmail}, Stored: Plain, Retention: RetainEmails, Erasure: Pseudonymise,
			Today: "kept", EraseGap: messageIDGap, SAR: []SARSection{SectionNone}, SARReason: messageIDSARReason, RetentionGap: messageIDRetentionGap},
		{Table: "mail_outbox", Column: "refs", Category: CatRawEmail, Whose: Whose{Anyone: true},
			Sources: []Source{FromEmail}, Stored: Plain, Retention: RetainEmails, Erasure: Pseudonymise,
			Today: "kept", EraseGap: messageIDGap, SAR: []SARSection{SectionNone}, SARReason: messageIDSARReason, RetentionGap: messageIDRetentionGap},
		{Table: "mail_outbox", Column: "last_error", Category: CatFreeText, Whose: Whose{Identifier: true, Anyone: true},
			Sources: []Source{FromCalldesk}, Stored: Plain, Retention: RetainEmails, Erasure: Remove,
			Today: "emptied where it quotes one of their identifiers (\"550 <...>: no such user\")",
			SAR:   []SARSection{SectionNone}, SARReason: "a mail server's technical reply; the email itself is in emails_sent.json with its state"},

		// Subject requests, their bundles, erasures, legal holds.
		requestText("identity_how", CatFreeText, ""),
		requestText("third_party", CatIdentity, ""),
		requestText("authority", CatFreeText, ""),
		requestText("extension_reason", CatFreeText, ""),
		requestText("details", CatFreeText, ""),
		requestText("outcome", CatFreeText, ""),
		staff("subject_requests", "identity_by", RetainSubjectRequests, ""),
		staff("subject_requests", "logged_by", RetainSubjectRequests, ""),
		{Table: "sar_bundles", Column: "model", Category: CatFile, Whose: Whose{Links: []Link{on("person_id")}, Anyone: true},
			Sources: []Source{FromCalldesk}, Stored: JSONText, Sealed: "key_id", Retention: RetainSubjectRequests, Erasure: Remove,
			Today: bundleSealed + "deleted from their bundles (kept as expired); another person's bundle still being built that mentions them " +
				"is failed and emptied, to be built again",
			SAR: []SARSection{SectionNone}, SARReason: bundleSARReason},
		{Table: "sar_bundles", Column: "zip", Category: CatFile, Whose: Whose{Links: []Link{on("person_id")}, Anyone: true},
			Sources: []Source{FromCalldesk}, Stored: ZipArchive, Sealed: "key_id", Retention: RetainSubjectRequests, Erasure: Remove,
			Today: bundleSealed + "deleted from their bundles and from another person's bundle still being built that mentions them; " +
				"another person's final bundle keeps what it disclosed to them until its download expires",
			SAR: []SARSection{SectionNone}, SARReason: bundleSARReason},
		staff("sar_bundles", "created_by", RetainSubjectRequests, ""),
		staff("sar_bundles", "final_by", RetainSubjectRequests, ""),
		{Table: "sar_redactions", Column: "original", Category: CatIdentity, Whose: Whose{Identifier: true, Anyone: true},
			Sources: []Source{FromCalldesk}, Stored: Plain, Sealed: "key_id", Retention: RetainSubjectRequests, Erasure: Scrub,
			Today: redactionSealed + "their bundles' candidates are deleted; other bundles' candidates that quote them are scrubbed " +
				"(sealed ones opened, scrubbed and sealed again, and their bundle's key replaced)",
			SAR: []SARSection{SectionNone}, SARReason: "another person's identifier withheld from the requester, for the DPO's review"},
		{Table: "sar_redactions", Column: "context", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromCalldesk}, Stored: Plain, Sealed: "key_id", Retention: RetainSubjectRequests, Erasure: Scrub,
			Today: redactionSealed + "their bundles' candidates are deleted; other bundles' candidates whose sentence quotes them are scrubbed " +
				"(sealed ones opened, scrubbed and sealed again, and their bundle's key replaced)",
			SAR: []SARSection{SectionNone}, SARReason: "the sentence around another person's identifier, copied from a record for the DPO's review"},
		staff("sar_redactions", "decided_by", RetainSubjectRequests, ""),
		{Table: "erasures", Column: "decision", Category: CatFreeText, Whose: Whose{Links: []Link{on("person_id")}, Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainErasures, Erasure: Scrub,
			Today: "written scrubbed of the erased person's identifiers; a later erasure of someone it names scrubs it " +
				"(\"as her manager, Ann Archer, asked\")",
			SAR: []SARSection{SectionNone}, SARReason: "written once the person is erased, when there is nobody to ask for it but by pseudonym",
			SARGap: "someone else it names does not see it in their bundle"},
		staff("erasures", "decided_by", RetainErasures, ""),

		// The breach register and the disclosure log (issue 19 items 3 and 4).
		staff("breaches", "reported_by", RetainBreaches, ""),
		breachText("report"),
		breachText("assessment"),
		breachText("data_categories"),
		breachText("decision"),
		breachText("actions"),
		staff("breaches", "approved_by", RetainBreaches, ""),
		staff("breach_people", "linked_by", RetainBreaches, ""),
		{Table: "disclosures", Column: "requester", Category: CatIdentity, Whose: Whose{Identifier: true, Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainDisclosures, Erasure: Scrub,
			Today: "scrubbed where it names the erased person (an officer who asked is a person too)",
			SAR:   []SARSection{SectionNone}, SARReason: disclosureSARReason},
		disclosureText("basis"),
		disclosureText("requested"),
		disclosureText("decision"),
		staff("disclosures", "approver", RetainDisclosures, ""),
		staff("disclosures", "logged_by", RetainDisclosures, ""),
		{Table: "disclosure_people", Column: "exemption", Category: CatFreeText, Whose: Whose{Links: []Link{on("person_id")}, Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainDisclosures, Erasure: Remove,
			Today: "the erased person's links to disclosures are deleted with their exemptions; another person's exemption that names them is emptied",
			SAR:   []SARSection{SectionNone}, SARReason: "why a disclosure is withheld from the person's own bundle: showing it would defeat the exemption"},
		staff("disclosure_people", "linked_by", RetainDisclosures, ""),
		holdText("reason"),
		holdText("lift_reason"),
		staff("legal_holds", "placed_by", RetainLiftedHolds, ""),
		staff("legal_holds", "lifted_by", RetainLiftedHolds, ""),

		// Directory imports, retention, groups.
		{Table: "import_runs", Column: "problems", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromDirectory}, Stored: Plain, Retention: RetainImportReports, Erasure: Scrub,
			Today: "scrubbed where it contains one of their addresses or other identifiers",
			SAR:   []SARSection{SectionPerson}},
		staff("import_runs", "by_whom", RetainImportReports, ""),
		{Table: "retention_rules", Column: "reason", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainNone, Erasure: Scrub,
			Today:        "every rule's reason is scrubbed at each erasure",
			RetentionGap: "kept until the rule is changed again: the schedule's own words have no class",
			SAR:          []SARSection{SectionNone}, SARReason: "the schedule's reason for a period, which should name no one; erasure scrubs a slip"},
		staff("retention_rules", "changed_by", RetainNone, "kept until the rule is changed again: the schedule's own words have no class"),
		staff("retention_runs", "by_whom", RetainNone, "sweep reports have no retention class: kept for ever"),

		// The DPO's records of processing, privacy notices and audit checks (issue 19: store/ropa.go, store/notices.go).
		{Table: "processing_versions", Column: "reason", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainNone, Erasure: Scrub,
			Today:        "scrubbed where the mention finder finds the erased person's identifiers in it",
			RetentionGap: "the history of the records of processing is kept for as long as calldesk runs: it is the accountability record (7.2)",
			SAR:          []SARSection{SectionNone}, SARReason: "the DPO's reason for changing a record of processing, which should name no one; erasure scrubs a slip"},
		staff("processing_activities", "reviewed_by", RetainNone, "kept until the record is reviewed again"),
		staff("processing_activities", "changed_by", RetainNone, "kept until the record is changed again"),
		staff("processing_versions", "changed_by", RetainNone, "the history of the records of processing is kept for as long as calldesk runs"),
		{Table: "privacy_notices", Column: "body", Category: CatContact, Whose: Whose{Identifier: true},
			Sources: []Source{FromStaff}, Stored: JSONText, Retention: RetainNone, Erasure: Keep,
			KeepReason:   "a published notice is the record of what people were told; the contact details in it are the university's and its Data Protection Officer's, published as such",
			Today:        "kept",
			RetentionGap: "every published version is kept, so that what a person was shown can be read again",
			SAR:          []SARSection{SectionNone}, SARReason: "the notice is public, at /privacy, every version"},
		{Table: "privacy_notices", Column: "reason", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainNone, Erasure: Scrub,
			Today:        "scrubbed where the mention finder finds the erased person's identifiers in it",
			RetentionGap: "kept with its notice version",
			SAR:          []SARSection{SectionNone}, SARReason: "the DPO's reason for publishing a notice, which should name no one; erasure scrubs a slip"},
		staff("privacy_notices", "published_by", RetainNone, "kept with its notice version"),
		staff("audit_verifications", "by_whom", RetainNone, "the checks of the audit trail are kept as evidence of compliance"),
		{Table: "directory_groups", Column: "display_name", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromDirectory}, Stored: Plain, Retention: RetainListed, Erasure: Keep,
			KeepReason: "the directory's name for a group: its next push would restore a scrubbed name; the DPO asks the directory to rename it",
			Today:      "kept; a group named after the person (\"Quartermain lab\") is listed for the DPO in the erasure's record (Kept)",
			SAR:        []SARSection{SectionPerson}, SARGap: "the bundle lists neither the directory groups the person is in nor a group named after them"},

		// Analysts' productivity (issue 16): saved views and canned replies.
		{Table: "saved_views", Column: "name", Category: CatFreeText, Whose: Whose{Links: []Link{on("owner_id")}, Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainNone, Erasure: Scrub,
			Today:        "scrubbed where the mention finder finds the erased person's identifiers in it (a view named after a customer)",
			RetentionGap: "kept until its owner renames or deletes it: a view is a setting, with no retention class",
			SAR:          []SARSection{SectionNone}, SARReason: "an analyst's name for a filter of their queue, which should name no one; erasure scrubs a slip"},
		{Table: "wallboards", Column: "name", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainNone, Erasure: Scrub,
			Today:        "scrubbed where the mention finder finds the erased person's identifiers in it (a screen named after someone's desk)",
			RetentionGap: "kept until an administrator revokes and forgets the link: a setting, with no retention class",
			SAR:          []SARSection{SectionNone}, SARReason: "an administrator's name for where a screen is, which should name no one; erasure scrubs a slip"},
		{Table: "canned_replies", Column: "name", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainNone, Erasure: Scrub,
			Today:        "scrubbed where the mention finder finds the erased person's identifiers in it",
			RetentionGap: "kept until an administrator changes or deletes it: a template, with no retention class",
			SAR:          []SARSection{SectionNone}, SARReason: "an administrator's name for a template, which should name no one; erasure scrubs a slip"},
		{Table: "canned_replies", Column: "body", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainNone, Erasure: Scrub,
			Today: "scrubbed where the mention finder finds the erased person's identifiers in it; the customer's name is " +
				"filled in ({{first_name}}) only in the diary entry made from it, never stored here",
			RetentionGap: "kept until an administrator changes or deletes it: a template, with no retention class",
			SAR:          []SARSection{SectionNone}, SARReason: "a template's words, which should name no one; erasure scrubs a slip"},

		// Consent records, processors and assessments (issue 19 items 5-7).
		{Table: "consent_wordings", Column: "body", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainNone, Erasure: Keep,
			KeepReason:   "the words people agreed to: rewriting them would falsify the record of what was consented to (UK GDPR 7(1)); they should name no one",
			Today:        "kept; a mention is found by the mention finder and listed for the DPO",
			RetentionGap: "kept while any consent given through it is kept: a wording has no class of its own",
			SAR:          []SARSection{SectionConsents}},
		{Table: "consent_wordings", Column: "reason", Category: CatFreeText, Whose: Whose{Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainNone, Erasure: Scrub,
			Today:        "scrubbed where the mention finder finds the erased person's identifiers in it",
			RetentionGap: "kept with its wording",
			SAR:          []SARSection{SectionNone}, SARReason: "the DPO's reason for changing a wording, which should name no one; erasure scrubs a slip"},
		staff("consent_wordings", "created_by", RetainNone, "kept with its wording"),
		{Table: "person_contacts", Column: "alt_email", Category: CatContact, Whose: Whose{Links: []Link{on("person_id")}},
			Sources: []Source{FromCustomer}, Stored: Plain, Retention: RetainLeavers, Erasure: Remove,
			Today: "deleted with its row; also deleted at once when its consent is withdrawn", SAR: []SARSection{SectionConsents}},
		{Table: "person_contacts", Column: "alt_phone", Category: CatContact, Whose: Whose{Links: []Link{on("person_id")}},
			Sources: []Source{FromCustomer}, Stored: Plain, Retention: RetainLeavers, Erasure: Remove,
			Today: "deleted with its row; also deleted at once when its consent is withdrawn", SAR: []SARSection{SectionConsents}},
		{Table: "processors", Column: "contact", Category: CatContact, Whose: Whose{Identifier: true, Anyone: true},
			Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainProcessors, Erasure: Scrub,
			Today: "scrubbed where the mention finder finds the erased person's identifiers in it",
			SAR:   []SARSection{SectionNone}, SARReason: processorSARReason},
		processorText("processors", "sub_processors"),
		processorText("processors", "notes"),
		dpiaText("title"), dpiaText("processing"), dpiaText("assessment"), dpiaText("outcome"),
		staff("dpias", "signed_off_by", RetainDPIAs, ""),
		dpiaText("risk"), dpiaText("mitigation"), dpiaText("filename"),
		{Table: "dpia_files", Column: "data", Category: CatFile, Whose: Whose{Anyone: true},
			Sources: []Source{FromStaff}, Stored: FileBytes, Retention: RetainDPIAs, Erasure: Keep,
			KeepReason: "a document of the university's assessment (a report, a consultation); a mention is listed for the DPO, who decides",
			Today:      "kept; the mention finder lists a document that names the erased person",
			SAR:        []SARSection{SectionNone}, SARReason: processorSARReason},
		staff("dpia_files", "uploaded_by", RetainDPIAs, ""),
	}
}

// processorSARReason is why the bundle does not show the registers of processors and assessments.
const processorSARReason = "a record about processing, not about a person; a mention of the person is found by the mention finder and given to them"

// processorText is a free-text column of the register of processors.
func processorText(table, col string) PersonalColumn {
	return PersonalColumn{Table: table, Column: col, Category: CatFreeText, Whose: Whose{Anyone: true},
		Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainProcessors, Erasure: Scrub,
		Today: "scrubbed where the mention finder finds the erased person's identifiers in it",
		SAR:   []SARSection{SectionNone}, SARReason: processorSARReason}
}

// dpiaText is a free-text column of an assessment (dpias), its risks (dpia_risks: risk,
// mitigation) or its files' names (dpia_files: filename).
func dpiaText(col string) PersonalColumn {
	table := "dpias"
	switch col {
	case "risk", "mitigation":
		table = "dpia_risks"
	case "filename":
		table = "dpia_files"
	}
	return PersonalColumn{Table: table, Column: col, Category: CatFreeText, Whose: Whose{Anyone: true},
		Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainDPIAs, Erasure: Scrub,
		Today: "scrubbed where the mention finder finds the erased person's identifiers in it",
		SAR:   []SARSection{SectionNone}, SARReason: processorSARReason}
}

// specialSealed says what encryption at rest does with a call's text and diary (issue 20 point 3).
// The search index of a sealed call is blind (search_blind.go): its words are indexed as keyed
// hashes (HMAC under the index key, itself wrapped by the master key), so a leaked database shows
// which sealed calls share a word and how often, but not the word; a special call written
// without a master key (or before one was set) keeps its plain words in its special parts.
const specialSealed = "while the call is marked special category and calldesk runs with a master key, sealed under the call's data key " +
	"(marking seals the text and diary it has, unmarking writes them plain again; its words are indexed blind, as keyed hashes: " +
	"call_fts.sdoc/smail, calls.search weights C/D); the mention finder and erasure open it to read and scrub it and seal it again; "

// bundleSealed says what encryption at rest does with a bundle's content.
const bundleSealed = "sealed under the bundle's data key when calldesk runs with a master key, which is destroyed when the bundle " +
	"expires, is emptied or deleted (its copies in old pages and backups become unreadable); "

// redactionSealed says what encryption at rest does with a bundle's redaction candidates.
const redactionSealed = "sealed under their bundle's data key when calldesk runs with a master key (an empty value stays as it is); " +
	"deleted with the bundle's content when it expires, is emptied or deleted, its key destroyed with them; "

// callText is a free-text column of calls.
func callText(col string, from []Source) PersonalColumn {
	return PersonalColumn{Table: "calls", Column: col, Category: CatFreeText, Whose: Whose{Links: []Link{{Column: "customer_id"}}, Anyone: true},
		Sources: from, Stored: Plain, Sealed: "key_id", Retention: RetainClosedCalls, Erasure: Scrub,
		Today: specialSealed + "on their own calls every identifier of theirs becomes the pseudonym; on other customers' calls the mention finder " +
			"finds (the whole text read, however long), their identifiers; a call on legal hold is left as it is and listed for the DPO",
		SAR: []SARSection{SectionCalls}}
}

// auditText is a free-text column of audit_log.
func auditText(col, sarGap string) PersonalColumn {
	return PersonalColumn{Table: "audit_log", Column: col, Category: CatFreeText, Whose: Whose{Links: []Link{{Column: "actor_id"}}, Anyone: true},
		Sources: []Source{FromCalldesk, FromStaff}, Stored: Plain, Retention: RetainAuditRecords, Erasure: Scrub,
		Today: "scrubbed on the records they made, the records about them (audit_persons), about a call the erasure touches, " +
			"about a stored email it scrubs, and every record the mention finder finds naming them (a failed sign-in typed as " +
			"their email, a search for their phone URL-encoded, a file named after them); each rewritten record keeps the digest " +
			"the hash chain covers",
		SAR: []SARSection{SectionAudit}, SARGap: sarGap}
}

// outboxText is a column of an email calldesk composed.
func outboxText(col string) PersonalColumn {
	gap := ""
	if col == "html_body" {
		gap = "emails_sent.json holds the text of each email, not its HTML"
	}
	return PersonalColumn{Table: "mail_outbox", Column: col, Category: CatFreeText,
		Whose:   Whose{Links: []Link{{Column: "call_id", Through: "calls.customer_id"}}, Anyone: true},
		Sources: []Source{FromCalldesk}, Stored: Plain, Retention: RetainEmails, Erasure: Scrub,
		Today: "every identifier of theirs scrubbed, on the mail of the calls the erasure touches and mail sent to their addresses",
		SAR:   []SARSection{SectionSentEmails}, SARGap: gap}
}

// breachText is a free-text column of the breach register.
func breachText(col string) PersonalColumn {
	return PersonalColumn{Table: "breaches", Column: col, Category: CatFreeText, Whose: Whose{Anyone: true},
		Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainBreaches, Erasure: Scrub,
		Today: "the breach stays; the erased person's links to it are deleted (breach_people) and every identifier of theirs " +
			"in its text becomes the pseudonym",
		SAR: []SARSection{SectionBreaches}, SARGap: "breaches.json lists the breaches a person is linked to; one that names them without " +
			"the link is listed among the mentions"}
}

// disclosureText is a free-text column of the disclosure log.
func disclosureText(col string) PersonalColumn {
	return PersonalColumn{Table: "disclosures", Column: col, Category: CatFreeText, Whose: Whose{Anyone: true},
		Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainDisclosures, Erasure: Scrub,
		Today: "the disclosure stays; the erased person's links to it are deleted (disclosure_people) and every identifier of " +
			"theirs in its text becomes the pseudonym",
		SAR: []SARSection{SectionDisclosure}, SARGap: "disclosures.json shows a disclosure to the people linked to it unless an " +
			"exemption is recorded; a person its text names without the link does not see it (the SAR bundle's mentions leave " +
			"disclosures out, so an exemption cannot be bypassed): the DPO links them"}
}

// requestText is a column of subject_requests.
func requestText(col string, cat Category, sarGap string) PersonalColumn {
	return PersonalColumn{Table: "subject_requests", Column: col, Category: cat, Whose: Whose{Links: []Link{{Column: "person_id"}}, Anyone: true},
		Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainSubjectRequests, Erasure: Scrub,
		Today: "on their own requests every identifier of theirs becomes the pseudonym; another person's request that names " +
			"them is scrubbed of their identifiers",
		SAR: []SARSection{SectionRequests}, SARGap: sarGap}
}

// holdText is a free-text column of legal_holds.
func holdText(col string) PersonalColumn {
	return PersonalColumn{Table: "legal_holds", Column: col, Category: CatFreeText,
		Whose:   Whose{Links: []Link{{Column: "person_id"}, {Column: "call_id", Through: "calls.customer_id"}}, Anyone: true},
		Sources: []Source{FromStaff}, Stored: Plain, Retention: RetainLiftedHolds, Erasure: Scrub,
		Today: "on holds on them or on a call the erasure touches, every identifier of theirs becomes the pseudonym " +
			"(an active hold on them or their call refuses the erasure); a lifted hold on another call that names them is " +
			"scrubbed; a hold in force on another call keeps its reasons, and its call is listed for the DPO",
		SAR: []SARSection{SectionLegalHolds}}
}

// Words shared by several entries.
const (
	staffSARGap = "the bundle of a member of staff lists the audit records that concern them (audit_persons), " +
		"not what they did, so their own actions, recorded by name, are not in it"
	credentialSARReason = "a hash of a secret: no use to the person and of use to an attacker; account.json says the account, " +
		"sign-in or token exists"
	throttleSARReason = "counts of sign-in attempts, kept a day at most, to slow password guessing"
	searchSARReason   = "a derived copy of the call's words, all shown in calls.json"
	bundleSARReason   = "the bundle is the subject access answer itself"
	messageIDGap      = "kept after erasure: some mail programs build it from the sender's address, which then survives; erasure " +
		"could keep its SHA-256 instead, which still recognises a redelivery"
	messageIDSARReason    = "a technical identifier of an email; the email itself is in emails.json"
	disclosureSARReason   = "who asked for the data: disclosures.json names the organisation and its reference"
	messageIDRetentionGap = "anonymising a stored email (the default action of the emails class) keeps it"
)

// ropaWords is why the descriptive fields of a record of processing hold no personal data.
const ropaWords = "the DPO's description of a processing activity in general terms, naming no one"

// NotPersonalColumns lists the text, bytes and JSON columns that hold no personal data, each
// with its reason, a fresh copy on every call.
func NotPersonalColumns() []NotPersonal {
	const word = "one of a fixed set of words"
	const keyReason = "the id of the data key the row's content is sealed under (data_keys), or NULL: a number naming a key, not a person"
	return []NotPersonal{
		{Table: "people", Column: "kind", Reason: word + " (staff, student...); statistics by kind"},
		{Table: "attachments", Column: "key_id", Reason: "the id of the data key the file is sealed under (data_keys), NULL when plain"},
		{Table: "mail_messages", Column: "key_id", Reason: "the id of the data key the message is sealed under (data_keys), NULL when plain"},
		{Table: "people", Column: "source", Reason: word + ": how the record was first made"},
		{Table: "people", Column: "directory_source", Reason: "the name of a directory import (a CSV export, an LDAP tree), the same for all its people"},
		{Table: "people", Column: "left_by", Reason: word + " (directory, scim, admin): how the record changed"},
		{Table: "people", Column: "pseudonym", Reason: "a random code given at erasure, spelling no name; the erased record it stands for holds no identifier"},
		{Table: "person_field_sources", Column: "field", Reason: "the name of a field of the person record"},
		{Table: "person_field_sources", Column: "source", Reason: "the name of the directory import that set the field"},
		{Table: "accounts", Column: "roles", Reason: word + ": the roles an account holds"},
		{Table: "sessions", Column: "via", Reason: word + ": how the sign-in was made (password, oidc, saml)"},
		{Table: "call_withdrawals", Column: "from_state", Reason: word + ": the state a call was withdrawn from"},
		{Table: "sessions", Column: "surface", Reason: word + ": console or portal"},
		{Table: "supplier_grants", Column: "processor", Reason: "the name of a supplier firm (a processor), not of a person"},
		{Table: "supplier_grants", Column: "scope", Reason: word + ": what a supplier grant opens"},
		{Table: "supplier_grants", Column: "state", Reason: word + ": requested, approved, refused, ended"},
		{Table: "supplier_grants", Column: "call_refs", Reason: "calls' references"},
		{Table: "sessions", Column: "pending", Reason: word + ": what the session awaits before it is signed in (a second factor's code, enrolment)"},
		{Table: "sso_states", Column: "state_hash", Reason: "the hash of a random value of a single sign-on in progress, linked to no account, gone within minutes"},
		{Table: "form_keys", Column: "form_key", Reason: "a random value drawn into a form, to log its call once"},
		{Table: "form_keys", Column: "call_ref", Reason: "a call's reference"},
		{Table: "calls", Column: "kind", Reason: word},
		{Table: "calls", Column: "key_id", Reason: keyReason},
		{Table: "diary_entries", Column: "key_id", Reason: keyReason},
		{Table: "sar_bundles", Column: "key_id", Reason: keyReason},
		{Table: "sar_redactions", Column: "key_id", Reason: keyReason},
		{Table: "second_factors", Column: "key_id", Reason: keyReason},
		{Table: "calls", Column: "source", Reason: word + ": the channel the call came through"},
		{Table: "calls", Column: "impact", Reason: word},
		{Table: "calls", Column: "urgency", Reason: word},
		{Table: "calls", Column: "state", Reason: word},
		{Table: "call_events", Column: "call_ref", Reason: "a call's reference"},
		{Table: "call_events", Column: "action", Reason: word},
		{Table: "call_events", Column: "state", Reason: word},
		{Table: "diary_entries", Column: "kind", Reason: word},
		{Table: "attachments", Column: "content_type", Reason: "a media type (text/plain)"},
		{Table: "attachments", Column: "sha256", Reason: "the digest of a file's content, to check it; reveals nothing of it"},
		{Table: "audit_log", Column: "action", Reason: word},
		{Table: "audit_log", Column: "object_type", Reason: word},
		{Table: "audit_log", Column: "object_id", Reason: "an id, a call's reference, a retention class or the audit anchor (seq:hash)"},
		{Table: "audit_log", Column: "persons", Reason: "the ids of the people a record concerns, as numbers; their identifiers live in people"},
		{Table: "audit_log", Column: "surface", Reason: "the screen or route an action came through (console, api, portal...): a word"},
		{Table: "audit_log", Column: "redacted_digest", Reason: "the SHA-256 of a rewritten record's former fields, which the hash chain covers"},
		{Table: "audit_log", Column: "rewrites", Reason: "the audit ids of the erasures that rewrote a record, each with the SHA-256 of the fields it wrote, which its own record attests"},
		{Table: "audit_chain", Column: "prev_hash", Reason: "a link of the hash chain"},
		{Table: "audit_chain", Column: "hash", Reason: "a link of the hash chain"},
		{Table: "audit_anchor", Column: "hash", Reason: "a link of the hash chain"},
		{Table: "master_keys", Column: "id", Reason: "the name of a master key (its date and a fingerprint), not the key"},
		{Table: "master_keys", Column: "check_value", Reason: "a fixed text sealed under a master key, to tell a wrong key file at start-up"},
		{Table: "data_keys", Column: "owner_kind", Reason: word + ": call, message, bundle, account"},
		{Table: "data_keys", Column: "master_id", Reason: "the name of the master key that wraps the data key"},
		{Table: "data_keys", Column: "wrapped", Reason: "a random data key, sealed under a master key kept outside the database; it opens content the register lists with its key column"},
		{Table: "audit_head", Column: "hash", Reason: "a link of the hash chain (the newest sealed under the audit key)"},
		{Table: "audit_head", Column: "mac", Reason: "an HMAC-SHA256 of the chain's head under the audit key"},
		{Table: "mail_messages", Column: "digest", Reason: "the SHA-256 of a message's originator headers and body, to tell a true duplicate " +
			"from a different message that reuses a Message-ID; reveals nothing of it"},
		{Table: "mail_messages", Column: "mailbox", Reason: "the name of the service desk's own mailbox a message was taken from"},
		{Table: "mail_messages", Column: "disposition", Reason: word},
		{Table: "mail_messages", Column: "auth_result", Reason: word + ": the mail server's verdict (pass, fail, none)"},
		{Table: "mail_messages", Column: "auth_method", Reason: word + ": the check that decided (dmarc, dkim, spf)"},
		{Table: "mail_outbox", Column: "message_id", Reason: "calldesk's own Message-ID: a random value at calldesk's domain"},
		{Table: "mail_outbox", Column: "kind", Reason: word},
		{Table: "mail_outbox", Column: "state", Reason: word},
		{Table: "support_groups", Column: "name", Reason: "the name of a team of the service desk"},
		{Table: "support_groups", Column: "mailbox", Reason: "a team's shared mailbox"},
		{Table: "profiles", Column: "name", Reason: "a category of calls"},
		{Table: "profiles", Column: "path", Reason: "a category of calls and its parents"},
		{Table: "directory_groups", Column: "external_id", Reason: "the directory's opaque id for a group"},
		{Table: "directory_groups", Column: "source", Reason: "the name of the directory that pushed the group"},
		{Table: "saved_views", Column: "queue", Reason: word + ": the key of a console queue"},
		{Table: "report_subscriptions", Column: "kind", Reason: word + ": the key of a report"},
		{Table: "wallboards", Column: "token_hash", Reason: "the SHA-256 of a random link token"},
		{Table: "report_subscriptions", Column: "every", Reason: word + " (week, month)"},
		{Table: "report_subscriptions", Column: "filter", Reason: "a report's filter as a URL query: ids of a group and a profile, a priority, a source and a kind of customer, no text typed"},
		{Table: "saved_views", Column: "query", Reason: "a queue's filter and sort as a URL query: ids of a group, an analyst and a profile, a priority, an age and a sort, no text typed"},
		{Table: "canned_replies", Column: "kind", Reason: word + " (update, resolution)"},
		{Table: "sla_calendars", Column: "name", Reason: "an administrator's name for a working-time calendar, such as \"Service Desk hours\": it names a team's hours, not a person"},
		{Table: "sla_calendars", Column: "zone", Reason: "an IANA time zone name"},
		{Table: "sla_calendars", Column: "week", Reason: "working hours of each weekday, times of day only"},
		{Table: "sla_calendars", Column: "region", Reason: word + ": a UK bank holiday region"},
		{Table: "sla_closures", Column: "day", Reason: "a date the desk is closed"},
		{Table: "sla_closures", Column: "name", Reason: "an administrator's name for a closure or extra holiday, such as \"Christmas closure\": it names a day, not a person"},
		{Table: "sla_closures", Column: "spans", Reason: "times of day the desk is closed"},
		{Table: "sla_rules", Column: "name", Reason: "an administrator's name for a service-level target, such as \"P2 standard\": it names a rule, not a person"},
		{Table: "sla_rules", Column: "customer_kind", Reason: word + ": a kind of customer the rule applies to (staff, student...), not anyone's"},
		{Table: "sla_rules", Column: "respond_on", Reason: word + ": the event that stops the respond clock"},
		{Table: "sla_rules", Column: "respond_pause", Reason: "call states (words of a fixed set) that pause the respond clock"},
		{Table: "sla_rules", Column: "resolve_pause", Reason: "call states (words of a fixed set) that pause the resolve clock"},
		{Table: "sla_escalation_points", Column: "target", Reason: word + ": the clock a point watches (respond, resolve)"},
		{Table: "sla_escalation_points", Column: "action", Reason: word + ": what a point does (notify_leads, raise_priority...)"},
		{Table: "call_sla", Column: "history", Reason: "a call's clock events: instants, event names and call states of a fixed set, nobody's data"},
		{Table: "call_sla", Column: "why", Reason: "which service-level rule and calendar apply and why: rule, profile and calendar names and the customer's kind (staff, student...), never a name"},
		{Table: "call_sla", Column: "respond_state", Reason: word + ": the respond clock's state"},
		{Table: "call_sla", Column: "resolve_state", Reason: word + ": the resolve clock's state"},
		{Table: "call_sla", Column: "band", Reason: word + ": whether a call is within its targets, at risk or overdue"},
		{Table: "import_runs", Column: "source", Reason: "the name of a directory import"},
		{Table: "import_runs", Column: "state", Reason: word},
		{Table: "import_runs", Column: "reason", Reason: "why a run was held, in counts (\"12 people no longer listed...\"), or why it failed"},
		{Table: "import_runs", Column: "digest", Reason: "the SHA-256 of the records an import read"},
		{Table: "import_claims", Column: "source", Reason: "the name of a directory import"},
		{Table: "import_claims", Column: "day", Reason: "a date"},
		{Table: "subject_requests", Column: "kind", Reason: word},
		{Table: "subject_requests", Column: "state", Reason: word},
		{Table: "subject_requests", Column: "channel", Reason: word + ": where the request was logged (portal, console)"},
		{Table: "sar_bundles", Column: "state", Reason: word},
		{Table: "breaches", Column: "state", Reason: word},
		{Table: "breaches", Column: "risk", Reason: word + ": the risk to people's rights and freedoms"},
		{Table: "breaches", Column: "notify", Reason: word + ": whether the ICO is to be notified"},
		{Table: "breaches", Column: "people_told", Reason: word + ": whether the people affected were told"},
		{Table: "breaches", Column: "ico_reference", Reason: "the ICO's reference for a notified breach"},
		{Table: "disclosures", Column: "kind", Reason: word},
		{Table: "disclosures", Column: "state", Reason: word},
		{Table: "disclosures", Column: "organisation", Reason: "the name of the organisation that asked (a police force, an agency), not a person"},
		{Table: "disclosures", Column: "reference", Reason: "the organisation's reference for its request (a crime number)"},
		{Table: "disclosures", Column: "form", Reason: "the name of the form or documented procedure a request came under"},
		{Table: "sar_bundles", Column: "error", Reason: "calldesk's words on why a build failed or a bundle expired, naming records by id"},
		{Table: "sar_bundles", Column: "sha256", Reason: "the digest of a bundle's zip"},
		{Table: "sar_redactions", Column: "location", Reason: "where a candidate stands: a call's reference and an entry's id"},
		{Table: "sar_redactions", Column: "link", Reason: "the console page where a candidate stands: a path with a call's reference or a record's id"},
		{Table: "sar_redactions", Column: "kind", Reason: word},
		{Table: "sar_redactions", Column: "decision", Reason: word},
		{Table: "erasures", Column: "pseudonym", Reason: "a random code given at erasure, spelling no name"},
		{Table: "erasures", Column: "basis", Reason: word + ": the lawful basis"},
		{Table: "erasures", Column: "ground", Reason: word + ": the ground for erasure"},
		{Table: "erasures", Column: "counts", Reason: "JSON of numbers (how many records the erasure changed) and of the places it " +
			"kept with the register's reason (\"call F0000009\", \"legal_holds.reason 12\"): references and fixed words, naming no one"},
		{Table: "retention_rules", Column: "class", Reason: word},
		{Table: "retention_rules", Column: "start", Reason: word},
		{Table: "retention_rules", Column: "action", Reason: word},
		{Table: "retention_run_classes", Column: "class", Reason: word},
		{Table: "retention_run_classes", Column: "action", Reason: word},
		{Table: "retention_runs", Column: "state", Reason: word},
		{Table: "retention_runs", Column: "error", Reason: "why a sweep failed; people are named by id only (privacy.Retention takes names out of erasures' errors)"},
		{Table: "processing_activities", Column: "code", Reason: "a short name of a processing activity (call-handling)"},
		{Table: "processing_activities", Column: "name", Reason: "the name of a processing activity"},
		{Table: "processing_activities", Column: "purpose", Reason: ropaWords},
		{Table: "processing_activities", Column: "lawful_basis", Reason: ropaWords},
		{Table: "processing_activities", Column: "special_condition", Reason: ropaWords},
		{Table: "processing_activities", Column: "people", Reason: ropaWords + ": categories of people (students, staff), never a person"},
		{Table: "processing_activities", Column: "recipients", Reason: ropaWords + ": categories of recipients"},
		{Table: "processing_activities", Column: "transfers", Reason: ropaWords},
		{Table: "processing_activities", Column: "security", Reason: ropaWords},
		{Table: "processing_activities", Column: "tables", Reason: "names of register tables"},
		{Table: "processing_activities", Column: "obligation", Reason: ropaWords},
		{Table: "processing_activities", Column: "automated", Reason: ropaWords},
		{Table: "processing_versions", Column: "record", Reason: "JSON of a record of processing's fields as they were (the columns of processing_activities above, without who changed it)"},
		{Table: "audit_verifications", Column: "first", Reason: "the first problem a check of the audit chain found: its kind and link number, in calldesk's words"},
		{Table: "maintenance", Column: "name", Reason: "the name of a maintenance job"},
		{Table: "locks", Column: "name", Reason: "the name of a lock that serialises work across instances (migrate, seal, retention)"},
		{Table: "counters", Column: "name", Engine: "sqlite", Reason: "the name of a counter (PostgreSQL uses a sequence)"},
		{Table: "consent_wordings", Column: "purpose", Reason: word + ": the purpose consented to"},
		{Table: "consents", Column: "purpose", Reason: word + ": the purpose consented to"},
		{Table: "processors", Column: "name", Reason: "the name of a company that processes data for the university"},
		{Table: "processors", Column: "service", Reason: "what a processor does for calldesk (hosting, email...)"},
		{Table: "processors", Column: "contract_date", Reason: "a date"},
		{Table: "processors", Column: "clauses", Reason: "letters of the article 28(3) clauses a contract carries"},
		{Table: "processors", Column: "review_due", Reason: "a date"},
		{Table: "processors", Column: "reminded_for", Reason: "a date"},
		{Table: "processor_transfers", Column: "country", Reason: "a country data goes to"},
		{Table: "processor_transfers", Column: "safeguard", Reason: word + ": the safeguard of a transfer"},
		{Table: "dpias", Column: "kind", Reason: word + " (dpia, lia)"},
		{Table: "dpias", Column: "review_due", Reason: "a date"},
		{Table: "dpias", Column: "reminded_for", Reason: "a date"},
		{Table: "dpia_risks", Column: "likelihood", Reason: word},
		{Table: "dpia_risks", Column: "severity", Reason: word},
		{Table: "dpia_files", Column: "content_type", Reason: "a media type (application/pdf)"},
		{Table: "dpia_files", Column: "sha256", Reason: "the digest of a file's content, to check it; reveals nothing of it"},
		{Table: "schema_migrations", Column: "name", Reason: "the name of a migration"},
	}
}

// ColumnsOf returns the register's columns of the categories cats, in register order.
func ColumnsOf(cats ...Category) []PersonalColumn {
	var out []PersonalColumn
	for _, c := range Register() {
		for _, want := range cats {
			if c.Category == want {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// FreeTextColumns returns the register's free-text columns.
func FreeTextColumns() []PersonalColumn { return ColumnsOf(CatFreeText) }

// MentionColumns returns the columns whose values may name anyone (Whose.Anyone): free text,
// files, emails and the like, which a search for a person's mentions must scan on engine
// ("sqlite" or "postgres"), decoding each as its Stored says.
func MentionColumns(engine string) []PersonalColumn {
	var out []PersonalColumn
	for _, c := range Register() {
		if c.Whose.Anyone && (c.Engine == "" || c.Engine == engine) {
			out = append(out, c)
		}
	}
	return out
}
