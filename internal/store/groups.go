package store

import (
	"context"
	"database/sql"
	"fmt"

	"calldesk/internal/desk"
)

// CreateGroup adds a support group.
func (s *Store) CreateGroup(ctx context.Context, actor desk.Actor, g desk.Group) (desk.Group, error) {
	if err := g.Validate(); err != nil {
		return g, err
	}
	err := s.inTx(ctx, func(t *Tx) error {
		g.CreatedAt = t.Now
		err := t.queryRow(ctx, `INSERT INTO support_groups (name, mailbox, created_at) VALUES (?, ?, ?) RETURNING id`,
			g.Name, g.Mailbox, t.Now.UnixMicro()).Scan(&g.ID)
		if t.s.d.constraint(err) == constraintUnique {
			return desk.Invalid("the support group is not valid", map[string]string{"name": fmt.Sprintf("a group called %q already exists", g.Name)})
		}
		if err != nil {
			return err
		}
		return t.audit(ctx, actor, "group.create", "group", g.ID, nil, "created group "+g.Name)
	})
	return g, err
}

// Groups lists every support group by name.
func (s *Store) Groups(ctx context.Context) ([]desk.Group, error) {
	rows, err := s.query(ctx, `SELECT id, name, mailbox, created_at, first_line FROM support_groups ORDER BY lower(name)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []desk.Group
	for rows.Next() {
		var g desk.Group
		var at, first int64
		if err := rows.Scan(&g.ID, &g.Name, &g.Mailbox, &at, &first); err != nil {
			return nil, err
		}
		g.CreatedAt, g.FirstLine = fromMicros(sql.NullInt64{Int64: at, Valid: true}), first == 1
		out = append(out, g)
	}
	return out, rows.Err()
}

// FindGroup returns the group with id, or ENOTFOUND.
func (s *Store) FindGroup(ctx context.Context, id int64) (desk.Group, error) {
	var g desk.Group
	var at, first int64
	err := s.queryRow(ctx, `SELECT id, name, mailbox, created_at, first_line FROM support_groups WHERE id = ?`, id).Scan(&g.ID, &g.Name, &g.Mailbox, &at, &first)
	if err == sql.ErrNoRows {
		return g, notFound("no support group with id %d", id)
	}
	g.CreatedAt, g.FirstLine = fromMicros(sql.NullInt64{Int64: at, Valid: true}), first == 1
	return g, err
}

func (t *Tx) groupName(ctx context.Context, id int64) (string, error) {
	var name string
	err := t.queryRow(ctx, `SELECT name FROM support_groups WHERE id = ?`, id).Scan(&name)
	if err == sql.ErrNoRows {
		return "", notFound("no support group with id %d", id)
	}
	return name, err
}

// AddMember makes a person a member of a group (idempotent).
func (s *Store) AddMember(ctx context.Context, actor desk.Actor, groupID, personID int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		name, err := t.groupName(ctx, groupID)
		if err != nil {
			return err
		}
		p, err := t.findPerson(ctx, personID)
		if err != nil {
			return err
		}
		member, err := t.isMember(ctx, groupID, personID)
		if err != nil || member {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO group_members (group_id, person_id) VALUES (?, ?)`, groupID, personID); err != nil {
			return err
		}
		return t.audit(ctx, actor, "group.add_member", "group", groupID, []int64{personID}, "added "+p.Name()+" to "+name)
	})
}

func (t *Tx) isMember(ctx context.Context, groupID, personID int64) (bool, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM group_members WHERE group_id = ? AND person_id = ?`, groupID, personID).Scan(&n)
	return n > 0, err
}

// Members lists the person ids in a group.
func (s *Store) Members(ctx context.Context, groupID int64) ([]int64, error) {
	return s.queryIDs(ctx, `SELECT person_id FROM group_members WHERE group_id = ? ORDER BY person_id`, groupID)
}

// GroupsOf lists the groups a person belongs to.
func (s *Store) GroupsOf(ctx context.Context, personID int64) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT group_id FROM group_members WHERE person_id = ? ORDER BY group_id`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
