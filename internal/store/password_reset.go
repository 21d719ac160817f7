package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// resetsPerHour is how many reset links one account is sent in an hour at most: more asks are
// answered as the others (nothing says whether a link went), and send nothing.
const resetsPerHour = 3

// ResetAccount finds the active account a "forgotten your password?" form names, by its login or
// its person's email address (letter case aside), with its person: ENOTFOUND when none does (or
// the account or person is no longer active). The portal answers the same either way.
func (s *Store) ResetAccount(ctx context.Context, loginOrEmail string) (desk.Account, desk.Person, error) {
	key := strings.ToLower(strings.TrimSpace(loginOrEmail))
	var a desk.Account
	var roles string
	var at int64
	if key == "" {
		return a, desk.Person{}, notFound("no account")
	}
	rows, err := s.query(ctx, `SELECT a.id, a.person_id, a.login, a.password_hash, a.roles, a.active, a.created_at, `+personCols+`
		FROM accounts a JOIN people p ON p.id = a.person_id
		WHERE a.active = 1 AND p.active = 1 AND (lower(a.login) = ? OR lower(p.email) = ?) ORDER BY a.id LIMIT 2`, key, key)
	if err != nil {
		return a, desk.Person{}, err
	}
	defer rows.Close()
	var found []desk.Person
	var accts []desk.Account
	for rows.Next() {
		p, err := scanPerson(prefixScanner{rows, []any{&a.ID, &a.PersonID, &a.Login, &a.PasswordHash, &roles, &a.Active, &at}})
		if err != nil {
			return a, p, err
		}
		a.Roles, a.CreatedAt = splitRoles(roles), time.UnixMicro(at).UTC()
		found, accts = append(found, p), append(accts, a)
	}
	if err := rows.Err(); err != nil {
		return a, desk.Person{}, err
	}
	if len(found) != 1 { // none, or a login that is another's address: nobody is guessed
		return a, desk.Person{}, notFound("no account")
	}
	return accts[0], found[0], nil
}

// StartPasswordReset stores the hash of a new reset link's token for the account, valid until
// expires, puts the email carrying the link in the outbox and audits the ask, in one transaction.
// An account sent resetsPerHour links in the last hour gets no more (sent false, no error).
func (s *Store) StartPasswordReset(ctx context.Context, actor desk.Actor, accountID int64, hash string, expires time.Time, mail desk.OutMail) (bool, error) {
	sent := false
	err := s.inTx(ctx, func(t *Tx) error {
		var personID int64
		if err := t.queryRow(ctx, `SELECT person_id FROM accounts WHERE id = ?`, accountID).Scan(&personID); errors.Is(err, sql.ErrNoRows) {
			return notFound("no account with id %d", accountID)
		} else if err != nil {
			return err
		}
		var recent int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM password_resets WHERE account_id = ? AND created_at > ?`,
			accountID, t.Now.Add(-time.Hour).UnixMicro()).Scan(&recent); err != nil {
			return err
		}
		if recent >= resetsPerHour {
			return t.audit(ctx, actor, "account.reset_ask", "account", accountID, []int64{personID},
				fmt.Sprintf("a password reset link was asked for; none sent: %d were sent in the last hour", recent))
		}
		if _, err := t.exec(ctx, `INSERT INTO password_resets (account_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			accountID, hash, t.Now.UnixMicro(), expires.UnixMicro()); err != nil {
			return s.mapErr(err)
		}
		if err := t.enqueueMail(ctx, mail); err != nil {
			return err
		}
		sent = true
		return t.audit(ctx, actor, "account.reset_ask", "account", accountID, []int64{personID},
			"a password reset link was emailed, valid until "+expires.UTC().Format(time.RFC3339))
	})
	return sent, err
}

// PasswordResetAccount returns the account whose live reset link (not used, not expired) has this
// token hash; EINVALID saying the link has ended otherwise.
func (s *Store) PasswordResetAccount(ctx context.Context, hash string) (desk.Account, error) {
	var id int64
	err := s.queryRow(ctx, `SELECT account_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		hash, s.Now().UnixMicro()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return desk.Account{}, desk.Errorf(desk.EINVALID, "this link to reset your password has ended: it was used already, or it is too old")
	}
	if err != nil {
		return desk.Account{}, err
	}
	a, err := scanAccount(s.queryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.id = ? AND a.active = 1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, desk.Errorf(desk.EINVALID, "this link to reset your password has ended: the account is closed")
	}
	return a, err
}

// FinishPasswordReset uses the reset link whose token hash is hash, once: it sets the account's
// new password hash, marks every link of the account used, ends all its sessions (whoever knew
// the old password is signed out), lifts the throttle on its login's failed sign-ins and audits
// the change, in one transaction. A link used or
// expired is EINVALID, and nothing changes. It returns the account and how many sessions ended.
func (s *Store) FinishPasswordReset(ctx context.Context, actor desk.Actor, hash, newHash string) (desk.Account, int, error) {
	var a desk.Account
	var ended int64
	err := s.inTx(ctx, func(t *Tx) error {
		var id int64
		err := t.queryRow(ctx, `SELECT account_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`+t.s.d.forUpdate(),
			hash, t.Now.UnixMicro()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return desk.Errorf(desk.EINVALID, "this link to reset your password has ended: it was used already, or it is too old")
		} else if err != nil {
			return err
		}
		if a, err = scanAccount(t.queryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.id = ? AND a.active = 1`, id)); errors.Is(err, sql.ErrNoRows) {
			return desk.Errorf(desk.EINVALID, "this link to reset your password has ended: the account is closed")
		} else if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE password_resets SET used_at = ? WHERE account_id = ? AND used_at IS NULL`, t.Now.UnixMicro(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.Errorf(desk.EINVALID, "this link to reset your password has ended: it was used already")
		}
		if _, err := t.exec(ctx, `UPDATE accounts SET password_hash = ? WHERE id = ?`, newHash, id); err != nil {
			return err
		}
		res, err = t.exec(ctx, `DELETE FROM sessions WHERE account_id = ?`, id)
		if err != nil {
			return err
		}
		if ended, err = res.RowsAffected(); err != nil {
			return err
		}
		// The failed sign-ins counted against the login were guesses at the old password: the
		// person who proved the mailbox theirs signs in with the new one at once
		// (access.Sessions.SignIn's key for the login).
		if _, err := t.exec(ctx, `DELETE FROM signin_throttle WHERE key = ?`, "login:"+strings.ToLower(a.Login)); err != nil {
			return err
		}
		a.PasswordHash = newHash
		actor.PersonID, actor.AccountID = a.PersonID, a.ID
		return t.audit(ctx, actor, "account.password", "account", id, []int64{a.PersonID},
			fmt.Sprintf("local password reset through an emailed link; %d session(s) ended", ended))
	})
	return a, int(ended), err
}
