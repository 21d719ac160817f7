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

// CannedReply is a named template of a public update or a resolution (issue 16), kept by
// administrators, for one support group or every group. In its body {{first_name}} stands for
// the call's customer's first name and {{ref}} for the call's reference (Fill).
type CannedReply struct {
	ID int64
	// GroupID is the group whose analysts are offered it; 0: every group.
	GroupID int64
	Name    string
	// Kind is ReplyUpdate or ReplyResolution: the form that offers it.
	Kind                 string
	Body                 string
	CreatedAt, UpdatedAt time.Time
}

// The kinds of canned reply.
const (
	ReplyUpdate     = "update"
	ReplyResolution = "resolution"
)

// MaxReplyName and MaxReplyBody bound a canned reply.
const (
	MaxReplyName = 80
	MaxReplyBody = 10000
)

// ReplyPlaceholders are the words a canned reply's body may hold in double braces.
func ReplyPlaceholders() []string { return []string{"first_name", "ref"} }

// Fill returns the reply's body with {{first_name}} and {{ref}} filled in, spaces inside the
// braces allowed as validate allows them ({{ ref}}, {{first_name  }}); the values filled in are
// not read again, so a first name holding "{{ref}}" stays as it is.
func (r CannedReply) Fill(firstName, ref string) string {
	var b strings.Builder
	rest := r.Body
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(rest[:i])
		switch strings.TrimSpace(rest[i+2 : i+j]) {
		case "first_name":
			b.WriteString(firstName)
		case "ref":
			b.WriteString(ref)
		default:
			b.WriteString(rest[i : i+j+2])
		}
		rest = rest[i+j+2:]
	}
	b.WriteString(rest)
	return b.String()
}

func (r *CannedReply) validate() error {
	r.Name = strings.TrimSpace(r.Name)
	r.Body = strings.TrimSpace(r.Body)
	f := map[string]string{}
	switch {
	case r.Name == "":
		f["name"] = "is required: the name analysts pick it by, such as \"Password reset done\""
	case utf8.RuneCountInString(r.Name) > MaxReplyName:
		f["name"] = fmt.Sprintf("must be at most %d characters", MaxReplyName)
	}
	if r.Kind != ReplyUpdate && r.Kind != ReplyResolution {
		f["kind"] = "must be a public update or a resolution"
	}
	switch {
	case r.Body == "":
		f["body"] = "is required: the text the analyst starts from"
	case utf8.RuneCountInString(r.Body) > MaxReplyBody:
		f["body"] = fmt.Sprintf("must be at most %d characters", MaxReplyBody)
	default:
		rest := r.Body
		for {
			i := strings.Index(rest, "{{")
			if i < 0 {
				break
			}
			j := strings.Index(rest[i:], "}}")
			if j < 0 {
				f["body"] = "has {{ without }}: write {{first_name}} or {{ref}}"
				break
			}
			word := strings.TrimSpace(rest[i+2 : i+j])
			if word != "first_name" && word != "ref" {
				f["body"] = fmt.Sprintf("has {{%s}}, which calldesk cannot fill in: only {{first_name}} and {{ref}}", word)
				break
			}
			rest = rest[i+j+2:]
		}
	}
	return desk.Invalid("the canned reply cannot be saved", f)
}

const cannedReplyCols = `id, group_id, name, kind, body, created_at, updated_at`

func scanCannedReply(r scanner) (CannedReply, error) {
	var c CannedReply
	var group sql.NullInt64
	var created, updated int64
	err := r.Scan(&c.ID, &group, &c.Name, &c.Kind, &c.Body, &created, &updated)
	c.GroupID = group.Int64
	c.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
	c.UpdatedAt = fromMicros(sql.NullInt64{Int64: updated, Valid: true})
	return c, err
}

func replyNameTaken(name string) error {
	return desk.Invalid("the canned reply cannot be saved", map[string]string{"name": fmt.Sprintf("a canned reply called %q already exists: choose another name", name)})
}

func (t *Tx) replyGroup(ctx context.Context, groupID int64) (string, error) {
	if groupID == 0 {
		return "every group", nil
	}
	name, err := t.groupName(ctx, groupID)
	if isNotFound(err) {
		return "", desk.Invalid("the canned reply cannot be saved", map[string]string{"group_id": "is not one of the choices"})
	}
	return name, err
}

