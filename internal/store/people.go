package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"calldesk/internal/desk"
)

const personCols = `p.id, p.first_name, p.last_name, p.username, p.email, p.student_number, p.department, p.phone,
	p.job_title, p.manager_id, p.kind, p.active, p.source, p.directory_key, p.created_at, p.updated_at, p.version, p.left_at, p.left_by`

type scanner interface{ Scan(...any) error }

// alsoScan reads a row through a scan function made for fewer columns: the row's last columns go
// into more.
type alsoScan struct {
	r    scanner
	more []any
}

func (a alsoScan) Scan(dest ...any) error {
	return a.r.Scan(append(dest[:len(dest):len(dest)], a.more...)...)
}

// scanRows reads every row of rows (err: the error of the query that made them) through scan,
// and closes them: the loop every list query would otherwise write out again.
func scanRows[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanPerson(r scanner) (desk.Person, error) {
	var p desk.Person
	var mgr sql.NullInt64
	var created, updated int64
	var left sql.NullInt64
	var kind, source, leftBy string
	err := r.Scan(&p.ID, &p.FirstName, &p.LastName, &p.Username, &p.Email, &p.StudentNumber, &p.Department,
		&p.Phone, &p.JobTitle, &mgr, &kind, &p.Active, &source, &p.DirectoryKey, &created, &updated, &p.Version, &left, &leftBy)
	p.LeftAt, p.LeftBy = fromMicros(left), desk.LeftBy(leftBy)
	p.ManagerID, p.Kind, p.Source = mgr.Int64, desk.PersonKind(kind), desk.Source(source)
	p.CreatedAt, p.UpdatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true}), fromMicros(sql.NullInt64{Int64: updated, Valid: true})
	return p, err
}

// CreatePerson adds a person to the register and audits it.
func (s *Store) CreatePerson(ctx context.Context, actor desk.Actor, p desk.Person) (desk.Person, error) {
	if err := p.Validate(); err != nil {
		return desk.Person{}, err
	}
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		p, err = t.createPerson(ctx, p)
		if err != nil {
			return err
		}
		return t.audit(ctx, actor, "person.create", "person", p.ID, []int64{p.ID}, "created "+p.Name())
	})
	return p, err
}

func (t *Tx) createPerson(ctx context.Context, p desk.Person) (desk.Person, error) {
	if p.ManagerID != 0 {
		if _, err := t.findPerson(ctx, p.ManagerID); err != nil && !isNotFound(err) {
			return p, err
		} else if err != nil {
			return p, desk.Invalid("the person record is not valid", map[string]string{"manager_id": fmt.Sprintf("no person with id %d", p.ManagerID)})
		}
	}
	if err := t.identitiesFree(ctx, p, "username", "email"); err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt, p.Version = t.Now, t.Now, 1
	p.Active = true
	err := t.queryRow(ctx, `INSERT INTO people (first_name, last_name, username, email, student_number, department,
		phone, job_title, manager_id, kind, active, source, directory_key, created_at, updated_at, version)
		VALUES (`+placeholders(16)+`) RETURNING id`,
		p.FirstName, p.LastName, p.Username, p.Email, p.StudentNumber, p.Department, p.Phone, p.JobTitle,
		nullID(p.ManagerID), string(p.Kind), b2i(p.Active), string(p.Source), p.DirectoryKey,
		t.Now.UnixMicro(), t.Now.UnixMicro(), p.Version).Scan(&p.ID)
	if v := t.identityViolation(err, p); v != nil {
		return p, identityInvalid(v)
	} else if t.s.d.constraint(err) == constraintUnique {
		return p, desk.Invalid("the person record is not valid", map[string]string{"username": fmt.Sprintf("%q is taken by another person", p.Username)})
	}
	return p, err
}

