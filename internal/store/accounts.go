package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
)

func joinRoles(rs []desk.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func splitRoles(s string) []desk.Role {
	if s == "" {
		return nil
	}
	var out []desk.Role
	for _, r := range strings.Split(s, ",") {
		out = append(out, desk.Role(r))
	}
	return out
}

// CreateAccount gives a person a sign-in with roles. PasswordHash is already hashed (access.HashPassword).
func (s *Store) CreateAccount(ctx context.Context, actor desk.Actor, a desk.Account) (desk.Account, error) {
	if err := checkAccount(&a); err != nil {
		return a, err
	}
	err := s.inTx(ctx, func(t *Tx) error {
		p, err := t.findPerson(ctx, a.PersonID)
		if err != nil && !isNotFound(err) {
			return err
		} else if err != nil {
			return desk.Invalid("the account is not valid", map[string]string{"person_id": fmt.Sprintf("no person with id %d", a.PersonID)})
		}
		a, err = t.createAccount(ctx, actor, p, a)
		return err
	})
	return a, err
}

// createAccount inserts a checked account for p and audits it.
func (t *Tx) createAccount(ctx context.Context, actor desk.Actor, p desk.Person, a desk.Account) (desk.Account, error) {
	a.PersonID, a.Active, a.CreatedAt = p.ID, true, t.Now
	err := t.queryRow(ctx, `INSERT INTO accounts (person_id, login, password_hash, roles, active, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		a.PersonID, a.Login, a.PasswordHash, joinRoles(a.Roles), 1, t.Now.UnixMicro()).Scan(&a.ID)
	if t.s.d.constraint(err) == constraintUnique {
		return a, desk.Invalid("the account is not valid", map[string]string{"login": "is taken, or the person already has an account"})
	}
	if err != nil {
		return a, err
	}
	return a, t.audit(ctx, actor, "account.create", "account", a.ID, []int64{a.PersonID},
		fmt.Sprintf("account %s for %s with roles %s", a.Login, p.Name(), joinRoles(a.Roles)))
}

// EnrolPerson adds a person to the register together with their account, in one transaction
// with both audit records: either both exist afterwards or neither does. Single sign-on uses it
// to enrol a partner on first sign-in.
func (s *Store) EnrolPerson(ctx context.Context, actor desk.Actor, p desk.Person, a desk.Account, why string) (desk.Person, desk.Account, error) {
	if err := p.Validate(); err != nil {
		return p, a, err
	}
	if err := checkAccount(&a); err != nil {
		return p, a, err
	}
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		if p, err = t.createPerson(ctx, p); err != nil {
			return err
		}
		if err = t.audit(ctx, actor, "person.create", "person", p.ID, []int64{p.ID}, "created "+p.Name()+": "+why); err != nil {
			return err
		}
		a, err = t.createAccount(ctx, actor, p, a)
		return err
	})
	return p, a, err
}

// checkAccount checks an account's login and roles, trimming the login.
func checkAccount(a *desk.Account) error {
	f := map[string]string{}
	a.Login = strings.TrimSpace(a.Login)
	switch {
	case a.Login == "":
		f["login"] = "is required"
	case utf8.RuneCountInString(a.Login) > desk.MaxLogin:
		f["login"] = fmt.Sprintf("is longer than %d characters, more than any login", desk.MaxLogin)
	}
	for _, r := range a.Roles {
		if !r.Valid() {
			f["roles"] = fmt.Sprintf("%q is not a role", r)
		}
	}
	if len(a.Roles) == 0 {
		f["roles"] = "at least one role is required"
	}
	return desk.Invalid("the account is not valid", f)
}

const accountCols = `a.id, a.person_id, a.login, a.password_hash, a.roles, a.active, a.created_at`

func scanAccount(r scanner, extra ...any) (desk.Account, error) {
	var a desk.Account
	var roles string
	var at int64
	err := r.Scan(append([]any{&a.ID, &a.PersonID, &a.Login, &a.PasswordHash, &roles, &a.Active, &at}, extra...)...)
	a.Roles, a.CreatedAt = splitRoles(roles), time.UnixMicro(at).UTC()
	return a, err
}

// FindAccountByLogin returns the account with this login (case-insensitive), or ENOTFOUND.
func (s *Store) FindAccountByLogin(ctx context.Context, login string) (desk.Account, error) {
	a, err := scanAccount(s.queryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE lower(a.login) = lower(?)`, login))
	if err == sql.ErrNoRows {
		return a, notFound("no account %q", login)
	}
	return a, err
}

// FindAccountByPerson returns a person's account, or ENOTFOUND.
func (s *Store) FindAccountByPerson(ctx context.Context, personID int64) (desk.Account, error) {
	a, err := scanAccount(s.queryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.person_id = ?`, personID))
	if err == sql.ErrNoRows {
		return a, notFound("person %d has no account", personID)
	}
	return a, err
}

// Token is an API token's stored form: never the token itself, only its hash.
type Token struct {
	ID        int64
	AccountID int64
	Name      string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
}

// CreateToken stores the hash of a new API token for an account.
func (s *Store) CreateToken(ctx context.Context, actor desk.Actor, accountID int64, name, hash string, expires time.Time) (Token, error) {
	tok := Token{AccountID: accountID, Name: strings.TrimSpace(name), ExpiresAt: expires}
	if tok.Name == "" {
		return tok, desk.Invalid("the token is not valid", map[string]string{"name": "is required"})
	}
	err := s.inTx(ctx, func(t *Tx) error {
		var personID int64
		if err := t.queryRow(ctx, `SELECT person_id FROM accounts WHERE id = ?`, accountID).Scan(&personID); err == sql.ErrNoRows {
			return notFound("no account with id %d", accountID)
		} else if err != nil {
			return err
		}
		tok.CreatedAt = t.Now
		if err := t.queryRow(ctx, `INSERT INTO api_tokens (account_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			accountID, tok.Name, hash, t.Now.UnixMicro(), micros(expires)).Scan(&tok.ID); err != nil {
			return s.mapErr(err)
		}
		return t.audit(ctx, actor, "token.create", "token", tok.ID, []int64{personID}, "API token "+tok.Name)
	})
	return tok, err
}

