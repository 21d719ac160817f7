package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
)

const requestCols = `r.id, r.person_id, COALESCE(trim(p.first_name || ' ' || p.last_name), ''), r.kind, r.state, r.received_at, r.identity_at,
	r.identity_how, r.identity_by, r.third_party, r.authority, r.extended_to, r.extension_reason, r.details, r.outcome, r.logged_by,
	r.channel, r.created_at, r.updated_at, r.version,
	COALESCE((SELECT b.state FROM sar_bundles b WHERE b.request_id = r.id ORDER BY b.id DESC LIMIT 1), '')`

const requestFrom = ` FROM subject_requests r JOIN people p ON p.id = r.person_id`

func scanRequest(row scanner) (desk.SubjectRequest, error) {
	var q desk.SubjectRequest
	var kind string
	var received, created, updated int64
	var identity, extended sql.NullInt64
	err := row.Scan(&q.ID, &q.PersonID, &q.Person, &kind, &q.State, &received, &identity, &q.IdentityHow, &q.IdentityBy, &q.ThirdParty,
		&q.Authority, &extended, &q.ExtensionReason, &q.Details, &q.Outcome, &q.LoggedBy, &q.Channel, &created, &updated, &q.Version, &q.LastBundle)
	q.Kind = desk.RequestKind(kind)
	q.ReceivedAt, q.IdentityAt, q.ExtendedTo = time.UnixMicro(received).UTC(), fromMicros(identity), fromMicros(extended)
	q.CreatedAt, q.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return q, err
}

// LogSubjectRequest records a subject request in the register, with its audit record.
func (s *Store) LogSubjectRequest(ctx context.Context, actor desk.Actor, q desk.SubjectRequest) (desk.SubjectRequest, error) {
	if err := q.Validate(); err != nil {
		return q, err
	}
	var out desk.SubjectRequest
	err := s.inTx(ctx, func(t *Tx) error {
		if q.ReceivedAt.After(t.Now) {
			return desk.Invalid("the request is not valid", map[string]string{"received": "is in the future: give the day the request arrived"})
		}
		if _, err := t.findPerson(ctx, q.PersonID); err != nil {
			return err
		}
		var id int64
		err := t.queryRow(ctx, `INSERT INTO subject_requests (person_id, kind, state, received_at, identity_at, identity_how, identity_by,
			third_party, authority, due_at, details, logged_by, channel, created_at, updated_at, version)
			VALUES (`+placeholders(16)+`) RETURNING id`,
			q.PersonID, string(q.Kind), desk.RequestOpen, q.ReceivedAt.UnixMicro(), micros(q.IdentityAt), q.IdentityHow, q.IdentityBy,
			q.ThirdParty, q.Authority, micros(q.Due()), q.Details, actorName(actor), q.Channel, t.Now.UnixMicro(), t.Now.UnixMicro(), 1).Scan(&id)
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("%s request logged (%s)", q.Kind, q.Channel)
		if q.ThirdParty != "" {
			detail += "; made by " + q.ThirdParty + " for the person, with written authority: " + q.Authority
		}
		if err := t.audit(ctx, actor, "request.log", "request", id, []int64{q.PersonID}, detail); err != nil {
			return err
		}
		out, err = t.subjectRequest(ctx, id)
		return err
	})
	return out, err
}

func (t *Tx) subjectRequest(ctx context.Context, id int64) (desk.SubjectRequest, error) {
	q, err := scanRequest(t.queryRow(ctx, `SELECT `+requestCols+requestFrom+` WHERE r.id = ?`, id))
	if err == sql.ErrNoRows {
		return q, notFound("there is no subject request %d", id)
	}
	return q, err
}

// SubjectRequest is request id.
func (s *Store) SubjectRequest(ctx context.Context, id int64) (desk.SubjectRequest, error) {
	q, err := scanRequest(s.queryRow(ctx, `SELECT `+requestCols+requestFrom+` WHERE r.id = ?`, id))
	if err == sql.ErrNoRows {
		return q, notFound("there is no subject request %d", id)
	}
	return q, err
}

// RequestFilter selects requests: View "open" (default), "due" (open, due within Soon),
// "overdue" (open, past due), "unverified" (open, identity not yet proved), or "all"; PersonID
// one person's.
type RequestFilter struct {
	View     string
	PersonID int64
	Soon     time.Duration
	Limit    int
}

