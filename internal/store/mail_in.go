package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// InMail is an email taken in from a mailbox, as the mail package read it.
type InMail struct {
	// Mailbox, UIDValidity and UID are its place in the mailbox; with MessageID they make taking
	// it in exactly-once (a message seen before, by either key, changes nothing).
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	// MessageID is its Message-ID without angle brackets, or a stable stand-in for a message
	// that has none ("sha256:<Digest>").
	MessageID string
	// Digest is a digest of what the sender wrote (mail.Digest), unchanged by a second delivery:
	// the same MessageID and Digest at another place is the same message delivered twice (a
	// duplicate); the same MessageID with another Digest is a different message that reuses the
	// ID, taken in like any other. "" is unknown: the same MessageID is then a duplicate.
	Digest string
	// Recipients are the To and Cc addresses, all recorded: they join the copy list of the call
	// the message opens or joins, and may write to it, when its sender is the call's customer or
	// an analyst (someone on the copy list cannot copy a third person in).
	Recipients []string
	// InReplyTo and References are the Message-IDs it answers.
	InReplyTo  []string
	References []string
	// From is the sender's address and FromName their name.
	From, FromName string
	Subject        string
	// Ref is the call reference found in the subject ("" when none).
	Ref string
	// Text is what the sender wrote, with quoted history and signatures trimmed.
	Text string
	// Raw is the whole message, kept as it came.
	Raw []byte
	// Files are its attachments; Dropped describes those left out (too large: "name (30 MiB)").
	Files   []desk.Upload
	Dropped []string
	// Repairs are what the reader repaired in the message that changes what the analyst reads
	// ("lines before the headers skipped", "a character set guessed"): the diary says so.
	Repairs []string
	// Automatic, when not "", says why no person wrote it (an auto-reply, a bounce, one of
	// calldesk's own messages come back): it is recorded and goes no further.
	Automatic string
	// Rejected, when not "", says why it could not be read at all.
	Rejected string
	// Quarantine, when not "", says why it goes to quarantine whoever it seems to be from (its
	// sender could not be read, mail.Message.FromProblem): no threading, no person lookup.
	Quarantine string
	// Size is the message's size in bytes when Raw is not all of it (a message refused as too
	// large keeps only its header); 0 means len(Raw).
	Size int64
	// Notice, with Rejected, tells the sender why; it is queued in the outbox with the record
	// unless they were sent one in the last day (see rejectMail).
	Notice *desk.OutMail
	// GroupID and ProfileID are the mailbox's defaults for a new call.
	GroupID, ProfileID int64
	// Auth is the university's mail server's verdict on the sender: a message from an own
	// domain that failed it (Auth.Unverified) is quarantined, credited to nobody; every message
	// keeps its verdict, shown with its diary entry to support analysts.
	Auth desk.MailAuth

	// reusedID says an earlier, different message had the same MessageID (IngestMail sets it):
	// the diary and the record say so.
	reusedID bool
	// copiesIn says its Recipients join its call's copy list: its sender is the call's customer
	// or an analyst (ingest sets it).
	copiesIn bool
}

// Dispositions of an incoming message.
const (
	MailNewCall    = "call"       // it opened a call
	MailEntry      = "entry"      // it joined a call's diary
	MailQuarantine = "quarantine" // from nobody calldesk knows: waits for a support analyst
	MailDiscarded  = "discarded"  // a support analyst threw it away from quarantine
	MailAutomatic  = "automatic"  // an auto-reply, a bounce or a loop: recorded, nothing more
	MailRejected   = "rejected"   // could not be read
	MailDuplicate  = "duplicate"  // the same message as one taken in before, delivered again elsewhere: recorded, nothing more
)

// Ingested is what became of an incoming message.
type Ingested struct {
	ID          int64
	Disposition string
	Reason      string
	CallRef     string
	// Duplicate says this very delivery (its place in the mailbox) had been taken in before:
	// nothing was recorded this time, and the rest is the earlier record's. (The same message
	// delivered again at another place is recorded, as MailDuplicate.)
	Duplicate bool
}

// IngestRules are the limits on taking mail in.
type IngestRules struct {
	// Files are the attachment rules (size and types); a file they refuse is left out with a
	// note on the diary entry, never refusing the message.
	Files desk.AttachmentRules
	// PerSenderHour is how many messages one sender may send in an hour before the rest are
	// treated as a loop (default 20).
	PerSenderHour int
	// StaffRoles are the roles whose holders (with an active account) work calls: their mail
	// naming a call in its subject joins the call. access.RolesWith(access.WorkCalls) decides
	// them (mail.Intake fills them in); none means only the call's customer's mail joins it.
	StaffRoles []desk.Role
	// Triage is the "triage" setting for calls opened by an email (serve --mail-description):
	// the new call's summary and description, the email's subject and text, stay the support
	// role's until a support analyst confirms them (ConfirmTriage; desk.Call.TriagePending).
	// Off ("call", the default), they are call information at once, as every analyst reads.
	Triage bool
}

