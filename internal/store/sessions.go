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
	AccountID  int64
	Via        string // password, oidc or saml
	CreatedAt  time.Time
	SeenAt     time.Time
	ExpiresAt  time.Time // the absolute end, however active the session is
	ClientAddr string
	UserAgent  string
}

// CreateSession stores a new session under the hash of its token and audits the sign-in.
func (s *Store) CreateSession(ctx context.Context, actor desk.Actor, hash string, ss Session) error {
	return s.inTx(ctx, func(t *Tx) error {
		var personID int64
		if err := t.queryRow(ctx, `SELECT person_id FROM accounts WHERE id = ?`, ss.AccountID).Scan(&personID); err == sql.ErrNoRows {
			return notFound("no account with id %d", ss.AccountID)
		} else if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO sessions (token_hash, account_id, via, created_at, seen_at, expires_at, client_addr, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hash, ss.AccountID, ss.Via, ss.CreatedAt.UnixMicro(), ss.SeenAt.UnixMicro(),
			ss.ExpiresAt.UnixMicro(), ss.ClientAddr, ss.UserAgent); err != nil {
			return t.s.mapErr(err)
		}
		return t.audit(ctx, actor, "session.start", "account", ss.AccountID, []int64{personID}, "signed in by "+ss.Via)
	})
}

// FindSession returns the session with this token hash, its account and person, or EUNAUTHORIZED.
func (s *Store) FindSession(ctx context.Context, hash string) (Session, desk.Account, desk.Person, error) {
	var ss Session
	var a desk.Account
	var roles string
	var created, seen, expires, acreated int64
	r := s.queryRow(ctx, `SELECT s.account_id, s.via, s.created_at, s.seen_at, s.expires_at, s.client_addr, s.user_agent,
		a.id, a.person_id, a.login, a.password_hash, a.roles, a.active, a.created_at, `+personCols+`
		FROM sessions s JOIN accounts a ON a.id = s.account_id JOIN people p ON p.id = a.person_id WHERE s.token_hash = ?`, hash)
	p, err := scanPerson(prefixScanner{r, []any{&ss.AccountID, &ss.Via, &created, &seen, &expires, &ss.ClientAddr, &ss.UserAgent,
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
// and returns how many. Nobody is signed out by this who was not already.
func (s *Store) DeleteExpiredSessions(ctx context.Context, idleSince time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR seen_at < ?`, t.Now.UnixMicro(), idleSince.UnixMicro())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// RecordSigninFailure notes a failed sign-in under each key (the login and the client address)
// and audits it, concerning the account's person when the login exists.
func (s *Store) RecordSigninFailure(ctx context.Context, actor desk.Actor, keys []string, personID int64, detail string) error {
	return s.inTx(ctx, func(t *Tx) error {
		for _, k := range keys {
			if _, err := t.exec(ctx, `INSERT INTO signin_failures (key, at) VALUES (?, ?)`, k, t.Now.UnixMicro()); err != nil {
				return err
			}
		}
		var persons []int64
		if personID != 0 {
			persons = []int64{personID}
		}
		return t.audit(ctx, actor, "session.signin_failed", "signin", "", persons, detail)
	})
}

// SigninFailures counts the failures under key after a time, and when the first of them was.
func (s *Store) SigninFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var n int
	var first sql.NullInt64
	err := s.queryRow(ctx, `SELECT COUNT(*), MIN(at) FROM signin_failures WHERE key = ? AND at > ?`, key, since.UnixMicro()).Scan(&n, &first)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count failed sign-ins: %w", err)
	}
	return n, fromMicros(first), nil
}

// ClearSigninFailures forgets the failures under key (after a successful sign-in) and any older
// than before (housekeeping).
func (s *Store) ClearSigninFailures(ctx context.Context, key string, before time.Time) error {
	return s.inTx(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, `DELETE FROM signin_failures WHERE key = ? OR at < ?`, key, before.UnixMicro())
		return err
	})
}