// SubjectRequests lists requests, the soonest due first (those without a deadline last).
func (s *Store) SubjectRequests(ctx context.Context, now time.Time, f RequestFilter) ([]desk.SubjectRequest, error) {
	var where []string
	var args []any
	switch f.View {
	case "all":
	case "due":
		where = append(where, "r.state = 'open' AND r.due_at IS NOT NULL AND r.due_at >= ? AND r.due_at < ?")
		args = append(args, now.UnixMicro(), now.Add(f.Soon).UnixMicro())
	case "overdue":
		where = append(where, "r.state = 'open' AND r.due_at IS NOT NULL AND r.due_at < ?")
		args = append(args, now.UnixMicro())
	case "unverified":
		where = append(where, "r.state = 'open' AND r.identity_at IS NULL")
	default:
		where = append(where, "r.state = 'open'")
	}
	if f.PersonID != 0 {
		where = append(where, "r.person_id = ?")
		args = append(args, f.PersonID)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	rows, err := s.query(ctx, `SELECT `+requestCols+requestFrom+w+` ORDER BY r.due_at IS NULL, r.due_at, r.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []desk.SubjectRequest
	for rows.Next() {
		q, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// RequestStep is one step on an open request: its identity proved, its deadline extended, or it
// closed.
type RequestStep struct {
	// Identity: what proved it (IdentityHow); the checker is the actor.
	IdentityHow string
	// Extend: by how many months (1 or 2, counted from the first deadline), and why.
	ExtendMonths int
	Reason       string
	// Close: done, refused or withdrawn, with what was done.
	Close   string
	Outcome string
}

// tooLong names the step's texts longer than they may be (nil for none).
func (st RequestStep) tooLong() map[string]string {
	f := map[string]string{}
	for _, c := range []struct {
		field, v string
		max      int
	}{{"identity", st.IdentityHow, desk.MaxIdentityHow}, {"reason", st.Reason, desk.MaxStepReason}, {"outcome", st.Outcome, desk.MaxOutcome}} {
		if n := utf8.RuneCountInString(strings.TrimSpace(c.v)); n > c.max {
			f[c.field] = fmt.Sprintf("is %d characters long: at most %d", n, c.max)
		}
	}
	if len(f) == 0 {
		return nil
	}
	return f
}

// StepSubjectRequest takes one step on request id (at version), with its audit record.
func (s *Store) StepSubjectRequest(ctx context.Context, actor desk.Actor, id, version int64, st RequestStep) (desk.SubjectRequest, error) {
	var out desk.SubjectRequest
	err := s.inTx(ctx, func(t *Tx) error {
		q, err := t.subjectRequest(ctx, id)
		if err != nil {
			return err
		}
		if q.Version != version {
			return desk.Errorf(desk.ECONFLICT, "the request was changed by someone else meanwhile: reload it")
		}
		if q.State != desk.RequestOpen {
			return desk.Errorf(desk.EINVALID, "the request is %s already", q.State)
		}
		if f := st.tooLong(); f != nil {
			return desk.Invalid("the step is not valid", f)
		}
		var detail string
		switch {
		case strings.TrimSpace(st.IdentityHow) != "":
			if !q.IdentityAt.IsZero() {
				return desk.Errorf(desk.EINVALID, "the identity was proved already")
			}
			q.IdentityAt, q.IdentityHow, q.IdentityBy = t.Now, strings.TrimSpace(st.IdentityHow), actorName(actor)
			detail = "identity proved: " + q.IdentityHow
		case st.ExtendMonths != 0:
			if q.Due().IsZero() {
				return desk.Errorf(desk.EINVALID, "the deadline runs only once the identity is proved")
			}
			if !q.ExtendedTo.IsZero() {
				return desk.Errorf(desk.EINVALID, "the deadline was extended already")
			}
			if st.ExtendMonths < 1 || st.ExtendMonths > 2 {
				return desk.Invalid("the extension is not valid", map[string]string{"months": "may be 1 or 2 further months"})
			}
			if strings.TrimSpace(st.Reason) == "" {
				return desk.Invalid("the extension is not valid", map[string]string{"reason": "is required: why the request needs longer"})
			}
			q.ExtendedTo, q.ExtensionReason = desk.AddCalendarMonths(q.Due(), st.ExtendMonths), strings.TrimSpace(st.Reason)
			detail = fmt.Sprintf("deadline extended by %d month(s): %s", st.ExtendMonths, q.ExtensionReason)
		case st.Close != "":
			if st.Close != desk.RequestDone && st.Close != desk.RequestRefused && st.Close != desk.RequestWithdrawn {
				return desk.Invalid("the request cannot be closed", map[string]string{"close": "must be done, refused or withdrawn"})
			}
			if strings.TrimSpace(st.Outcome) == "" {
				return desk.Invalid("the request cannot be closed", map[string]string{"outcome": "is required: what was done, or why not"})
			}
			q.State, q.Outcome = st.Close, strings.TrimSpace(st.Outcome)
			detail = "closed, " + q.State + ": " + q.Outcome
		default:
			return desk.Errorf(desk.EINVALID, "say which step to take: what proved the person's identity, an extension of the deadline with its reason, "+
				"or how the request is closed with what was done")
		}
		if _, err := t.exec(ctx, `UPDATE subject_requests SET state = ?, identity_at = ?, identity_how = ?, identity_by = ?, due_at = ?,
			extended_to = ?, extension_reason = ?, outcome = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			q.State, micros(q.IdentityAt), q.IdentityHow, q.IdentityBy, micros(q.Due()), micros(q.ExtendedTo), q.ExtensionReason,
			q.Outcome, t.Now.UnixMicro(), id); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, "request.step", "request", id, []int64{q.PersonID}, detail); err != nil {
			return err
		}
		out, err = t.subjectRequest(ctx, id)
		return err
	})
	return out, err
}
