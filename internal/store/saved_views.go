package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
)

// SavedView is a queue's filters and sort kept under a name by an analyst (issue 16): the
// console lists it in the queues' side bar. A view with a group is shared with that group's
// members; only its owner may rename or delete it.
type SavedView struct {
	ID      int64
	OwnerID int64
	// GroupID is the group the view is shared with; 0: its owner's alone.
	GroupID int64
	// Name is what its owner called it. Queue is the queue's key (mine, groups...); Query the
	// filter and sort as a URL query (group=3&sort=oldest), without the page.
	Name, Queue, Query   string
	CreatedAt, UpdatedAt time.Time
}

// MaxViewName and MaxViewQuery bound a saved view's name and query.
const (
	MaxViewName  = 80
	MaxViewQuery = 500
)

// validate checks a view's name, queue and query.
func (v *SavedView) validate() error {
	v.Name = strings.TrimSpace(v.Name)
	f := map[string]string{}
	switch {
	case v.Name == "":
		f["name"] = "is required: say what the view shows, such as \"Networks, oldest first\""
	case utf8.RuneCountInString(v.Name) > MaxViewName:
		f["name"] = fmt.Sprintf("must be at most %d characters", MaxViewName)
	}
	if v.Queue == "" {
		f["queue"] = "is required"
	}
	if len(v.Query) > MaxViewQuery {
		f["query"] = fmt.Sprintf("must be at most %d characters", MaxViewQuery)
	}
	return desk.Invalid("the view cannot be saved", f)
}

const savedViewCols = `id, owner_id, group_id, name, queue, query, created_at, updated_at`

func scanSavedView(r scanner) (SavedView, error) {
	var v SavedView
	var group sql.NullInt64
	var created, updated int64
	err := r.Scan(&v.ID, &v.OwnerID, &group, &v.Name, &v.Queue, &v.Query, &created, &updated)
	v.GroupID = group.Int64
	v.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
	v.UpdatedAt = fromMicros(sql.NullInt64{Int64: updated, Valid: true})
	return v, err
}

