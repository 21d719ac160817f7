package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// UseSSOState records that the single sign-on response whose state has this hash was used, so
// that it cannot be used again until expires (after which its sign-in has ended anyway and the
// row is swept). A state already used is refused with EUNAUTHORIZED.
func (s *Store) UseSSOState(ctx context.Context, hash string, expires time.Time) error {
	return s.inTx(ctx, func(t *Tx) error {
		if _, err := t.exec(ctx, `DELETE FROM sso_states WHERE expires_at <= ?`, t.Now.UnixMicro()); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO sso_states (state_hash, expires_at) VALUES (?, ?)`, hash, expires.UnixMicro())
		if t.s.d.constraint(err) == constraintUnique {
			return desk.Errorf(desk.EUNAUTHORIZED, "this sign-in response was already used: start signing in again")
		}
		return err
	})
}

// Identity says which of a person's fields single sign-on matches an identity against.
type Identity string

// The fields an identity can match.
const (
	ByUsername Identity = "username"
	ByEmail    Identity = "email"
)

// FindPeopleByIdentity returns the people whose username or email (by) is value, ignoring case
// and surrounding spaces. It matches whole values only; several people are returned when the
// register holds duplicates, so the caller can refuse an ambiguous identity.
func (s *Store) FindPeopleByIdentity(ctx context.Context, by Identity, value string) ([]desk.Person, error) {
	var col string
	switch by {
	case ByUsername:
		col = "p.username"
	case ByEmail:
		col = "p.email"
	default:
		return nil, desk.Errorf(desk.EINVALID, "people cannot be matched by %q: only by username or email", by)
	}
	value = strings.ToLower(strings.TrimSpace(value))
	if value == "" {
		return nil, nil
	}
	rows, err := s.query(ctx, `SELECT `+personCols+` FROM people p WHERE lower(`+col+`) = ? ORDER BY p.id LIMIT 10`, value)
	if err != nil {
		return nil, fmt.Errorf("find people by %s: %w", by, err)
	}
	defer rows.Close()
	var out []desk.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