// IngestMail takes in one message, all in one transaction with its audit record: it opens a call
// for a known sender, joins a reply to its call's diary, or keeps the message in quarantine, and
// records the message whole with what became of it. A reply joins a call when it answers one of
// calldesk's Message-IDs (or one of the call's own messages), or names the call's reference in
// its subject, and its sender may write to the call (mayAppend: its customer, an analyst, or an
// address on its copy list): a stranger's mail is never added to someone else's call. Of the
// calls it names (a reused Message-ID, or a reply to all naming several calls' messages) it joins
// the sender's own, else the first that takes it (pickThread). Automatic
// mail, calldesk's own mail come back and more than PerSenderHour messages from one sender in an
// hour never open or join a call. The same delivery offered again changes nothing; the same
// message (Message-ID and Digest) delivered at another place is recorded as a duplicate.
func (s *Store) IngestMail(ctx context.Context, in InMail, rules IngestRules) (Ingested, error) {
	if in.MessageID == "" {
		return Ingested{}, fmt.Errorf("store: an incoming message needs a Message-ID or a stand-in")
	}
	if rules.PerSenderHour <= 0 {
		rules.PerSenderHour = 20
	}
	in.From = strings.ToLower(strings.TrimSpace(in.From))
	var out Ingested
	var err error
	for range 2 {
		err = s.inTx(ctx, func(t *Tx) error {
			out = Ingested{}
			if dup, err := t.seenPlace(ctx, in); err != nil || dup.ID != 0 {
				out, out.Duplicate = dup, dup.ID != 0
				return err
			}
			earlier, reused, err := t.sameMessage(ctx, in)
			if err != nil {
				return err
			}
			if earlier.id != 0 {
				out, err = t.recordDuplicate(ctx, in, earlier)
				return err
			}
			in.reusedID = reused
			d, err := t.ingest(ctx, in, rules)
			if err != nil {
				return err
			}
			out = d
			return nil
		})
		// Another instance took the same message in at the same moment and its transaction won:
		// this one rolled back, and a second look finds the delivery seen, or the message a
		// duplicate.
		if desk.ErrorCode(err) != desk.ECONFLICT {
			break
		}
	}
	return out, err
}

// seenPlace finds the message taken in before from the same place in the mailbox (mailbox,
// UIDVALIDITY, UID): the fetcher offering it again after a crash.
func (t *Tx) seenPlace(ctx context.Context, in InMail) (Ingested, error) {
	if in.UID == 0 {
		return Ingested{}, nil
	}
	var d Ingested
	var call sql.NullInt64
	err := t.queryRow(ctx, `SELECT id, disposition, reason, call_id FROM mail_messages
		WHERE mailbox = ? AND uid_validity = ? AND uid = ? AND uid > 0`,
		in.Mailbox, int64(in.UIDValidity), int64(in.UID)).Scan(&d.ID, &d.Disposition, &d.Reason, &call)
	if err == sql.ErrNoRows {
		return Ingested{}, nil
	}
	if err != nil {
		return d, err
	}
	if call.Valid {
		d.CallRef, err = t.refOf(ctx, call.Int64)
	}
	return d, err
}

// earlierMail is the first record of a message taken in before.
type earlierMail struct {
	id, callID int64
	at         time.Time
	callRef    string
}

// sameMessage finds the first record of the same message taken in before (the same Message-ID
// and Digest, or the same Message-ID where either digest is unknown); reused says that only
// different messages had the Message-ID.
func (t *Tx) sameMessage(ctx context.Context, in InMail) (earlierMail, bool, error) {
	rows, err := t.query(ctx, `SELECT id, digest, call_id, created_at FROM mail_messages
		WHERE message_id = ? AND disposition <> 'duplicate' ORDER BY id`, in.MessageID)
	if err != nil {
		return earlierMail{}, false, err
	}
	var found earlierMail
	reused := false
	for rows.Next() {
		var e earlierMail
		var digest string
		var call sql.NullInt64
		var at int64
		if err := rows.Scan(&e.id, &digest, &call, &at); err != nil {
			rows.Close()
			return earlierMail{}, false, err
		}
		if digest == "" || in.Digest == "" || digest == in.Digest {
			e.callID, e.at = call.Int64, time.UnixMicro(at).UTC()
			found = e
			break
		}
		reused = true
	}
	rows.Close()
	if err := rows.Err(); err != nil || found.id == 0 {
		return earlierMail{}, reused, err
	}
	if found.callID != 0 {
		found.callRef, err = t.refOf(ctx, found.callID)
	}
	return found, false, err
}

// recordDuplicate records a second delivery of a message taken in before (to another of the
// desk's addresses, or again by a relay): what it is and which record it repeats, without the
// message itself, which is personal data kept once already.
func (t *Tx) recordDuplicate(ctx context.Context, in InMail, earlier earlierMail) (Ingested, error) {
	of := "no call"
	if earlier.callRef != "" {
		of = "call " + earlier.callRef
	}
	reason := fmt.Sprintf("the same message as one taken in at %s (%s)", desk.Instant(earlier.at), of) // the instant: the log shows it in the desk's zone
	sender, known, err := t.personByEmail(ctx, in.From)
	if err != nil {
		return Ingested{}, err
	}
	var persons []int64
	if known {
		persons = append(persons, sender.ID)
	}
	if earlier.callID != 0 {
		c, err := t.lockCall(ctx, earlier.callRef)
		if err != nil {
			return Ingested{}, err
		}
		persons = append(persons, c.CustomerID)
	}
	in.Recipients = nil
	d, err := t.recordMail(ctx, in, MailDuplicate, reason, earlier.callID, 0, persons)
	d.CallRef = earlier.callRef
	return d, err
}

func (t *Tx) refOf(ctx context.Context, callID int64) (string, error) {
	var kind string
	var number int64
	if err := t.queryRow(ctx, `SELECT kind, number FROM calls WHERE id = ?`, callID).Scan(&kind, &number); err != nil {
		return "", err
	}
	return desk.Reference(desk.CallKind(kind), number), nil
}

