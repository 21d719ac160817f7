package store

import (
	"context"
	"slices"
	"time"

	"calldesk/internal/desk"
)

// MailLogDispositions are what an email taken in may have become without making a call or a
// diary entry, as the mail log lists them (quarantine has its own page).
func MailLogDispositions() []string {
	return []string{MailDuplicate, MailRejected, MailAutomatic, MailDiscarded}
}

// MailLogMax bounds the mail log: the most recent messages.
const MailLogMax = 200

// LoggedMail is an email taken in that made no call or diary entry: a second delivery of a
// message taken in before, one that could not be read or was refused, an automatic one, or one a
// support analyst discarded from quarantine.
type LoggedMail struct {
	ID          int64
	ReceivedAt  time.Time
	Mailbox     string
	Sender      string
	Subject     string
	Size        int64
	Disposition string
	// Reason says why; for a duplicate, which record it repeats.
	Reason string
	// CallRef is the call the message belongs to ("" when none): a duplicate's is its first
	// delivery's.
	CallRef string
}

// MailLog lists the most recent emails taken in (at most MailLogMax) that made no call or
// diary entry, newest first; disposition, when not "", keeps only those of that disposition
// (one of MailLogDispositions, or EINVALID).
func (s *Store) MailLog(ctx context.Context, disposition string) ([]LoggedMail, error) {
	disps := MailLogDispositions()
	if disposition != "" {
		if !slices.Contains(disps, disposition) {
			return nil, desk.Errorf(desk.EINVALID, "%q is not something an email taken in may have become", disposition)
		}
		disps = []string{disposition}
	}
	args := make([]any, 0, len(disps)+1)
	for _, d := range disps {
		args = append(args, d)
	}
	rows, err := s.query(ctx, `SELECT m.id, m.created_at, m.mailbox, m.sender, m.subject, m.size, m.disposition, m.reason,
		COALESCE(c.kind, ''), COALESCE(c.number, 0) FROM mail_messages m LEFT JOIN calls c ON c.id = m.call_id
		WHERE m.disposition IN (`+placeholders(len(disps))+`) ORDER BY m.id DESC LIMIT ?`, append(args, MailLogMax)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LoggedMail
	for rows.Next() {
		var m LoggedMail
		var at, number int64
		var kind string
		if err := rows.Scan(&m.ID, &at, &m.Mailbox, &m.Sender, &m.Subject, &m.Size, &m.Disposition, &m.Reason, &kind, &number); err != nil {
			return nil, err
		}
		m.ReceivedAt = time.UnixMicro(at).UTC()
		if kind != "" {
			m.CallRef = desk.Reference(desk.CallKind(kind), number)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
