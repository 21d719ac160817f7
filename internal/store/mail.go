package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// CallEvent is one change of a call (its audit action, "call.resolve"), waiting for the notifier.
type CallEvent struct {
	ID      int64
	Ref     string
	Action  string
	ActorID int64 // 0 for calldesk itself
	At      time.Time
	// State, GroupID and AnalystID are the call's just after the change.
	State              desk.State
	GroupID, AnalystID int64
}

// callEvent records a change of call ref for the notifier, in the change's transaction.
func (t *Tx) callEvent(ctx context.Context, ref, action string, actorID int64) error {
	kind, number, err := desk.ParseReference(ref)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO call_events (call_ref, action, actor_id, state, group_id, analyst_id, created_at)
		SELECT ?, ?, ?, state, group_id, analyst_id, ? FROM calls WHERE number = ? AND kind = ?`,
		ref, action, nullID(actorID), t.Now.UnixMicro(), number, string(kind))
	if err != nil {
		return fmt.Errorf("call event %s %s: %w", action, ref, err)
	}
	return nil
}

// PendingCallEvents lists up to limit call events not yet notified, oldest first.
func (s *Store) PendingCallEvents(ctx context.Context, limit int) ([]CallEvent, error) {
	rows, err := s.query(ctx, `SELECT id, call_ref, action, actor_id, state, group_id, analyst_id, created_at FROM call_events
		WHERE processed_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CallEvent
	for rows.Next() {
		var ev CallEvent
		var actor, group, analyst sql.NullInt64
		var at int64
		var state string
		if err := rows.Scan(&ev.ID, &ev.Ref, &ev.Action, &actor, &state, &group, &analyst, &at); err != nil {
			return nil, err
		}
		ev.ActorID, ev.At, ev.State = actor.Int64, time.UnixMicro(at).UTC(), desk.State(state)
		ev.GroupID, ev.AnalystID = group.Int64, analyst.Int64
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Notified marks events processed and puts their messages in the outbox, in one transaction:
// mail maps an event's id to its messages (none is fine). An event another instance marked
// first is passed over with its messages, so each event is notified exactly once however many
// instances plan it. It returns how many events this call marked.
func (s *Store) Notified(ctx context.Context, events []CallEvent, mail map[int64][]desk.OutMail) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *Tx) error {
		n = 0
		for _, ev := range events {
			res, err := t.exec(ctx, `UPDATE call_events SET processed_at = ? WHERE id = ? AND processed_at IS NULL`, t.Now.UnixMicro(), ev.ID)
			if err != nil {
				return err
			}
			if won, err := res.RowsAffected(); err != nil {
				return err
			} else if won == 0 {
				continue
			}
			n++
			for _, m := range mail[ev.ID] {
				if err := t.enqueueMail(ctx, m); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return n, err
}

// EnqueueMail puts messages in the outbox by themselves (not for an event).
func (s *Store) EnqueueMail(ctx context.Context, mail ...desk.OutMail) error {
	return s.inTx(ctx, func(t *Tx) error {
		for _, m := range mail {
			if err := t.enqueueMail(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

func (t *Tx) enqueueMail(ctx context.Context, m desk.OutMail) error {
	if m.MessageID == "" || m.To == "" || m.Subject == "" || m.Kind == "" {
		return fmt.Errorf("outgoing mail needs a Message-ID, a recipient, a subject and a kind: %+v", m)
	}
	next := m.NextAt
	if next.IsZero() {
		next = t.Now
	}
	_, err := t.exec(ctx, `INSERT INTO mail_outbox (message_id, call_id, kind, recipient, subject, text_body, html_body,
		in_reply_to, refs, state, next_at, created_at) VALUES (`+placeholders(12)+`)`,
		m.MessageID, nullID(m.CallID), string(m.Kind), m.To, m.Subject, m.Text, m.HTML, m.InReplyTo,
		strings.Join(m.References, " "), string(desk.MailPending), next.UnixMicro(), t.Now.UnixMicro())
	if t.s.d.constraint(err) == constraintUnique {
		return fmt.Errorf("outgoing mail %s is already in the outbox", m.MessageID)
	}
	return err
}

const outboxCols = `m.id, m.message_id, m.call_id, m.kind, m.recipient, m.subject, m.text_body, m.html_body, m.in_reply_to, m.refs,
	m.state, m.attempts, m.next_at, m.last_error, m.created_at, m.sent_at, c.kind, c.number`

// outboxFrom is the outbox with each message's call, for its reference.
const outboxFrom = ` FROM mail_outbox m LEFT JOIN calls c ON c.id = m.call_id`

func scanOutMail(r scanner) (desk.OutMail, error) {
	var m desk.OutMail
	var call, sent sql.NullInt64
	var kind, refs, state string
	var next, created int64
	var callKind sql.NullString
	var callNumber sql.NullInt64
	err := r.Scan(&m.ID, &m.MessageID, &call, &kind, &m.To, &m.Subject, &m.Text, &m.HTML, &m.InReplyTo, &refs, &state,
		&m.Attempts, &next, &m.LastError, &created, &sent, &callKind, &callNumber)
	if callNumber.Valid {
		m.CallRef = desk.Reference(desk.CallKind(callKind.String), callNumber.Int64)
	}
	m.CallID, m.Kind, m.State = call.Int64, desk.MailKind(kind), desk.MailState(state)
	m.References = strings.Fields(refs)
	m.NextAt, m.CreatedAt, m.SentAt = time.UnixMicro(next).UTC(), time.UnixMicro(created).UTC(), fromMicros(sent)
	return m, err
}

// ClaimMail takes up to limit messages that are due, for one sender: each is leased to it for
// lease (another instance's sender passes over it meanwhile) and its attempt counted. A sender
// that dies mid-send leaves the lease to run out, and the message is tried again.
func (s *Store) ClaimMail(ctx context.Context, limit int, lease time.Duration) ([]desk.OutMail, error) {
	var out []desk.OutMail
	err := s.inTx(ctx, func(t *Tx) error {
		out = out[:0]
		now := t.Now.UnixMicro()
		rows, err := t.query(ctx, `SELECT `+outboxCols+outboxFrom+` WHERE m.state = 'pending' AND m.next_at <= ? AND m.locked_until <= ?
			ORDER BY m.next_at, m.id LIMIT ?`+t.s.d.skipLocked("m"), now, now, limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			m, err := scanOutMail(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, m)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for i := range out {
			out[i].Attempts++
			if _, err := t.exec(ctx, `UPDATE mail_outbox SET locked_until = ?, attempts = ? WHERE id = ?`,
				t.Now.Add(lease).UnixMicro(), out[i].Attempts, out[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// RenewMail renews the lease of message id, claimed by this sender as its attempt attempts, for
// lease from now, just before the sender hands it to the mail server: false when the lease ran
// out and another sender claimed it since (a later attempt), or it is no longer pending, and then
// this sender must leave it.
func (s *Store) RenewMail(ctx context.Context, id int64, attempts int, lease time.Duration) (bool, error) {
	ok := false
	err := s.inTx(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, `UPDATE mail_outbox SET locked_until = ? WHERE id = ? AND attempts = ? AND state = 'pending'`,
			t.Now.Add(lease).UnixMicro(), id, attempts)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// MailSent records that message id was handed to the mail server.
func (s *Store) MailSent(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, `UPDATE mail_outbox SET state = 'sent', sent_at = ?, locked_until = 0, last_error = '' WHERE id = ?`,
			t.Now.UnixMicro(), id)
		return err
	})
}

// MailNotSent records a failed attempt at message id: tried again at retry, or, when retry is
// zero, failed for good (shown in the failed-messages view until an administrator retries it).
func (s *Store) MailNotSent(ctx context.Context, id int64, reason string, retry time.Time) error {
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	return s.inTx(ctx, func(t *Tx) error {
		state, next := desk.MailPending, retry.UnixMicro()
		if retry.IsZero() {
			state, next = desk.MailFailed, t.Now.UnixMicro()
		}
		_, err := t.exec(ctx, `UPDATE mail_outbox SET state = ?, next_at = ?, locked_until = 0, last_error = ? WHERE id = ?`,
			string(state), next, reason, id)
		return err
	})
}

// OutMail lists outgoing messages in state, newest first (the failed-messages view; a call's
// messages when callID is not 0).
func (s *Store) OutMail(ctx context.Context, state desk.MailState, callID int64, limit int) ([]desk.OutMail, error) {
	q := `SELECT ` + outboxCols + outboxFrom + ` WHERE m.state = ?`
	args := []any{string(state)}
	if callID != 0 {
		q += ` AND m.call_id = ?`
		args = append(args, callID)
	}
	rows, err := s.query(ctx, q+` ORDER BY m.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []desk.OutMail
	for rows.Next() {
		m, err := scanOutMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// RetryMail puts a failed message back in the queue, due now with its attempts reset, and
// audits who did it.
func (s *Store) RetryMail(ctx context.Context, actor desk.Actor, id int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, `UPDATE mail_outbox SET state = 'pending', next_at = ?, attempts = 0, locked_until = 0 WHERE id = ? AND state = 'failed'`,
			t.Now.UnixMicro(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.Errorf(desk.ENOTFOUND, "no failed message %d: it may have been retried already", id)
		}
		return t.audit(ctx, actor, "mail.retry", "mail", id, nil, "sent again on request")
	})
}

// FirstMailOf is the Message-ID of the first message calldesk queued about call callID ("" when
// none): later messages about the call name it, so mail programs thread them together.
func (s *Store) FirstMailOf(ctx context.Context, callID int64) (string, error) {
	var id string
	err := s.queryRow(ctx, `SELECT message_id FROM mail_outbox WHERE call_id = ? ORDER BY id LIMIT 1`, callID).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return id, err
}

// PruneCallEvents deletes call events recorded before before, notified or not (an event older
// than the notifier's age limit is never notified), and returns how many went.
func (s *Store) PruneCallEvents(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, `DELETE FROM call_events WHERE created_at < ?`, before.UnixMicro())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
