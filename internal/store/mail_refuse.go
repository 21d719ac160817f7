package store

import (
	"context"
	"strings"
	"time"
)

// rejectMail records a message that cannot be taken in, and queues its Notice to the sender in
// the same transaction, unless a notice of that kind went to the same address in the last day:
// one refusal a day is news, more would be noise, or a loop with a machine that resends. The
// reason says which.
func (t *Tx) rejectMail(ctx context.Context, in InMail) (Ingested, error) {
	reason := in.Rejected
	if n := in.Notice; n != nil {
		var sent int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE lower(recipient) = ? AND recipient <> '' AND kind = ? AND created_at > ?`,
			strings.ToLower(n.To), string(n.Kind), t.Now.Add(-24*time.Hour).UnixMicro()).Scan(&sent); err != nil {
			return Ingested{}, err
		}
		if sent > 0 {
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
