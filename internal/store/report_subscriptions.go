package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"calldesk/internal/desk"
)

// ReportSubscription is an account's standing order for a report (issue 18 item 5): sent every
// week or month by email as its summary sentence and a link (internal/report's Scheduler decides
// the periods and writes the email; the store keeps the orders and sends each once).
type ReportSubscription struct {
	ID        int64
	AccountID int64
	Kind      string // the report (internal/report Kind)
	Every     string // "week" or "month"
	// Filter is the report's filter as a URL query of ids and words (group=3&priority=2).
	Filter     string
	NextAt     time.Time // when it is next due
	LastSentAt time.Time // zero until first sent
	CreatedAt  time.Time
}

// DueSubscription is a subscription that is due, with where its email goes.
type DueSubscription struct {
	ReportSubscription
	PersonID int64
	Email    string // the subscriber's address now
}

const subscriptionCols = `s.id, s.account_id, s.kind, s.every, s.filter, s.next_at, s.last_sent_at, s.created_at`

func scanSubscription(r scanner, more ...any) (ReportSubscription, error) {
	var sub ReportSubscription
	var next, created int64
	var last sql.NullInt64
	err := r.Scan(append([]any{&sub.ID, &sub.AccountID, &sub.Kind, &sub.Every, &sub.Filter, &next, &last, &created}, more...)...)
	sub.NextAt, sub.LastSentAt, sub.CreatedAt = time.UnixMicro(next).UTC(), fromMicros(last), time.UnixMicro(created).UTC()
	return sub, err
}

// MaxSubscriptions bounds one account's subscriptions.
const MaxSubscriptions = 20

