package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"calldesk/internal/desk"
)

// PushPerson takes one person a directory pushes as it changes (SCIM): matched by directory key,
// created, or updated in the fields given (each recording source and when). managerID, when not
// 0, is their manager. There is no guard rail: a push is one person, as it happens.
//
// active is what the directory says of them (nil: it does not say; a new person is active), and
// return or leave is decided here, in the one transaction with the fields: a leaver pushed as
// active returns, unless an administrator marked them as left (that sticks: only BringBack
// brings them back, and the push's audit record says so); an active person pushed as inactive
// leaves (markLeft); a leaver pushed as inactive stays one, their date left and who decided
// unchanged, with no second leave. A person whose processing is restricted cannot be changed
// (EFORBIDDEN), except that a push of active false makes them leave, the rest of it not taken.
//
// clear names fields the push empties (SCIM's remove): a column of the person, or "manager".
func (s *Store) PushPerson(ctx context.Context, source string, p desk.Person, managerID int64, clear []string, active *bool) (desk.Person, bool, error) {
	p.DirectoryKey = strings.TrimSpace(p.DirectoryKey)
	if p.DirectoryKey == "" {
		return p, false, desk.Invalid("the person cannot be taken", map[string]string{"externalId": "is required (the directory's key)"})
	}
	created := false
	var out desk.Person
	err := s.inTx(ctx, func(t *Tx) error {
		created = false // set again by this run (runTx may run it more than once)
		actor := desk.Actor{Name: "directory push (" + source + ")"}
		leave := func(id int64, detail string) error {
			return t.markLeft(ctx, actor, id, desk.LeftBySCIM, "the directory ("+source+") says they left: a leaver from today, kept, not deleted"+detail)
		}
		var id int64
		err := t.queryRow(ctx, `SELECT id FROM people WHERE directory_key = ?`+t.s.d.forUpdate(), p.DirectoryKey).Scan(&id)
		adopted := false // a caller an analyst added, with the pushed email (adoptable)
		if err == sql.ErrNoRows && strings.TrimSpace(p.Email) != "" {
			var cand int64
			switch cerr := t.queryRow(ctx, `SELECT id FROM people WHERE directory_key = '' AND source = ? AND erased_at IS NULL AND lower(email) = ?`+t.s.d.forUpdate(),
				string(desk.FromAnalyst), strings.ToLower(strings.TrimSpace(p.Email))).Scan(&cand); {
			case cerr == nil:
				id, err, adopted = cand, nil, true
			case cerr != sql.ErrNoRows:
				return cerr
			}
		}
		merged, changed, returned, leaving := p, []string(nil), false, false
		var note string // what the person's audit record adds: a return refused
		switch {
		case err == sql.ErrNoRows:
			created = true
			merged.Source, merged.Active = desk.FromDirectory, true
			if merged.Kind == "" {
				merged.Kind = desk.Staff
			}
			leaving = active != nil && !*active
		case err != nil:
			return err
		default:
			old, err := t.findPerson(ctx, id)
			if err != nil {
				return err
			}
			leaving = old.Active && active != nil && !*active
			if err := t.frozen(ctx, id, old.Name()+"'s record cannot change"); err != nil {
				if active == nil || *active || desk.ErrorCode(err) != desk.EFORBIDDEN {
					return err
				}
				// Restricted, and the directory says they left: they leave, nothing else changes.
				if leaving {
					if err := leave(id, "; the rest of the push was not taken: the person's processing is restricted"); err != nil {
						return err
					}
				}
				out, err = t.findPerson(ctx, id)
				return err
			}
			merged = old
			if adopted {
				merged.DirectoryKey = p.DirectoryKey
			}
			for _, f := range directoryFields() {
				if v := strings.TrimSpace(*f.get(&p)); v != "" && v != *f.get(&merged) {
					*f.get(&merged) = v
					changed = append(changed, f.col)
				}
			}
			if p.Kind != "" && p.Kind != merged.Kind {
				merged.Kind = p.Kind
				changed = append(changed, "kind")
			}
			for _, f := range directoryFields() {
				if contains(clear, f.col) && *f.get(&merged) != "" {
					*f.get(&merged) = ""
					changed = append(changed, f.col)
				}
			}
			if !old.Active && active != nil && *active {
				returned = old.LeftBy != desk.LeftByAdmin
				if !returned {
					note = fmt.Sprintf("listed by the directory (%s) as active but marked as left by an administrator on %s: not brought back",
						source, old.LeftAt.Format("2 January 2006"))
				}
			}
		}
		if err := merged.Validate(); err != nil {
			return err
		}
		if err := t.pushedIdentityUnique(ctx, merged, created, changed); err != nil {
			return err
		}
		if created || len(changed) > 0 || returned || adopted {
			if err := t.writeDirectoryPerson(ctx, actor, source, &merged, created, changed, returned); err != nil {
				return err // a clash another push made meanwhile is ECONFLICT naming the field
			}
		}
		if adopted {
			if err := t.adoptAddedCaller(ctx, actor, source, merged.ID, merged.DirectoryKey); err != nil {
				return err
			}
		}
		if note != "" {
			if err := t.audit(ctx, actor, "person.sync", "person", merged.ID, []int64{merged.ID}, note); err != nil {
				return err
			}
		}
		if leaving {
			if err := leave(merged.ID, ""); err != nil {
				return err
			}
		}
		if contains(clear, "manager") && merged.ManagerID != 0 {
			if _, err := t.exec(ctx, `UPDATE people SET manager_id = NULL WHERE id = ?`, merged.ID); err != nil {
				return err
			}
			if err := t.fieldSources(ctx, merged.ID, []string{"manager"}, source); err != nil {
				return err
			}
		}
		if managerID != 0 && managerID != merged.ManagerID && managerID != merged.ID {
			if _, err := t.findPerson(ctx, managerID); err != nil {
				return desk.Invalid("the person cannot be taken", map[string]string{"manager": "is not a person of the register"})
			}
			if _, err := t.exec(ctx, `UPDATE people SET manager_id = ? WHERE id = ?`, managerID, merged.ID); err != nil {
				return err
			}
			if err := t.fieldSources(ctx, merged.ID, []string{"manager"}, source); err != nil {
				return err
			}
		}
		out, err = t.findPerson(ctx, merged.ID)
		return err
	})
	return out, created, err
}