// CreateCannedReply adds a canned reply, audited in the same transaction.
func (s *Store) CreateCannedReply(ctx context.Context, actor desk.Actor, r CannedReply) (CannedReply, error) {
	if err := r.validate(); err != nil {
		return r, err
	}
	err := s.inTx(ctx, func(t *Tx) error {
		group, err := t.replyGroup(ctx, r.GroupID)
		if err != nil {
			return err
		}
		if err := t.nameFree(ctx, `SELECT id, name FROM canned_replies WHERE 1 = ?`, 1, 0, r.Name, replyNameTaken); err != nil {
			return err
		}
		r.CreatedAt, r.UpdatedAt = t.Now, t.Now
		err = t.queryRow(ctx, `INSERT INTO canned_replies (group_id, name, kind, body, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, nullID(r.GroupID), r.Name, r.Kind, r.Body, t.Now.UnixMicro(), t.Now.UnixMicro()).Scan(&r.ID)
		if t.s.d.constraint(err) == constraintUnique {
			return replyNameTaken(r.Name)
		}
		if err != nil {
			return err
		}
		return t.audit(ctx, actor, "reply.create", "canned_reply", r.ID, nil, "created the canned "+r.Kind+" "+r.Name+" for "+group)
	})
	return r, err
}

// UpdateCannedReply replaces reply r.ID's group, name, kind and body, audited. r.UpdatedAt,
// when set, is when the reply was last changed as the form showed it: a reply changed since is
// ECONFLICT, and nothing changes (two administrators editing it do not overwrite each other
// unseen).
func (s *Store) UpdateCannedReply(ctx context.Context, actor desk.Actor, r CannedReply) (CannedReply, error) {
	if err := r.validate(); err != nil {
		return r, err
	}
	err := s.inTx(ctx, func(t *Tx) error {
		old, err := t.cannedReply(ctx, r.ID)
		if err != nil {
			return err
		}
		if !r.UpdatedAt.IsZero() && !r.UpdatedAt.Equal(old.UpdatedAt) {
			return desk.Errorf(desk.ECONFLICT, "the canned reply %s was changed by someone else after you opened it", old.Name)
		}
		group, err := t.replyGroup(ctx, r.GroupID)
		if err != nil {
			return err
		}
		if err := t.nameFree(ctx, `SELECT id, name FROM canned_replies WHERE 1 = ?`, 1, r.ID, r.Name, replyNameTaken); err != nil {
			return err
		}
		_, err = t.exec(ctx, `UPDATE canned_replies SET group_id = ?, name = ?, kind = ?, body = ?, updated_at = ? WHERE id = ?`,
			nullID(r.GroupID), r.Name, r.Kind, r.Body, t.Now.UnixMicro(), r.ID)
		if t.s.d.constraint(err) == constraintUnique {
			return replyNameTaken(r.Name)
		}
		if err != nil {
			return err
		}
		r.CreatedAt, r.UpdatedAt = old.CreatedAt, t.Now
		return t.audit(ctx, actor, "reply.update", "canned_reply", r.ID, nil, "changed the canned "+r.Kind+" "+old.Name+" (now "+r.Name+", for "+group+")")
	})
	return r, err
}

// DeleteCannedReply deletes reply id, audited.
func (s *Store) DeleteCannedReply(ctx context.Context, actor desk.Actor, id int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		old, err := t.cannedReply(ctx, id)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM canned_replies WHERE id = ?`, id); err != nil {
			return err
		}
		return t.audit(ctx, actor, "reply.delete", "canned_reply", id, nil, "deleted the canned "+old.Kind+" "+old.Name)
	})
}

func (t *Tx) cannedReply(ctx context.Context, id int64) (CannedReply, error) {
	r, err := scanCannedReply(t.queryRow(ctx, `SELECT `+cannedReplyCols+` FROM canned_replies WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return r, notFound("no canned reply with id %d", id)
	}
	return r, err
}

// FindCannedReply returns reply id, or ENOTFOUND.
func (s *Store) FindCannedReply(ctx context.Context, id int64) (CannedReply, error) {
	r, err := scanCannedReply(s.queryRow(ctx, `SELECT `+cannedReplyCols+` FROM canned_replies WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return r, notFound("no canned reply with id %d", id)
	}
	return r, err
}

// CannedReplies lists the canned replies by name: all of them when groups is nil, or those for
// every group and for any of groups.
func (s *Store) CannedReplies(ctx context.Context, groups []int64) ([]CannedReply, error) {
	q := `SELECT ` + cannedReplyCols + ` FROM canned_replies`
	var args []any
	if groups != nil {
		q += ` WHERE group_id IS NULL`
		if len(groups) > 0 {
			q += ` OR group_id IN (` + strings.TrimSuffix(strings.Repeat("?,", len(groups)), ",") + `)`
			args = idArgs(groups)
		}
	}
	rows, err := s.query(ctx, q+` ORDER BY lower(name), id`, args...)
	return scanRows(rows, err, scanCannedReply)
}