// ingest decides and records what becomes of a message not seen before.
func (t *Tx) ingest(ctx context.Context, in InMail, rules IngestRules) (Ingested, error) {
	switch {
	case in.Rejected != "":
		return t.rejectMail(ctx, in)
	case in.Automatic != "":
		return t.recordMail(ctx, in, MailAutomatic, in.Automatic, 0, 0, nil)
	case in.Quarantine != "":
		return t.recordMail(ctx, in, MailQuarantine, in.Quarantine, 0, 0, nil)
	}
	var recent int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM mail_messages WHERE sender = ? AND created_at > ? AND disposition <> 'duplicate'`,
		in.From, t.Now.Add(-time.Hour).UnixMicro()).Scan(&recent); err != nil {
		return Ingested{}, err
	}
	if recent >= rules.PerSenderHour {
		return t.recordMail(ctx, in, MailAutomatic, fmt.Sprintf("more than %d messages from %s in an hour: treated as a mail loop", rules.PerSenderHour, in.From), 0, 0, nil)
	}
	if in.Auth.Unverified() {
		return t.recordMail(ctx, in, MailQuarantine, "sender could not be verified: "+in.From+" is in the university's own domain, and "+
			in.Auth.MethodWords()+" failed at the university's mail server", 0, 0, nil)
	}
	sender, known, err := t.personByEmail(ctx, in.From)
	if err != nil {
		return Ingested{}, err
	}
	// A reply to one of calldesk's messages or one of a call's own, or a message naming a call
	// in its subject, joins a call its sender may write to; the same rule for both.
	calls, err := t.threadOf(ctx, replyIDs(in))
	if err != nil {
		return Ingested{}, err
	}
	if in.Ref != "" {
		c, err := t.threadByRef(ctx, in.Ref)
		if err != nil {
			return Ingested{}, err
		}
		if c.id != 0 && !slices.ContainsFunc(calls, func(o threadCall) bool { return o.id == c.id }) {
			calls = append(calls, c)
		}
	}
	var refused string // why the call it answers did not take it
	if len(calls) > 0 {
		from := mailSender{addr: in.From, person: sender, known: known}
		if known {
			if from.analyst, err = t.holdsRole(ctx, sender.ID, rules.StaffRoles); err != nil {
				return Ingested{}, err
			}
		}
		th, err := t.pickThread(ctx, calls, from)
		if err != nil {
			return Ingested{}, err
		}
		if th.id != 0 {
			// The rule again, on the call locked: it may have changed since it was read.
			c, err := t.lockCall(ctx, th.ref)
			if err != nil {
				return Ingested{}, err
			}
			who, err := t.mayAppend(ctx, c.ID, c.CustomerID, from)
			if err != nil {
				return Ingested{}, err
			}
			if who != "" {
				in.copiesIn = who == whoCustomer || who == whoAnalyst
				return t.mailToCall(ctx, in, rules, c, sender, th.how+", and it comes from "+who)
			}
		}
		// Refused by every call it names: the reason names the one it answers first.
		refused = "it answers call " + calls[0].ref + ", but " + in.From + " is neither its customer, an analyst nor on its copy list"
	}
	if !known {
		reason := "from " + in.From + ", whom the person register does not hold"
		if refused != "" {
			reason = refused + "; " + in.From + " is not in the person register"
		}
		return t.recordMail(ctx, in, MailQuarantine, reason, 0, 0, nil)
	}
	return t.mailNewCall(ctx, in, rules, sender, refused)
}

// mailSender is who sent a message, as far as the register knows.
type mailSender struct {
	addr   string // lower-cased
	person desk.Person
	known  bool // person is the one active person with the address
	// analyst: person holds an active account with one of IngestRules.StaffRoles.
	analyst bool
}

// Who the sender of a message is to a call (mayAppend).
const (
	whoCustomer = "its customer"
	whoAnalyst  = "an analyst"
	whoCopied   = "an address on its copy list"
)

// mayAppend says who the sender of a message is to call callID (whose customer is customerID),
// when they may add it to the call's diary: its customer, an analyst, or an address on its copy
// list (the To and Cc of the messages the call holds from its customer or an analyst, so a
// manager the customer copied in may reply to all; those on the list copy nobody in); "" when
// they may not. The one rule for threading by headers and by the reference in the subject.
func (t *Tx) mayAppend(ctx context.Context, callID, customerID int64, from mailSender) (string, error) {
	if from.known && from.person.ID == customerID {
		return whoCustomer, nil
	}
	if from.known && from.analyst {
		return whoAnalyst, nil
	}
	if from.addr == "" {
		return "", nil
	}
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM mail_recipients r JOIN mail_messages m ON m.id = r.mail_id
		WHERE r.address = ? AND r.copy_list = 1 AND m.call_id = ? AND m.disposition IN ('call', 'entry')`, from.addr, callID).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return whoCopied, nil
	}
	return "", nil
}

// pickThread is the call of calls (in the order threadOf gives them, the one named in the
// subject last) that a message from from joins: the sender's own call first (a customer's reply
// to all of a third party's answer to them belongs on their call, not on the third party's,
// whose copy list they are on), else the first whose rule lets them write to it (mayAppend);
// none (id 0) when no call does.
func (t *Tx) pickThread(ctx context.Context, calls []threadCall, from mailSender) (threadCall, error) {
	if from.known {
		for _, c := range calls {
			if c.customer == from.person.ID {
				return c, nil
			}
		}
	}
	for _, c := range calls {
		who, err := t.mayAppend(ctx, c.id, c.customer, from)
		if err != nil || who != "" {
			return c, err
		}
	}
	return threadCall{}, nil
}

