package privacy

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// This file gathers a subject access request (SAR) bundle (issue 7 item 2): everything calldesk
// holds about one person, with other people's identifiers in free text marked as redaction
// candidates. Gathering reads the store a page at a time; rendering (sar_render.go) turns the
// gathered Bundle into the zip the person receives, once the DPO has decided each candidate.

// sarPage is how many calls are read (with their entries, files and emails) per round trip, and
// how often progress is reported.
const sarPage = 100

// Bundle is everything gathered for one person's subject access request, ready to render. Its
// free text holds redaction markers (see Redaction) in place of other people's identifiers.
type Bundle struct {
	PersonID    int64     `json:"person_id"`
	Name        string    `json:"name"`
	GeneratedAt time.Time `json:"generated_at"`
	// Zone is the desk's zone, in which report.html and report.pdf show times (Builder.Zone);
	// kept with a model in review, so that it is made final in the same zone.
	Zone       desk.Zone       `json:"time_zone"`
	Fields     []Field         `json:"fields"`
	Calls      []BundleCall    `json:"calls"`
	Authored   []BundleEntry   `json:"authored_entries"`
	Emails     []BundleEmail   `json:"emails"`
	Files      []BundleFile    `json:"files"`
	Audit      []BundleAudit   `json:"audit"`
	Requests   []BundleRequest `json:"requests"`
	SentEmails []BundleSent    `json:"emails_sent"`
	LegalHolds []BundleHold    `json:"legal_holds"`
	// Breaches are the personal data breaches the person is linked to as affected (issue 19
	// item 3); Disclosures the disclosures of their data to third parties, but those the DPO
	// withheld under an exemption, recorded with its reason (item 4).
	Breaches    []BundleBreach     `json:"breaches"`
	Disclosures []BundleDisclosure `json:"disclosures"`
	Account     *BundleAccount     `json:"account,omitempty"`
	// Consents are the person's consents (issue 19 item 5), with the words they agreed to, and
	// the optional contact details held on one in force.
	Consents []BundleConsent `json:"consents"`
	// Mentions are the places on other people's records that name the person (issue 15 point
	// 4): each the sentence that does, redacted like the rest, under the section the register
	// names for its column.
	Mentions   []BundleMention `json:"mentions,omitempty"`
	Redactions []Redaction     `json:"redactions"`
	Warnings   []string        `json:"warnings,omitempty"`
	// sentOfCalls are the emails sent about the person's calls, gathered with them, redacted
	// after the rest of their text.
	sentOfCalls []store.SAROutMail
}

// Field is one field of the person record with where it came from.
type Field struct {
	Name   string    `json:"field"`
	Value  string    `json:"value"`
	Source string    `json:"source"`
	SetAt  time.Time `json:"set_at,omitzero"`
}

// BundleCall is one call where the person is the customer.
type BundleCall struct {
	Ref             string        `json:"reference"`
	Kind            string        `json:"kind"`
	State           string        `json:"state"`
	Summary         string        `json:"summary"`
	Description     string        `json:"description"`
	Resolution      string        `json:"resolution,omitempty"`
	HoldReason      string        `json:"hold_reason,omitempty"`
	CancelNote      string        `json:"cancel_note,omitempty"`
	AltEmail        string        `json:"alternative_email,omitempty"`
	AltPhone        string        `json:"alternative_phone,omitempty"`
	Source          string        `json:"logged_through"`
	Profile         string        `json:"profile,omitempty"`
	Priority        int           `json:"priority"`
	Group           string        `json:"group,omitempty"`
	Analyst         string        `json:"analyst,omitempty"`
	LoggedBy        string        `json:"logged_by,omitempty"`
	SpecialCategory bool          `json:"special_category"`
	Customer        desk.Snapshot `json:"customer_details_when_logged"`
	LoggedAt        time.Time     `json:"logged_at"`
	ResolvedAt      time.Time     `json:"resolved_at,omitzero"`
	ClosedAt        time.Time     `json:"closed_at,omitzero"`
	UpdatedAt       time.Time     `json:"updated_at"`
	Entries         []BundleEntry `json:"diary"`
}

