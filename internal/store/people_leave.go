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
// and sign-ins too (access.Sessions, FindAccountByToken). A person who has left already is
// ECONFLICT.
func (s *Store) MarkLeft(ctx context.Context, actor desk.Actor, id int64, reason string) (desk.Person, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return desk.Person{}, desk.Invalid("the person cannot be marked as left", map[string]string{"reason": "is required: say why they left, for the record"})
	}
	var out desk.Person
	err := s.inTx(ctx, func(t *Tx) error {
		var active bool
		if err := t.queryRow(ctx, `SELECT active FROM people WHERE id = ?`+t.s.d.forUpdate(), id).Scan(&active); err == sql.ErrNoRows {
			return notFound("there is no person %d", id)
		} else if err != nil {
			return err
		}
		if !active {
			return desk.Errorf(desk.ECONFLICT, "the person has left already")
		}
		now := t.Now.UnixMicro()
		if _, err := t.exec(ctx, `UPDATE people SET active = 0, left_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`, now, now, id); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, "person.leave", "person", id, []int64{id}, "marked as left by an administrator: "+reason); err != nil {
			return err
		}
		var err error
		out, err = t.findPerson(ctx, id)
		return err
	})
	return out, err
}
