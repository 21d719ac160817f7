package store

import (
	"context"
	"encoding/json"
	"strings"
)

// rowUpdates collects new text values of rows of one table, keyed by id, and writes them with
// flush: on SQLite one UPDATE per row (a statement in the same process costs microseconds), on
// PostgreSQL one UPDATE per thousand rows from a JSON recordset, since each statement there is a
// round trip (an erasure rewrote some 7,000 diary entries one statement at a time).
type rowUpdates struct {
	t     *Tx
	table string
	cols  []string
	extra string // a further assignment, "version = version + 1", or ""
	ids   []int64
	vals  [][]string
}

// rowUpdates starts a batch of updates of cols (text columns) of table's rows by id.
func (t *Tx) rowUpdates(table string, cols []string, extra string) *rowUpdates {
	return &rowUpdates{t: t, table: table, cols: cols, extra: extra}
}

// add queues the row's new values, in the order of the columns.
func (u *rowUpdates) add(id int64, vals ...string) {
	u.ids = append(u.ids, id)
	u.vals = append(u.vals, vals)
}

// flush writes what was queued.
func (u *rowUpdates) flush(ctx context.Context) error {
	defer func() { u.ids, u.vals = nil, nil }()
	set := make([]string, len(u.cols))
	if !u.t.s.d.batchesUpdates() {
		for i, c := range u.cols {
			set[i] = c + " = ?"
		}
		if u.extra != "" {
			set = append(set, u.extra)
		}
		q := `UPDATE ` + u.table + ` SET ` + strings.Join(set, ", ") + ` WHERE id = ?`
		for n, id := range u.ids {
			args := make([]any, 0, len(u.cols)+1)
			for _, v := range u.vals[n] {
				args = append(args, v)
			}
			if _, err := u.t.exec(ctx, q, append(args, id)...); err != nil {
				return err
			}
		}
		return nil
	}
	types := []string{"id bigint"}
	for i, c := range u.cols {
		set[i] = c + " = v." + c
		types = append(types, c+" text")
	}
	if u.extra != "" {
		set = append(set, u.extra)
	}
	q := `UPDATE ` + u.table + ` SET ` + strings.Join(set, ", ") + ` FROM json_to_recordset(CAST(? AS json)) AS v(` +
		strings.Join(types, ", ") + `) WHERE ` + u.table + `.id = v.id`
	const chunk = 1000
	for from := 0; from < len(u.ids); from += chunk {
		to := min(from+chunk, len(u.ids))
		recs := make([]map[string]any, 0, to-from)
		for n := from; n < to; n++ {
			r := map[string]any{"id": u.ids[n]}
			for i, c := range u.cols {
				r[c] = u.vals[n][i]
			}
			recs = append(recs, r)
		}
		b, err := json.Marshal(recs)
		if err != nil {
			return err
		}
		if _, err := u.t.exec(ctx, q, string(b)); err != nil {
			return err
		}
	}
	return nil
}
