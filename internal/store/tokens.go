package store

import (
	"context"
	"database/sql"

	"calldesk/internal/desk"
)

// RevokeToken revokes an API token at once (a token is shown only once, so a leaked or lost one
// must be killable); the revocation is audited. Revoking a token that is not live is ENOTFOUND.
func (s *Store) RevokeToken(ctx context.Context, actor desk.Actor, tokenID int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		var personID int64
		var name string
		err := t.queryRow(ctx, `SELECT a.person_id, t.name FROM api_tokens t JOIN accounts a ON a.id = t.account_id
			WHERE t.id = ? AND t.revoked_at IS NULL`, tokenID).Scan(&personID, &name)
		if err == sql.ErrNoRows {
			return notFound("no live API token with id %d", tokenID)
		}
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, t.Now.UnixMicro(), tokenID); err != nil {
			return err
		}
		return t.audit(ctx, actor, "token.revoke", "token", tokenID, []int64{personID}, "revoked API token "+name)
	})
}
