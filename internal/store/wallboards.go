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

// Wallboard is a link that shows the desk's figures on a screen with nobody signed in (issue 18
// item 7).
type Wallboard struct {
	ID        int64
	Name      string // where the screen is
	CreatedBy int64
	CreatedAt time.Time
	RevokedAt time.Time // zero while the link works
}

// MaxWallboardName bounds a wallboard's name.
const MaxWallboardName = 80

const wallboardCols = `id, name, created_by, created_at, revoked_at`

func scanWallboard(r scanner) (Wallboard, error) {
	var b Wallboard
	var by, revoked sql.NullInt64
	var created int64
	err := r.Scan(&b.ID, &b.Name, &by, &created, &revoked)
	b.CreatedBy, b.CreatedAt, b.RevokedAt = by.Int64, time.UnixMicro(created).UTC(), fromMicros(revoked)
	return b, err
}

// CreateWallboard records a wallboard link named name whose token hashes to hash, audited.
func (s *Store) CreateWallboard(ctx context.Context, actor desk.Actor, name, hash string) (Wallboard, error) {
	name = strings.TrimSpace(name)
	f := map[string]string{}
	switch {
	case name == "":
		f["name"] = "is required: say where the screen is, such as \"Service Desk office\""
	case utf8.RuneCountInString(name) > MaxWallboardName:
		f["name"] = fmt.Sprintf("must be at most %d characters", MaxWallboardName)
	}
	if err := desk.Invalid("the wallboard cannot be made", f); err != nil {
		return Wallboard{}, err
	}
	b := Wallboard{Name: name, CreatedBy: actor.PersonID}
	err := s.inTx(ctx, func(t *Tx) error {
		b.CreatedAt = t.Now
		if err := t.queryRow(ctx, `INSERT INTO wallboards (name, token_hash, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			name, hash, nullID(actor.PersonID), t.Now.UnixMicro()).Scan(&b.ID); err != nil {
			return err
		}
		return t.audit(ctx, actor, "wallboard.create", "wallboard", b.ID, nil, "made the wallboard link "+name)
	})
	return b, err
}

// Wallboards lists every wallboard link, the working ones first, newest first.
func (s *Store) Wallboards(ctx context.Context) ([]Wallboard, error) {
	rows, err := s.query(ctx, `SELECT `+wallboardCols+` FROM wallboards ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Wallboard
	for rows.Next() {
		b, err := scanWallboard(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// RevokeWallboard ends wallboard id's link at once, audited; ENOTFOUND when there is no such
// working link.
func (s *Store) RevokeWallboard(ctx context.Context, actor desk.Actor, id int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, `UPDATE wallboards SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, t.Now.UnixMicro(), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return desk.Errorf(desk.ENOTFOUND, "there is no working wallboard link %d", id)
		}
		return t.audit(ctx, actor, "wallboard.revoke", "wallboard", id, nil, "revoked the wallboard link")
	})
}

// WallboardByToken returns the working wallboard whose token hashes to hash; ENOTFOUND when
// there is none (never made, or revoked).
func (s *Store) WallboardByToken(ctx context.Context, hash string) (Wallboard, error) {
	b, err := scanWallboard(s.queryRow(ctx, `SELECT `+wallboardCols+` FROM wallboards WHERE token_hash = ? AND revoked_at IS NULL`, hash))
	if err == sql.ErrNoRows {
		return b, desk.Errorf(desk.ENOTFOUND, "this wallboard link does not work: it was revoked or mistyped")
	}
	return b, err
}

// DeskFigures are the desk's counts a wallboard shows: nobody's data.
type DeskFigures struct {
	ByState     map[desk.State]int // open calls by state, and those resolved awaiting confirmation
	LoggedToday int                // calls logged since the start of today
	SLA         SLACounts
}

// Open is how many calls are open (resolved calls awaiting confirmation not among them).
func (f DeskFigures) Open() int {
	n := 0
	for st, c := range f.ByState {
		if st != desk.Resolved {
			n += c
		}
	}
	return n
}

// DeskFiguresNow counts the desk's open calls by state, the calls logged since today (the start
// of the desk's day), and the calls at risk and breached.
func (s *Store) DeskFiguresNow(ctx context.Context, today time.Time) (DeskFigures, error) {
	f := DeskFigures{ByState: map[desk.State]int{}}
	rows, err := s.query(ctx, `SELECT state, COUNT(*) FROM calls WHERE state IN ('unassigned', 'assigned', 'accepted', 'pending',
		'on_hold', 'off_hold', 'resolved') GROUP BY state`)
	if err != nil {
		return f, fmt.Errorf("count open calls: %w", err)
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return f, err
		}
		f.ByState[desk.State(st)] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM calls WHERE logged_at >= ?`, today.UnixMicro()).Scan(&f.LoggedToday); err != nil {
		return f, fmt.Errorf("count today's calls: %w", err)
	}
	if f.SLA, err = s.CountSLA(ctx); err != nil {
		return f, err
	}
	return f, nil
}

// TeamFigures are what a team did since a moment: calls logged to its groups, and calls of its
// groups resolved (whatever their state since).
type TeamFigures struct{ Logged, Resolved int }

// TeamSince counts, for the calls of groups, those logged and those resolved since from (the
// analysts' dashboard: today, this week). Each is a range of an index on the time: calls_logged
// and calls_resolved_since.
func (s *Store) TeamSince(ctx context.Context, groups []int64, from time.Time) (TeamFigures, error) {
	var f TeamFigures
	if len(groups) == 0 {
		return f, nil
	}
	in := ` AND group_id IN (` + placeholders(len(groups)) + `)`
	args := append([]any{from.UnixMicro()}, idArgs(groups)...)
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM calls WHERE logged_at >= ?`+in, args...).Scan(&f.Logged); err != nil {
		return f, fmt.Errorf("count calls logged: %w", err)
	}
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM calls WHERE resolved_at >= ?`+in, args...).Scan(&f.Resolved); err != nil {
		return f, fmt.Errorf("count calls resolved: %w", err)
	}
	return f, nil
}
