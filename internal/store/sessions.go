package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"calldesk/internal/desk"
)

// Session is a signed-in browser: who, how they signed in, and its times. The token is never
// stored, only its hash.
type Session struct {
	AccountID int64
	// Surface is where the session was started and the only place it is good for: SurfaceConsole
	// or SurfacePortal. A token of one surface presented to the other is refused.
	Surface    string
	Via        string // password, oidc or saml
	CreatedAt  time.Time
	SeenAt     time.Time
	ExpiresAt  time.Time // the absolute end, however active the session is
	ClientAddr string
	UserAgent  string
	// Pending is what the session still needs before it is signed in: "" (nothing),
	// PendingCode (the second factor's code) or PendingEnrol (enrolment in two-factor sign-in,
	// which the account's role makes mandatory). A pending session opens only the pages that
	// finish signing in.
	Pending string
}

// The stages a session may still be pending (Session.Pending).
const (
	PendingCode  = "code"
	PendingEnrol = "enrol"
)

// The surfaces a session may belong to.
const (
	SurfaceConsole = "console"
	SurfacePortal  = "portal"
)

// CreateSession stores a new session under the hash of its token and audits the sign-in.
func (s *Store) CreateSession(ctx context.Context, actor desk.Actor, hash string, ss Session) error {
	return s.inTx(ctx, func(t *Tx) error {
		var personID int64
		if err := t.queryRow(ctx, `SELECT person_id FROM accounts WHERE id = ?`, ss.AccountID).Scan(&personID); err == sql.ErrNoRows {
			return notFound("no account with id %d", ss.AccountID)
		} else if err != nil {
			return err
		}
		if ss.Surface != SurfaceConsole && ss.Surface != SurfacePortal {
			return desk.Errorf(desk.EINVALID, "a session is for the console or the portal, not %q", ss.Surface)
		}
		if _, err := t.exec(ctx, `INSERT INTO sessions (token_hash, account_id, surface, via, created_at, seen_at, expires_at, client_addr, user_agent, pending)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, hash, ss.AccountID, ss.Surface, ss.Via, ss.CreatedAt.UnixMicro(), ss.SeenAt.UnixMicro(),
			ss.ExpiresAt.UnixMicro(), ss.ClientAddr, ss.UserAgent, ss.Pending); err != nil {
			return t.s.mapErr(err)
		}
		detail := "signed in to the " + ss.Surface + " by " + ss.Via
		switch ss.Pending {
		case PendingCode:
			detail += "; the second factor's code is awaited"
		case PendingEnrol:
			detail += "; enrolment in two-factor sign-in is required first"
		}
		return t.audit(ctx, actor, "session.start", "account", ss.AccountID, []int64{personID}, detail)
	})
}

// FindSession returns the session with this token hash, its account and person, or EUNAUTHORIZED.
func (s *Store) FindSession(ctx context.Context, hash string) (Session, desk.Account, desk.Person, error) {
	var ss Session
	var a desk.Account
	var roles string
	var created, seen, expires, acreated int64
	r := s.queryRow(ctx, `SELECT s.account_id, s.surface, s.via, s.created_at, s.seen_at, s.expires_at, s.client_addr, s.user_agent, s.pending,
		a.id, a.person_id, a.login, a.password_hash, a.roles, a.active, a.created_at, `+personCols+`
		FROM sessions s JOIN accounts a ON a.id = s.account_id JOIN people p ON p.id = a.person_id WHERE s.token_hash = ?`, hash)
	p, err := scanPerson(prefixScanner{r, []any{&ss.AccountID, &ss.Surface, &ss.Via, &created, &seen, &expires, &ss.ClientAddr, &ss.UserAgent, &ss.Pending,
		&a.ID, &a.PersonID, &a.Login, &a.PasswordHash, &roles, &a.Active, &acreated}})
	if err == sql.ErrNoRows {
		return ss, a, p, desk.Errorf(desk.EUNAUTHORIZED, "you are not signed in, or your session has ended: sign in again")
	}
	if err != nil {
		return ss, a, p, err
	}
	ss.CreatedAt, ss.SeenAt, ss.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(seen).UTC(), time.UnixMicro(expires).UTC()
	a.Roles, a.CreatedAt = splitRoles(roles), time.UnixMicro(acreated).UTC()
	return ss, a, p, nil
}

// TouchSession records that the session was used at t.
func (s *Store) TouchSession(ctx context.Context, hash string, t time.Time) error {
	return s.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE sessions SET seen_at = ? WHERE token_hash = ? AND seen_at < ?`, t.UnixMicro(), hash, t.UnixMicro())
		return err
	})
}

