package store

import (
	"context"
	"database/sql"
	"strings"

	"calldesk/internal/desk"
)

// MarkLeft makes person id a leaver on an administrator's word (reason says why: the directory
// has not caught up, a contract ended early): inactive from now, date left recorded, kept, not
// deleted, in one transaction with its audit record. Like a leaver the directory reports, they
// lose access at once: their sessions are refused from their next request, their API tokens
// and sign-ins too (access.Sessions, FindAccountByToken). The decision sticks: a directory
// that still lists them does not bring them back (SyncPeople, PushPerson), only BringBack
// does. A person who has left already is ECONFLICT.
func (s *Store) MarkLeft(ctx context.Context, actor desk.Actor, id int64, reason string) (desk.Person, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return desk.Person{}, desk.Invalid("the person cannot be marked as left", map[string]string{"reason": "is required: say why they left, for the record"})
	}
	var out desk.Person
	err := s.inTx(ctx, func(t *Tx) error {
		if err := t.markLeft(ctx, actor, id, desk.LeftByAdmin, "marked as left by an administrator: "+reason); err != nil {
			return err
		}
		var err error
		out, err = t.findPerson(ctx, id)
		return err
	})
	return out, err
}

// markLeft makes person id a leaver, the one way every leaver is made (an import, a SCIM push
// or delete, an administrator): inactive from now, date left and who decided recorded (by), the
// audit record with detail, in the caller's transaction. The record is kept, never deleted. A
// person who has left already is ECONFLICT, their date left unchanged (it starts the portal's
// grace period and the leavers' retention clock); ENOTFOUND when there is no such person.
//
// A person whose processing is restricted (UK GDPR article 18) leaves too. The restriction
// limits their data to being stored while its accuracy or lawfulness is contested, so t.frozen
// refuses every change of their record and calls, and SyncPeople and PushPerson take no field
// of theirs from the directory (that is why the import used to skip them as leavers as well).
// Leaving is different: it changes none of the contested data and uses none of it; it ends
// their access to calldesk and records when. Refusing it would leave someone who is no longer
// at the university signed in, which no restriction asks for. So marking left is allowed for
// restricted people, everywhere, here; other changes stay refused.
func (t *Tx) markLeft(ctx context.Context, actor desk.Actor, id int64, by desk.LeftBy, detail string) error {
	now := t.Now.UnixMicro()
	res, err := t.exec(ctx, `UPDATE people SET active = 0, left_at = ?, left_by = ?, updated_at = ?, version = version + 1 WHERE id = ? AND active = 1`,
		now, string(by), now, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		var active bool
		if err := t.queryRow(ctx, `SELECT active FROM people WHERE id = ?`, id).Scan(&active); err == sql.ErrNoRows {
			return notFound("there is no person %d", id)
		} else if err != nil {
			return err
		}
		return desk.Errorf(desk.ECONFLICT, "the person has left already")
	}
	return t.audit(ctx, actor, "person.leave", "person", id, []int64{id}, detail)
}

// BringBack makes a leaver active again on an administrator's word (reason says why: marked as
// left by mistake, back on a new contract), in one transaction with its audit record. It is the
// only way back for a person an administrator marked as left; a directory's leaver returns too
// when their directory lists them again. A person who has not left is ECONFLICT; an erased one,
// or one whose processing is restricted (their record is frozen), cannot be brought back.
func (s *Store) BringBack(ctx context.Context, actor desk.Actor, id int64, reason string) (desk.Person, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return desk.Person{}, desk.Invalid("the person cannot be brought back", map[string]string{"reason": "is required: say why they are back, for the record"})
	}
	var out desk.Person
	err := s.inTx(ctx, func(t *Tx) error {
		var active bool
		var erased sql.NullInt64
		if err := t.queryRow(ctx, `SELECT active, erased_at FROM people WHERE id = ?`+t.s.d.forUpdate(), id).Scan(&active, &erased); err == sql.ErrNoRows {
			return notFound("there is no person %d", id)
		} else if err != nil {
			return err
		}
		switch {
		case active:
			return desk.Errorf(desk.ECONFLICT, "the person has not left")
		case erased.Valid:
			return desk.Errorf(desk.ECONFLICT, "the person was erased: an erased record cannot be brought back")
		}
		if err := t.frozen(ctx, id, "the person cannot be brought back"); err != nil {
			return err
		}
		now := t.Now.UnixMicro()
		if _, err := t.exec(ctx, `UPDATE people SET active = 1, left_at = NULL, left_by = '', updated_at = ?, version = version + 1 WHERE id = ?`, now, id); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, "person.return", "person", id, []int64{id}, "brought back by an administrator: "+reason); err != nil {
			return err
		}
		var err error
		out, err = t.findPerson(ctx, id)
		return err
	})
	return out, err
}