// personByEmail finds the one active person with address addr.
func (t *Tx) personByEmail(ctx context.Context, addr string) (desk.Person, bool, error) {
	if addr == "" {
		return desk.Person{}, false, nil
	}
	rows, err := t.query(ctx, `SELECT `+personCols+` FROM people p WHERE lower(p.email) = ? AND p.email <> '' AND p.active = ? ORDER BY p.id LIMIT 2`, addr, b2i(true))
	if err != nil {
		return desk.Person{}, false, err
	}
	defer rows.Close()
	var found []desk.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return desk.Person{}, false, err
		}
		found = append(found, p)
	}
	if err := rows.Err(); err != nil {
		return desk.Person{}, false, err
	}
	// Two people with one address: calldesk cannot tell who wrote, so it treats the sender as
	// unknown (quarantine, where a support analyst decides).
	if len(found) != 1 {
		return desk.Person{}, false, nil
	}
	return found[0], true, nil
}

// holdsRole reports whether the person holds an active account with one of roles.
func (t *Tx) holdsRole(ctx context.Context, personID int64, roles []desk.Role) (bool, error) {
	if len(roles) == 0 {
		return false, nil
	}
	var held string
	var active bool
	err := t.queryRow(ctx, `SELECT roles, active FROM accounts WHERE person_id = ?`, personID).Scan(&held, &active)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	acct := desk.Account{Roles: splitRoles(held)}
	return active && slices.ContainsFunc(roles, acct.Has), nil
}

// threadCall is a call a message may join: one the Message-IDs it answers, or the reference in
// its subject, name.
type threadCall struct {
	id, customer int64
	ref          string
	how          string // how the message names it, for the record's reason
}

// maxThreadCalls bounds the calls one message's headers can name: each is weighed (mayAppend).
const maxThreadCalls = 20

// replyIDs are the Message-IDs a message answers in the order their calls are preferred:
// In-Reply-To first, then References newest (last) first (desk.AnsweredIDs); at most 50 (a
// thread longer than that is noise).
func replyIDs(in InMail) []string {
	ids := desk.AnsweredIDs(in.InReplyTo, in.References)
	return ids[:min(len(ids), 50)]
}

