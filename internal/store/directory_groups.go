package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// DirectoryGroup is a group a directory pushes (SCIM Groups): a department, a cohort, a team,
// with its members (person ids). It is not one of the service desk's support groups.
type DirectoryGroup struct {
	ID                   int64
	DisplayName          string
	ExternalID, Source   string
	Members              []int64
	CreatedAt, UpdatedAt time.Time
	Version              int64
}

// GroupChange is a change to a directory group: a new name, members added or removed, or (with
// Replace) the whole membership set to Members.
type GroupChange struct {
	DisplayName string // "" keeps the name
	Add, Remove []int64
	Replace     bool
	Members     []int64
}

// CreateDirectoryGroup adds a group with its members, and audits it.
func (s *Store) CreateDirectoryGroup(ctx context.Context, source, name, externalID string, members []int64) (DirectoryGroup, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return DirectoryGroup{}, desk.Invalid("the group cannot be taken", map[string]string{"displayName": "is required"})
	}
	var g DirectoryGroup
	err := s.inTx(ctx, func(t *Tx) error {
		var id int64
		err := t.queryRow(ctx, `INSERT INTO directory_groups (display_name, external_id, source, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, 1) RETURNING id`, name, externalID, source, t.Now.UnixMicro(), t.Now.UnixMicro()).Scan(&id)
		if t.s.d.constraint(err) == constraintUnique {
			return desk.Errorf(desk.ECONFLICT, "a group named %q exists already", name)
		}
		if err != nil {
			return err
		}
		if err := t.addMembers(ctx, id, members); err != nil {
			return err
		}
		if err := t.audit(ctx, desk.Actor{Name: "directory push (" + source + ")"}, "dirgroup.create", "dirgroup", id, members,
			fmt.Sprintf("group %s created with %d members", name, len(members))); err != nil {
			return err
		}
		g, err = t.directoryGroup(ctx, id)
		return err
	})
	return g, err
}

func (t *Tx) addMembers(ctx context.Context, id int64, members []int64) error {
	for _, m := range members {
		var exists int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM people WHERE id = ?`, m).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return desk.Invalid("the group cannot be taken", map[string]string{"members": fmt.Sprintf("%d is not a user of this service", m)})
		}
		if _, err := t.exec(ctx, `INSERT INTO directory_group_members (group_id, person_id) VALUES (?, ?) ON CONFLICT (group_id, person_id) DO NOTHING`, id, m); err != nil {
			return err
		}
	}
	return nil
}

// UpdateDirectoryGroup applies ch to group id, and audits it with the people it concerns.
func (s *Store) UpdateDirectoryGroup(ctx context.Context, source string, id int64, ch GroupChange) (DirectoryGroup, error) {
	var g DirectoryGroup
	err := s.inTx(ctx, func(t *Tx) error {
		old, err := t.directoryGroup(ctx, id)
		if err != nil {
			return err
		}
		if name := strings.TrimSpace(ch.DisplayName); name != "" && name != old.DisplayName {
			if _, err := t.exec(ctx, `UPDATE directory_groups SET display_name = ? WHERE id = ?`, name, id); err != nil {
				if t.s.d.constraint(err) == constraintUnique {
					return desk.Errorf(desk.ECONFLICT, "a group named %q exists already", name)
				}
				return err
			}
		}
		remove := ch.Remove
		if ch.Replace {
			remove = old.Members
		}
		for _, m := range remove {
			if _, err := t.exec(ctx, `DELETE FROM directory_group_members WHERE group_id = ? AND person_id = ?`, id, m); err != nil {
				return err
			}
		}
		add := ch.Add
		if ch.Replace {
			add = ch.Members
		}
		if err := t.addMembers(ctx, id, add); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE directory_groups SET updated_at = ?, version = version + 1 WHERE id = ?`, t.Now.UnixMicro(), id); err != nil {
			return err
		}
		if err := t.audit(ctx, desk.Actor{Name: "directory push (" + source + ")"}, "dirgroup.update", "dirgroup", id,
			append(append([]int64(nil), add...), remove...), fmt.Sprintf("group %s: %d added, %d removed", old.DisplayName, len(add), len(remove))); err != nil {
			return err
		}
		g, err = t.directoryGroup(ctx, id)
		return err
	})
	return g, err
}

// DeleteDirectoryGroup removes a group and its memberships (the people stay), and audits it.
func (s *Store) DeleteDirectoryGroup(ctx context.Context, source string, id int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		old, err := t.directoryGroup(ctx, id)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM directory_group_members WHERE group_id = ?`, id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM directory_groups WHERE id = ?`, id); err != nil {
			return err
		}
		return t.audit(ctx, desk.Actor{Name: "directory push (" + source + ")"}, "dirgroup.delete", "dirgroup", id, old.Members,
			"group "+old.DisplayName+" deleted")
	})
}

func (t *Tx) directoryGroup(ctx context.Context, id int64) (DirectoryGroup, error) {
	var g DirectoryGroup
	var created, updated int64
	err := t.queryRow(ctx, `SELECT id, display_name, external_id, source, created_at, updated_at, version FROM directory_groups WHERE id = ?`, id).
		Scan(&g.ID, &g.DisplayName, &g.ExternalID, &g.Source, &created, &updated, &g.Version)
	if err == sql.ErrNoRows {
		return g, notFound("there is no group %d", id)
	}
	if err != nil {
		return g, err
	}
	g.CreatedAt, g.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	rows, err := t.query(ctx, `SELECT person_id FROM directory_group_members WHERE group_id = ? ORDER BY person_id`, id)
	if err != nil {
		return g, err
	}
	defer rows.Close()
	for rows.Next() {
		var m int64
		if err := rows.Scan(&m); err != nil {
			return g, err
		}
		g.Members = append(g.Members, m)
	}
	return g, rows.Err()
}

// DirectoryGroup is group id with its members.
func (s *Store) DirectoryGroup(ctx context.Context, id int64) (DirectoryGroup, error) {
	var g DirectoryGroup
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		g, err = t.directoryGroup(ctx, id)
		return err
	})
	return g, err
}

// DirectoryGroups lists groups, oldest first: all, or the one with the display name (letter case
// aside) or external id given; with how many match in all.
func (s *Store) DirectoryGroups(ctx context.Context, name, externalID string, offset, limit int) ([]DirectoryGroup, int, error) {
	where, args := `1 = 1`, []any{}
	if name != "" {
		where += ` AND lower(display_name) = ?`
		args = append(args, strings.ToLower(name))
	}
	if externalID != "" {
		where += ` AND external_id = ?`
		args = append(args, externalID)
	}
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM directory_groups WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.query(ctx, `SELECT id FROM directory_groups WHERE `+where+` ORDER BY id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]DirectoryGroup, 0, len(ids))
	for _, id := range ids {
		g, err := s.DirectoryGroup(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, g)
	}
	return out, total, nil
}

// DirectoryGroupsOf names the directory groups person id is in.
func (s *Store) DirectoryGroupsOf(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.query(ctx, `SELECT g.display_name FROM directory_groups g JOIN directory_group_members m ON m.group_id = g.id
		WHERE m.person_id = ? ORDER BY g.display_name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