// FindAccountByToken returns the active account whose live token has this hash, with its person,
// in one query: it runs on every API request.
func (s *Store) FindAccountByToken(ctx context.Context, hash string) (desk.Account, desk.Person, error) {
	var p desk.Person
	var expires sql.NullInt64
	var a desk.Account
	var roles string
	var at int64
	r := s.queryRow(ctx, `SELECT a.id, a.person_id, a.login, a.password_hash, a.roles, a.active, a.created_at, t.expires_at, `+personCols+`
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id JOIN people p ON p.id = a.person_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL`, hash)
	p, err := scanPerson(prefixScanner{r, []any{&a.ID, &a.PersonID, &a.Login, &a.PasswordHash, &roles, &a.Active, &at, &expires}})
	if err == sql.ErrNoRows {
		return a, p, desk.Errorf(desk.EUNAUTHORIZED, "the API token is not valid: it is unknown or was revoked")
	}
	if err != nil {
		return a, p, err
	}
	a.Roles, a.CreatedAt = splitRoles(roles), time.UnixMicro(at).UTC()
	if e := fromMicros(expires); !e.IsZero() && !s.Now().Before(e) {
		return a, p, desk.Errorf(desk.EUNAUTHORIZED, "the API token expired at %s", e.Format(time.RFC3339))
	}
	if !a.Active {
		return a, p, desk.Errorf(desk.EUNAUTHORIZED, "the account of this API token is disabled")
	}
	if !p.Active {
		return a, p, desk.Errorf(desk.EUNAUTHORIZED, "the API token is no longer valid: its owner's university account has ended (they have left), and their API tokens ended with it")
	}
	return a, p, nil
}

// prefixScanner scans leading columns into prefix and passes the rest on, so one row can fill
// two scanned types.
type prefixScanner struct {
	r      scanner
	prefix []any
}

// Scan scans the prefix columns then dest.
func (p prefixScanner) Scan(dest ...any) error {
	return p.r.Scan(append(p.prefix, dest...)...)
}

// AccountsWithRole lists the active accounts holding role, oldest first.
func (s *Store) AccountsWithRole(ctx context.Context, role desk.Role) ([]desk.Account, error) {
	rows, err := s.query(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.active = 1 AND (',' || a.roles || ',') LIKE ? ORDER BY a.id`,
		"%,"+string(role)+",%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []desk.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetPassword replaces an account's password hash (already hashed with access.HashPassword; ""
// removes the local password) and audits the change, never the hash. In the same transaction it
// ends every session of the account but keep (the token hash of the session making a
// self-service change; "" for a reset, which ends them all): whoever knew the old password is
// signed out everywhere, and every reset link of the account still live ends. It returns how
// many sessions it ended.
func (s *Store) SetPassword(ctx context.Context, actor desk.Actor, accountID int64, hash, keep string) (int, error) {
	var ended int64
	err := s.inTx(ctx, func(t *Tx) error {
		var personID int64
		if err := t.queryRow(ctx, `SELECT person_id FROM accounts WHERE id = ?`, accountID).Scan(&personID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return desk.Errorf(desk.ENOTFOUND, "there is no account %d", accountID)
			}
			return err
		}
		if _, err := t.exec(ctx, `UPDATE accounts SET password_hash = ? WHERE id = ?`, hash, accountID); err != nil {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM sessions WHERE account_id = ? AND token_hash <> ?`, accountID, keep)
		if err != nil {
			return err
		}
		if ended, err = res.RowsAffected(); err != nil {
			return err
		}
		// A reset link emailed before the change would set the password again, behind the back
		// of whoever just changed it (or removed it): the account's live links end with it.
		if _, err := t.exec(ctx, `UPDATE password_resets SET used_at = ? WHERE account_id = ? AND used_at IS NULL`,
			t.Now.UnixMicro(), accountID); err != nil {
			return err
		}
		detail := "local password set"
		if hash == "" {
			detail = "local password removed"
		}
		switch {
		case ended == 1:
			detail += "; 1 session ended"
		case ended > 1:
			detail += fmt.Sprintf("; %d sessions ended", ended)
		}
		return t.audit(ctx, actor, "account.password", "account", accountID, []int64{personID}, detail)
	})
	return int(ended), err
}

// AccountTokens lists an account's live API tokens (not revoked; expired ones included, so that
// their owner sees them end), newest first.
func (s *Store) AccountTokens(ctx context.Context, accountID int64) ([]Token, error) {
	rows, err := s.query(ctx, `SELECT id, account_id, name, created_at, expires_at FROM api_tokens
		WHERE account_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var tok Token
		var created int64
		var expires sql.NullInt64
		if err := rows.Scan(&tok.ID, &tok.AccountID, &tok.Name, &created, &expires); err != nil {
			return nil, err
		}
		tok.CreatedAt, tok.ExpiresAt = time.UnixMicro(created).UTC(), fromMicros(expires)
		out = append(out, tok)
	}
	return out, rows.Err()
}