// threadOf is every call that ids (Message-IDs, in the order of replyIDs) name: the calls
// calldesk sent them about and those the messages taken in with them opened or joined, in the
// order of ids and, for one ID (reused by different messages), newest first; once each, at most
// maxThreadCalls. A duplicate record has its first delivery's call and is left out, so that the
// (message_id, digest) index of the records that are not duplicates finds them.
func (t *Tx) threadOf(ctx context.Context, ids []string) ([]threadCall, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 2*len(ids))
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, args...)
	// A constant Message-ID can have thousands of records: the newest are enough.
	rows, err := t.query(ctx, `SELECT x.message_id, c.id, c.kind, c.number, c.customer_id FROM (
		SELECT message_id, call_id, created_at, 0 AS inbound, id FROM mail_outbox WHERE message_id IN (`+placeholders(len(ids))+`)
			AND call_id IS NOT NULL
		UNION ALL
		SELECT message_id, call_id, created_at, 1 AS inbound, id FROM mail_messages WHERE message_id IN (`+placeholders(len(ids))+`)
			AND call_id IS NOT NULL AND disposition <> 'duplicate'
	) x JOIN calls c ON c.id = x.call_id ORDER BY x.created_at DESC, x.inbound DESC, x.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[string][]threadCall{}
	for rows.Next() {
		var id, kind string
		var c threadCall
		var number int64
		if err := rows.Scan(&id, &c.id, &kind, &number, &c.customer); err != nil {
			return nil, err
		}
		c.ref, c.how = desk.Reference(desk.CallKind(kind), number), "it answers a message of the call"
		byID[id] = append(byID[id], c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []threadCall
	for _, id := range ids {
		for _, c := range byID[id] {
			if len(out) < maxThreadCalls && !slices.ContainsFunc(out, func(o threadCall) bool { return o.id == c.id }) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// threadByRef is the call ref (from a message's subject) names; none (id 0) when there is no
// such call.
func (t *Tx) threadByRef(ctx context.Context, ref string) (threadCall, error) {
	kind, number, err := desk.ParseReference(ref)
	if err != nil {
		return threadCall{}, nil // a reference to no call
	}
	c := threadCall{ref: desk.Reference(kind, number), how: "its subject names the call"}
	err = t.queryRow(ctx, `SELECT id, customer_id FROM calls WHERE number = ? AND kind = ?`, number, string(kind)).Scan(&c.id, &c.customer)
	if err == sql.ErrNoRows {
		return threadCall{}, nil
	}
	return c, err
}

// mailActor is who an incoming message is written by, in diaries and the audit trail.
func mailActor(in InMail, p desk.Person) desk.Actor {
	name := p.Name()
	if name == "" {
		name = in.FromName
	}
	if name == "" {
		name = in.From
	}
	return desk.Actor{PersonID: p.ID, Name: name, Addr: "email", Surface: desk.SurfaceEmail}
}

// keptFiles checks the files against the rules: those refused are left out and described, with
// the oversized ones the reader dropped, so the diary says what did not come through.
func keptFiles(in InMail, rules desk.AttachmentRules) ([]desk.Attachment, []string) {
	notes := append([]string(nil), in.Dropped...)
	var kept []desk.Attachment
	for _, f := range in.Files {
		if len(kept) == desk.MaxAttachmentsPerEntry {
			notes = append(notes, f.Filename+" (more than "+fmt.Sprint(desk.MaxAttachmentsPerEntry)+" files)")
			continue
		}
		atts, problems := checkUploads([]desk.Upload{f}, rules)
		if len(problems) > 0 {
			notes = append(notes, problems...)
			continue
		}
		kept = append(kept, atts...)
	}
	return kept, notes
}

// emailText is the diary text of an incoming message: what the sender wrote, what was left
// out, what was repaired to read it, and that it reuses an earlier message's Message-ID.
func emailText(in InMail, notes []string) string {
	text := strings.TrimSpace(in.Text)
	if text == "" {
		text = "(no text)"
	}
	if len(notes) > 0 {
		text += "\n\nNot kept from this email: " + strings.Join(notes, "; ") + "."
	}
	if len(in.Repairs) > 0 {
		text += "\n\nRead with repairs: " + strings.Join(in.Repairs, "; ") + "."
	}
	if in.reusedID {
		text += "\n\n" + reusedIDNote(in) + "."
	}
	if len(text) > 100_000 {
		text = text[:100_000]
	}
	return text
}

func reusedIDNote(in InMail) string {
	return "This email reuses the Message-ID <" + in.MessageID + "> of an earlier, different message"
}

// mailToCall adds the message to call c's diary (c locked) as an email entry, public when its
// sender is the customer (who sees their own emails on the portal).
func (t *Tx) mailToCall(ctx context.Context, in InMail, rules IngestRules, c desk.Call, sender desk.Person, why string) (Ingested, error) {
	if t.frozen(ctx, c.CustomerID, "") != nil {
		// The customer's processing is restricted: the call takes nothing; the message waits in
		// quarantine for a support analyst, kept whole.
		return t.recordMail(ctx, in, MailQuarantine, "it answers call "+c.Ref+", whose customer's processing is restricted", 0, 0, nil)
	}
	atts, notes := keptFiles(in, rules.Files)
	actor := mailActor(in, sender)
	entryID, err := t.emailEntry(ctx, actor, c, emailText(in, notes), sender.ID != 0 && sender.ID == c.CustomerID, atts)
	if err != nil {
		return Ingested{}, err
	}
	d, err := t.recordMail(ctx, in, MailEntry, why, c.ID, entryID, []int64{c.CustomerID, sender.ID})
	d.CallRef = c.Ref
	return d, err
}

// mailNewCall opens a call for the sender from the message, and records the message; refused,
// when not "", says why the call it answers did not take it.
func (t *Tx) mailNewCall(ctx context.Context, in InMail, rules IngestRules, sender desk.Person, refused string) (Ingested, error) {
	if err := t.frozen(ctx, sender.ID, ""); desk.ErrorCode(err) == desk.EFORBIDDEN {
		// No new call for a person whose processing is restricted: the message waits in
		// quarantine, where support analysts see why.
		return t.recordMail(ctx, in, MailQuarantine, "from "+sender.Name()+", whose processing is restricted: no new call can be logged for them", 0, 0, nil)
	} else if err != nil {
		return Ingested{}, err
	}
	c, entryID, err := t.callFromMail(ctx, in, rules, sender)
	if err != nil {
		return Ingested{}, err
	}
	in.copiesIn = true // from the call's customer
	reason := "from " + sender.Name() + ", a known person"
	if refused != "" {
		reason = refused + ": a call of their own, " + reason
	}
	d, err := t.recordMail(ctx, in, MailNewCall, reason, c.ID, entryID, []int64{sender.ID})
	d.CallRef = c.Ref
	return d, err
}

// callFromMail opens a call for sender from the message: its subject the summary, its text the
// description, its files on a first email entry.
func (t *Tx) callFromMail(ctx context.Context, in InMail, rules IngestRules, sender desk.Person) (desk.Call, int64, error) {
	summary := strings.TrimSpace(in.Subject)
	if summary == "" {
		summary = "Email from " + sender.Name()
	}
	if len(summary) > 200 {
		summary = summary[:200]
	}
	atts, notes := keptFiles(in, rules.Files)
	n := desk.NewCall{Summary: summary, Description: emailText(in, notes), CustomerID: sender.ID, Source: desk.SourceEmail,
		ProfileID: in.ProfileID, GroupID: in.GroupID, TriagePending: rules.Triage}
	if err := n.Validate(); err != nil {
		return desk.Call{}, 0, err
	}
	actor := mailActor(in, sender)
	c, err := t.createCall(ctx, actor, n)
	if err != nil {
		return desk.Call{}, 0, err
	}
	var entryID int64
	if len(atts) > 0 {
		if entryID, err = t.emailEntry(ctx, actor, c, "Files sent with the email that opened this call.", true, atts); err != nil {
			return desk.Call{}, 0, err
		}
	}
	return c, entryID, nil
}

// emailEntry writes an email diary entry with its files to call c and audits it (call.email).
func (t *Tx) emailEntry(ctx context.Context, actor desk.Actor, c desk.Call, text string, public bool, atts []desk.Attachment) (int64, error) {
	e, err := t.addEntryShown(ctx, actor, c, desk.EntryEmail, public, text, atts)
	return e.ID, err
}

// recordMail keeps the message whole with what became of it, and audits its receipt (persons:
// the people it concerns, when known).
func (t *Tx) recordMail(ctx context.Context, in InMail, disposition, reason string, callID, entryID int64, persons []int64) (Ingested, error) {
	if in.reusedID {
		reason += "; " + strings.ToLower(reusedIDNote(in)[:1]) + reusedIDNote(in)[1:]
	}
	if len(reason) > 500 {
		reason = reason[:500]
	}
	d := Ingested{Disposition: disposition, Reason: reason}
	raw := in.Raw
	if disposition == MailDuplicate {
		raw = nil // kept once, with the first record
	}
	size := int64(len(in.Raw))
	if in.Size > 0 {
		size = in.Size // a message refused as too large keeps only its header
	}
	// The message is sealed under its call's data key; one on no call under its own, which needs
	// its id: it is written empty, then sealed (issue 20 point 3). A seal that fails fails the
	// intake: the message is not taken in, and the mailbox keeps it for the next round.
	var key sql.NullInt64
	var sealed, text any
	seal := func(kind string, owner int64) error {
		if raw == nil {
			return nil
		}
		k, c, err := t.sealBytes(ctx, kind, owner, "mail_messages.raw", raw)
		if err != nil {
			return fmt.Errorf("seal message %s: %w", in.MessageID, err)
		}
		_, ct, err := t.sealString(ctx, kind, owner, "mail_messages.raw_text", decodedText(desk.MailText(raw)))
		if err != nil {
			return fmt.Errorf("seal message %s: %w", in.MessageID, err)
		}
		key, sealed, text = k, c, ct
		return nil
	}
	later := callID == 0
	if !later {
		if err := seal(KeyOwnerCall, callID); err != nil {
			return d, err
		}
	}
	err := t.queryRow(ctx, `INSERT INTO mail_messages (message_id, digest, mailbox, uid_validity, uid, call_id, entry_id, sender, subject,
		disposition, reason, raw, raw_text, key_id, size, created_at, auth_result, auth_method, auth_own) VALUES (`+placeholders(19)+`) RETURNING id`,
		in.MessageID, in.Digest, in.Mailbox, int64(in.UIDValidity), int64(in.UID), nullID(callID), nullID(entryID), in.From, clipText(in.Subject, 500),
		disposition, reason, sealed, text, key, size, t.Now.UnixMicro(), in.Auth.Result, in.Auth.Method, b2i(in.Auth.OwnDomain)).Scan(&d.ID)
	if t.s.d.constraint(err) == constraintUnique {
		// Another instance took the same message in at the same moment; its transaction won.
		return d, desk.Errorf(desk.ECONFLICT, "message %s was taken in by another instance", in.MessageID)
	}
	if err != nil {
		return d, err
	}
	if later && raw != nil {
		if err := seal(KeyOwnerMessage, d.ID); err != nil {
			return d, err
		}
		if _, err := t.exec(ctx, `UPDATE mail_messages SET raw = ?, raw_text = ?, key_id = ? WHERE id = ?`, sealed, text, key, d.ID); err != nil {
			return d, err
		}
	}
	if err := t.recordRecipients(ctx, d.ID, in.Recipients, in.copiesIn && callID != 0); err != nil {
		return d, err
	}
	return d, t.audit(ctx, desk.Actor{Name: "mailbox " + in.Mailbox, Addr: "email", Surface: desk.SurfaceEmail}, "mail.receive", "mail", d.ID, persons,
		disposition+": "+reason)
}

// recordRecipients keeps the To and Cc addresses of message mailID, lower-cased, once each; on
// the copy list of the call it opens or joins (mayAppend) when copyList.
func (t *Tx) recordRecipients(ctx context.Context, mailID int64, addrs []string, copyList bool) error {
	seen := map[string]bool{}
	var rows []string
	var args []any
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" || seen[a] || len(seen) == 100 {
			continue // past 100 addresses a message went to a list, not to people copied in
		}
		seen[a] = true
		rows, args = append(rows, "(?, ?, ?)"), append(args, mailID, a, b2i(copyList))
	}
	if len(rows) == 0 {
		return nil
	}
	// One statement for them all: it is on the path of every message taken in.
	_, err := t.exec(ctx, `INSERT INTO mail_recipients (mail_id, address, copy_list) VALUES `+strings.Join(rows, ", "), args...)
	return err
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// QuarantinedMail is a message from a sender the register does not hold, waiting for a support
// analyst to make a call of it for a person, or to discard it.
type QuarantinedMail struct {
	ID         int64
	Mailbox    string
	Sender     string
	Subject    string
	Reason     string
	Size       int64
	ReceivedAt time.Time
	// Auth is the mail server's verdict on the sender: a forged From in the university's own
	// domain waits here too (Auth.Unverified).
	Auth desk.MailAuth
}

// Quarantine lists the messages in quarantine, oldest first.
func (s *Store) Quarantine(ctx context.Context, limit int) ([]QuarantinedMail, error) {
	rows, err := s.query(ctx, `SELECT id, mailbox, sender, subject, reason, size, created_at, auth_result, auth_method, auth_own FROM mail_messages
		WHERE disposition = 'quarantine' ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []QuarantinedMail
	for rows.Next() {
		var q QuarantinedMail
		var at int64
		var own int
		if err := rows.Scan(&q.ID, &q.Mailbox, &q.Sender, &q.Subject, &q.Reason, &q.Size, &at, &q.Auth.Result, &q.Auth.Method, &own); err != nil {
			return nil, err
		}
		q.Auth.OwnDomain = own == 1
		q.ReceivedAt = time.UnixMicro(at).UTC()
		out = append(out, q)
	}
	return out, rows.Err()
}

