package store

import (
	"context"
	"strings"
	"time"
)

// rejectMail records a message that cannot be taken in, and queues its Notice to the sender in
// the same transaction, unless a notice of that kind went to the same address in the last day
// (one refusal a day is news, more would be noise, or a loop with a machine that resends), or the
// address is a person's whose processing is restricted (calldesk sends them nothing, issue 7).
// The reason says which.
func (t *Tx) rejectMail(ctx context.Context, in InMail) (Ingested, error) {
	reason := in.Rejected
	if n := in.Notice; n != nil {
		to := strings.ToLower(n.To)
		var sent, restricted int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE lower(recipient) = ? AND recipient <> '' AND kind = ? AND created_at > ?`,
			to, string(n.Kind), t.Now.Add(-24*time.Hour).UnixMicro()).Scan(&sent); err != nil {
			return Ingested{}, err
		}
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM people WHERE lower(email) = ? AND email <> '' AND restricted_at IS NOT NULL`,
			to).Scan(&restricted); err != nil {
			return Ingested{}, err
		}
		if restricted > 0 {
			reason += "; no notice to the sender: their processing is restricted"
		} else if sent > 0 {
			reason += "; the sender was told of a refusal less than a day ago, so not again"
		} else {
			if err := t.enqueueMail(ctx, *n); err != nil {
				return Ingested{}, err
			}
			reason += "; the sender was told"
		}
	}
	return t.recordMail(ctx, in, MailRejected, reason, 0, 0, nil)
}
