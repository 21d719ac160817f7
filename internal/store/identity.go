package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"calldesk/internal/desk"
)

// A person's username and email address are theirs alone whatever the letter case (issue 13,
// points 10 and 16): sign-in and mail matching ignore case, so OJOHNSON beside ojohnson would
// make one of them unreachable, or take the other's sign-in. Writers check in their transaction
// first (identityHolder), to name the other person; the unique indexes of migration 0025 hold it
// when two transactions pass that check at once (PostgreSQL), and identityViolation names the
// field of the one refused.

// migrationUniqueIdentities is the migration that makes usernames and email addresses unique
// whatever their letter case; identityClashes must pass before it runs.
const migrationUniqueIdentities = 25

// identityField is the person's field ("username" or "email") a unique index on people keeps
// unique, by the index's name; "" for any other index.
func identityField(index string) string {
	switch index {
	case "people_username", "people_username_lower":
		return "username"
	case "people_email_lower":
		return "email"
	}
	return ""
}

// identityViolation turns err, when it is the violation of a unique index on people writing p,
// into ECONFLICT saying which of p's fields another person holds; nil when err is no such
// violation. Where the engine does not name the index (SQLite, where checks in the transaction
// find every clash first, as its one writer runs transactions one at a time) it names the fields
// it may be, rather than guess.
func (t *Tx) identityViolation(err error, p desk.Person) *desk.Error {
	if t.s.d.constraint(err) != constraintUnique {
		return nil
	}
	name := t.s.d.constraintName(err)
	switch identityField(name) {
	case "username":
		return &desk.Error{Code: desk.ECONFLICT, Message: fmt.Sprintf("the username %q belongs to another person already: calldesk matches usernames whatever their letter case", p.Username),
			Fields: map[string]string{"username": "is another person's"}}
	case "email":
		return &desk.Error{Code: desk.ECONFLICT, Message: fmt.Sprintf("the email address %q belongs to another person already: calldesk matches email addresses whatever their letter case", p.Email),
			Fields: map[string]string{"email": "is another person's"}}
	}
	if name != "" {
		return nil // another index: the caller's mapping says what it means
	}
	return &desk.Error{Code: desk.ECONFLICT, Message: fmt.Sprintf("the username %q, the email address %q or the directory key %q belongs to another person already",
		p.Username, p.Email, p.DirectoryKey)}
}

// identityInvalid is a violation identityViolation found as a form shows it: EINVALID with the
// problem beside the field (unchanged when it cannot say which field).
func identityInvalid(v *desk.Error) error {
	if len(v.Fields) == 0 {
		return v
	}
	fields := map[string]string{}
	for f := range v.Fields {
		fields[f] = v.Message
	}
	return desk.Invalid("the person record is not valid", fields)
}

// identityHolder finds the person other than id who holds value as their col ("username" or
// "email"), whatever its letter case (the engine's lower(), as the unique index compares);
// found is false when nobody does or value is empty.
func (t *Tx) identityHolder(ctx context.Context, col, value string, id int64) (other desk.Person, found bool, err error) {
	if col != "username" && col != "email" {
		return desk.Person{}, false, fmt.Errorf("identityHolder: %q is not an identity column", col)
	}
	if value == "" {
		return desk.Person{}, false, nil
	}
	other, err = scanPerson(t.queryRow(ctx, `SELECT `+personCols+` FROM people p WHERE lower(p.`+col+`) = lower(?) AND p.`+col+` <> '' AND p.id <> ? ORDER BY p.id LIMIT 1`,
		value, id))
	if err == sql.ErrNoRows {
		return desk.Person{}, false, nil
	}
	return other, err == nil, err
}

// identitiesFree is nil when no other person holds p's username or email address whatever
// their letter case, and otherwise EINVALID with the field's problem, as a form shows it. Only
// the fields named in cols are checked.
func (t *Tx) identitiesFree(ctx context.Context, p desk.Person, cols ...string) error {
	fields := map[string]string{}
	for _, col := range cols {
		v := p.Username
		if col == "email" {
			v = p.Email
		}
		other, found, err := t.identityHolder(ctx, col, v, p.ID)
		if err != nil {
			return err
		}
		if found {
			fields[col] = fmt.Sprintf("%q is taken by another person (%s, person %d): calldesk matches it whatever its letter case", v, other.Name(), other.ID)
		}
	}
	return desk.Invalid("the person record is not valid", fields)
}

// identityClashes is nil when no two people hold one username or email address in different
// letter case, which the unique indexes of migration 0025 need; otherwise an error naming the
// clashes (the first 20 of each field) and their people, and what to do. It changes nothing:
// which of two people keeps an address is for a person to decide, not an upgrade.
func (t *Tx) identityClashes(ctx context.Context) error {
	const shown = 20
	var clashes []string
	total := 0
	for _, f := range []struct{ col, what string }{{"username", "username"}, {"email", "email address"}} {
		rows, err := t.query(ctx, `SELECT lower(`+f.col+`) FROM people WHERE `+f.col+` <> '' GROUP BY lower(`+f.col+`) HAVING COUNT(*) > 1 ORDER BY lower(`+f.col+`)`)
		if err != nil {
			return err
		}
		var values []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			values = append(values, v)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		total += len(values)
		for _, v := range values[:min(len(values), shown)] {
			rows, err := t.query(ctx, `SELECT id, `+f.col+`, directory_key FROM people WHERE lower(`+f.col+`) = ? AND `+f.col+` <> '' ORDER BY id`, v)
			if err != nil {
				return err
			}
			var held []string
			for rows.Next() {
				var id int64
				var value, key string
				if err := rows.Scan(&id, &value, &key); err != nil {
					rows.Close()
					return err
				}
				who := fmt.Sprintf("%q by person %d", value, id)
				if key != "" {
					who = fmt.Sprintf("%q by person %d (directory key %q)", value, id, key)
				}
				held = append(held, who)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			clashes = append(clashes, "the "+f.what+" "+strings.Join(held, " and "))
		}
		if len(values) > shown {
			clashes = append(clashes, fmt.Sprintf("%d more %ss", len(values)-shown, f.what))
		}
	}
	if total == 0 {
		return nil
	}
	return fmt.Errorf("%d usernames or email addresses are each held by more than one person (the same value, or one differing only in letter case), "+
		"which calldesk no longer allows (sign-in and mail matching take one to be one person, whatever its case): %s. Nothing was changed: give all but one "+
		"of each such person another value, or none (in the console of the calldesk being upgraded from, or at the directory), then run calldesk migrate again",
		total, strings.Join(clashes, "; "))
}