// QuarantinedRaw is a message in quarantine, whole (opened when it is sealed), with the mailbox
// it came from.
func (s *Store) QuarantinedRaw(ctx context.Context, id int64) ([]byte, string, error) {
	var raw []byte
	var mailbox string
	var key, call sql.NullInt64
	err := s.queryRow(ctx, `SELECT raw, mailbox, key_id, call_id FROM mail_messages WHERE id = ? AND disposition = 'quarantine'`, id).Scan(&raw, &mailbox, &key, &call)
	if err == sql.ErrNoRows {
		return nil, "", notFound("no message %d is in quarantine: it may have been dealt with already", id)
	}
	if err != nil {
		return nil, "", err
	}
	kind, owner := mailOwner(id, call.Int64)
	raw, err = s.openBytes(ctx, s, key, kind, owner, "mail_messages.raw", raw)
	if err != nil {
		return nil, "", fmt.Errorf("message %d: %w", id, err)
	}
	return raw, mailbox, nil
}

// moveMailToCall puts stored email id (on no call) on call callID, as entry entryID, sealing its
// content again under the call's data key and destroying its own key: the call's key then covers
// all it holds, and an erasure of the call reaches it.
func (t *Tx) moveMailToCall(ctx context.Context, id, callID, entryID int64, reason string) error {
	var raw []byte
	var text sql.NullString
	var key sql.NullInt64
	if err := t.queryRow(ctx, `SELECT raw, raw_text, key_id FROM mail_messages WHERE id = ?`, id).Scan(&raw, &text, &key); err != nil {
		return err
	}
	var err error
	if raw, err = t.s.openBytes(ctx, t, key, KeyOwnerMessage, id, "mail_messages.raw", raw); err != nil {
		return fmt.Errorf("message %d: %w", id, err)
	}
	if text.Valid {
		if text.String, err = t.s.openString(ctx, t, key, KeyOwnerMessage, id, "mail_messages.raw_text", text.String); err != nil {
			return fmt.Errorf("message %d: %w", id, err)
		}
	}
	var newKey sql.NullInt64
	var sealedRaw, sealedText any
	if raw != nil {
		k, c, err := t.sealBytes(ctx, KeyOwnerCall, callID, "mail_messages.raw", raw)
		if err != nil {
			return err
		}
		newKey, sealedRaw = k, c
	}
	if text.Valid {
		k, c, err := t.sealString(ctx, KeyOwnerCall, callID, "mail_messages.raw_text", text.String)
		if err != nil {
			return err
		}
		newKey, sealedText = k, c
	}
	if _, err := t.exec(ctx, `UPDATE mail_messages SET disposition = 'call', call_id = ?, entry_id = ?, reason = ?, raw = ?, raw_text = ?, key_id = ? WHERE id = ?`,
		callID, nullID(entryID), reason, sealedRaw, sealedText, newKey, id); err != nil {
		return err
	}
	_, err = t.shredKeys(ctx, KeyOwnerMessage, []int64{id})
	return err
}

