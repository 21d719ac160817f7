package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
)

// Withdrawal is what the store remembers of a call its customer withdrew on SupportMe: the state
// it was withdrawn from, and the version the withdrawal left it at (any change of the call row
// since moves the version on).
type Withdrawal struct {
	CallID  int64
	From    desk.State
	Urgent  bool
	Version int64
}

// WithdrawCall cancels the call ref at its customer's request (SupportMe's "withdraw"), as
// UpdateCall does with desk.ActCancel, and remembers the state it was in, so that
// UndoWithdrawal can put it back while the desk has not acted on it since. Only the call's
// customer withdraws it.
func (s *Store) WithdrawCall(ctx context.Context, actor desk.Actor, ref string, version int64, reason string) (desk.Call, error) {
	var c desk.Call
	err := s.inTx(ctx, func(t *Tx) error {
		before, err := t.lockCall(ctx, ref)
		if err != nil {
			return err
		}
		if before.CustomerID != actor.PersonID || actor.PersonID == 0 {
			return desk.Errorf(desk.EFORBIDDEN, "only the customer of call %s withdraws it", before.Ref)
		}
		if c, err = t.updateCall(ctx, actor, ref, version, desk.Transition{Action: desk.ActCancel, Reason: reason}); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM call_withdrawals WHERE call_id = ?`, c.ID); err != nil {
			return err
		}
		_, err = t.exec(ctx, `INSERT INTO call_withdrawals (call_id, from_state, from_urgent, version, withdrawn_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID, string(before.State), b2i(before.Urgent), c.Version, t.Now.UnixMicro())
		return err
	})
	return c, err
}

// Undoable says whether the customer may still undo the withdrawal of call c (as read now): it is
// withdrawn, it was withdrawn on SupportMe, and nobody else has changed it or written in its
// diary since. It is what the call page asks to offer the undo; UndoWithdrawal checks it again
// under the call's lock.
func (s *Store) Undoable(ctx context.Context, c desk.Call) (bool, error) {
	if c.State != desk.Cancelled {
		return false, nil
	}
	_, err := undoable(ctx, s.queryRow, c)
	if desk.ErrorCode(err) == desk.ECONFLICT {
		return false, nil
	}
	return err == nil, err
}

// undoable returns the withdrawal of c when it may be undone, ECONFLICT saying why not otherwise.
func undoable(ctx context.Context, queryRow func(context.Context, string, ...any) row, c desk.Call) (Withdrawal, error) {
	w := Withdrawal{CallID: c.ID}
	if c.State != desk.Cancelled {
		return w, desk.Errorf(desk.ECONFLICT, "call %s is not withdrawn: it is %s", c.Ref, c.State.Words())
	}
	var from string
	var urgent int
	err := queryRow(ctx, `SELECT from_state, from_urgent, version FROM call_withdrawals WHERE call_id = ?`, c.ID).
		Scan(&from, &urgent, &w.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return w, desk.Errorf(desk.ECONFLICT, "call %s was not withdrawn on SupportMe, so it cannot be put back from here", c.Ref)
	}
	if err != nil {
		return w, err
	}
	w.From, w.Urgent = desk.State(from), urgent != 0
	if c.Version != w.Version {
		return w, desk.Errorf(desk.ECONFLICT, "the service desk has acted on call %s since it was withdrawn", c.Ref)
	}
	var others int
	// The entries written since carry the version the withdrawal left (a diary entry does not move it).
	if err := queryRow(ctx, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND call_version >= ? AND (author_id IS NULL OR author_id <> ?)`,
		c.ID, w.Version, c.CustomerID).Scan(&others); err != nil {
		return w, err
	}
	if others > 0 {
		return w, desk.Errorf(desk.ECONFLICT, "the service desk has written on call %s since it was withdrawn", c.Ref)
	}
	return w, nil
}

// UndoWithdrawal puts the call ref back in the state its customer withdrew it from, while nobody
// else has acted on it since (else ECONFLICT, and nothing changes): its cancellation note and
// time go, a status line says so in its diary, and the change is audited, in one transaction.
// Only the call's customer undoes it.
func (s *Store) UndoWithdrawal(ctx context.Context, actor desk.Actor, ref string) (desk.Call, error) {
	var c desk.Call
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		if c, err = t.lockCall(ctx, ref); err != nil {
			return err
		}
		if c.CustomerID != actor.PersonID || actor.PersonID == 0 {
			return desk.Errorf(desk.EFORBIDDEN, "only the customer of call %s puts it back", c.Ref)
		}
		if err := t.frozen(ctx, c.CustomerID, "call "+c.Ref+" cannot change"); err != nil {
			return err
		}
		w, err := undoable(ctx, t.queryRow, c)
		if err != nil {
			return err
		}
		old := c.Version
		c.State, c.Urgent, c.CancelNote, c.CancelledAt, c.UpdatedAt = w.From, w.Urgent, "", time.Time{}, t.Now
		res, err := t.exec(ctx, `UPDATE calls SET state = ?, urgent = ?, cancel_note = '', cancelled_at = NULL, updated_at = ?,
			version = version + 1 WHERE id = ? AND version = ?`, string(w.From), b2i(w.Urgent), t.Now.UnixMicro(), c.ID, old)
		if err != nil {
			return t.s.mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return t.conflict(ctx, c, old)
		}
		c.Version = old + 1
		t.wroteCalls = true
		text := "withdrawal undone by the customer: the call is back as it was (" + w.From.Words() + ")"
		if err := t.addEntries(ctx, actor, c, []desk.Entry{{Kind: desk.EntryStatus, Text: text}}); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM call_withdrawals WHERE call_id = ?`, c.ID); err != nil {
			return err
		}
		t.indexLater(c.ID, false)
		if err := t.slaChanged(ctx, c, sla.Event{At: t.Now, Kind: sla.StateChanged, State: c.State}); err != nil {
			return err
		}
		return t.audit(ctx, actor, "call.restore", "call", c.Ref, []int64{c.CustomerID}, text)
	})
	return c, err
}
