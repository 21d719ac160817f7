package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// Restriction is a person's restriction of processing: since when and why (zero: none).
type Restriction struct {
	Since  time.Time
	Reason string
}

// RestrictionOf is person id's restriction of processing, if any.
func (s *Store) RestrictionOf(ctx context.Context, id int64) (Restriction, error) {
	var at sql.NullInt64
	var r Restriction
	err := s.queryRow(ctx, `SELECT restricted_at, restricted_reason FROM people WHERE id = ?`, id).Scan(&at, &r.Reason)
	if err == sql.ErrNoRows {
		return r, notFound("there is no person %d", id)
	}
	r.Since = fromMicros(at)
	return r, err
}

// Restrict freezes person id's data (restrict true) or lifts the freeze (false), with the reason,
// in one transaction with its audit record.
func (s *Store) Restrict(ctx context.Context, actor desk.Actor, id int64, restrict bool, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return desk.Invalid("the restriction cannot be changed", map[string]string{"reason": "is required"})
	}
	return s.inTx(ctx, func(t *Tx) error {
		var at sql.NullInt64
		if err := t.queryRow(ctx, `SELECT restricted_at FROM people WHERE id = ?`+t.s.d.forUpdate(), id).Scan(&at); err == sql.ErrNoRows {
			return notFound("there is no person %d", id)
		} else if err != nil {
			return err
		}
		if at.Valid == restrict {
			if restrict {
				return desk.Errorf(desk.EINVALID, "the person's processing is restricted already")
			}
			return desk.Errorf(desk.EINVALID, "the person's processing is not restricted")
		}
		var err error
		if restrict {
			_, err = t.exec(ctx, `UPDATE people SET restricted_at = ?, restricted_reason = ? WHERE id = ?`, t.Now.UnixMicro(), reason, id)
		} else {
			_, err = t.exec(ctx, `UPDATE people SET restricted_at = NULL, restricted_reason = '' WHERE id = ?`, id)
		}
		if err != nil {
			return err
		}
		action, what := "person.restrict", "processing restricted: "
		if !restrict {
			action, what = "person.unrestrict", "restriction lifted: "
		}
		return t.audit(ctx, actor, action, "person", id, []int64{id}, what+reason)
	})
}

// frozen refuses a change of person id's data while their processing is restricted.
func (t *Tx) frozen(ctx context.Context, id int64, what string) error {
	var at sql.NullInt64
	if err := t.queryRow(ctx, `SELECT restricted_at FROM people WHERE id = ?`, id).Scan(&at); err != nil && err != sql.ErrNoRows {
		return err
	}
	if at.Valid {
		return desk.Errorf(desk.EFORBIDDEN, "%s: the person's processing is restricted (their data is frozen until the Data Protection Officer lifts the restriction)", what)
	}
	return nil
}