// ReleaseMail makes a call for person personID of quarantined message id (in is the message as
// the mail package read it), in one transaction with its audit record; the message then records
// the call. A message no longer in quarantine is ENOTFOUND.
func (s *Store) ReleaseMail(ctx context.Context, actor desk.Actor, id, personID int64, in InMail, rules IngestRules) (Ingested, error) {
	var out Ingested
	err := s.inTx(ctx, func(t *Tx) error {
		if err := t.inQuarantine(ctx, id); err != nil {
			return err
		}
		p, err := t.findPerson(ctx, personID)
		if isNotFound(err) || (err == nil && !p.Active) {
			return desk.Invalid("the call cannot be made", map[string]string{"person": "is not an active person of the register"})
		}
		if err != nil {
			return err
		}
		if err := t.frozen(ctx, p.ID, "no call can be made for "+p.Name()); desk.ErrorCode(err) == desk.EFORBIDDEN {
			return desk.Errorf(desk.EINVALID, "no call can be made for %s: their processing is restricted until the Data Protection Officer lifts it", p.Name())
		} else if err != nil {
			return err
		}
		c, entryID, err := t.callFromMail(ctx, in, rules, p)
		if err != nil {
			return err
		}
		reason := fmt.Sprintf("made a call for %s by %s", p.Name(), actorName(actor))
		if err := t.moveMailToCall(ctx, id, c.ID, entryID, reason); err != nil {
			return err
		}
		// The analyst has decided whom the message is from: it now opens that person's call as
		// their own message would, so those it copied in may reply to the call.
		if _, err := t.exec(ctx, `UPDATE mail_recipients SET copy_list = 1 WHERE mail_id = ?`, id); err != nil {
			return err
		}
		out = Ingested{ID: id, Disposition: MailNewCall, Reason: reason, CallRef: c.Ref}
		return t.audit(ctx, actor, "mail.release", "mail", id, []int64{p.ID}, reason+": "+c.Ref)
	})
	return out, err
}