// Subscribe records sub for its account, audited. The caller has checked the report's kind and
// filter (internal/report); the store checks the rest.
func (s *Store) Subscribe(ctx context.Context, actor desk.Actor, sub ReportSubscription) (ReportSubscription, error) {
	f := map[string]string{}
	if sub.Every != "week" && sub.Every != "month" {
		f["every"] = "must be week or month"
	}
	if sub.Kind == "" {
		f["kind"] = "is required"
	}
	if len(sub.Filter) > 500 {
		f["filter"] = "must be at most 500 characters"
	}
	if sub.NextAt.IsZero() {
		f["next_at"] = "is required"
	}
	if err := desk.Invalid("the subscription cannot be made", f); err != nil {
		return sub, err
	}
	err := s.inTx(ctx, func(t *Tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM report_subscriptions WHERE account_id = ?`, sub.AccountID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxSubscriptions {
			return desk.Errorf(desk.ECONFLICT, "you have %d report subscriptions, the most one person may have: stop one first", n)
		}
		var same int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM report_subscriptions WHERE account_id = ? AND kind = ? AND every = ? AND filter = ?`,
			sub.AccountID, sub.Kind, sub.Every, sub.Filter).Scan(&same); err != nil {
			return err
		}
		if same > 0 {
			return desk.Errorf(desk.ECONFLICT, "you already receive this report every %s with these filters", sub.Every)
		}
		sub.CreatedAt = t.Now
		if err := t.queryRow(ctx, `INSERT INTO report_subscriptions (account_id, kind, every, filter, next_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, sub.AccountID, sub.Kind, sub.Every, sub.Filter, sub.NextAt.UnixMicro(),
			t.Now.UnixMicro()).Scan(&sub.ID); err != nil {
			return err
		}
		return t.audit(ctx, actor, "report.subscribe", "report_subscription", sub.ID, nil,
			fmt.Sprintf("subscribed to the %s report every %s (%s), first due %s", sub.Kind, sub.Every, orAll(sub.Filter), sub.NextAt.Format(time.RFC3339)))
	})
	return sub, err
}

func orAll(filter string) string {
	if filter == "" {
		return "no filter"
	}
	return filter
}

// Subscriptions lists an account's subscriptions, oldest first.
func (s *Store) Subscriptions(ctx context.Context, accountID int64) ([]ReportSubscription, error) {
	rows, err := s.query(ctx, `SELECT `+subscriptionCols+` FROM report_subscriptions s WHERE s.account_id = ? ORDER BY s.id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReportSubscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// Unsubscribe deletes the account's subscription id, audited; ENOTFOUND when the account has no
// such subscription.
func (s *Store) Unsubscribe(ctx context.Context, actor desk.Actor, accountID, id int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		sub, err := scanSubscription(t.queryRow(ctx, `SELECT `+subscriptionCols+` FROM report_subscriptions s WHERE s.id = ? AND s.account_id = ?`, id, accountID))
		if err == sql.ErrNoRows {
			return desk.Errorf(desk.ENOTFOUND, "you have no report subscription %d", id)
		} else if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM report_subscriptions WHERE id = ?`, id); err != nil {
			return err
		}
		return t.audit(ctx, actor, "report.unsubscribe", "report_subscription", id, nil,
			fmt.Sprintf("stopped the %s report every %s (%s)", sub.Kind, sub.Every, orAll(sub.Filter)))
	})
}

// EndSubscriptions deletes the subscriptions of accounts no longer active and of people who have
// left (a subscription ends with its account), each audited; it returns how many went.
func (s *Store) EndSubscriptions(ctx context.Context) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, `SELECT s.id, s.kind, a.person_id FROM report_subscriptions s JOIN accounts a ON a.id = s.account_id
			JOIN people p ON p.id = a.person_id WHERE a.active = 0 OR p.active = 0`)
		if err != nil {
			return err
		}
		type ended struct {
			id, person int64
			kind       string
		}
		var gone []ended
		for rows.Next() {
			var e ended
			if err := rows.Scan(&e.id, &e.kind, &e.person); err != nil {
				rows.Close()
				return err
			}
			gone = append(gone, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, e := range gone {
			if _, err := t.exec(ctx, `DELETE FROM report_subscriptions WHERE id = ?`, e.id); err != nil {
				return err
			}
			if err := t.audit(ctx, desk.System("report subscriptions"), "report.unsubscribe", "report_subscription", e.id, []int64{e.person},
				"ended the "+e.kind+" report subscription: its account is no longer active"); err != nil {
				return err
			}
		}
		n = len(gone)
		return nil
	})
	return n, err
}

// DueSubscriptions lists up to limit subscriptions due at now whose accounts and people are
// active and have an email address, soonest first.
func (s *Store) DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]DueSubscription, error) {
	rows, err := s.query(ctx, `SELECT `+subscriptionCols+`, a.person_id, p.email FROM report_subscriptions s
		JOIN accounts a ON a.id = s.account_id JOIN people p ON p.id = a.person_id
		WHERE s.next_at <= ? AND a.active = 1 AND p.active = 1 AND p.email <> '' ORDER BY s.next_at, s.id LIMIT ?`, now.UnixMicro(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueSubscription
	for rows.Next() {
		var d DueSubscription
		sub, err := scanSubscription(rows, &d.PersonID, &d.Email)
		if err != nil {
			return nil, err
		}
		d.ReportSubscription = sub
		out = append(out, d)
	}
	return out, rows.Err()
}

// SendSubscription queues m, the email of due subscription d, and moves d on to next, in one
// transaction that goes ahead only while d is still due as read (compare and set on next_at): on
// several instances one sends it and the others return false. Audited as a disclosure of nobody's
// data (the email carries a summary and a link).
func (s *Store) SendSubscription(ctx context.Context, d DueSubscription, next time.Time, m desk.OutMail) (bool, error) {
	sent := false
	err := s.inTx(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, `UPDATE report_subscriptions SET next_at = ?, last_sent_at = ? WHERE id = ? AND next_at = ?`,
			next.UnixMicro(), t.Now.UnixMicro(), d.ID, d.NextAt.UnixMicro())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if err := t.enqueueMail(ctx, m); err != nil {
			return err
		}
		sent = true
		return t.audit(ctx, desk.System("report subscriptions"), "report.send", "report_subscription", d.ID, []int64{d.PersonID},
			fmt.Sprintf("queued the %s report's summary for its subscriber; next due %s", d.Kind, next.Format(time.RFC3339)))
	})
	return sent, err
}