// EndSession removes a session; reason says why (signed out, idle, expired), for the audit trail.
// Ending a session that no longer exists is not an error.
func (s *Store) EndSession(ctx context.Context, actor desk.Actor, hash, reason string) error {
	return s.inTx(ctx, func(t *Tx) error {
		var accountID, personID int64
		err := t.queryRow(ctx, `SELECT a.id, a.person_id FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?`, hash).Scan(&accountID, &personID)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash); err != nil {
			return err
		}
		return t.audit(ctx, actor, "session.end", "account", accountID, []int64{personID}, reason)
	})
}

// DeleteExpiredSessions removes sessions past their absolute end or idle since before idleSince,
// and returns how many; expired password reset links go with them. Nobody is signed out by this who was not already.
func (s *Store) DeleteExpiredSessions(ctx context.Context, idleSince time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR seen_at < ?`, t.Now.UnixMicro(), idleSince.UnixMicro())
		if err != nil {
			return err
		}
		// Password reset links end with them: an expired link is refused anyway.
		if _, err := t.exec(ctx, `DELETE FROM password_resets WHERE expires_at <= ?`, t.Now.UnixMicro()); err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// RecordSigninFailure audits a failed sign-in, concerning the account's person when the login
// exists (personID, else 0). The throttle counted the attempt already (ReserveSignin); the
// signin_failures table of the first sign-in throttle is no longer written or read (its rows
// from before are removed by ClearSigninFailures and by erasure).
func (s *Store) RecordSigninFailure(ctx context.Context, actor desk.Actor, personID int64, detail string) error {
	return s.inTx(ctx, func(t *Tx) error {
		var persons []int64
		if personID != 0 {
			persons = []int64{personID}
		}
		return t.audit(ctx, actor, "session.signin_failed", "signin", "", persons, detail)
	})
}

// ClearSigninFailures forgets the sign-in attempt counts whose window began before before, and
// any row of the old signin_failures table older than that (housekeeping).
func (s *Store) ClearSigninFailures(ctx context.Context, before time.Time) error {
	return s.inTx(ctx, func(t *Tx) error {
		if _, err := t.exec(ctx, `DELETE FROM signin_failures WHERE at < ?`, before.UnixMicro()); err != nil {
			return err
		}
		_, err := t.exec(ctx, `DELETE FROM signin_throttle WHERE first_at < ?`, before.UnixMicro())
		return err
	})
}

// ReserveSignin counts a sign-in attempt under key before its password is checked, and returns
// the attempts counted under key in the current window (this one included) and when the window
// began. One statement increments and reads the count, so attempts made in parallel, by this
// instance or another on the same database, each see a different count: no more than the limit
// of them get past it. A window began at or before since is over: the count starts again at 1.
// A successful sign-in gives its attempt back (ReleaseSignin).
func (s *Store) ReserveSignin(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var n int
	var first int64
	err := s.inTx(ctx, func(t *Tx) error {
		return t.queryRow(ctx, `INSERT INTO signin_throttle (key, attempts, first_at) VALUES (?, 1, ?)
			ON CONFLICT (key) DO UPDATE SET
				attempts = CASE WHEN signin_throttle.first_at <= ? THEN 1 ELSE signin_throttle.attempts + 1 END,
				first_at = CASE WHEN signin_throttle.first_at <= ? THEN excluded.first_at ELSE signin_throttle.first_at END
			RETURNING attempts, first_at`, key, t.Now.UnixMicro(), since.UnixMicro(), since.UnixMicro()).Scan(&n, &first)
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count the sign-in attempt: %w", err)
	}
	return n, time.UnixMicro(first).UTC(), nil
}

// ReleaseSignin gives back an attempt ReserveSignin counted under key, when it succeeded: with
// forget, the key's count is dropped altogether (a login's failures are forgiven once its
// password is given), otherwise it goes down by one (an address's other attempts still count).
func (s *Store) ReleaseSignin(ctx context.Context, key string, forget bool) error {
	return s.inTx(ctx, func(t *Tx) error {
		q := `UPDATE signin_throttle SET attempts = attempts - 1 WHERE key = ? AND attempts > 0`
		if forget {
			q = `DELETE FROM signin_throttle WHERE key = ?`
		}
		_, err := t.exec(ctx, q, key)
		return err
	})
}