// pushedIdentityUnique refuses a username or email that a push gives p (created, or changed)
// when another person holds it in any letter case: sign-in and mail matching ignore case, so
// OJOHNSON beside ojohnson would make one of them unreachable, or take the other's sign-in.
func (t *Tx) pushedIdentityUnique(ctx context.Context, p desk.Person, created bool, changed []string) error {
	for _, f := range []struct{ col, attr, value string }{{"username", "userName", p.Username}, {"email", "emails", p.Email}} {
		if f.value == "" || !created && !contains(changed, f.col) {
			continue
		}
		other, found, err := t.identityHolder(ctx, f.col, f.value, p.ID)
		if err != nil {
			return err
		} else if !found {
			continue
		}
		held := other.Username
		if f.col == "email" {
			held = other.Email
		}
		return &desk.Error{Code: desk.ECONFLICT, Message: fmt.Sprintf("the %s %q belongs to another person already (as %q, person %d): calldesk matches %ss whatever their letter case",
			f.attr, f.value, held, other.ID, f.col), Fields: map[string]string{f.attr: "is another person's"}}
	}
	return nil
}

// LeavePerson makes person id a leaver because their directory says they left (SCIM: the user
// deleted): inactive, date left recorded, never deleted, whether or not their processing is
// restricted (markLeft). A leaver stays one, their date left unchanged.
func (s *Store) LeavePerson(ctx context.Context, source string, id int64) (desk.Person, error) {
	var out desk.Person
	err := s.inTx(ctx, func(t *Tx) error {
		p, err := t.findPerson(ctx, id)
		if err != nil {
			return err
		}
		if p.DirectoryKey == "" {
			return notFound("person %d is not a directory person", id)
		}
		if p.Active {
			// ECONFLICT: a concurrent delete or import made them a leaver first; a delete
			// repeated is answered the same as the first.
			if err := t.markLeft(ctx, desk.Actor{Name: "directory push (" + source + ")"}, id, desk.LeftBySCIM,
				"the directory ("+source+") says they left: a leaver from today, kept, not deleted"); err != nil && desk.ErrorCode(err) != desk.ECONFLICT {
				return err
			}
		}
		out, err = t.findPerson(ctx, id)
		return err
	})
	return out, err
}

// DirectoryPeople lists the people a directory keeps, oldest first: all of them, or the one
// whose username (letter case aside) or directory key is given; with how many match in all.
func (s *Store) DirectoryPeople(ctx context.Context, username, key string, offset, limit int) ([]desk.Person, int, error) {
	where, args := `p.directory_key <> ''`, []any{}
	if username != "" {
		where += ` AND lower(p.username) = ?`
		args = append(args, strings.ToLower(username))
	}
	if key != "" {
		where += ` AND p.directory_key = ?`
		args = append(args, key)
	}
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM people p WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.query(ctx, `SELECT `+personCols+` FROM people p WHERE `+where+` ORDER BY p.id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []desk.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}