// CreateSavedView saves v for its owner (v.OwnerID), shared with v.GroupID when set: the owner
// must be a member of that group. Two views of one owner may not share a name (EINVALID, field
// "name"). The audit record is written in the same transaction.
func (s *Store) CreateSavedView(ctx context.Context, actor desk.Actor, v SavedView) (SavedView, error) {
	if err := v.validate(); err != nil {
		return v, err
	}
	err := s.inTx(ctx, func(t *Tx) error {
		if err := t.mayShare(ctx, v.OwnerID, v.GroupID); err != nil {
			return err
		}
		if err := t.nameFree(ctx, `SELECT id, name FROM saved_views WHERE owner_id = ?`, v.OwnerID, 0, v.Name, viewNameTaken); err != nil {
			return err
		}
		v.CreatedAt, v.UpdatedAt = t.Now, t.Now
		err := t.queryRow(ctx, `INSERT INTO saved_views (owner_id, group_id, name, queue, query, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			v.OwnerID, nullID(v.GroupID), v.Name, v.Queue, v.Query, t.Now.UnixMicro(), t.Now.UnixMicro()).Scan(&v.ID)
		if t.s.d.constraint(err) == constraintUnique {
			return viewNameTaken(v.Name)
		}
		if err != nil {
			return err
		}
		return t.audit(ctx, actor, "view.create", "saved_view", v.ID, nil, "saved the view "+v.Name+" of queue "+v.Queue+sharedWith(ctx, t, v.GroupID))
	})
	return v, err
}

// nameFree refuses (taken(name)) a name that one of the rows listed by query (id, name; arg its
// one argument), other than row self, already has in another letter case, in any script: the
// unique indexes on lower(name) fold only ASCII letters on SQLite, all letters on PostgreSQL,
// so the rule is kept here, the same on both engines.
func (t *Tx) nameFree(ctx context.Context, query string, arg any, self int64, name string, taken func(string) error) error {
	rows, err := t.query(ctx, query, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var other string
		if err := rows.Scan(&id, &other); err != nil {
			return err
		}
		if id != self && strings.EqualFold(other, name) {
			return taken(name)
		}
	}
	return rows.Err()
}

func viewNameTaken(name string) error {
	return desk.Invalid("the view cannot be saved", map[string]string{"name": fmt.Sprintf("you already have a view called %q: choose another name", name)})
}

// mayShare refuses (EINVALID, field "group_id") to share a view with a group its owner is not in.
func (t *Tx) mayShare(ctx context.Context, ownerID, groupID int64) error {
	if groupID == 0 {
		return nil
	}
	ok, err := t.isMember(ctx, groupID, ownerID)
	if err != nil {
		return err
	}
	if !ok {
		return desk.Invalid("the view cannot be saved", map[string]string{"group_id": "must be one of your groups"})
	}
	return nil
}

func sharedWith(ctx context.Context, t *Tx, groupID int64) string {
	if groupID == 0 {
		return ""
	}
	name, err := t.groupName(ctx, groupID)
	if err != nil {
		return fmt.Sprintf(", shared with group %d", groupID)
	}
	return ", shared with " + name
}

// RenameSavedView renames view id, which must be ownerID's (ENOTFOUND otherwise: another's view
// is not theirs to see by id).
func (s *Store) RenameSavedView(ctx context.Context, actor desk.Actor, ownerID, id int64, name string) (SavedView, error) {
	var v SavedView
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		if v, err = t.ownView(ctx, ownerID, id); err != nil {
			return err
		}
		old := v.Name
		v.Name = name
		if err := v.validate(); err != nil {
			return err
		}
		if err := t.nameFree(ctx, `SELECT id, name FROM saved_views WHERE owner_id = ?`, ownerID, id, v.Name, viewNameTaken); err != nil {
			return err
		}
		_, err = t.exec(ctx, `UPDATE saved_views SET name = ?, updated_at = ? WHERE id = ?`, v.Name, t.Now.UnixMicro(), id)
		if t.s.d.constraint(err) == constraintUnique {
			return viewNameTaken(v.Name)
		}
		if err != nil {
			return err
		}
		v.UpdatedAt = t.Now
		return t.audit(ctx, actor, "view.rename", "saved_view", id, nil, "renamed the view "+old+" to "+v.Name)
	})
	return v, err
}

// DeleteSavedView deletes view id, which must be ownerID's (ENOTFOUND otherwise).
func (s *Store) DeleteSavedView(ctx context.Context, actor desk.Actor, ownerID, id int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		v, err := t.ownView(ctx, ownerID, id)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM saved_views WHERE id = ?`, id); err != nil {
			return err
		}
		return t.audit(ctx, actor, "view.delete", "saved_view", id, nil, "deleted the view "+v.Name)
	})
}

func (t *Tx) ownView(ctx context.Context, ownerID, id int64) (SavedView, error) {
	v, err := scanSavedView(t.queryRow(ctx, `SELECT `+savedViewCols+` FROM saved_views WHERE id = ? AND owner_id = ?`, id, ownerID))
	if err == sql.ErrNoRows {
		return v, notFound("you have no saved view with id %d", id)
	}
	return v, err
}

// SavedViewsFor lists the views person sees: their own, then those shared with any of groups
// (their groups) by others, each by name.
func (s *Store) SavedViewsFor(ctx context.Context, personID int64, groups []int64) ([]SavedView, error) {
	q := `SELECT ` + savedViewCols + ` FROM saved_views WHERE owner_id = ?`
	args := []any{personID}
	if len(groups) > 0 {
		q += ` OR group_id IN (` + strings.TrimSuffix(strings.Repeat("?,", len(groups)), ",") + `)`
		args = append(args, idArgs(groups)...)
	}
	q += ` ORDER BY CASE WHEN owner_id = ? THEN 0 ELSE 1 END, lower(name), id`
	args = append(args, personID)
	rows, err := s.query(ctx, q, args...)
	return scanRows(rows, err, scanSavedView)
}
