package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"calldesk/internal/desk"
)

// eraseAction is the audit action of an erasure; audit verify accepts a redacted record only when
// its redacted_by names a record with this action about one of its people.
const eraseAction = "person.erase"

// ErasedFirstName is the first name every erased person is given; the pseudonym is their last.
const ErasedFirstName = "Erased person"

// newPseudonym is a random code a person is known by once erased: eight characters of an
// unambiguous alphabet, so it can be read out over the phone and never spells a name.
func newPseudonym() string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// ErasePerson erases person e.PersonID and keeps the statistics (UK GDPR article 17; P19): the
// person becomes a pseudonym; their identifiers (name, email, username, student number, phone,
// and those their calls were logged with) are scrubbed from the free text of every call that
// mentions them, its diary, its stored emails and the audit trail; the files they sent and the
// files on their calls are deleted; the original messages of emails on those calls are deleted
// (their text lives on, scrubbed, in the diary); the search index is rebuilt for every call
// touched; their account is closed. Counts, times, categories, groups and states stay. The
// decision (lawful basis, ground, reasons) is recorded, and the erasure is one transaction with
// its audit record, which names the person by id and pseudonym only. Every call touched gets a
// new version, so a change prepared before the erasure fails as stale instead of writing old words
// back.
func (s *Store) ErasePerson(ctx context.Context, actor desk.Actor, e desk.Erasure) (desk.ErasureRecord, error) {
	if err := e.Validate(); err != nil {
		return desk.ErasureRecord{}, err
	}
	var rec desk.ErasureRecord
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		rec, err = t.erase(ctx, actor, e)
		return err
	})
	return rec, err
}

// erasing is the state of one erasure while it runs.
type erasing struct {
	t      *Tx
	id     int64
	pseudo string // "Erased person XXXXXXXX"
	sc     *desk.Scrubber
	own    map[int64]bool // calls of which they are the customer
	calls  []int64        // every call touched, own first
	refs   map[string]bool
	counts desk.ErasureCounts
	emails []string // their addresses, lower case
	mail   []int64  // the stored emails scrubbed
	names  []string // the names they went by, and their other identifiers
	// bundles are the bundles whose sealed content it scrubbed (scrubMentions: another person's
	// redaction candidates): their keys are replaced at the end (shredContent), as a touched
	// call's is.
	bundles []int64
	// mentions are the places the mention finder found them, before any step wrote; held the
	// other people's calls kept as they are (legal hold); files, mails and audit the rows of those
	// tables whose content names them.
	mentions []Mention
	held     map[int64]bool
	files    map[int64]bool
	mails    []int64
	audits   []int64
	// redacted are the audit records this erasure rewrote for the first time, as they were
	// (with the digest of their personal fields): what its own record attests.
	redacted []desk.AuditRecord
	// rewritten are all the audit records it rewrote, the first time or again, with the digest of
	// the fields it wrote: what its own record attests (version 2), and their rewrites entries.
	rewritten []desk.Rewritten
}