// BundleEntry is a diary entry: on one of the person's calls, or one they wrote on another's.
type BundleEntry struct {
	ID      int64     `json:"id"`
	CallRef string    `json:"call"`
	Kind    string    `json:"kind"`
	Public  bool      `json:"public"`
	Author  string    `json:"author"`
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
}

// BundleEmail is an email taken in on one of the person's calls, or from the person on no call
// of theirs (Disposition then says what became of it): its headers and text, never the raw
// message (whose headers name other people and their systems).
type BundleEmail struct {
	ID          int64     `json:"id"`
	CallRef     string    `json:"call"`
	Disposition string    `json:"what_became_of_it,omitempty"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Cc          string    `json:"cc,omitempty"`
	Subject     string    `json:"subject"`
	Date        time.Time `json:"date,omitzero"`
	Text        string    `json:"text"`
}

// BundleSent is an email calldesk sent to the person, or about one of their calls (to whoever
// it went).
type BundleSent struct {
	ID      int64     `json:"id"`
	CallRef string    `json:"call,omitempty"`
	Kind    string    `json:"kind"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	State   string    `json:"state"`
	Queued  time.Time `json:"queued_at"`
	SentAt  time.Time `json:"sent_at,omitzero"`
}

// BundleHold is a legal hold on the person or one of their calls: while placed, their data is
// kept past its retention period.
type BundleHold struct {
	ID         int64     `json:"id"`
	CallRef    string    `json:"call,omitempty"`
	Reason     string    `json:"reason"`
	PlacedBy   string    `json:"placed_by"`
	PlacedAt   time.Time `json:"placed_at"`
	LiftedBy   string    `json:"lifted_by,omitempty"`
	LiftedAt   time.Time `json:"lifted_at,omitzero"`
	LiftReason string    `json:"lift_reason,omitempty"`
}

// BundleBreach is a personal data breach that affected the person: what happened, which of
// their data, the risk, whether the ICO was notified and they were told, and what was done.
type BundleBreach struct {
	ID             int64     `json:"id"`
	AwareAt        time.Time `json:"university_aware_at"`
	State          string    `json:"state"`
	WhatHappened   string    `json:"what_happened"`
	DataCategories string    `json:"data_concerned,omitempty"`
	Risk           string    `json:"risk_to_you,omitempty"`
	NotifiedICOAt  time.Time `json:"notified_to_the_ico_at,omitzero"`
	ICOReference   string    `json:"ico_reference,omitempty"`
	PeopleTold     string    `json:"people_affected_told,omitempty"`
	Actions        string    `json:"actions_taken,omitempty"`
}

// BundleDisclosure is a disclosure of the person's data to a third party: who asked, on what
// basis, what was asked for, and the decision.
type BundleDisclosure struct {
	ID           int64     `json:"id"`
	ReceivedAt   time.Time `json:"asked_at"`
	Kind         string    `json:"kind"`
	Organisation string    `json:"organisation"`
	Reference    string    `json:"their_reference,omitempty"`
	Basis        string    `json:"legal_basis"`
	Requested    string    `json:"data_asked_for"`
	State        string    `json:"decision"`
	Approver     string    `json:"decided_by,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero"`
}

// BundleConsent is one of the person's consents: the purpose, the wording (its version and
// words) they agreed to, when, when withdrawn, and the details held under it while in force.
type BundleConsent struct {
	Purpose     string    `json:"purpose"`
	Version     int       `json:"wording_version"`
	Wording     string    `json:"wording"`
	GivenAt     time.Time `json:"given_at"`
	WithdrawnAt time.Time `json:"withdrawn_at,omitzero"`
	AltEmail    string    `json:"alternate_email,omitempty"`
	AltPhone    string    `json:"alternate_phone,omitempty"`
}

