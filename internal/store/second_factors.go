package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"calldesk/internal/desk"
)

// SecondFactor is an account's TOTP enrolment (issue 20 item 2): the shared secret, when the
// enrolment was confirmed by a first code (zero while it awaits one), and the last time-step
// whose code was accepted (no code is accepted twice).
type SecondFactor struct {
	AccountID   int64
	Secret      string
	CreatedAt   time.Time
	ConfirmedAt time.Time
	LastStep    int64
	// RecoveryLeft is how many of the account's recovery codes are still unused.
	RecoveryLeft int
}

// Confirmed reports whether enrolment is complete, so that sign-in asks for a code.
func (f SecondFactor) Confirmed() bool { return !f.ConfirmedAt.IsZero() }

// accountPerson returns the person of an account, for the audit record, or ENOTFOUND.
func (t *Tx) accountPerson(ctx context.Context, accountID int64) (int64, error) {
	var personID int64
	err := t.queryRow(ctx, `SELECT person_id FROM accounts WHERE id = ?`, accountID).Scan(&personID)
	if err == sql.ErrNoRows {
		return 0, notFound("no account with id %d", accountID)
	}
	return personID, err
}

// FindSecondFactor returns the account's enrolment (confirmed or not), or ENOTFOUND when it has
// none.
func (s *Store) FindSecondFactor(ctx context.Context, accountID int64) (SecondFactor, error) {
	f := SecondFactor{AccountID: accountID}
	var created int64
	var confirmed, key sql.NullInt64
	err := s.queryRow(ctx, `SELECT secret, key_id, created_at, confirmed_at, last_step,
		(SELECT COUNT(*) FROM recovery_codes r WHERE r.account_id = f.account_id AND r.used_at IS NULL)
		FROM second_factors f WHERE f.account_id = ?`, accountID).Scan(&f.Secret, &key, &created, &confirmed, &f.LastStep, &f.RecoveryLeft)
	if err == sql.ErrNoRows {
		return f, notFound("this account has not enrolled in two-factor sign-in")
	}
	if err != nil {
		return f, err
	}
	if f.Secret, err = s.openString(ctx, s, key, KeyOwnerAccount, accountID, "second_factors.secret", f.Secret); err != nil {
		return f, fmt.Errorf("the second factor of account %d: %w", accountID, err)
	}
	f.CreatedAt = time.UnixMicro(created).UTC()
	if confirmed.Valid {
		f.ConfirmedAt = time.UnixMicro(confirmed.Int64).UTC()
	}
	return f, nil
}

