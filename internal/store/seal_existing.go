package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"calldesk/internal/desk"
)

// Sealing what was written before encryption was turned on. A desk that ran for years without a
// master key file holds its special-category call text, files, stored emails, subject access
// bundles (and their redaction candidates) and second-factor secrets plain (key_id NULL); the
// write paths seal only what they write. SealExisting seals those rows where they are, batch by batch, as the write paths would
// have sealed them (sealString, sealBytes: the same data key of the same owner, the same aad),
// while calldesk serves: calldesk keys seal runs it over every sealed table.

// SealTables names the tables SealExisting seals (every table of sealedTables), in the order
// calldesk keys seal runs them.
func SealTables() []string {
	var out []string
	for _, tb := range sealedTables() {
		out = append(out, tb.table)
	}
	return out
}

// sealFilter is the condition, beyond key_id IS NULL, on the rows of table whose content is to be
// sealed: a call's text and its diary only while the call is special category (a plain call's
// text is never sealed); every row of the other tables. It is checked again by the update, in its
// own snapshot, so that a call unmarked meanwhile is left plain.
func sealFilter(table string) string {
	switch table {
	case "calls":
		return ` AND special_category`
	case "diary_entries":
		// Correlated, by the call's key: an IN over the special calls made SQLite read every
		// call for each batch and each update (minutes a batch at a million calls).
		return ` AND EXISTS (SELECT 1 FROM calls sc WHERE sc.id = diary_entries.call_id AND sc.special_category)`
	}
	return ""
}

// sealSelect reads the next rows of tb to seal (arguments: the id to read after, how many).
func sealSelect(tb sealedTable) string {
	return `SELECT ` + tb.idCol + `, ` + tb.ownerKind + `, ` + tb.ownerID + `, ` + strings.Join(tb.cols, ", ") + ` FROM ` + tb.table +
		` WHERE ` + tb.keyCol + ` IS NULL AND ` + tb.idCol + ` > ?` + sealFilter(tb.table) + ` ORDER BY ` + tb.idCol + ` LIMIT ?`
}

// SealExisting seals, in one transaction with its audit record, the plain rows (key_id NULL) of
// sealed table with ids above after, up to batch of them, each under its owner's data key (made
// when it has none), its columns sealed as the write paths seal them: a text NULL or empty and a
// NULL blob stay as they are; a row with nothing to seal stays plain. It returns how many rows it
// sealed and the id to go on after (0: none is left). A row written meanwhile by an instance with
// master keys is sealed already and is skipped, and the update is conditional (key_id still
// NULL, the call still special category), so that two runs at once seal nothing twice. A sealed
// call's search document is built again, its words blind. The plain bytes the seal overwrote
// are left for ShredIfDue (and a call's plain words for CompactSearchIfDue) to take from the
// database's files, as an erasure's are. EINVALID without master keys, or for a table with
// nothing sealed.
func (s *Store) SealExisting(ctx context.Context, actor desk.Actor, table string, after int64, batch int) (int, int64, error) {
	if s.ring.Load() == nil {
		return 0, 0, desk.Invalid("no master key file", map[string]string{"master-keys": "is required to seal existing content: the file whose first key wraps the new data keys"})
	}
	tb, ok := sealedTableOf(table)
	if !ok {
		return 0, 0, desk.Invalid("no such sealed table", map[string]string{"table": fmt.Sprintf("%q is not one of %s", table, strings.Join(SealTables(), ", "))})
	}
	if batch < 1 {
		return 0, 0, desk.Invalid("no batch size", map[string]string{"batch": "must be at least 1"})
	}
	n, last := 0, int64(0)
	err := s.inTx(ctx, func(t *Tx) error {
		n, last = 0, 0
		// The rows are locked (PostgreSQL) so that a change of their content meanwhile (an
		// erasure emptying a field) is seen before they are sealed, never undone by the seal.
		rows, err := t.query(ctx, sealSelect(tb)+t.s.d.forUpdate(), after, batch)
		if err != nil {
			return err
		}
		type row struct {
			id, owner int64
			kind      string
			vals      []any
		}
		var todo []row
		for rows.Next() {
			r := row{vals: make([]any, len(tb.cols))}
			dest := []any{&r.id, &r.kind, &r.owner}
			for i, c := range tb.cols {
				if tb.text[c] {
					r.vals[i] = new(sql.NullString)
				} else {
					r.vals[i] = new([]byte)
				}
				dest = append(dest, r.vals[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, r := range todo {
			last = r.id
			var set []string
			var args []any
			var key sql.NullInt64
			content := false // a text or a blob not empty (an empty blob alone says nothing)
			for i, c := range tb.cols {
				if tb.text[c] {
					ns := r.vals[i].(*sql.NullString)
					content = content || (ns.Valid && ns.String != "")
				} else {
					content = content || len(*r.vals[i].(*[]byte)) > 0
				}
			}
			if !content {
				continue
			}
			for i, c := range tb.cols {
				aad := tb.table + "." + c
				if tb.text[c] {
					ns := r.vals[i].(*sql.NullString)
					if !ns.Valid || ns.String == "" {
						continue // NULL or empty: stored as it is, as reseal leaves it
					}
					k, v, err := t.sealString(ctx, r.kind, r.owner, aad, ns.String)
					if err != nil {
						return fmt.Errorf("seal %s of %s %d: %w", aad, table, r.id, err)
					}
					key = k
					set, args = append(set, c+" = ?"), append(args, v)
					continue
				}
				b := *r.vals[i].(*[]byte)
				if b == nil {
					continue
				}
				k, v, err := t.sealBytes(ctx, r.kind, r.owner, aad, b)
				if err != nil {
					return fmt.Errorf("seal %s of %s %d: %w", aad, table, r.id, err)
				}
				key = k
				set, args = append(set, c+" = ?"), append(args, v)
			}
			if !key.Valid {
				return fmt.Errorf("seal %s %d: no data key", table, r.id) // cannot be: the store holds master keys
			}
			args = append(args, key, r.id)
			res, err := t.exec(ctx, `UPDATE `+tb.table+` SET `+strings.Join(set, ", ")+`, `+tb.keyCol+` = ? WHERE `+tb.idCol+` = ? AND `+tb.keyCol+` IS NULL`+sealFilter(table), args...)
			if err != nil {
				return fmt.Errorf("seal %s %d: %w", table, r.id, err)
			}
			if c, _ := res.RowsAffected(); c != 1 {
				continue
			}
			n++
			if table == "calls" || table == "diary_entries" {
				t.indexLater(r.owner, false) // its words become blind
			}
		}
		if n == 0 {
			return nil
		}
		// The plain bytes the seal overwrote must go from the database's files too (shred.go),
		// and a call's plain words from the search index's storage.
		if table == "calls" || table == "diary_entries" {
			err = t.compactSearchLater(ctx)
		} else {
			err = t.shredLater(ctx)
		}
		if err != nil {
			return err
		}
		return t.audit(ctx, actor, "keys.seal", "table", table, nil, fmt.Sprintf("%d rows of %s written before encryption was turned on sealed under their owners' data keys", n, table))
	})
	return n, last, err
}