// BundleAccount is the person's account: their sign-ins and API tokens (names and dates, never
// the tokens or their hashes).
type BundleAccount struct {
	Login     string          `json:"login"`
	Roles     []string        `json:"roles"`
	Active    bool            `json:"active"`
	CreatedAt time.Time       `json:"created_at"`
	Sessions  []BundleSession `json:"sign_ins"`
	Tokens    []BundleToken   `json:"api_tokens"`
}

// BundleSession is one sign-in of the person's.
type BundleSession struct {
	At       time.Time `json:"at"`
	LastSeen time.Time `json:"last_seen"`
	Via      string    `json:"via"`
	Address  string    `json:"client_address,omitempty"`
	Browser  string    `json:"browser,omitempty"` // what the browser said of itself (its user agent)
}

// BundleToken is one API token of the person's account.
type BundleToken struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// BundleFile is an attachment: of one of the person's calls, or uploaded by them. A file someone
// else added to their call is a review item (Review, its redaction number): the DPO releases or
// withholds it.
type BundleFile struct {
	Review      int       `json:"review,omitempty"`
	ID          int64     `json:"id"`
	CallRef     string    `json:"call"`
	Path        string    `json:"path"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	At          time.Time `json:"at"`
	others      bool      // someone else added it: a review item, once gathering ends
}

// BundleAudit is one audit record concerning the person: who did what with their data, when,
// through which screen.
type BundleAudit struct {
	At      time.Time `json:"at"`
	Who     string    `json:"who"`
	Via     string    `json:"via"`
	What    string    `json:"what"`
	Action  string    `json:"action"`
	Reason  string    `json:"reason,omitempty"`
	Address string    `json:"address,omitempty"`
}

// BundleRequest is one of the person's subject requests.
type BundleRequest struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	State      string    `json:"state"`
	ReceivedAt time.Time `json:"received_at"`
	Due        time.Time `json:"due,omitzero"`
	Details    string    `json:"details,omitempty"`
	Outcome    string    `json:"outcome,omitempty"`
	Channel    string    `json:"channel"`
	ThirdParty string    `json:"third_party,omitempty"`
	// Authority is the third party's written authority to act for the person.
	Authority string `json:"authority,omitempty"`
	// IdentityHow is how the person's identity was checked.
	IdentityHow string `json:"identity_checked_by,omitempty"`
	// ExtensionReason is why the deadline was extended, if it was.
	ExtensionReason string `json:"extension_reason,omitempty"`
}

// EmailText is what the bundle keeps of an email: its headers and its text.
type EmailText struct {
	From, To, Cc, Subject, Text string
	Date                        time.Time
}

// Builder gathers SAR bundles from a store.
type Builder struct {
	Store *store.Store
	Now   func() time.Time
	// ParseMail reads a raw email taken in (mail.Parse, injected so that privacy does not depend
	// on the mail package); nil leaves emails out with a warning.
	ParseMail func(raw []byte) (EmailText, error)
	// Index, when set, is the register's identifiers, built once and shared by many bundles; nil
	// builds it for each bundle.
	Index *Index
	// Zone is the desk's zone, in which the reports show times (UTC when zero).
	Zone desk.Zone
}

// Progress is told how many of the person's calls have been gathered, of how many.
type Progress func(ctx context.Context, done, total int) error

// Gather collects everything held about person. progress, when not nil, is called after each
// page of calls.
func (b *Builder) Gather(ctx context.Context, person int64, progress Progress) (*Bundle, error) {
	p, err := b.Store.FindPerson(ctx, person)
	if err != nil {
		return nil, err
	}
	idx := b.Index
	if idx == nil {
		if idx, err = BuildIndex(ctx, b.Store); err != nil {
			return nil, fmt.Errorf("the register's identifiers: %w", err)
		}
	}
	total, err := b.Store.SARCallCount(ctx, person)
	if err != nil {
		return nil, err
	}
	bu := &Bundle{PersonID: p.ID, Name: p.Name(), GeneratedAt: b.Now().UTC(), Zone: b.Zone}
	r := idx.Redactor(p.ID, &bu.Redactions)
	if err := b.gatherPerson(ctx, bu, p); err != nil {
		return nil, err
	}
	var after int64
	done := 0
	own := map[int64]bool{}
	for {
		page, err := b.Store.SARCalls(ctx, person, after, sarPage)
		if err != nil {
			return nil, fmt.Errorf("calls: %w", err)
		}
		if len(page) == 0 {
			break
		}
		if err := b.gatherCalls(ctx, bu, r, page); err != nil {
			return nil, err
		}
		for _, c := range page {
			own[c.ID] = true
		}
		after = page[len(page)-1].ID
		done += len(page)
		if progress != nil {
			if err := progress(ctx, done, total); err != nil {
				return nil, err
			}
		}
	}
	var entryAfter int64
	for {
		es, err := b.Store.SARAuthoredEntries(ctx, person, entryAfter, 1000)
		if err != nil {
			return nil, fmt.Errorf("entries written: %w", err)
		}
		for _, e := range es {
			bu.Authored = append(bu.Authored, bundleEntry(e, r, fmt.Sprintf("%s entry %d (written by the person)", e.CallRef, e.ID)))
		}
		if len(es) < 1000 {
			break
		}
		entryAfter = es[len(es)-1].ID
	}
	up, err := b.Store.SARUploadedAttachments(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("files uploaded: %w", err)
	}
	for _, a := range up {
		bu.Files = append(bu.Files, bundleFile(a.Attachment, a.CallRef))
	}
	var auditAfter int64
	audited := map[int64]bool{}
	for {
		as, err := b.Store.SARAudit(ctx, person, auditAfter, 2000)
		if err != nil {
			return nil, fmt.Errorf("audit records: %w", err)
		}
		for _, a := range as {
			// The address a record was made from is the person's own only when they acted: staff
			// addresses are not theirs to have. A reason is free text, redacted like any other.
			audited[a.ID] = true
			addr := ""
			if a.ActorID == person {
				addr = a.ClientAddr
			}
			bu.Audit = append(bu.Audit, BundleAudit{At: a.At, Who: a.Actor, Via: a.Channel(), What: a.What(), Action: a.Action,
				Reason: r.Redact(a.Reason, fmt.Sprintf("audit record %d reason", a.ID), seenLink(person)), Address: addr})
		}
		if len(as) < 2000 {
			break
		}
		auditAfter = as[len(as)-1].ID
	}
	reqs, err := b.Store.SubjectRequests(ctx, bu.GeneratedAt, store.RequestFilter{View: "all", PersonID: person, Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("subject requests: %w", err)
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].ID < reqs[j].ID })
	for _, q := range reqs {
		bu.Requests = append(bu.Requests, BundleRequest{ID: q.ID, Kind: string(q.Kind), State: q.State, ReceivedAt: q.ReceivedAt,
			Due: q.Due(), Details: r.Redact(q.Details, fmt.Sprintf("request %d details", q.ID), requestLink(q.ID)),
			Outcome: r.Redact(q.Outcome, fmt.Sprintf("request %d outcome", q.ID), requestLink(q.ID)), Channel: q.Channel, ThirdParty: q.ThirdParty,
			Authority:       r.Redact(q.Authority, fmt.Sprintf("request %d authority", q.ID), requestLink(q.ID)),
			IdentityHow:     r.Redact(q.IdentityHow, fmt.Sprintf("request %d identity check", q.ID), requestLink(q.ID)),
			ExtensionReason: r.Redact(q.ExtensionReason, fmt.Sprintf("request %d extension", q.ID), requestLink(q.ID))})
	}
	if err := b.gatherBreachesDisclosures(ctx, bu, r, person); err != nil {
		return nil, err
	}
	if err := b.gatherMine(ctx, bu, r, p); err != nil {
		return nil, err
	}
	if err := b.gatherMentions(ctx, bu, r, p, own, audited); err != nil {
		return nil, err
	}
	// Files someone else (an analyst, or an email) added to the person's calls may be about other
	// people: each is a candidate the DPO releases or withholds, numbered after the text's.
	for i, f := range bu.Files {
		if f.others {
			bu.Files[i].Review = r.Review(fmt.Sprintf("%s file %d", f.CallRef, f.ID), f.Filename, KindFile, fileLink(f.CallRef, f.ID))
		}
	}
	return bu, nil
}

// gatherMine collects what concerns the person beyond their calls: emails calldesk sent them
// about no call of theirs, emails from them on no call of theirs, legal holds, their account.
func (b *Builder) gatherMine(ctx context.Context, bu *Bundle, r *Redactor, p desk.Person) error {
	for _, m := range bu.sentOfCalls {
		bu.SentEmails = append(bu.SentEmails, bundleSent(m, r))
	}
	bu.sentOfCalls = nil
	var after int64
	for {
		ms, err := b.Store.SAROutboxTo(ctx, p.ID, p.Email, after, 1000)
		if err != nil {
			return fmt.Errorf("emails sent to the person: %w", err)
		}
		for _, m := range ms {
			bu.SentEmails = append(bu.SentEmails, bundleSent(m, r))
		}
		if len(ms) < 1000 {
			break
		}
		after = ms[len(ms)-1].ID
	}
	after = 0
	for {
		ms, refs, err := b.Store.SARMailFrom(ctx, p.ID, p.Email, after, sarPage)
		if err != nil {
			return fmt.Errorf("emails from the person: %w", err)
		}
		for i, m := range ms {
			if m.Raw == nil {
				// Its content is gone (discarded unread from quarantine): what is left is that
				// it came, when, and what became of it.
				where, link := fmt.Sprintf("email %d", m.ID), mailLink(refs[i], m.EntryID)
				what := m.Disposition
				if m.Reason != "" {
					what += ": " + r.Redact(m.Reason, where+" reason", link)
				}
				bu.Emails = append(bu.Emails, BundleEmail{ID: m.ID, CallRef: refs[i], Disposition: what, From: p.Email,
					Subject: r.Redact(m.Subject, where+" subject", link), Date: m.ReceivedAt, Text: "(the message itself is no longer held)"})
				continue
			}
			b.addEmail(bu, r, m, refs[i], m.Disposition)
		}
		if len(ms) < sarPage {
			break
		}
		after = ms[len(ms)-1].ID
	}
	holds, err := b.Store.SARLegalHolds(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("legal holds: %w", err)
	}
	for _, h := range holds {
		where := fmt.Sprintf("legal hold %d", h.ID)
		bu.LegalHolds = append(bu.LegalHolds, BundleHold{ID: h.ID, CallRef: h.CallRef, Reason: r.Redact(h.Reason, where+" reason", holdLink),
			PlacedBy: h.PlacedBy, PlacedAt: h.PlacedAt, LiftedBy: h.LiftedBy, LiftedAt: h.LiftedAt, LiftReason: r.Redact(h.LiftWhy, where+" lift reason", holdLink)})
	}
	consents, err := b.Store.Consents(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("consents: %w", err)
	}
	contacts, cerr := b.Store.FindOptionalContacts(ctx, p.ID)
	if cerr != nil && desk.ErrorCode(cerr) != desk.ENOTFOUND {
		return fmt.Errorf("optional contact details: %w", cerr)
	}
	bu.Consents = []BundleConsent{}
	for _, c := range consents {
		bc := BundleConsent{Purpose: c.Purpose, Version: c.Version, Wording: c.Wording, GivenAt: c.GivenAt, WithdrawnAt: c.WithdrawnAt}
		if cerr == nil && contacts.ConsentID == c.ID {
			bc.AltEmail, bc.AltPhone = contacts.AltEmail, contacts.AltPhone
		}
		bu.Consents = append(bu.Consents, bc)
	}
	acc, ok, err := b.Store.SARAccountOf(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("account: %w", err)
	}
	if ok {
		ba := &BundleAccount{Login: acc.Login, Roles: []string{}, Active: acc.Active, CreatedAt: acc.CreatedAt,
			Sessions: []BundleSession{}, Tokens: []BundleToken{}}
		for _, role := range acc.Roles {
			ba.Roles = append(ba.Roles, string(role))
		}
		for _, ss := range acc.Sessions {
			ba.Sessions = append(ba.Sessions, BundleSession{At: ss.CreatedAt, LastSeen: ss.SeenAt, Via: ss.Via, Address: ss.ClientAddr, Browser: ss.UserAgent})
		}
		for _, tk := range acc.Tokens {
			ba.Tokens = append(ba.Tokens, BundleToken{Name: tk.Name, CreatedAt: tk.CreatedAt, ExpiresAt: tk.ExpiresAt, RevokedAt: tk.RevokedAt})
		}
		bu.Account = ba
	}
	return nil
}

func bundleSent(m store.SAROutMail, r *Redactor) BundleSent {
	where, link := fmt.Sprintf("email sent %d", m.ID), sentLink(m.CallRef)
	return BundleSent{ID: m.ID, CallRef: m.CallRef, Kind: m.Kind, To: r.Redact(m.To, where+" to", link), Subject: r.Redact(m.Subject, where+" subject", link),
		Text: r.Redact(m.Text, where+" text", link), State: m.State, Queued: m.CreatedAt, SentAt: m.SentAt}
}

// addEmail adds an email taken in, its headers and text redacted; ref is its call's reference
// ("" for none) and disposition, when not "", what became of it.
func (b *Builder) addEmail(bu *Bundle, r *Redactor, m store.SARMail, ref, disposition string) {
	name := ref
	if name == "" {
		name = "no call"
	}
	if b.ParseMail == nil {
		bu.Warnings = append(bu.Warnings, fmt.Sprintf("email %d of %s left out: no mail parser", m.ID, name))
		return
	}
	t, err := b.ParseMail(m.Raw)
	if err != nil {
		bu.Warnings = append(bu.Warnings, fmt.Sprintf("email %d of %s could not be read: %v", m.ID, name, err))
		return
	}
	where, link := fmt.Sprintf("%s email %d", name, m.ID), mailLink(ref, m.EntryID)
	date := t.Date
	if date.IsZero() {
		date = m.ReceivedAt
	}
	bu.Emails = append(bu.Emails, BundleEmail{ID: m.ID, CallRef: ref, Disposition: disposition, From: r.Redact(t.From, where+" from", link),
		To: r.Redact(t.To, where+" to", link), Cc: r.Redact(t.Cc, where+" cc", link), Subject: r.Redact(t.Subject, where+" subject", link),
		Date: date.UTC(), Text: r.Redact(t.Text, where+" text", link)})
}

func (b *Builder) gatherPerson(ctx context.Context, bu *Bundle, p desk.Person) error {
	prov, synced, left, err := b.Store.Provenance(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("provenance: %w", err)
	}
	// A field no directory import set was typed in at the service desk, unless the whole record
	// came from elsewhere before field sources were kept (or from the person's sign-in service).
	hand := "entered at the service desk"
	switch {
	case p.Source == desk.FromDirectory && len(prov) == 0:
		hand = "the directory"
	case p.Source == desk.FromSignIn && len(prov) == 0:
		hand = "your organisation's sign-in service, when you first signed in"
	}
	add := func(name, value string) {
		f := Field{Name: name, Value: value, Source: hand}
		if s, ok := prov[name]; ok {
			f.Source, f.SetAt = "the directory: "+s.Source, s.SetAt
		}
		bu.Fields = append(bu.Fields, f)
	}
	add("first_name", p.FirstName)
	add("last_name", p.LastName)
	add("username", p.Username)
	add("email", p.Email)
	add("student_number", p.StudentNumber)
	add("department", p.Department)
	add("phone", p.Phone)
	add("job_title", p.JobTitle)
	add("kind", string(p.Kind))
	if p.DirectoryKey != "" {
		bu.Fields = append(bu.Fields, Field{Name: "directory_key", Value: p.DirectoryKey, Source: "the directory (or your sign-in service), which knows you by it"})
	}
	if rs, err := b.Store.RestrictionOf(ctx, p.ID); err != nil {
		return fmt.Errorf("restriction: %w", err)
	} else if !rs.Since.IsZero() {
		bu.Fields = append(bu.Fields, Field{Name: "processing_restricted", Value: rs.Reason, Source: "the Data Protection Officer", SetAt: rs.Since})
	}
	if p.ManagerID != 0 {
		if m, err := b.Store.FindPerson(ctx, p.ManagerID); err == nil {
			add("manager", m.Name())
		}
	}
	bu.Fields = append(bu.Fields, Field{Name: "record_created", Value: p.CreatedAt.UTC().Format(time.RFC3339), Source: "calldesk"})
	if !synced.IsZero() {
		bu.Fields = append(bu.Fields, Field{Name: "last_listed_by_directory", Value: synced.UTC().Format(time.RFC3339), Source: "the directory"})
	}
	if !left.IsZero() {
		bu.Fields = append(bu.Fields, Field{Name: "left", Value: left.UTC().Format(time.RFC3339), Source: "the directory"})
	}
	return nil
}

// bundleEntry is a diary entry with its text redacted, except an assignment's, which calldesk
// writes itself ("assigned to Service Desk / Ann Archer"): it names staff in their professional
// capacity, as the call's analyst field does.
func bundleEntry(e store.SAREntry, r *Redactor, where string) BundleEntry {
	text := e.Text
	if e.Kind != desk.EntryAssignment {
		text = r.Redact(e.Text, where, entryLink(e.CallRef, e.ID))
	}
	return BundleEntry{ID: e.ID, CallRef: e.CallRef, Kind: string(e.Kind), Public: e.Public, Author: e.Author, Text: text, At: e.CreatedAt}
}

// bundleFile lists an attachment, under its name as desk.CleanFilename leaves it (no path, no
// control or invisible characters) in the list and in the zip.
func bundleFile(a desk.Attachment, ref string) BundleFile {
	name := desk.CleanFilename(a.Filename)
	return BundleFile{ID: a.ID, CallRef: ref, Path: fmt.Sprintf("attachments/%d-%s", a.ID, name), Filename: name,
		ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256, At: a.CreatedAt}
}

func (b *Builder) gatherCalls(ctx context.Context, bu *Bundle, r *Redactor, page []store.SARCall) error {
	ids := make([]int64, len(page))
	at := map[int64]int{}
	for i, c := range page {
		ids[i] = c.ID
		at[c.ID] = len(bu.Calls)
		in := func(s, what string) string { return r.Redact(s, c.Ref+" "+what, callLink(c.Ref)) }
		bu.Calls = append(bu.Calls, BundleCall{Ref: c.Ref, Kind: string(c.Kind), State: string(c.State),
			Summary: in(c.Summary, "summary"), Description: in(c.Description, "description"), Resolution: in(c.Resolution, "resolution"),
			HoldReason: in(c.HoldReason, "hold reason"), CancelNote: in(c.CancelNote, "cancellation note"),
			AltEmail: c.AltEmail, AltPhone: c.AltPhone, Source: string(c.Source), Profile: c.Profile, Priority: int(c.Priority),
			Group: c.Group, Analyst: c.Analyst, LoggedBy: c.LoggedByName, SpecialCategory: c.SpecialCategory, Customer: c.Customer,
			LoggedAt: c.LoggedAt, ResolvedAt: c.ResolvedAt, ClosedAt: c.ClosedAt, UpdatedAt: c.UpdatedAt, Entries: []BundleEntry{}})
	}
	es, err := b.Store.SAREntriesOf(ctx, ids)
	if err != nil {
		return fmt.Errorf("diary entries: %w", err)
	}
	for _, e := range es {
		i := at[e.CallID]
		bu.Calls[i].Entries = append(bu.Calls[i].Entries, bundleEntry(e, r, fmt.Sprintf("%s entry %d", e.CallRef, e.ID)))
	}
	files, err := b.Store.SARAttachmentsOf(ctx, ids)
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	for _, a := range files {
		f := bundleFile(a.Attachment, a.CallRef)
		f.others = a.UploadedBy != bu.PersonID
		bu.Files = append(bu.Files, f)
	}
	mails, err := b.Store.SARMailOf(ctx, ids)
	if err != nil {
		return fmt.Errorf("emails: %w", err)
	}
	for _, m := range mails {
		b.addEmail(bu, r, m, bu.Calls[at[m.CallID]].Ref, "")
	}
	sent, err := b.Store.SAROutboxOf(ctx, ids)
	if err != nil {
		return fmt.Errorf("emails sent: %w", err)
	}
	// Redacted once every call's text is: the text's redaction numbers come first, whatever
	// calldesk sent.
	bu.sentOfCalls = append(bu.sentOfCalls, sent...)
	return nil
}

// The console pages that show where a redaction candidate stands, for the DPO's review.

func callLink(ref string) string { return "/calls/" + url.PathEscape(ref) }

func entryLink(ref string, id int64) string { return fmt.Sprintf("%s#entry-%d", callLink(ref), id) }

func fileLink(ref string, id int64) string {
	return fmt.Sprintf("%s/attachments/%d", callLink(ref), id)
}

// mailLink is the diary entry of an email taken in on a call, or the mail log for one on none
// (quarantined, discarded, or from the person about nothing of theirs).
func mailLink(ref string, entry int64) string {
	switch {
	case ref == "":
		return "/mail/log"
	case entry == 0:
		return callLink(ref)
	}
	return entryLink(ref, entry)
}

// sentLink is the call an email calldesk sent was about, or the outgoing mail's page.
func sentLink(ref string) string {
	if ref == "" {
		return "/admin/mail"
	}
	return callLink(ref)
}

// gatherBreachesDisclosures adds the breaches the person is linked to and the disclosures of
// their data that no exemption withholds.
func (b *Builder) gatherBreachesDisclosures(ctx context.Context, bu *Bundle, r *Redactor, person int64) error {
	bs, err := b.Store.SARBreaches(ctx, person)
	if err != nil {
		return fmt.Errorf("breaches: %w", err)
	}
	bu.Breaches = []BundleBreach{}
	for _, x := range bs {
		where, link := fmt.Sprintf("breach %d", x.ID), fmt.Sprintf("/dpo/breaches/%d", x.ID)
		what := x.Assessment
		if what == "" {
			what = x.Report
		}
		bu.Breaches = append(bu.Breaches, BundleBreach{ID: x.ID, AwareAt: x.AwareAt, State: x.State,
			WhatHappened: r.Redact(what, where+" what happened", link), DataCategories: r.Redact(x.DataCategories, where+" data", link),
			Risk: x.Risk, NotifiedICOAt: x.NotifiedAt, ICOReference: x.Reference, PeopleTold: x.PeopleTold,
			Actions: r.Redact(x.Actions, where+" actions", link)})
	}
	ds, err := b.Store.SARDisclosures(ctx, person)
	if err != nil {
		return fmt.Errorf("disclosures: %w", err)
	}
	bu.Disclosures = []BundleDisclosure{}
	for _, d := range ds {
		if d.Exemption != "" {
			continue // withheld under an exemption, recorded with its reason on the disclosure
		}
		where, link := fmt.Sprintf("disclosure %d", d.ID), fmt.Sprintf("/dpo/disclosures/%d", d.ID)
		bu.Disclosures = append(bu.Disclosures, BundleDisclosure{ID: d.ID, ReceivedAt: d.ReceivedAt, Kind: d.Kind, Organisation: d.Organisation,
			Reference: d.Reference, Basis: r.Redact(d.Basis, where+" basis", link), Requested: r.Redact(d.Requested, where+" data asked for", link),
			State: d.State, Approver: d.Approver, DecidedAt: d.DecidedAt})
	}
	return nil
}

func requestLink(id int64) string { return fmt.Sprintf("/dpo/requests/%d", id) }

func seenLink(person int64) string { return fmt.Sprintf("/people/%d/seen", person) }

const holdLink = "/admin/retention"