// UpdatePerson replaces a person's fields when p.Version is still the stored version; otherwise
// it fails with ECONFLICT.
func (s *Store) UpdatePerson(ctx context.Context, actor desk.Actor, p desk.Person) (desk.Person, error) {
	if err := p.Validate(); err != nil {
		return desk.Person{}, err
	}
	given := p
	err := s.inTx(ctx, func(t *Tx) error {
		p = given // runTx may run this more than once: each run starts from the caller's p
		old, err := t.findPerson(ctx, p.ID)
		if err != nil {
			return err
		}
		if err := t.frozen(ctx, p.ID, old.Name()+"'s record cannot change"); err != nil {
			return err
		}
		if erased, err := t.isErased(ctx, p.ID); err != nil {
			return err
		} else if erased {
			return desk.Errorf(desk.EINVALID, "%s was erased: the record is a pseudonym and takes no changes", old.Name())
		}
		if old.Version != p.Version {
			return &desk.Error{Code: desk.ECONFLICT, Message: fmt.Sprintf(
				"%s's record was changed by someone else (version %d, you had %d); reload it and make your change again",
				old.Name(), old.Version, p.Version)}
		}
		var moved []string
		if !strings.EqualFold(old.Username, p.Username) {
			moved = append(moved, "username")
		}
		if !strings.EqualFold(old.Email, p.Email) {
			moved = append(moved, "email")
		}
		if err := t.identitiesFree(ctx, p, moved...); err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE people SET first_name = ?, last_name = ?, username = ?, email = ?, student_number = ?,
			department = ?, phone = ?, job_title = ?, manager_id = ?, kind = ?, active = ?, source = ?, directory_key = ?,
			updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			p.FirstName, p.LastName, p.Username, p.Email, p.StudentNumber, p.Department, p.Phone, p.JobTitle,
			nullID(p.ManagerID), string(p.Kind), b2i(p.Active), string(p.Source), p.DirectoryKey, t.Now.UnixMicro(), p.ID, p.Version)
		if err != nil {
			if v := t.identityViolation(err, p); v != nil {
				return identityInvalid(v)
			}
			if t.s.d.constraint(err) == constraintUnique {
				return desk.Invalid("the person record is not valid", map[string]string{"username": fmt.Sprintf("%q is taken by another person", p.Username)})
			}
			return t.s.mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &desk.Error{Code: desk.ECONFLICT, Message: "the record changed while saving; reload it and try again"}
		}
		p.Version++
		p.UpdatedAt, p.CreatedAt = t.Now, old.CreatedAt
		// A field changed here by hand no longer comes from the directory.
		var byHand []any
		for _, f := range directoryFields() {
			if *f.get(&old) != *f.get(&p) {
				byHand = append(byHand, f.col)
			}
		}
		if old.ManagerID != p.ManagerID {
			byHand = append(byHand, "manager")
		}
		if len(byHand) > 0 {
			if _, err := t.exec(ctx, `DELETE FROM person_field_sources WHERE person_id = ? AND field IN (`+placeholders(len(byHand))+`)`,
				append([]any{p.ID}, byHand...)...); err != nil {
				return err
			}
		}
		return t.audit(ctx, actor, "person.update", "person", p.ID, []int64{p.ID}, "changed "+strings.Join(personDiff(old, p), ", "))
	})
	return p, err
}

func personDiff(a, b desk.Person) []string {
	var d []string
	add := func(name string, x, y any) {
		if x != y {
			d = append(d, name)
		}
	}
	add("first name", a.FirstName, b.FirstName)
	add("last name", a.LastName, b.LastName)
	add("username", a.Username, b.Username)
	add("email", a.Email, b.Email)
	add("student number", a.StudentNumber, b.StudentNumber)
	add("department", a.Department, b.Department)
	add("phone", a.Phone, b.Phone)
	add("job title", a.JobTitle, b.JobTitle)
	add("manager", a.ManagerID, b.ManagerID)
	add("kind", a.Kind, b.Kind)
	add("active", a.Active, b.Active)
	if len(d) == 0 {
		d = append(d, "nothing")
	}
	return d
}

// FindPerson returns the person with id, or ENOTFOUND.
func (s *Store) FindPerson(ctx context.Context, id int64) (desk.Person, error) {
	p, err := scanPerson(s.queryRow(ctx, `SELECT `+personCols+` FROM people p WHERE p.id = ?`, id))
	if err == sql.ErrNoRows {
		return p, notFound("no person with id %d", id)
	}
	return p, err
}

