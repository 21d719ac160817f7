package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"calldesk/internal/desk"
)

// CreateProfile adds a node to the problem-profile tree under p.ParentID (0 for a root).
func (s *Store) CreateProfile(ctx context.Context, actor desk.Actor, p desk.Profile) (desk.Profile, error) {
	p.Name = strings.TrimSpace(p.Name)
	f := map[string]string{}
	if p.Name == "" {
		f["name"] = "is required"
	} else if strings.Contains(p.Name, ">") {
		f["name"] = `must not contain ">"`
	}
	if p.DefaultPriority == 0 {
		p.DefaultPriority = 3
	}
	if !p.DefaultPriority.Valid() {
		f["default_priority"] = "must be 1 to 4"
	}
	if err := desk.Invalid("the problem profile is not valid", f); err != nil {
		return p, err
	}
	// The profile tree is part of the service-level configuration (a rule may name a profile's
	// parent): a new profile gives it a new version.
	err := s.slaConfigTx(ctx, func(t *Tx) error {
		p.Path = p.Name
		if p.ParentID != 0 {
			parent, err := t.findProfile(ctx, p.ParentID)
			if err != nil && !isNotFound(err) {
				return err
			} else if err != nil {
				return desk.Invalid("the problem profile is not valid", map[string]string{"parent_id": fmt.Sprintf("no profile with id %d", p.ParentID)})
			}
			p.Path = parent.Path + " > " + p.Name
		}
		if p.DefaultGroupID != 0 {
			if _, err := t.groupName(ctx, p.DefaultGroupID); err != nil && !isNotFound(err) {
				return err
			} else if err != nil {
				return desk.Invalid("the problem profile is not valid", map[string]string{"default_group_id": fmt.Sprintf("no support group with id %d", p.DefaultGroupID)})
			}
		}
		err := t.queryRow(ctx, `INSERT INTO profiles (parent_id, name, path, default_group_id, default_priority) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			nullID(p.ParentID), p.Name, p.Path, nullID(p.DefaultGroupID), int(p.DefaultPriority)).Scan(&p.ID)
		if t.s.d.constraint(err) == constraintUnique {
			return desk.Invalid("the problem profile is not valid", map[string]string{"name": fmt.Sprintf("%q already exists", p.Path)})
		}
		if err != nil {
			return err
		}
		return t.audit(ctx, actor, "profile.create", "profile", p.ID, nil, "created profile "+p.Path)
	})
	return p, err
}

const profileCols = `id, parent_id, name, path, default_group_id, default_priority`

func scanProfile(r scanner) (desk.Profile, error) {
	var p desk.Profile
	var parent, group sql.NullInt64
	var prio int
	err := r.Scan(&p.ID, &parent, &p.Name, &p.Path, &group, &prio)
	p.ParentID, p.DefaultGroupID, p.DefaultPriority = parent.Int64, group.Int64, desk.Priority(prio)
	return p, err
}

func (t *Tx) findProfile(ctx context.Context, id int64) (desk.Profile, error) {
	p, err := scanProfile(t.queryRow(ctx, `SELECT `+profileCols+` FROM profiles WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return p, notFound("no problem profile with id %d", id)
	}
	return p, err
}

// FindProfile returns the profile with id, or ENOTFOUND.
func (s *Store) FindProfile(ctx context.Context, id int64) (desk.Profile, error) {
	p, err := scanProfile(s.queryRow(ctx, `SELECT `+profileCols+` FROM profiles WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return p, notFound("no problem profile with id %d", id)
	}
	return p, err
}

// Profiles lists the whole tree in path order (parents before their children).
func (s *Store) Profiles(ctx context.Context) ([]desk.Profile, error) {
	rows, err := s.query(ctx, `SELECT `+profileCols+` FROM profiles ORDER BY lower(path)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []desk.Profile
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
