package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// This file holds the read queries of the subject access request (SAR) bundle: everything held
// about one person, read a page at a time so that a person with thousands of calls among a
// million never makes a query load more than a page.

// SARCall is a call of the person's, with the names of the group, analyst, profile and logger
// (staff, named in their professional capacity).
type SARCall struct {
	desk.Call
	Group, Analyst, Profile, LoggedByName string
}

// withExtra scans a row's leading columns into the caller's destinations and extra into its own.
type withExtra struct {
	r     scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.r.Scan(append(dest, w.extra...)...) }

// SARCalls lists up to limit calls whose customer is person, with ids above after, in id order.
func (s *Store) SARCalls(ctx context.Context, person, after int64, limit int) ([]SARCall, error) {
	rows, err := s.query(ctx, `SELECT `+callCols+`, COALESCE(g.name, ''), COALESCE(trim(an.first_name || ' ' || an.last_name), ''),
		COALESCE(pr.path, ''), COALESCE(trim(lb.first_name || ' ' || lb.last_name), '')
		FROM calls c LEFT JOIN support_groups g ON g.id = c.group_id LEFT JOIN people an ON an.id = c.analyst_id
		LEFT JOIN profiles pr ON pr.id = c.profile_id LEFT JOIN people lb ON lb.id = c.logged_by
		WHERE c.customer_id = ? AND c.id > ? ORDER BY c.id LIMIT ?`, person, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SARCall
	for rows.Next() {
		var sc SARCall
		c, err := s.scanCall(ctx, s)(withExtra{rows, []any{&sc.Group, &sc.Analyst, &sc.Profile, &sc.LoggedByName}})
		if err != nil {
			return nil, err
		}
		sc.Call = c
		out = append(out, sc)
	}
	return out, rows.Err()
}

// SARCallCount is how many calls person is the customer of.
func (s *Store) SARCallCount(ctx context.Context, person int64) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM calls WHERE customer_id = ?`, person).Scan(&n)
	return n, err
}

// SAREntry is a diary entry with the reference of its call.
type SAREntry struct {
	desk.Entry
	CallRef string
}

const sarEntryCols = `d.id, d.call_id, d.kind, d.public, d.body, d.author_id, ` + entryAuthor + `,
	d.created_at, d.call_version, c.kind, c.number, d.key_id`

func (s *Store) scanSAREntries(ctx context.Context, rows *sql.Rows) ([]SAREntry, error) {
	defer rows.Close()
	var out []SAREntry
	for rows.Next() {
		var e SAREntry
		var kind, ckind string
		var author, key sql.NullInt64
		var at, number int64
		if err := rows.Scan(&e.ID, &e.CallID, &kind, &e.Public, &e.Text, &author, &e.Author, &at, &e.CallVersion, &ckind, &number, &key); err != nil {
			return nil, err
		}
		var err error
		if e.Text, err = s.openEntry(ctx, s, key, e.CallID, e.Text); err != nil {
			return nil, err
		}
		e.Kind, e.AuthorID, e.CreatedAt = desk.EntryKind(kind), author.Int64, time.UnixMicro(at).UTC()
		e.CallRef = desk.Reference(desk.CallKind(ckind), number)
		if e.Author == "" && e.AuthorID == 0 {
			e.Author = "calldesk"
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func sarIDArgs(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return placeholders(len(ids)), args
}

// SAREntriesOf lists the diary entries of calls ids (a page of the person's calls), internal
// ones too, in call and entry order.
func (s *Store) SAREntriesOf(ctx context.Context, ids []int64) ([]SAREntry, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph, args := sarIDArgs(ids)
	rows, err := s.query(ctx, `SELECT `+sarEntryCols+` FROM diary_entries d JOIN calls c ON c.id = d.call_id
		LEFT JOIN people p ON p.id = d.author_id WHERE d.call_id IN (`+ph+`) ORDER BY d.call_id, d.id`, args...)
	if err != nil {
		return nil, err
	}
	return s.scanSAREntries(ctx, rows)
}

// SARAuthoredEntries lists up to limit entries person wrote on calls of other customers, with
// ids above after, in id order.
func (s *Store) SARAuthoredEntries(ctx context.Context, person, after int64, limit int) ([]SAREntry, error) {
	rows, err := s.query(ctx, `SELECT `+sarEntryCols+` FROM diary_entries d JOIN calls c ON c.id = d.call_id
		LEFT JOIN people p ON p.id = d.author_id WHERE d.author_id = ? AND c.customer_id <> ? AND d.id > ? ORDER BY d.id LIMIT ?`,
		person, person, after, limit)
	if err != nil {
		return nil, err
	}
	return s.scanSAREntries(ctx, rows)
}

// SARFile is an attachment's metadata with the reference of its call.
type SARFile struct {
	desk.Attachment
	CallRef string
}

// SARAttachmentsOf lists the attachments (metadata) of calls ids, in id order.
func (s *Store) SARAttachmentsOf(ctx context.Context, ids []int64) ([]SARFile, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph, args := sarIDArgs(ids)
	return s.sarAttachments(ctx, `SELECT `+attachmentCols+`, c.kind, c.number FROM attachments a JOIN calls c ON c.id = a.call_id
		WHERE a.call_id IN (`+ph+`) ORDER BY a.id`, args...)
}

// SARUploadedAttachments lists the attachments person uploaded to calls of other customers.
func (s *Store) SARUploadedAttachments(ctx context.Context, person int64) ([]SARFile, error) {
	return s.sarAttachments(ctx, `SELECT `+attachmentCols+`, c.kind, c.number FROM attachments a JOIN calls c ON c.id = a.call_id
		WHERE a.uploaded_by = ? AND c.customer_id <> ? ORDER BY a.id`, person, person)
}

func (s *Store) sarAttachments(ctx context.Context, q string, args ...any) ([]SARFile, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SARFile
	for rows.Next() {
		var kind string
		var number int64
		a, err := scanAttachment(rows, &kind, &number)
		if err != nil {
			return nil, err
		}
		out = append(out, SARFile{Attachment: a, CallRef: desk.Reference(desk.CallKind(kind), number)})
	}
	return out, rows.Err()
}

// SARMail is an email taken in on one of the person's calls, whole. Raw is nil for one whose
// content is no longer held (discarded from quarantine); Subject and Reason are then what is
// left of it.
type SARMail struct {
	ID, CallID, EntryID int64
	Disposition         string
	ReceivedAt          time.Time
	Raw                 []byte
	Subject, Reason     string
}

// SARMailOf lists the emails kept whole (raw) that were taken in on calls ids, in id order.
func (s *Store) SARMailOf(ctx context.Context, ids []int64) ([]SARMail, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph, args := sarIDArgs(ids)
	rows, err := s.query(ctx, `SELECT id, call_id, COALESCE(entry_id, 0), disposition, created_at, raw FROM mail_messages
		WHERE call_id IN (`+ph+`) AND raw IS NOT NULL ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SARMail
	for rows.Next() {
		var m SARMail
		var at int64
		if err := rows.Scan(&m.ID, &m.CallID, &m.EntryID, &m.Disposition, &at, &m.Raw); err != nil {
			return nil, err
		}
		m.ReceivedAt = time.UnixMicro(at).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// SARAudit lists up to limit audit records concerning person with ids above after, oldest first.
func (s *Store) SARAudit(ctx context.Context, person, after int64, limit int) ([]desk.AuditRecord, error) {
	rows, err := s.query(ctx, `SELECT `+auditCols+` FROM audit_persons ap JOIN audit_log a ON a.id = ap.audit_id
		WHERE ap.person_id = ? AND ap.audit_id > ? ORDER BY ap.audit_id LIMIT ?`, person, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []desk.AuditRecord
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Identifiers are the identifiers of one person of the register, as free text may mention them.
type Identifiers struct {
	ID                                                         int64
	FirstName, LastName, Username, Email, StudentNumber, Phone string
}

// RegisterIdentifiers calls fn for every person of the register, a page at a time, with the
// identifiers free text might mention them by.
func (s *Store) RegisterIdentifiers(ctx context.Context, fn func(Identifiers)) error {
	var after int64
	for {
		rows, err := s.query(ctx, `SELECT id, first_name, last_name, username, email, student_number, phone FROM people
			WHERE id > ? ORDER BY id LIMIT 5000`, after)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			var p Identifiers
			if err := rows.Scan(&p.ID, &p.FirstName, &p.LastName, &p.Username, &p.Email, &p.StudentNumber, &p.Phone); err != nil {
				rows.Close()
				return err
			}
			fn(p)
			after = p.ID
			n++
		}
		err = rows.Err()
		rows.Close()
		if err != nil || n < 5000 {
			return err
		}
	}
}

// HasAccount says whether person has an active account (and so can sign in to the portal).
func (s *Store) HasAccount(ctx context.Context, person int64) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE person_id = ? AND active = 1`, person).Scan(&n)
	return n > 0, err
}

// SAROutMail is an email calldesk sent (or is sending) to the person, or about one of their calls.
type SAROutMail struct {
	ID, CallID                              int64
	CallRef, Kind, To, Subject, Text, State string
	CreatedAt, SentAt                       time.Time
}

const sarOutCols = `o.id, COALESCE(o.call_id, 0), COALESCE(c.kind, ''), COALESCE(c.number, 0), o.kind, o.recipient, o.subject, o.text_body,
	o.state, o.created_at, o.sent_at FROM mail_outbox o LEFT JOIN calls c ON c.id = o.call_id`

func scanSAROut(rows *sql.Rows) ([]SAROutMail, error) {
	defer rows.Close()
	var out []SAROutMail
	for rows.Next() {
		var m SAROutMail
		var ckind string
		var number, created int64
		var sent sql.NullInt64
		if err := rows.Scan(&m.ID, &m.CallID, &ckind, &number, &m.Kind, &m.To, &m.Subject, &m.Text, &m.State, &created, &sent); err != nil {
			return nil, err
		}
		if m.CallID != 0 {
			m.CallRef = desk.Reference(desk.CallKind(ckind), number)
		}
		m.CreatedAt, m.SentAt = time.UnixMicro(created).UTC(), fromMicros(sent)
		out = append(out, m)
	}
	return out, rows.Err()
}

// SAROutboxOf lists the emails calldesk sent about calls ids (a page of the person's calls),
// whoever they went to, in id order.
func (s *Store) SAROutboxOf(ctx context.Context, ids []int64) ([]SAROutMail, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph, args := sarIDArgs(ids)
	rows, err := s.query(ctx, `SELECT `+sarOutCols+` WHERE o.call_id IN (`+ph+`) ORDER BY o.id`, args...)
	if err != nil {
		return nil, err
	}
	return scanSAROut(rows)
}

// SAROutboxTo lists up to limit emails calldesk sent to address (any case) that are about no
// call of person's, with ids above after, in id order. The outbox has no index on its
// recipients: this reads it through, a page at a time, which a subject access request can afford.
func (s *Store) SAROutboxTo(ctx context.Context, person int64, address string, after int64, limit int) ([]SAROutMail, error) {
	if address == "" {
		return nil, nil
	}
	rows, err := s.query(ctx, `SELECT `+sarOutCols+` WHERE lower(o.recipient) = ? AND (o.call_id IS NULL OR c.customer_id <> ?) AND o.id > ?
		ORDER BY o.id LIMIT ?`, strings.ToLower(address), person, after, limit)
	if err != nil {
		return nil, err
	}
	return scanSAROut(rows)
}

// SARMailFrom lists up to limit emails taken in from address, or copied to it (To or Cc), that
// are not on a call of person's (quarantined, rejected, discarded, automatic, or on another
// person's call), with ids above after, in id order; CallID is that other call's, or 0. A
// discarded one has no Raw (and no copies: its To and Cc went with it).
func (s *Store) SARMailFrom(ctx context.Context, person int64, address string, after int64, limit int) ([]SARMail, []string, error) {
	if address == "" {
		return nil, nil, nil
	}
	rows, err := s.query(ctx, `SELECT m.id, COALESCE(m.call_id, 0), COALESCE(m.entry_id, 0), m.disposition, m.created_at, m.raw,
		m.subject, m.reason, COALESCE(c.kind, ''), COALESCE(c.number, 0) FROM mail_messages m LEFT JOIN calls c ON c.id = m.call_id
		WHERE (m.sender IN (?, ?) OR EXISTS (SELECT 1 FROM mail_recipients r WHERE r.mail_id = m.id AND r.address = ?))
		AND (m.call_id IS NULL OR c.customer_id <> ?) AND m.id > ? ORDER BY m.id LIMIT ?`,
		address, strings.ToLower(address), strings.ToLower(address), person, after, limit)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []SARMail
	var refs []string
	for rows.Next() {
		var m SARMail
		var at, number int64
		var ckind string
		if err := rows.Scan(&m.ID, &m.CallID, &m.EntryID, &m.Disposition, &at, &m.Raw, &m.Subject, &m.Reason, &ckind, &number); err != nil {
			return nil, nil, err
		}
		m.ReceivedAt = time.UnixMicro(at).UTC()
		ref := ""
		if m.CallID != 0 {
			ref = desk.Reference(desk.CallKind(ckind), number)
		}
		out, refs = append(out, m), append(refs, ref)
	}
	return out, refs, rows.Err()
}

// SARHold is a legal hold on the person or on one of their calls.
type SARHold struct {
	ID                                  int64
	CallRef                             string // "" for a hold on the person
	Reason, PlacedBy, LiftedBy, LiftWhy string
	PlacedAt, LiftedAt                  time.Time
}

// SARLegalHolds lists the legal holds, lifted ones too, naming person or one of their calls, in
// id order.
func (s *Store) SARLegalHolds(ctx context.Context, person int64) ([]SARHold, error) {
	rows, err := s.query(ctx, `SELECT h.id, COALESCE(c.kind, ''), COALESCE(c.number, 0), h.reason, h.placed_by, h.placed_at, h.lifted_by,
		h.lifted_at, h.lift_reason FROM legal_holds h LEFT JOIN calls c ON c.id = h.call_id
		WHERE h.person_id = ? OR c.customer_id = ? ORDER BY h.id`, person, person)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SARHold
	for rows.Next() {
		var h SARHold
		var ckind string
		var number, placed int64
		var lifted sql.NullInt64
		if err := rows.Scan(&h.ID, &ckind, &number, &h.Reason, &h.PlacedBy, &placed, &h.LiftedBy, &lifted, &h.LiftWhy); err != nil {
			return nil, err
		}
		if ckind != "" {
			h.CallRef = desk.Reference(desk.CallKind(ckind), number)
		}
		h.PlacedAt, h.LiftedAt = time.UnixMicro(placed).UTC(), fromMicros(lifted)
		out = append(out, h)
	}
	return out, rows.Err()
}

// SARAccount is the person's account: its sign-ins and API tokens (names and dates: never the
// hashes).
type SARAccount struct {
	desk.Account
	Sessions []Session
	Tokens   []SARToken
}

// SARToken is an API token of the person's account, without its hash.
type SARToken struct {
	Name                            string
	CreatedAt, ExpiresAt, RevokedAt time.Time
}

// SARAccountOf is person's account with its sessions (newest first, at most 1,000) and API
// tokens; ok is false when they have none.
func (s *Store) SARAccountOf(ctx context.Context, person int64) (a SARAccount, ok bool, err error) {
	acc, err := s.FindAccountByPerson(ctx, person)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return a, false, nil
	}
	if err != nil {
		return a, false, err
	}
	acc.PasswordHash = ""
	a.Account = acc
	rows, err := s.query(ctx, `SELECT via, created_at, seen_at, expires_at, client_addr, user_agent FROM sessions WHERE account_id = ?
		ORDER BY created_at DESC LIMIT 1000`, acc.ID)
	if err != nil {
		return a, false, err
	}
	for rows.Next() {
		ss := Session{AccountID: acc.ID}
		var created, seen, expires int64
		if err := rows.Scan(&ss.Via, &created, &seen, &expires, &ss.ClientAddr, &ss.UserAgent); err != nil {
			rows.Close()
			return a, false, err
		}
		ss.CreatedAt, ss.SeenAt, ss.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(seen).UTC(), time.UnixMicro(expires).UTC()
		a.Sessions = append(a.Sessions, ss)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, false, err
	}
	rows, err = s.query(ctx, `SELECT name, created_at, expires_at, revoked_at FROM api_tokens WHERE account_id = ? ORDER BY id`, acc.ID)
	if err != nil {
		return a, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var tk SARToken
		var created int64
		var expires, revoked sql.NullInt64
		if err := rows.Scan(&tk.Name, &created, &expires, &revoked); err != nil {
			return a, false, err
		}
		tk.CreatedAt, tk.ExpiresAt, tk.RevokedAt = time.UnixMicro(created).UTC(), fromMicros(expires), fromMicros(revoked)
		a.Tokens = append(a.Tokens, tk)
	}
	return a, true, rows.Err()
}

// SARCallRefs returns the references of calls ids (a mention's call, for the bundle and its
// review's links).
func (s *Store) SARCallRefs(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for len(ids) > 0 {
		page := ids[:min(len(ids), 500)]
		ids = ids[len(page):]
		ph, args := sarIDArgs(page)
		rows, err := s.query(ctx, `SELECT id, kind, number FROM calls WHERE id IN (`+ph+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, number int64
			var kind string
			if err := rows.Scan(&id, &kind, &number); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = desk.Reference(desk.CallKind(kind), number)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