func (t *Tx) findPerson(ctx context.Context, id int64) (desk.Person, error) {
	p, err := scanPerson(t.queryRow(ctx, `SELECT `+personCols+` FROM people p WHERE p.id = ?`, id))
	if err == sql.ErrNoRows {
		return p, notFound("no person with id %d", id)
	}
	return p, err
}

// PersonFilter selects people.
type PersonFilter struct {
	// Query matches the start of a name ("jane sm"), or exactly a username, email, student number or
	// phone. Phone numbers match whatever spaces, dashes, dots or brackets either side is written with.
	Query string
	// Partial also matches the start of a username, email, student number or phone number: what a
	// lookup box needs while someone is still typing "2023" of "20231234".
	Partial bool
	Kind    desk.PersonKind
	Active  *bool
	IDs     []int64
	Limit   int // default 25, at most 500
	Offset  int
}

// FindPeople returns the people matching f, ordered by last then first name, and how many match in all.
func (s *Store) FindPeople(ctx context.Context, f PersonFilter) ([]desk.Person, int, error) {
	var where []string
	var args []any
	if q := strings.TrimSpace(f.Query); q != "" {
		lq := strings.ToLower(q)
		like := likeEscape(lq) + "%"
		phone := phoneDigits(q)
		if f.Partial {
			cond := `(lower(p.first_name || ' ' || p.last_name) LIKE ? ESCAPE '\' OR lower(p.last_name) LIKE ? ESCAPE '\'
				OR lower(p.username) LIKE ? ESCAPE '\' OR lower(p.email) LIKE ? ESCAPE '\' OR lower(p.student_number) LIKE ? ESCAPE '\'`
			args = append(args, like, like, like, like, like)
			if len(phone) >= 3 {
				cond += ` OR ` + phoneSQL + ` LIKE ? ESCAPE '\'`
				args = append(args, likeEscape(phone)+"%")
			}
			where = append(where, cond+`)`)
		} else {
			cond := `(lower(p.first_name || ' ' || p.last_name) LIKE ? ESCAPE '\' OR lower(p.last_name) LIKE ? ESCAPE '\'
				OR p.username = ? OR lower(p.email) = ? OR p.student_number = ?`
			args = append(args, like, like, q, lq, q)
			if phone != "" {
				cond += ` OR ` + phoneSQL + ` = ?`
				args = append(args, phone)
			}
			where = append(where, cond+`)`)
		}
	}
	if f.Kind != "" {
		where = append(where, "p.kind = ?")
		args = append(args, string(f.Kind))
	}
	if f.Active != nil {
		where = append(where, "p.active = ?")
		args = append(args, b2i(*f.Active))
	}
	if len(f.IDs) > 0 {
		where = append(where, "p.id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	limit, offset := pageOf(f.Limit, f.Offset, 25, 500)
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM people p`+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.query(ctx, `SELECT `+personCols+` FROM people p`+w+
		` ORDER BY lower(p.last_name), lower(p.first_name), p.id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
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

// phoneSQL is a person's phone number without the separators people write phone numbers with,
// the same on both engines.
const phoneSQL = `replace(replace(replace(replace(replace(p.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', '')`

// phoneDigits is q without the separators phoneSQL removes, or "" when q is not written like a
// phone number (so that a name never matches an empty phone).
func phoneDigits(q string) string {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9' || r == '+':
			b.WriteRune(r)
		case strings.ContainsRune(" -.()", r):
		default:
			return ""
		}
	}
	return b.String()
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func pageOf(limit, offset, def, max int) (int, int) {
	if limit <= 0 {
		limit = def
	}
	if limit > max {
		limit = max
	}
	if offset < 0 {
		offset = 0
	}
	return limit, offset
}

// Analysts lists the people who hold an active account that may use the console (any role but
// customer), by surname.
func (s *Store) Analysts(ctx context.Context) ([]desk.Person, error) {
	rows, err := s.query(ctx, `SELECT `+personCols+` FROM people p JOIN accounts a ON a.person_id = p.id
		WHERE a.active = 1 AND a.roles <> '' AND a.roles <> 'customer'
		ORDER BY lower(p.last_name), lower(p.first_name), p.id`)
	if err != nil {
		return nil, fmt.Errorf("list analysts: %w", err)
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