// BeginSecondFactor stores a new, unconfirmed secret for the account, replacing an unconfirmed
// one; an account whose enrolment is confirmed is ECONFLICT (an administrator resets it first).
func (s *Store) BeginSecondFactor(ctx context.Context, actor desk.Actor, accountID int64, secret string) error {
	return s.inTx(ctx, func(t *Tx) error {
		personID, err := t.accountPerson(ctx, accountID)
		if err != nil {
			return err
		}
		var confirmed sql.NullInt64
		err = t.queryRow(ctx, `SELECT confirmed_at FROM second_factors WHERE account_id = ?`, accountID).Scan(&confirmed)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return err
		case confirmed.Valid:
			return desk.Errorf(desk.ECONFLICT, "two-factor sign-in is already set up for this account: an administrator can reset it")
		default:
			if _, err := t.exec(ctx, `DELETE FROM second_factors WHERE account_id = ?`, accountID); err != nil {
				return err
			}
		}
		// A new secret gets a new key: the key of the one it replaces (an unconfirmed enrolment,
		// or one reset) is destroyed, so no copy of an old secret can be opened.
		if _, err := t.shredKeys(ctx, KeyOwnerAccount, []int64{accountID}); err != nil {
			return err
		}
		key, sealed, err := t.sealString(ctx, KeyOwnerAccount, accountID, "second_factors.secret", secret)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO second_factors (account_id, secret, key_id, created_at, last_step) VALUES (?, ?, ?, ?, 0)`,
			accountID, sealed, key, t.Now.UnixMicro()); err != nil {
			return t.s.mapErr(err)
		}
		return t.audit(ctx, actor, "second_factor.begin", "account", accountID, []int64{personID},
			"began enrolling in two-factor sign-in (a new secret, not yet confirmed by a code)")
	})
}

// ConfirmSecondFactor completes enrolment with the time-step of a first good code: the account's
// recovery codes become codeHashes (replacing any before), and the session sessionHash (when
// not empty) is no longer pending. A confirmed enrolment, or a step not after the last used, is
// ECONFLICT.
func (s *Store) ConfirmSecondFactor(ctx context.Context, actor desk.Actor, accountID, step int64, codeHashes []string, sessionHash string) error {
	return s.inTx(ctx, func(t *Tx) error {
		personID, err := t.accountPerson(ctx, accountID)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE second_factors SET confirmed_at = ?, last_step = ? WHERE account_id = ? AND confirmed_at IS NULL AND last_step < ?`,
			t.Now.UnixMicro(), step, accountID, step)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return desk.Errorf(desk.ECONFLICT, "this enrolment is already confirmed, or has been replaced: start again from your account page")
		}
		if _, err := t.exec(ctx, `DELETE FROM recovery_codes WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		for _, h := range codeHashes {
			if _, err := t.exec(ctx, `INSERT INTO recovery_codes (account_id, code_hash) VALUES (?, ?)`, accountID, h); err != nil {
				return err
			}
		}
		if err := t.finishPending(ctx, accountID, sessionHash); err != nil {
			return err
		}
		return t.audit(ctx, actor, "second_factor.enrol", "account", accountID, []int64{personID},
			fmt.Sprintf("enrolled in two-factor sign-in (an authenticator app); %d recovery codes issued", len(codeHashes)))
	})
}

// finishPending marks the account's session sessionHash as signed in (no longer pending).
func (t *Tx) finishPending(ctx context.Context, accountID int64, sessionHash string) error {
	if sessionHash == "" {
		return nil
	}
	_, err := t.exec(ctx, `UPDATE sessions SET pending = '' WHERE token_hash = ? AND account_id = ?`, sessionHash, accountID)
	return err
}

// UseSecondFactorStep accepts a code of time-step step for the account's session sessionHash:
// it records the step as the last used, so that the same code (or an older one) is refused
// afterwards (ECONFLICT), and the session is no longer pending.
func (s *Store) UseSecondFactorStep(ctx context.Context, actor desk.Actor, accountID, step int64, sessionHash string) error {
	return s.inTx(ctx, func(t *Tx) error {
		personID, err := t.accountPerson(ctx, accountID)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE second_factors SET last_step = ? WHERE account_id = ? AND confirmed_at IS NOT NULL AND last_step < ?`,
			step, accountID, step)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return desk.Errorf(desk.ECONFLICT, "this code has been used already: wait for your app to show the next one")
		}
		if err := t.finishPending(ctx, accountID, sessionHash); err != nil {
			return err
		}
		return t.audit(ctx, actor, "session.second_factor", "account", accountID, []int64{personID}, "gave the second factor's code")
	})
}

// UseRecoveryCode spends the account's unused recovery code whose hash is codeHash for the
// session sessionHash, which is then no longer pending; an unknown or spent code is EINVALID.
func (s *Store) UseRecoveryCode(ctx context.Context, actor desk.Actor, accountID int64, codeHash, sessionHash string) (left int, err error) {
	err = s.inTx(ctx, func(t *Tx) error {
		personID, err := t.accountPerson(ctx, accountID)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE account_id = ? AND code_hash = ? AND used_at IS NULL`,
			t.Now.UnixMicro(), accountID, codeHash)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return desk.Errorf(desk.EINVALID, "the code is wrong, or that recovery code has been used already")
		}
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE account_id = ? AND used_at IS NULL`, accountID).Scan(&left); err != nil {
			return err
		}
		if err := t.finishPending(ctx, accountID, sessionHash); err != nil {
			return err
		}
		return t.audit(ctx, actor, "second_factor.recovery_used", "account", accountID, []int64{personID},
			fmt.Sprintf("signed in with a recovery code in place of the authenticator app; %d left", left))
	})
	return left, err
}

// ResetSecondFactor removes the account's enrolment and recovery codes (an administrator's act,
// for someone who lost their phone) and ends the account's sessions, so that the next sign-in
// enrols afresh. An account without enrolment is ENOTFOUND.
func (s *Store) ResetSecondFactor(ctx context.Context, actor desk.Actor, accountID int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		personID, err := t.accountPerson(ctx, accountID)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM second_factors WHERE account_id = ?`, accountID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("this account has not enrolled in two-factor sign-in: there is nothing to reset")
		}
		if _, err := t.exec(ctx, `DELETE FROM recovery_codes WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM sessions WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		if _, err := t.shredKeys(ctx, KeyOwnerAccount, []int64{accountID}); err != nil {
			return err
		}
		return t.audit(ctx, actor, "second_factor.reset", "account", accountID, []int64{personID},
			"reset two-factor sign-in (secret and recovery codes removed, sessions ended): the next sign-in enrols again")
	})
}
