package store

import (
	"context"
	"database/sql"
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
		c, err := scanCall(withExtra{rows, []any{&sc.Group, &sc.Analyst, &sc.Profile, &sc.LoggedByName}})
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

const sarEntryCols = `d.id, d.call_id, d.kind, d.public, d.body, d.author_id, COALESCE(trim(p.first_name || ' ' || p.last_name), ''),
	d.created_at, d.call_version, c.kind, c.number`

func scanSAREntries(rows *sql.Rows) ([]SAREntry, error) {
	defer rows.Close()
	var out []SAREntry
	for rows.Next() {
		var e SAREntry
		var kind, ckind string
		var author sql.NullInt64
		var at, number int64
		if err := rows.Scan(&e.ID, &e.CallID, &kind, &e.Public, &e.Text, &author, &e.Author, &at, &e.CallVersion, &ckind, &number); err != nil {
			return nil, err
		}
		e.Kind, e.AuthorID, e.CreatedAt = desk.EntryKind(kind), author.Int64, time.UnixMicro(at).UTC()
		e.CallRef = desk.Reference(desk.CallKind(ckind), number)
		if e.AuthorID == 0 {
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
	return scanSAREntries(rows)
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
	return scanSAREntries(rows)
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

// SARMail is an email taken in on one of the person's calls, whole.
type SARMail struct {
	ID, CallID, EntryID int64
	Disposition         string
	ReceivedAt          time.Time
	Raw                 []byte
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