func (t *Tx) erase(ctx context.Context, actor desk.Actor, e desk.Erasure) (desk.ErasureRecord, error) {
	var erased sql.NullInt64
	p, err := scanPerson(t.queryRow(ctx, `SELECT `+personCols+` FROM people p WHERE p.id = ?`+t.s.d.forNoKeyUpdate(), e.PersonID))
	if err == sql.ErrNoRows {
		return desk.ErasureRecord{}, notFound("there is no person %d", e.PersonID)
	} else if err != nil {
		return desk.ErasureRecord{}, err
	}
	if err := t.queryRow(ctx, `SELECT erased_at FROM people WHERE id = ?`, p.ID).Scan(&erased); err != nil {
		return desk.ErasureRecord{}, err
	}
	if erased.Valid {
		return desk.ErasureRecord{}, desk.Errorf(desk.EINVALID, "the person was erased already")
	}
	if held, err := t.onLegalHold(ctx, p.ID); err != nil {
		return desk.ErasureRecord{}, err
	} else if held {
		return desk.ErasureRecord{}, desk.Errorf(desk.EINVALID, "%s or one of their calls is on legal hold: the data must be kept until the hold is lifted, with its reason", p.Name())
	}
	if e.RequestID != 0 {
		var pid int64
		var kind, state string
		err := t.queryRow(ctx, `SELECT person_id, kind, state FROM subject_requests WHERE id = ?`, e.RequestID).Scan(&pid, &kind, &state)
		if err == sql.ErrNoRows || (err == nil && pid != p.ID) {
			return desk.ErasureRecord{}, desk.Invalid("the person cannot be erased", map[string]string{"request": "is not a request of this person"})
		} else if err != nil {
			return desk.ErasureRecord{}, err
		}
		if desk.RequestKind(kind) != desk.RequestErasure || state != desk.RequestOpen {
			return desk.ErasureRecord{}, desk.Invalid("the person cannot be erased", map[string]string{"request": "is not an open erasure request"})
		}
	}

	code := newPseudonym()
	x := &erasing{t: t, id: p.ID, pseudo: ErasedFirstName + " " + code, own: map[int64]bool{}, refs: map[string]bool{},
		held: map[int64]bool{}, files: map[int64]bool{}}
	ids, err := x.identifiers(ctx, p)
	if err != nil {
		return desk.ErasureRecord{}, err
	}
	x.sc = desk.NewScrubber(ids, x.pseudo)

	decision := x.sc.ScrubAll(e.Decision)
	steps := []func(context.Context) error{x.findCalls, x.scrubCalls, x.scrubDiary, x.deleteFiles, x.scrubMail,
		x.scrubRequests, x.dropBundles, x.unlinkBreachesDisclosures, x.scrubHolds, x.scrubImports, x.scrubNamedBy, x.scrubMentions, x.closeAccount, x.scrubAudit, x.shredContent}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return desk.ErasureRecord{}, fmt.Errorf("erase person %d: %w", p.ID, err)
		}
	}
	// The erasure's own audit record comes last: it attests the records it rewrote (sealed into
	// the chain, it is what lets audit verify tell this rewriting from tampering), and they name it.
	eraseID, err := t.s.d.appendAudit(ctx, t, desk.AuditRecord{At: t.Now, ActorID: actor.PersonID, Actor: actorName(actor),
		Action: eraseAction, ObjectType: "person", ObjectID: strconv.FormatInt(p.ID, 10), Persons: []int64{p.ID},
		ClientAddr: actor.Addr, Reason: actor.Reason,
		Detail: fmt.Sprintf("erased; now %s; lawful basis: %s; ground: %s; decision: %s", x.pseudo, e.Basis.Words(), e.Ground.Words(), decision) +
			fmt.Sprintf(desk.RewriteAttestationDetail, len(x.rewritten), desk.RewriteAttestation(x.rewritten))}, strconv.FormatInt(p.ID, 10))
	if err != nil {
		return desk.ErasureRecord{}, fmt.Errorf("audit erasure: %w", err)
	}
	for _, r := range x.redacted {
		if _, err := t.exec(ctx, `UPDATE audit_log SET redacted_by = ? WHERE id = ?`, eraseID, r.ID); err != nil {
			return desk.ErasureRecord{}, err
		}
	}
	if err := x.noteRewrites(ctx, eraseID); err != nil {
		return desk.ErasureRecord{}, err
	}
	// Last, the person: a pseudonym and their kind and department (for the statistics), nothing else.
	if _, err := t.exec(ctx, `UPDATE people SET first_name = ?, last_name = ?, username = '', email = '', student_number = '',
		phone = '', job_title = '', manager_id = NULL, active = 0, directory_key = '', directory_source = '', synced_at = NULL,
		restricted_at = NULL, restricted_reason = '', erased_at = ?, pseudonym = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		ErasedFirstName, code, t.Now.UnixMicro(), code, t.Now.UnixMicro(), p.ID); err != nil {
		return desk.ErasureRecord{}, err
	}
	for _, q := range []string{
		`UPDATE people SET manager_id = NULL WHERE manager_id = ?`,
		`DELETE FROM person_field_sources WHERE person_id = ?`,
		`DELETE FROM directory_group_members WHERE person_id = ?`,
		`DELETE FROM group_members WHERE person_id = ?`,
		// Consents (issue 19 item 5): the details they covered, then the records themselves.
		`DELETE FROM person_contacts WHERE person_id = ?`,
		`DELETE FROM consents WHERE person_id = ?`,
	} {
		if _, err := t.exec(ctx, q, p.ID); err != nil {
			return desk.ErasureRecord{}, err
		}
	}
	counts, _ := json.Marshal(x.counts)
	rec := desk.ErasureRecord{PersonID: p.ID, Pseudonym: code, RequestID: e.RequestID, Basis: e.Basis, Ground: e.Ground,
		Decision: decision, By: actorName(actor), At: t.Now, Counts: x.counts}
	if err := t.queryRow(ctx, `INSERT INTO erasures (person_id, pseudonym, request_id, basis, ground, decision, decided_by, erased_at, counts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.ID, code, nullID(e.RequestID), string(e.Basis), string(e.Ground), decision,
		rec.By, t.Now.UnixMicro(), string(counts)).Scan(&rec.ID); err != nil {
		return desk.ErasureRecord{}, err
	}
	if e.RequestID != 0 {
		if _, err := t.exec(ctx, `UPDATE subject_requests SET state = ?, outcome = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			desk.RequestDone, "Erased: the person is now "+x.pseudo+". "+decision, t.Now.UnixMicro(), e.RequestID); err != nil {
			return desk.ErasureRecord{}, err
		}
	}
	if err := t.compactSearchLater(ctx); err != nil {
		return desk.ErasureRecord{}, err
	}
	// The calls touched are indexed again at commit: their segments are merged by the compaction
	// just asked for (which turns merging back on, as after a retention sweep), not as they are
	// written, which took more than half of an erasure over a million calls.
	if err := t.s.d.pauseSearchMerges(ctx, t); err != nil {
		return desk.ErasureRecord{}, err
	}
	t.wroteCalls = true
	return rec, nil
}

// shredContent ends, last, the data keys of what the erasure removed (crypto-shredding, issue 20
// point 4): every call it touched, the call of every stored email it emptied, and every bundle
// whose sealed redaction candidates it scrubbed, gets a new key for the content it keeps
// (rekey), and the emails on no call it emptied lose theirs; the old keys are destroyed, so a
// backup or an old page of the database holding the files, emails or words it removed can no
// longer be opened. The counts say how many keys of calls and emails went.
func (x *erasing) shredContent(ctx context.Context) error {
	calls := map[int64]int64{}
	if len(x.mail) > 0 {
		rows, err := x.t.query(ctx, `SELECT id, COALESCE(call_id, 0) FROM mail_messages WHERE id IN `+x.t.s.d.idSet(), x.t.s.d.idSetArg(x.mail))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, call int64
			if err := rows.Scan(&id, &call); err != nil {
				rows.Close()
				return err
			}
			calls[id] = call
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	onCalls := slices.Clone(x.calls)
	var own []int64
	for _, id := range x.mail {
		if c := calls[id]; c != 0 {
			onCalls = append(onCalls, c)
		} else {
			own = append(own, id)
		}
	}
	n, err := x.t.rekey(ctx, KeyOwnerCall, uniqueIDs(onCalls))
	if err != nil {
		return fmt.Errorf("new data keys for the calls: %w", err)
	}
	m, err := x.t.shredKeys(ctx, KeyOwnerMessage, uniqueIDs(own))
	if err != nil {
		return fmt.Errorf("destroy the emails' data keys: %w", err)
	}
	x.counts.CallKeys, x.counts.MessageKeys = int(n), int(m)
	// The bundles whose sealed candidates quoted them: what they keep is sealed under a new key,
	// and the old key, which opens the candidates as they were in older copies, is destroyed.
	if _, err := x.t.rekey(ctx, KeyOwnerBundle, uniqueIDs(x.bundles)); err != nil {
		return fmt.Errorf("new data keys for the bundles: %w", err)
	}
	return nil
}

// identifiers are the person's, and the other names, addresses and numbers their calls were
// logged with (a name since changed, a call's alternative contact).
func (x *erasing) identifiers(ctx context.Context, p desk.Person) (desk.Identifiers, error) {
	ids := desk.IdentifiersOf(p)
	seen := map[string]bool{}
	addOther := func(v string) {
		v = strings.TrimSpace(v)
		k := strings.ToLower(v)
		if v == "" || seen[k] || strings.EqualFold(v, p.Email) || strings.EqualFold(v, p.Phone) ||
			strings.EqualFold(v, p.Username) || strings.EqualFold(v, p.StudentNumber) || strings.EqualFold(v, p.Name()) {
			return
		}
		seen[k] = true
		ids.Others = append(ids.Others, v)
	}
	rows, err := x.t.query(ctx, `SELECT DISTINCT customer_snapshot, alt_email, alt_phone FROM calls WHERE customer_id = ?`, p.ID)
	if err != nil {
		return ids, err
	}
	defer rows.Close()
	for rows.Next() {
		var snap, email, phone string
		if err := rows.Scan(&snap, &email, &phone); err != nil {
			return ids, err
		}
		var sn desk.Snapshot
		_ = json.Unmarshal([]byte(snap), &sn)
		for _, v := range []string{sn.Name, sn.Username, sn.Email, sn.StudentNumber, sn.Phone, email, phone} {
			addOther(v)
		}
	}
	if err := rows.Err(); err != nil {
		return ids, err
	}
	var login string
	if err := x.t.queryRow(ctx, `SELECT login FROM accounts WHERE person_id = ?`, p.ID).Scan(&login); err == nil {
		addOther(login)
	} else if err != sql.ErrNoRows {
		return ids, err
	}
	// Names (and, harmlessly, the other identifiers) to match whole in the columns naming who did something.
	x.names = append([]string{p.Name()}, ids.Others...)
	for _, v := range append([]string{p.Email}, ids.Others...) {
		if strings.Contains(v, "@") {
			x.emails = append(x.emails, strings.ToLower(v))
		}
	}
	return ids, nil
}

// findCalls gathers the calls to scrub: theirs, those with an entry or a file of theirs, and every
// call whose text the search index says mentions one of their identifiers.
func (x *erasing) findCalls(ctx context.Context) error {
	set := map[int64]bool{}
	add := func(query string, args ...any) error {
		rows, err := x.t.query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			set[id] = true
		}
		return rows.Err()
	}
	if err := add(`SELECT id FROM calls WHERE customer_id = ?`, x.id); err != nil {
		return err
	}
	for id := range set {
		x.own[id] = true
	}
	x.counts.Calls = len(x.own)
	if err := add(`SELECT DISTINCT call_id FROM diary_entries WHERE author_id = ?`, x.id); err != nil {
		return err
	}
	if err := add(`SELECT DISTINCT call_id FROM attachments WHERE uploaded_by = ?`, x.id); err != nil {
		return err
	}
	// Every call that names them anywhere (its text, diary, files, emails, holds...), found by
	// scanning the register's columns whole, not through the search index.
	ms, err := x.t.findMentions(ctx, x.sc, MentionOptions{})
	if err != nil {
		return err
	}
	x.mentions = ms
	for _, m := range ms {
		if m.CallID != 0 {
			set[m.CallID] = true
		}
		switch {
		case m.Table == "audit_log":
			x.audits = append(x.audits, m.ID)
		}
	}
	defer func() {
		// Files and emails on a call kept on legal hold stay with it.
		for _, m := range ms {
			switch {
			case x.held[m.CallID]:
			case m.Table == "attachments" && m.Column == "data":
				x.files[m.ID] = true
			case m.Table == "mail_messages":
				x.mails = append(x.mails, m.ID)
			}
		}
	}()
	// Another person's call on legal hold (or whose customer is) must be kept as it is, mention
	// and all: it is left alone and listed for the Data Protection Officer. One query for all.
	var others []int64
	for id := range set {
		if !x.own[id] {
			others = append(others, id)
		}
	}
	if len(others) > 0 {
		rows, err := x.t.query(ctx, `SELECT c.id, c.number, c.kind FROM calls c WHERE c.id IN `+x.t.s.d.idSet()+`
			AND EXISTS (SELECT 1 FROM legal_holds h WHERE h.lifted_at IS NULL AND (h.call_id = c.id OR h.person_id = c.customer_id))`,
			x.t.s.d.idSetArg(others))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, number int64
			var kind string
			if err := rows.Scan(&id, &number, &kind); err != nil {
				rows.Close()
				return err
			}
			x.held[id] = true
			x.counts.HeldSkipped++
			x.keep("call "+desk.Reference(desk.CallKind(kind), number), "under legal hold: the call, its diary, files and emails are kept as they are until the hold is lifted")
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for id := range set {
		if !x.held[id] {
			x.calls = append(x.calls, id)
		}
	}
	sort.Slice(x.calls, func(i, j int) bool { return x.calls[i] < x.calls[j] })
	return nil
}

// keep lists a place the erasure leaves as it is, for the Data Protection Officer.
func (x *erasing) keep(where, reason string) {
	for _, k := range x.counts.Kept {
		if k.Where == where {
			return
		}
	}
	x.counts.Kept = append(x.counts.Kept, desk.ErasureKept{Where: where, Reason: reason})
	sort.Slice(x.counts.Kept, func(i, j int) bool { return x.counts.Kept[i].Where < x.counts.Kept[j].Where })
}

// scrubCalls rewrites each touched call's text; their own calls lose the alternative contact and
// keep of the snapshot only what counts (department, kind) under the pseudonym.
func (x *erasing) scrubCalls(ctx context.Context) error {
	if len(x.calls) == 0 {
		return nil
	}
	type callText struct {
		id                                                                      int64
		number                                                                  int64
		kind, summary, desc, resolution, hold, cancel, snap, altEmail, altPhone string
		key                                                                     sql.NullInt64
	}
	// One read of every touched call (locked, in id order), not one per call: on PostgreSQL each
	// statement is a round trip, and an erasure touches a thousand calls.
	rows, err := x.t.query(ctx, `SELECT id, number, kind, summary, description, resolution, hold_reason, cancel_note, customer_snapshot, alt_email, alt_phone, key_id
		FROM calls WHERE id IN `+x.t.s.d.idSet()+` ORDER BY id`+x.t.s.d.forNoKeyUpdate(), x.t.s.d.idSetArg(x.calls))
	if err != nil {
		return err
	}
	var cs []callText
	for rows.Next() {
		var c callText
		if err := rows.Scan(&c.id, &c.number, &c.kind, &c.summary, &c.desc, &c.resolution, &c.hold, &c.cancel, &c.snap, &c.altEmail, &c.altPhone, &c.key); err != nil {
			rows.Close()
			return err
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	up := x.t.rowUpdates("calls", []string{"summary", "description", "resolution", "hold_reason", "cancel_note", "customer_snapshot", "alt_email", "alt_phone"}, "version = version + 1")
	for _, c := range cs {
		// Sealed text (a special-category call's) is opened, scrubbed and sealed again.
		sealed := desk.Call{ID: c.id, Ref: desk.Reference(desk.CallKind(c.kind), c.number), Summary: c.summary, Description: c.desc,
			Resolution: c.resolution, HoldReason: c.hold, CancelNote: c.cancel, SpecialCategory: c.key.Valid}
		if err := x.t.s.openCallTexts(ctx, x.t, c.key, &sealed); err != nil {
			return err
		}
		c.summary, c.desc, c.resolution, c.hold, c.cancel = sealed.Summary, sealed.Description, sealed.Resolution, sealed.HoldReason, sealed.CancelNote
		x.refs[desk.Reference(desk.CallKind(c.kind), c.number)] = true
		scrub := x.sc.Scrub
		if x.own[c.id] {
			scrub = x.sc.ScrubAll
			var sn desk.Snapshot
			_ = json.Unmarshal([]byte(c.snap), &sn)
			b, _ := json.Marshal(desk.Snapshot{Name: x.pseudo, Department: sn.Department, Kind: sn.Kind})
			c.snap, c.altEmail, c.altPhone = string(b), "", ""
		}
		newSummary, newDesc := scrub(c.summary), scrub(c.desc)
		sealed.Summary, sealed.Description, sealed.Resolution, sealed.HoldReason, sealed.CancelNote = newSummary, newDesc, scrub(c.resolution), scrub(c.hold), scrub(c.cancel)
		key, stored, err := x.t.storedCallTexts(ctx, sealed)
		if err != nil {
			return err
		}
		if err := sameKey(c.key, key); err != nil && key.Valid {
			return fmt.Errorf("call %d: %w", c.id, err)
		}
		up.add(c.id, stored[0].(string), stored[1].(string), stored[2].(string), stored[3].(string), stored[4].(string), c.snap, c.altEmail, c.altPhone)
		x.counts.Scrubbed++
		if newSummary != c.summary || newDesc != c.desc {
			// Its search document changes (so it does when a diary entry does: scrubDiary);
			// a call whose indexed words stay the same is not indexed again.
			x.t.indexLater(c.id, false)
		}
	}
	return up.flush(ctx)
}

// scrubDiary rewrites the diary entries of the touched calls that mention the person.
func (x *erasing) scrubDiary(ctx context.Context) error {
	if len(x.calls) == 0 {
		return nil
	}
	es, err := x.authoredOf(ctx, `SELECT id, call_id, body, author_id, key_id FROM diary_entries WHERE call_id IN `+x.t.s.d.idSet()+` ORDER BY id`, x.t.s.d.idSetArg(x.calls))
	if err != nil {
		return err
	}
	up := x.t.rowUpdates("diary_entries", []string{"body"}, "")
	for _, e := range es {
		body := x.sc.Scrub(e.text)
		if x.own[e.call] || e.by == x.id {
			body = x.sc.ScrubAll(e.text)
		}
		if body == e.text {
			continue
		}
		// An entry sealed (a special-category call's) is sealed again once scrubbed.
		key, stored, err := x.t.sealEntry(ctx, desk.Call{ID: e.call, SpecialCategory: e.key.Valid}, body)
		if err != nil {
			return err
		}
		if err := sameKey(e.key, key); err != nil && body != "" {
			return fmt.Errorf("diary entry %d: %w", e.id, err)
		}
		up.add(e.id, stored)
		x.t.indexLater(e.call, false)
		x.counts.Scrubbed++
	}
	return up.flush(ctx)
}

// authoredRow is a row's id, one text of it, and the person who wrote it (0: nobody known); the
// call it is on where authoredOf read it.
type authoredRow struct {
	id   int64
	call int64
	text string
	by   int64
	key  sql.NullInt64 // the key of the text, when the query selects it fifth (its text is then opened)
}

// authoredOf reads the rows of query, which selects an id, a call id, a text and a person id (or
// NULL).
func (x *erasing) authoredOf(ctx context.Context, query string, args ...any) ([]authoredRow, error) {
	rows, err := x.t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []authoredRow
	for rows.Next() {
		var r authoredRow
		var by sql.NullInt64
		dest := []any{&r.id, &r.call, &r.text, &by}
		if cols, _ := rows.Columns(); len(cols) == 5 {
			dest = append(dest, &r.key)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r.by = by.Int64
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	for i := range out { // opened once the rows are closed: opening may read a key
		if out[i].key.Valid {
			var err error
			if out[i].text, err = x.t.s.openEntry(ctx, x.t, out[i].key, out[i].call, out[i].text); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// sameKey checks that a scrubbed text, sealed again, is under the key its row names (the row's
// key column is left as it is): a call's rows are all under its one current key.
func sameKey(row, now sql.NullInt64) error {
	if row != now {
		return fmt.Errorf("sealed again under data key %v, not its row's %v", now, row)
	}
	return nil
}

// deleteFiles deletes the files they sent and every file on their own calls (a file on someone's
// call is about them, and a file's content cannot be scrubbed), and scrubs the names of the others.
func (x *erasing) deleteFiles(ctx context.Context) error {
	if len(x.calls) > 0 {
		fs, err := x.authoredOf(ctx, `SELECT id, call_id, filename, uploaded_by FROM attachments WHERE call_id IN `+x.t.s.d.idSet()+` ORDER BY id`, x.t.s.d.idSetArg(x.calls))
		if err != nil {
			return err
		}
		for _, f := range fs {
			if x.own[f.call] || f.by == x.id || x.files[f.id] {
				if _, err := x.t.exec(ctx, `DELETE FROM attachments WHERE id = ?`, f.id); err != nil {
					return err
				}
				x.counts.Attachments++
			} else if name := x.sc.Scrub(f.text); name != f.text {
				if _, err := x.t.exec(ctx, `UPDATE attachments SET filename = ? WHERE id = ?`, name, f.id); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// scrubMail deletes the original of every stored email on a touched call or from them (a MIME
// message cannot be scrubbed reliably: names hide in encoded parts), keeping its record with a
// scrubbed subject and without its To and Cc addresses (and theirs on any other email); their quarantined messages are discarded; outgoing mail to them that is not
// sent yet is dropped, and what was sent keeps a scrubbed record.
func (x *erasing) scrubMail(ctx context.Context) error {
	type msg struct {
		id                        int64
		sender, subject, reason   string
		disposition               string
		hasRaw                    bool
		recipient, text, htmlBody string
		state                     string
	}
	mine := func(addr string) bool {
		for _, e := range x.emails {
			if strings.EqualFold(strings.TrimSpace(addr), e) {
				return true
			}
		}
		return false
	}
	var in []msg
	collect := func(query string, args ...any) error {
		rows, err := x.t.query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m msg
			if err := rows.Scan(&m.id, &m.sender, &m.subject, &m.reason, &m.disposition, &m.hasRaw); err != nil {
				return err
			}
			in = append(in, m)
		}
		return rows.Err()
	}
	const inCols = `SELECT id, sender, subject, reason, disposition, raw IS NOT NULL FROM mail_messages WHERE `
	// Every email on their own calls is about them; on another person's call, only the emails
	// that name them (the mention finder read each whole, decoded: a Cc, a quote, an attachment)
	// lose their original: the rest are that person's, and say nothing of them.
	named := map[int64]bool{}
	for _, m := range x.mentions {
		if m.Table == "mail_messages" && !x.held[m.CallID] {
			named[m.ID] = true
		}
	}
	var own []int64
	for _, callID := range x.calls {
		if x.own[callID] {
			own = append(own, callID)
		}
	}
	if len(own) > 0 {
		if err := collect(inCols+`call_id IN `+x.t.s.d.idSet()+` ORDER BY id`, x.t.s.d.idSetArg(own)); err != nil {
			return err
		}
	}
	namedIDs := make([]int64, 0, len(named))
	for id := range named {
		namedIDs = append(namedIDs, id)
	}
	sort.Slice(namedIDs, func(i, j int) bool { return namedIDs[i] < namedIDs[j] })
	for _, id := range namedIDs {
		if err := collect(inCols+`id = ?`, id); err != nil {
			return err
		}
	}
	for _, e := range x.emails {
		if err := collect(inCols+`sender = ? AND (call_id IS NULL OR call_id NOT IN (SELECT id FROM calls WHERE customer_id = ?))`, e, x.id); err != nil {
			return err
		}
	}
	// Messages that copy, quote or are about them (in quarantine, or on a call kept on legal hold:
	// left alone).
	for _, id := range x.mails {
		if err := collect(inCols+`id = ?`, id); err != nil {
			return err
		}
	}
	done := map[int64]bool{}
	for _, m := range in {
		if done[m.id] {
			continue
		}
		done[m.id] = true
		x.mail = append(x.mail, m.id)
		sender := m.sender
		if mine(sender) {
			sender = ""
		}
		disp := m.disposition
		if disp == "quarantine" {
			disp = "discarded"
		}
		if _, err := x.t.exec(ctx, `UPDATE mail_messages SET raw = NULL, raw_text = NULL, key_id = NULL, sender = ?, subject = ?, reason = ?, disposition = ? WHERE id = ?`,
			sender, x.sc.Scrub(m.subject), x.sc.Scrub(m.reason), disp, m.id); err != nil {
			return err
		}
		if _, err := x.t.exec(ctx, `DELETE FROM mail_recipients WHERE mail_id = ?`, m.id); err != nil {
			return err
		}
		if m.hasRaw {
			x.counts.Emails++
		}
	}

	// They were copied in on other people's mail: their address goes from those copy lists.
	for _, e := range x.emails {
		if _, err := x.t.exec(ctx, `DELETE FROM mail_recipients WHERE address = ?`, e); err != nil {
			return err
		}
	}

	var out []msg
	collectOut := func(query string, args ...any) error {
		rows, err := x.t.query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m msg
			if err := rows.Scan(&m.id, &m.recipient, &m.subject, &m.text, &m.htmlBody, &m.state); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	}
	const outCols = `SELECT id, recipient, subject, text_body, html_body, state FROM mail_outbox WHERE `
	if len(x.calls) > 0 {
		if err := collectOut(outCols+`call_id IN `+x.t.s.d.idSet()+` ORDER BY id`, x.t.s.d.idSetArg(x.calls)); err != nil {
			return err
		}
	}
	for _, e := range x.emails {
		if err := collectOut(outCols+`lower(recipient) = ?`, e); err != nil {
			return err
		}
	}
	done = map[int64]bool{}
	for _, m := range out {
		if done[m.id] {
			continue
		}
		done[m.id] = true
		if mine(m.recipient) && m.state == "pending" {
			if _, err := x.t.exec(ctx, `DELETE FROM mail_outbox WHERE id = ?`, m.id); err != nil {
				return err
			}
			continue
		}
		recipient := m.recipient
		if mine(recipient) {
			recipient = ""
		}
		if _, err := x.t.exec(ctx, `UPDATE mail_outbox SET recipient = ?, subject = ?, text_body = ?, html_body = ? WHERE id = ?`,
			recipient, x.sc.ScrubAll(m.subject), x.sc.ScrubAll(m.text), x.sc.ScrubAll(m.htmlBody), m.id); err != nil {
			return err
		}
	}
	return nil
}

// scrubRequests scrubs the words of their subject requests; the requests stay, as evidence of how
// each was answered, until their own retention ends.
func (x *erasing) scrubRequests(ctx context.Context) error {
	_, err := x.scrubRows(ctx, "subject_requests", "id", []string{"identity_how", "third_party", "authority", "extension_reason", "details", "outcome"},
		x.sc.ScrubAll, "person_id = ?", x.id)
	return err
}

// dropBundles deletes the person's subject access bundles (a copy of all their data) and their
// redaction lists, keeping each bundle's row (when, by whom) as expired; a bundle of someone else
// still being prepared whose gathered data mentions them is failed, to be built again; another
// person's redaction candidate that quotes them, or whose sentence does, is scrubbed. (A bundle made final for someone else
// keeps what it disclosed to them until its download expires.)
func (x *erasing) dropBundles(ctx context.Context) error {
	if _, err := x.t.exec(ctx, `DELETE FROM sar_redactions WHERE bundle_id IN (SELECT id FROM sar_bundles WHERE person_id = ?)`, x.id); err != nil {
		return err
	}
	if err := x.t.shredBundleKeys(ctx, `person_id = ?`, x.id); err != nil {
		return err
	}
	if _, err := x.t.exec(ctx, `UPDATE sar_bundles SET state = 'expired', model = NULL, zip = NULL, key_id = NULL, error = 'its content was deleted when the person was erased', version = version + 1 WHERE person_id = ?`, x.id); err != nil {
		return err
	}
	type bundle struct {
		id    int64
		model []byte
		key   sql.NullInt64
	}
	rows, err := x.t.query(ctx, `SELECT id, model, key_id FROM sar_bundles WHERE person_id <> ? AND model IS NOT NULL AND state IN ('queued', 'building', 'review')`, x.id)
	if err != nil {
		return err
	}
	var all []bundle
	for rows.Next() {
		var b bundle
		if err := rows.Scan(&b.id, &b.model, &b.key); err != nil {
			rows.Close()
			return err
		}
		all = append(all, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var bs []bundle
	for _, b := range all {
		model, err := x.t.s.openBytes(ctx, x.t, b.key, KeyOwnerBundle, b.id, "sar_bundles.model", b.model)
		if err != nil {
			return err
		}
		if x.sc.Finds(string(model)) {
			bs = append(bs, b)
		}
	}
	for _, b := range bs {
		if _, err := x.t.exec(ctx, `DELETE FROM sar_redactions WHERE bundle_id = ?`, b.id); err != nil {
			return err
		}
		if _, err := x.t.shredKeys(ctx, KeyOwnerBundle, []int64{b.id}); err != nil {
			return err
		}
		if _, err := x.t.exec(ctx, `UPDATE sar_bundles SET state = 'failed', model = NULL, zip = NULL, key_id = NULL, version = version + 1,
			error = 'a person it mentions was erased while it was prepared: build it again' WHERE id = ?`, b.id); err != nil {
			return err
		}
	}
	// The plain candidates that quote them are found by the database and scrubbed here (scrubRows
	// leaves sealed rows alone). The sealed ones (issue 20 point 3), which the database cannot look
	// into, the mention finder opened (findCalls): scrubMentions scrubs them as the register says,
	// seals them again, and their bundle's key is replaced at the end (shredContent).
	for _, term := range x.sc.SearchTerms() {
		like := "%" + likeEscape(strings.ToLower(term)) + "%"
		if _, err := x.scrubRows(ctx, "sar_redactions", "id", []string{"original", "context"}, x.sc.Scrub,
			`(lower(original) LIKE ? ESCAPE '\' OR lower(context) LIKE ? ESCAPE '\')`, like, like); err != nil {
			return err
		}
	}
	return nil
}

// scrubRows rewrites the text columns cols of the rows of table matching where with scrub, writing
// back only the rows that changed (a row with a version column gets a new version), and says
// how many did. key is the table's key column. Of a table whose columns cols may be sealed
// under a data key, it takes only the plain rows: where cannot look into the sealed ones (which
// the mention finder opens, for scrubMentions), and a scrubbed text written back plain under
// their key would not open.
func (x *erasing) scrubRows(ctx context.Context, table, key string, cols []string, scrub func(string) string, where string, args ...any) (int, error) {
	type row struct {
		key  any
		text []string
	}
	if tb, ok := sealedTableOf(table); ok && slices.ContainsFunc(cols, func(c string) bool { return contains(tb.cols, c) }) {
		where = tb.keyCol + " IS NULL AND (" + where + ")"
	}
	rows, err := x.t.query(ctx, `SELECT `+key+`, `+strings.Join(cols, ", ")+` FROM `+table+` WHERE `+where, args...)
	if err != nil {
		return 0, err
	}
	var rs []row
	for rows.Next() {
		r := row{text: make([]string, len(cols))}
		dest := []any{&r.key}
		for i := range r.text {
			dest = append(dest, &r.text[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, err
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	set := strings.Join(cols, " = ?, ") + " = ?"
	if table == "subject_requests" {
		set += ", version = version + 1"
	}
	changed := 0
	for _, r := range rs {
		args, differs := make([]any, 0, len(cols)+1), false
		for _, v := range r.text {
			w := scrub(v)
			differs = differs || w != v
			args = append(args, w)
		}
		if !differs {
			continue
		}
		if _, err := x.t.exec(ctx, `UPDATE `+table+` SET `+set+` WHERE `+key+` = ?`, append(args, r.key)...); err != nil {
			return changed, fmt.Errorf("scrub %s: %w", table, err)
		}
		changed++
	}
	return changed, nil
}

// isErased says whether person id was erased.
func (t *Tx) isErased(ctx context.Context, id int64) (bool, error) {
	var at sql.NullInt64
	if err := t.queryRow(ctx, `SELECT erased_at FROM people WHERE id = ?`, id).Scan(&at); err != nil && err != sql.ErrNoRows {
		return false, err
	}
	return at.Valid, nil
}

// namedBy are the columns that name who did something by name (staff acting in calldesk), which an
// erasure of that member of staff turns into their pseudonym.
var namedBy = [][2]string{
	{"subject_requests", "identity_by"}, {"subject_requests", "logged_by"},
	{"legal_holds", "placed_by"}, {"legal_holds", "lifted_by"},
	{"retention_rules", "changed_by"}, {"retention_runs", "by_whom"},
	{"sar_bundles", "created_by"}, {"sar_bundles", "final_by"}, {"sar_redactions", "decided_by"},
	{"erasures", "decided_by"}, {"import_runs", "by_whom"},
	{"processing_activities", "reviewed_by"}, {"processing_activities", "changed_by"}, {"processing_versions", "changed_by"},
	{"privacy_notices", "published_by"}, {"audit_verifications", "by_whom"},
}

// scrubNamedBy replaces the person's name where a column records who did something, and scrubs
// the reasons given for retention rules (a member of staff may have named someone).
func (x *erasing) scrubNamedBy(ctx context.Context) error {
	var names []string
	for _, n := range x.names {
		if strings.TrimSpace(n) != "" {
			names = append(names, strings.ToLower(strings.TrimSpace(n)))
		}
	}
	for _, tc := range namedBy {
		for _, n := range names {
			if _, err := x.t.exec(ctx, `UPDATE `+tc[0]+` SET `+tc[1]+` = ? WHERE lower(`+tc[1]+`) = ?`, x.pseudo, n); err != nil {
				return fmt.Errorf("%s.%s: %w", tc[0], tc[1], err)
			}
		}
	}
	_, err := x.scrubRows(ctx, "retention_rules", "class", []string{"reason"}, x.sc.Scrub, "1 = 1")
	return err
}

// onLegalHold says whether person id, or a call of which they are the customer, is on legal hold.
func (t *Tx) onLegalHold(ctx context.Context, id int64) (bool, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM legal_holds h WHERE h.lifted_at IS NULL
		AND (h.person_id = ? OR h.call_id IN (SELECT c.id FROM calls c WHERE c.customer_id = ?))`, id, id).Scan(&n)
	return n > 0, err
}

// scrubHolds scrubs the reasons of lifted legal holds on the person or a touched call.
func (x *erasing) scrubHolds(ctx context.Context) error {
	if _, err := x.scrubRows(ctx, "legal_holds", "id", []string{"reason", "lift_reason"}, x.sc.ScrubAll, "person_id = ?", x.id); err != nil {
		return err
	}
	if len(x.calls) > 0 {
		if _, err := x.scrubRows(ctx, "legal_holds", "id", []string{"reason", "lift_reason"}, x.sc.ScrubAll, "call_id IN "+x.t.s.d.idSet(), x.t.s.d.idSetArg(x.calls)); err != nil {
			return err
		}
	}
	return nil
}

// scrubImports scrubs the problems directory imports reported about the person (a rejected row
// quotes its fields).
func (x *erasing) scrubImports(ctx context.Context) error {
	terms := append([]string(nil), x.emails...)
	for _, v := range x.sc.SearchTerms() {
		if !strings.Contains(v, "@") {
			terms = append(terms, strings.ToLower(v))
		}
	}
	for _, term := range terms {
		if _, err := x.scrubRows(ctx, "import_runs", "id", []string{"problems"}, x.sc.Scrub,
			`lower(problems) LIKE ? ESCAPE '\'`, "%"+likeEscape(term)+"%"); err != nil {
			return err
		}
	}
	return nil
}

// closeAccount closes their account: no login, no password, no roles, no sessions, no tokens.
func (x *erasing) closeAccount(ctx context.Context) error {
	var accountID int64
	var login string
	err := x.t.queryRow(ctx, `SELECT id, login FROM accounts WHERE person_id = ?`, x.id).Scan(&accountID, &login)
	if err == sql.ErrNoRows {
		return nil
	} else if err != nil {
		return err
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE accounts SET login = ?, password_hash = '', roles = '', active = 0 WHERE id = ?`, []any{"erased-" + strconv.FormatInt(x.id, 10), accountID}},
		{`DELETE FROM sessions WHERE account_id = ?`, []any{accountID}},
		{`DELETE FROM password_resets WHERE account_id = ?`, []any{accountID}},
		// Their second factor (issue 20 item 2) goes with the account.
		{`DELETE FROM recovery_codes WHERE account_id = ?`, []any{accountID}},
		{`DELETE FROM second_factors WHERE account_id = ?`, []any{accountID}},
		// A subscription ends with its account (issue 18 item 5).
		{`DELETE FROM report_subscriptions WHERE account_id = ?`, []any{accountID}},
		{`UPDATE api_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL`, []any{x.t.Now.UnixMicro(), accountID}},
		// The names they gave their tokens ("Ann's laptop") go; the rows stay, revoked, for the audit records that name them.
		{`UPDATE api_tokens SET name = ? WHERE account_id = ?`, []any{"token of an erased person", accountID}},
		{`DELETE FROM signin_failures WHERE lower(key) LIKE ? ESCAPE '\'`, []any{"%" + likeEscape(strings.ToLower(login)) + "%"}},
		{`DELETE FROM signin_throttle WHERE lower(key) LIKE ? ESCAPE '\'`, []any{"%" + likeEscape(strings.ToLower(login)) + "%"}},
	} {
		if _, err := x.t.exec(ctx, q.sql, q.args...); err != nil {
			return err
		}
	}
	// The key their second-factor secret was sealed under goes with it (crypto-shredding).
	_, err = x.t.shredKeys(ctx, KeyOwnerAccount, []int64{accountID})
	return err
}

// scrubAudit rewrites the personal fields of every audit record that names the person: the ones
// they did (the actor becomes the pseudonym, the client address goes), the ones about them, and
// the ones about a touched call; each rewritten record keeps the digest its fields had, which the
// hash chain covers, and names this erasure.
func (x *erasing) scrubAudit(ctx context.Context) error {
	seen := map[int64]bool{}
	var recs []desk.AuditRecord
	collect := func(query string, args ...any) error {
		rows, err := x.t.query(ctx, `SELECT `+auditCols+` FROM audit_log a WHERE `+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanAudit(rows)
			if err != nil {
				return err
			}
			if !seen[r.ID] {
				seen[r.ID] = true
				recs = append(recs, r)
			}
		}
		return rows.Err()
	}
	if err := collect(`a.actor_id = ?`, x.id); err != nil {
		return err
	}
	if err := collect(`a.id IN (SELECT audit_id FROM audit_persons WHERE person_id = ?)`, x.id); err != nil {
		return err
	}
	refs := make([]string, 0, len(x.refs))
	for ref := range x.refs {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	for _, ref := range refs {
		if err := collect(`a.object_type = 'call' AND a.object_id = ?`, ref); err != nil {
			return err
		}
	}
	// The records of the stored emails scrubbed (taken in, quarantined, released, discarded),
	// which quote the sender's address even when nobody knew who they were.
	for _, id := range x.mail {
		if err := collect(`a.object_type = 'mail' AND a.object_id = ?`, strconv.FormatInt(id, 10)); err != nil {
			return err
		}
	}
	// Records that name them in words only: a failed sign-in typed as their address, a search for
	// their number, a file named after them (the mention finder's).
	for _, id := range x.audits {
		if err := collect(`a.id = ?`, id); err != nil {
			return err
		}
	}
	for _, r := range recs {
		about := r.ActorID == x.id
		for _, p := range r.Persons {
			about = about || p == x.id
		}
		scrub := x.sc.Scrub
		if about {
			scrub = x.sc.ScrubAll
		}
		actor, addr := scrub(r.Actor), r.ClientAddr
		if r.ActorID == x.id {
			actor, addr = x.pseudo, ""
		}
		reason, detail := scrub(r.Reason), scrub(r.Detail)
		if actor == r.Actor && addr == r.ClientAddr && reason == r.Reason && detail == r.Detail {
			continue
		}
		if r.RedactedDigest != "" {
			// Rewritten by an earlier erasure, which attested it: its digest and its link to that
			// erasure stay; only the words change again.
			if _, err := x.t.exec(ctx, `UPDATE audit_log SET actor = ?, client_addr = ?, reason = ?, detail = ? WHERE id = ?`,
				actor, addr, reason, detail, r.ID); err != nil {
				return err
			}
			x.rewrote(r, actor, addr, reason, detail)
			x.counts.AuditRedacted++
			continue
		}
		r.RedactedDigest = r.PersonalDigest()
		if _, err := x.t.exec(ctx, `UPDATE audit_log SET actor = ?, client_addr = ?, reason = ?, detail = ?, redacted_digest = ? WHERE id = ?`,
			actor, addr, reason, detail, r.RedactedDigest, r.ID); err != nil {
			return err
		}
		x.redacted = append(x.redacted, r)
		x.rewrote(r, actor, addr, reason, detail)
		x.counts.AuditRedacted++
	}
	return nil
}

// Erasure is the record of person id's erasure.
func (s *Store) Erasure(ctx context.Context, personID int64) (desk.ErasureRecord, error) {
	var r desk.ErasureRecord
	var req sql.NullInt64
	var at int64
	var basis, ground, counts string
	err := s.queryRow(ctx, `SELECT id, person_id, pseudonym, request_id, basis, ground, decision, decided_by, erased_at, counts
		FROM erasures WHERE person_id = ?`, personID).Scan(&r.ID, &r.PersonID, &r.Pseudonym, &req, &basis, &ground, &r.Decision, &r.By, &at, &counts)
	if err == sql.ErrNoRows {
		return r, notFound("person %d has not been erased", personID)
	} else if err != nil {
		return r, err
	}
	r.RequestID, r.Basis, r.Ground = req.Int64, desk.LawfulBasis(basis), desk.ErasureGround(ground)
	r.At = fromMicros(sql.NullInt64{Int64: at, Valid: true})
	_ = json.Unmarshal([]byte(counts), &r.Counts)
	return r, nil
}

// ErasurePreview is what erasing a person would touch, for the Data Protection Officer to see
// before deciding.
type ErasurePreview struct {
	Calls, Unfinished, Entries, Files, Emails int
	// Requests are the person's open erasure requests, which the erasure can answer.
	Requests []desk.SubjectRequest
	// Held says the person or one of their calls is on legal hold: erasure is refused until lifted.
	Held bool
}

// PreviewErasure counts what erasing person id would touch.
func (s *Store) PreviewErasure(ctx context.Context, id int64) (ErasurePreview, error) {
	var p ErasurePreview
	var held int
	err := s.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM calls WHERE customer_id = ?),
		(SELECT COUNT(*) FROM calls WHERE customer_id = ? AND state NOT IN ('resolved', 'closed', 'cancelled')),
		(SELECT COUNT(*) FROM diary_entries WHERE author_id = ?),
		(SELECT COUNT(*) FROM attachments WHERE uploaded_by = ? OR call_id IN (SELECT id FROM calls WHERE customer_id = ?)),
		(SELECT COUNT(*) FROM mail_messages WHERE raw IS NOT NULL AND call_id IN (SELECT id FROM calls WHERE customer_id = ?))`,
		id, id, id, id, id, id).Scan(&p.Calls, &p.Unfinished, &p.Entries, &p.Files, &p.Emails)
	if err != nil {
		return p, err
	}
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM legal_holds h WHERE h.lifted_at IS NULL
		AND (h.person_id = ? OR h.call_id IN (SELECT c.id FROM calls c WHERE c.customer_id = ?))`, id, id).Scan(&held); err != nil {
		return p, err
	}
	p.Held = held > 0
	rows, err := s.query(ctx, `SELECT id, received_at FROM subject_requests WHERE person_id = ? AND kind = 'erasure' AND state = 'open' ORDER BY id`, id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var q desk.SubjectRequest
		var at int64
		if err := rows.Scan(&q.ID, &at); err != nil {
			return p, err
		}
		q.ReceivedAt = fromMicros(sql.NullInt64{Int64: at, Valid: true})
		q.PersonID, q.Kind, q.State = id, desk.RequestErasure, desk.RequestOpen
		p.Requests = append(p.Requests, q)
	}
	return p, rows.Err()
}

// compactSearchLater asks the search compaction job to rewrite the index once this transaction
// commits: words removed from it must go from its storage too. due counts the requests, so that
// a compaction that began before this one asked does not answer it (CompactSearchIfDue).
func (t *Tx) compactSearchLater(ctx context.Context) error {
	if _, err := t.exec(ctx, `UPDATE maintenance SET due = due + 1 WHERE name = 'search_compact'`); err != nil {
		return err
	}
	return t.shredLater(ctx) // and then the deleted bytes must go from the files (shred.go)
}

// compactPages is what one step of a compaction writes, in FTS5 pages (about 4 KB each). On the
// million-call demo's index, steps of 32 pages took 16 ms at p50, 45 ms at p90 and 203 ms at p99
// (483 steps, 16 s in all); steps of 128 took 48, 127 and 334 ms for the same total. A step
// copies a word's whole list at once, so one step took 3.6 s either way.
const compactPages = 32

// CompactSearchIfDue rewrites the full-text index when an erasure or a retention sweep asked for
// it, and says whether it did. On PostgreSQL there is nothing to do (autovacuum reclaims old row
// versions). On SQLite the rewrite of a million calls' index took 3-10 s in one transaction,
// which held every write of the desk back as long (a create's p99 of 10 s in a mixed run); it now
// runs as FTS5's incremental merge of every segment into one ('merge' with a negative size, then
// positive ones with usermerge at its largest, which continue that merge alone), a few pages a
// step, each step a write of its own: the desk's writes wait for one step at most (compactPages). The request
// is answered only when the merge is complete, and only if no other came meanwhile: a crash or
// an error part-way leaves it due, and the next run merges again.
func (s *Store) CompactSearchIfDue(ctx context.Context) (bool, error) {
	var due int64
	if err := s.queryRow(ctx, `SELECT due FROM maintenance WHERE name = 'search_compact'`).Scan(&due); err != nil {
		return false, fmt.Errorf("search compaction: %w", err)
	}
	if due == 0 {
		return false, nil
	}
	answer := func(t *Tx) error {
		_, err := t.exec(ctx, `UPDATE maintenance SET due = 0 WHERE name = 'search_compact' AND due = ?`, due)
		return err
	}
	if s.w == nil {
		// PostgreSQL: a call's tsvector lives in its row, and the old row version (with the old
		// words) goes when autovacuum reclaims it.
		return true, s.inTx(ctx, answer)
	}
	// A contentless FTS5 index deletes a document by noting its rowid (a tombstone), leaving its
	// words in the old segments until they are merged.
	for step := 0; ; step++ {
		more, err := s.mergeSearchStep(ctx, searchMerge{usermerge: 16, pages: compactPages, all: step == 0, resume: step == 0,
			last: answer})
		if err != nil {
			return false, fmt.Errorf("search compaction: %w", err)
		}
		if !more {
			return true, nil
		}
	}
}

// versioned are the tables whose rows carry a version, which a rewrite moves on so that a change
// prepared before the erasure fails as stale instead of writing the old words back.
var versioned = map[string]bool{"people": true, "calls": true, "directory_groups": true, "subject_requests": true, "sar_bundles": true}

// deletedWhole are the tables whose rows are only a key that names someone: erasure deletes the
// row rather than empty its key.
var deletedWhole = map[string]bool{"signin_failures": true, "signin_throttle": true, "mail_recipients": true, "attachments": true}

// scrubMentions treats every place the mention finder found that the steps before left naming
// them, as the register says of its column (Treatment): Scrub and Pseudonymise replace their
// identifiers by the pseudonym, Remove empties the value (or deletes the row of a table that is
// only that value, a file whose content names them), Keep leaves it and lists it with its reason.
// A column the register adds with Scrub is scrubbed here with no change to this file. Audit
// records are scrubAudit's (they keep the digest the hash chain covers); the person's own record
// is rewritten last, whole.
func (x *erasing) scrubMentions(ctx context.Context) error {
	reg := map[string]PersonalColumn{}
	for _, c := range Register() {
		reg[c.Name()] = c
	}
	for _, m := range x.mentions {
		c, ok := reg[m.Table+"."+m.Column]
		if !ok || m.Table == "audit_log" || (m.Table == "people" && m.ID == x.id) {
			continue
		}
		if x.held[m.CallID] {
			continue // listed with its call
		}
		where, args := mentionRowWhere(m)
		var cur []byte
		var state sql.NullString
		stateCol := "NULL"
		switch m.Table {
		case "legal_holds":
			stateCol = "CASE WHEN lifted_at IS NULL THEN 'active' ELSE 'lifted' END"
		case "sar_bundles":
			stateCol = "state"
		}
		// A sealed value (issue 20 point 3) is read with its data key and opened.
		tb, sealed := sealedTableOf(m.Table)
		sealed = sealed && contains(tb.cols, m.Column)
		keyCols := ", NULL, '', 0"
		if sealed {
			keyCols = ", " + tb.keyCol + ", " + tb.ownerKind + ", " + tb.ownerID
		}
		var keyID sql.NullInt64
		var ownerKind string
		var owner int64
		err := x.t.queryRow(ctx, `SELECT `+m.Column+`, `+stateCol+keyCols+` FROM `+m.Table+` WHERE `+where, args...).Scan(&cur, &state, &keyID, &ownerKind, &owner)
		if err == sql.ErrNoRows || (err == nil && cur == nil) {
			continue // gone with an earlier step
		} else if err != nil {
			return fmt.Errorf("%s.%s: %w", m.Table, m.Column, err)
		}
		if sealed {
			if cur, err = openSealed(ctx, x.t.s, x.t, tb, m.Column, keyID, ownerKind, owner, cur); err != nil {
				return fmt.Errorf("%s: %w", m.Where(), err)
			}
		}
		var extra []sql.NullString
		if m.Table == "attachments" {
			extra = make([]sql.NullString, 2)
			if err := x.t.queryRow(ctx, `SELECT filename, content_type FROM attachments WHERE `+where, args...).Scan(&extra[0], &extra[1]); err != nil {
				return err
			}
		}
		text, _ := mentionText(c, cur, extra, desk.MailText)
		if !x.sc.Finds(text) {
			continue // scrubbed by an earlier step
		}
		treatment, reason := c.Erasure, c.KeepReason
		switch {
		case m.Table == "legal_holds" && state.String == "active":
			treatment, reason = Keep, "a legal hold in force: its reasons are kept as they are until it is lifted"
		case m.Table == "sar_bundles" && state.String == "final":
			treatment, reason = Keep, "a bundle made final for another requester: what it disclosed to them is kept until its download expires"
		}
		var set string
		var val any
		switch treatment {
		case Keep:
			x.keep(m.Where(), reason)
			continue
		case Remove:
			if deletedWhole[m.Table] {
				if _, err := x.t.exec(ctx, `DELETE FROM `+m.Table+` WHERE `+where, args...); err != nil {
					return fmt.Errorf("%s: %w", m.Where(), err)
				}
				if m.Table == "attachments" {
					x.counts.Attachments++
				}
				continue
			}
			set, val = m.Column+" = ?", ""
			if c.binary() {
				set, val = m.Column+" = NULL", nil
			}
		default: // Scrub, Pseudonymise: their identifiers become the pseudonym
			v := string(cur)
			if !x.sc.Finds(v) {
				v = text // found only decoded (URL or JSON escapes): the decoded text is written back, scrubbed
			}
			set, val = m.Column+" = ?", x.sc.Scrub(v)
			if sealed && keyID.Valid && val != "" {
				// Sealed again under the same key (the erasure's rekey then replaces it).
				var k sql.NullInt64
				var sealedVal any
				if tb.text[m.Column] {
					k, sealedVal, err = x.t.sealString(ctx, ownerKind, owner, m.Table+"."+m.Column, val.(string))
				} else {
					k, sealedVal, err = x.t.sealBytes(ctx, ownerKind, owner, m.Table+"."+m.Column, []byte(val.(string)))
				}
				if err != nil {
					return fmt.Errorf("%s: %w", m.Where(), err)
				}
				if err := sameKey(keyID, k); err != nil {
					return fmt.Errorf("%s: %w", m.Where(), err)
				}
				val = sealedVal
			}
		}
		if versioned[m.Table] {
			set += ", version = version + 1"
		}
		q := `UPDATE ` + m.Table + ` SET ` + set + ` WHERE ` + where
		if val != nil {
			args = append([]any{val}, args...)
		}
		if _, err := x.t.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w", m.Where(), err)
		}
		if sealed && keyID.Valid && ownerKind == KeyOwnerBundle {
			x.bundles = append(x.bundles, owner) // its key is replaced at the end, as a call's is
		}
		x.counts.Scrubbed++
		switch {
		case m.Table == "calls":
			x.t.indexLater(m.ID, false)
		case m.Table == "diary_entries" && m.CallID != 0:
			x.t.indexLater(m.CallID, false)
		}
	}
	return nil
}

// mentionRowWhere selects the row of mention m.
func mentionRowWhere(m Mention) (string, []any) {
	switch m.Table {
	case "signin_throttle":
		return "key = ?", []any{m.Key}
	case "retention_rules":
		return "class = ?", []any{m.Key}
	case "mail_recipients":
		id, addr, _ := strings.Cut(m.Key, " ")
		n, _ := strconv.ParseInt(id, 10, 64)
		return "mail_id = ? AND address = ?", []any{n, addr}
	case "processing_versions":
		id, v, _ := strings.Cut(m.Key, " ")
		a, _ := strconv.ParseInt(id, 10, 64)
		n, _ := strconv.ParseInt(v, 10, 64)
		return "activity_id = ? AND version = ?", []any{a, n}
	case "privacy_notices":
		n, _ := strconv.ParseInt(m.Key, 10, 64)
		return "version = ?", []any{n}
	}
	return "id = ?", []any{m.ID}
}

// rewrote notes that the erasure rewrote record r (as it found it) with the given fields.
func (x *erasing) rewrote(r desk.AuditRecord, actor, addr, reason, detail string) {
	after := r
	after.Actor, after.ClientAddr, after.Reason, after.Detail = actor, addr, reason, detail
	x.rewritten = append(x.rewritten, desk.Rewritten{Record: r, After: after.FieldsDigest()})
}

// noteRewrites appends, to each record the erasure (audit record eraseID) rewrote, its entry:
// the erasure and the digest of the fields it wrote (audit_log.rewrites, migration 0032).
func (x *erasing) noteRewrites(ctx context.Context, eraseID int64) error {
	for _, w := range x.rewritten {
		if _, err := x.t.exec(ctx, `UPDATE audit_log SET rewrites = rewrites || ? WHERE id = ?`,
			desk.RewriteEntry(eraseID, w.After), w.Record.ID); err != nil {
			return err
		}
	}
	return nil
}