// DiscardMail throws a quarantined message away: its content and its To and Cc addresses are
// deleted at once (data minimisation), what remains records who discarded it and when, and the audit trail says so.
func (s *Store) DiscardMail(ctx context.Context, actor desk.Actor, id int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		if err := t.inQuarantine(ctx, id); err != nil {
			return err
		}
		reason := "discarded by " + actorName(actor)
		if _, err := t.exec(ctx, `UPDATE mail_messages SET disposition = 'discarded', raw = NULL, raw_text = NULL, key_id = NULL, subject = '', reason = ? WHERE id = ?`,
			reason, id); err != nil {
			return err
		}
		// Its own data key goes too: a copy of the message in a backup cannot be opened.
		if _, err := t.shredKeys(ctx, KeyOwnerMessage, []int64{id}); err != nil {
			return err
		}
		// Whom it was sent and copied to goes with its content.
		if _, err := t.exec(ctx, `DELETE FROM mail_recipients WHERE mail_id = ?`, id); err != nil {
			return err
		}
		// Deleted from every query at once, but not from the database's files (SQLite's WAL and
		// free pages, PostgreSQL's dead row versions) until the shredding job has run (shred.go).
		if err := t.shredLater(ctx); err != nil {
			return err
		}
		return t.audit(ctx, actor, "mail.discard", "mail", id, nil, reason)
	})
}

func (t *Tx) inQuarantine(ctx context.Context, id int64) error {
	var disp string
	err := t.queryRow(ctx, `SELECT disposition FROM mail_messages WHERE id = ?`+t.s.d.forUpdate(), id).Scan(&disp)
	if err == sql.ErrNoRows || (err == nil && disp != MailQuarantine) {
		return notFound("no message %d is in quarantine: it may have been dealt with already", id)
	}
	return err
}

// MailAuthOfCall is the sender verdict (desk.MailAuth) of each email taken in for call callID,
// by the diary entry it made; the email that opened the call is also under 0 (its text is the
// call's description; an entry carries only its files). Mail taken in before verdicts were read
// has none and is left out.
func (s *Store) MailAuthOfCall(ctx context.Context, callID int64) (map[int64]desk.MailAuth, error) {
	rows, err := s.query(ctx, `SELECT COALESCE(entry_id, 0), disposition, auth_result, auth_method, auth_own FROM mail_messages
		WHERE call_id = ? AND auth_result <> '' AND disposition <> 'duplicate' ORDER BY id`, callID)
	if err != nil {
		return nil, fmt.Errorf("mail of call %d: %w", callID, err)
	}
	defer rows.Close()
	out := map[int64]desk.MailAuth{}
	for rows.Next() {
		var entry int64
		var disposition string
		var a desk.MailAuth
		var own int
		if err := rows.Scan(&entry, &disposition, &a.Result, &a.Method, &own); err != nil {
			return nil, err
		}
		a.OwnDomain = own == 1
		if _, seen := out[entry]; !seen {
			out[entry] = a
		}
		if _, seen := out[0]; !seen && disposition == MailNewCall {
			out[0] = a
		}
	}
	return out, rows.Err()
}

// MailOfEntry is the whole email an email diary entry of call callID came from (ENOTFOUND when
// the entry is not an email of that call, or its message is no longer kept).
func (s *Store) MailOfEntry(ctx context.Context, callID, entryID int64) ([]byte, error) {
	var raw []byte
	var id int64
	var key sql.NullInt64
	err := s.queryRow(ctx, `SELECT id, raw, key_id FROM mail_messages WHERE call_id = ? AND entry_id = ? AND raw IS NOT NULL`, callID, entryID).Scan(&id, &raw, &key)
	if err == sql.ErrNoRows {
		return nil, notFound("entry %d of this call holds no email", entryID)
	}
	if err != nil {
		return nil, err
	}
	kind, owner := mailOwner(id, callID)
	return s.openBytes(ctx, s, key, kind, owner, "mail_messages.raw", raw)
}

// StoredMail is stored email id whole, as it came (opened when it is sealed); nil when its
// content is no longer held (a duplicate, discarded, erased or swept); ENOTFOUND when there is
// no such message.
func (s *Store) StoredMail(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	var key, call sql.NullInt64
	err := s.queryRow(ctx, `SELECT raw, key_id, call_id FROM mail_messages WHERE id = ?`, id).Scan(&raw, &key, &call)
	if err == sql.ErrNoRows {
		return nil, notFound("there is no stored email %d", id)
	}
	if err != nil {
		return nil, err
	}
	kind, owner := mailOwner(id, call.Int64)
	return s.openBytes(ctx, s, key, kind, owner, "mail_messages.raw", raw)
}

// CallsOfMail is the references of the calls a message names, as the intake would find them:
// the call its subject names, and those its In-Reply-To and References headers answer. The
// quarantine uses it to show a message about a call only as the reader may read that call.
func (s *Store) CallsOfMail(ctx context.Context, in InMail) ([]string, error) {
	var refs []string
	err := s.inTx(ctx, func(t *Tx) error {
		refs = nil
		if in.Ref != "" {
			c, err := t.threadByRef(ctx, in.Ref)
			if err != nil {
				return err
			}
			if c.id != 0 {
				refs = append(refs, c.ref)
			}
		}
		calls, err := t.threadOf(ctx, replyIDs(in))
		if err != nil {
			return err
		}
		for _, c := range calls {
			if !slices.Contains(refs, c.ref) {
				refs = append(refs, c.ref)
			}
		}
		return nil
	})
	return refs, err
}
