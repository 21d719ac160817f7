package store

import (
	"context"
	"fmt"
	"strings"

	"calldesk/internal/desk"
)

// Key backups (issue 20 point 4). Database backups leave data_keys out (SnapshotSQLite deletes
// its rows from the snapshot; pg_dump is told to skip its data): a wrapped data key kept in every
// old database backup would outlive its shredding there, since the master key still opens it. The
// data keys go to a key backup of their own instead (package backup), kept for a short count: the
// newest key backup opens every older database backup, except the content shredded since.

// MasterKeyRow is a master key as the database knows it: its id and check value, never the key.
type MasterKeyRow struct {
	ID      string `json:"id"`
	Check   []byte `json:"check"`
	Added   int64  `json:"added"`             // Unix microseconds
	Retired *int64 `json:"retired,omitempty"` // Unix microseconds
}

// DataKeyRow is a data key as data_keys holds it: wrapped under a master key, so a key backup is
// of no use without the master key file.
type DataKeyRow struct {
	ID        int64  `json:"id"`
	OwnerKind string `json:"owner_kind"`
	OwnerID   int64  `json:"owner_id"`
	MasterID  string `json:"master_id"`
	Wrapped   []byte `json:"wrapped"`
	Created   int64  `json:"created"` // Unix microseconds
}

// KeyRow is one row of a key backup: a master key's or a data key's.
type KeyRow struct {
	Master *MasterKeyRow `json:"master,omitempty"`
	Data   *DataKeyRow   `json:"data,omitempty"`
}

// ExportKeys calls emit with every data key, then every master key the database has seen, and
// returns how many of each. Data keys come first: a master key registered meanwhile is then in
// the export with the keys wrapped under it. A key shredded meanwhile may or may not be in it.
func (s *Store) ExportKeys(ctx context.Context, emit func(KeyRow) error) (masters, data int64, err error) {
	rows, err := s.query(ctx, `SELECT id, owner_kind, owner_id, master_id, wrapped, created_at FROM data_keys ORDER BY id`)
	if err != nil {
		return 0, 0, fmt.Errorf("export the data keys: %w", err)
	}
	for rows.Next() {
		var k DataKeyRow
		if err := rows.Scan(&k.ID, &k.OwnerKind, &k.OwnerID, &k.MasterID, &k.Wrapped, &k.Created); err != nil {
			rows.Close()
			return masters, data, err
		}
		if err := emit(KeyRow{Data: &k}); err != nil {
			rows.Close()
			return masters, data, err
		}
		data++
	}
	if err := rows.Close(); err != nil {
		return masters, data, fmt.Errorf("export the data keys: %w", err)
	}
	rows, err = s.query(ctx, `SELECT id, check_value, added_at, retired_at FROM master_keys ORDER BY added_at, id`)
	if err != nil {
		return masters, data, fmt.Errorf("export the master keys' check values: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m MasterKeyRow
		if err := rows.Scan(&m.ID, &m.Check, &m.Added, &m.Retired); err != nil {
			return masters, data, err
		}
		if err := emit(KeyRow{Master: &m}); err != nil {
			return masters, data, err
		}
		masters++
	}
	return masters, data, rows.Err()
}

// KeyImport is what ImportKeys did.
type KeyImport struct {
	Masters  int64 // master keys' check values added
	DataKeys int64 // data keys added
	Already  int64 // data keys the database held already (the same id or owner): left as they were
	// Unreadable counts, per sealed table, the rows whose content is sealed under a data key the
	// database does not hold even now: shredded after the database backup was taken.
	Unreadable []UnreadableContent
	// Counted is false when the database's schema is older than this calldesk's (a backup taken
	// before an upgrade): its tables may lack the sealed columns of this version, so Unreadable
	// was not counted. The keys are imported all the same; migrate the database next.
	Counted bool
}

// UnreadableContent is how many rows of a sealed table can no longer be opened.
type UnreadableContent struct {
	Table string
	Rows  int64
}

// UnreadableRows is how many rows in all can no longer be opened.
func (k KeyImport) UnreadableRows() int64 {
	var n int64
	for _, u := range k.Unreadable {
		n += u.Rows
	}
	return n
}

const keyImportBatch = 200

// ImportKeys adds to the database the keys rows gives (a key backup's, read again from its start
// each time it is called: a transaction run again reads them again), in one transaction with its
// audit record, after a restore of a database backup, which holds none. Rows already there (the
// same id, or another key of the same owner) are left as they are, so an import can be run again.
// The data keys' identity moves past the largest id, so no id is ever handed out twice. It then
// counts the content sealed under a key that neither the database nor the key backup holds: shredded
// since the database backup was taken (or the key backup is older than it), and unreadable for good.
// The rows are copied as they are: no master key is needed (CheckKeys checks them afterwards).
func (s *Store) ImportKeys(ctx context.Context, actor desk.Actor, source string, rows func(emit func(KeyRow) error) error) (KeyImport, error) {
	return s.importKeys(ctx, actor, source, rows, sealedTables())
}

func (s *Store) importKeys(ctx context.Context, actor desk.Actor, source string, rows func(emit func(KeyRow) error) error, tables []sealedTable) (KeyImport, error) {
	var res KeyImport
	db, known, err := s.SchemaVersion(ctx)
	if err != nil {
		return res, err
	}
	err = s.inTx(ctx, func(t *Tx) error {
		res = KeyImport{}
		var batch []DataKeyRow
		var seen int64
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			args := make([]any, 0, 6*len(batch))
			for _, k := range batch {
				args = append(args, k.ID, k.OwnerKind, k.OwnerID, k.MasterID, k.Wrapped, k.Created)
			}
			r, err := t.exec(ctx, `INSERT INTO data_keys (id, owner_kind, owner_id, master_id, wrapped, created_at) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(batch)), ", ")+` ON CONFLICT DO NOTHING`, args...)
			if err != nil {
				return fmt.Errorf("import data keys: %w", err)
			}
			n, _ := r.RowsAffected()
			res.DataKeys += n
			batch = batch[:0]
			return nil
		}
		err := rows(func(r KeyRow) error {
			switch {
			case r.Data != nil:
				k := *r.Data
				if k.ID <= 0 || k.OwnerKind == "" || k.MasterID == "" || len(k.Wrapped) == 0 {
					return desk.Errorf(desk.EINVALID, "the key backup holds an incomplete data key (id %d)", k.ID)
				}
				seen++
				batch = append(batch, k)
				if len(batch) == keyImportBatch {
					return flush()
				}
			case r.Master != nil:
				m := *r.Master
				if m.ID == "" || len(m.Check) == 0 {
					return desk.Errorf(desk.EINVALID, "the key backup holds an incomplete master key check value (%q)", m.ID)
				}
				r, err := t.exec(ctx, `INSERT INTO master_keys (id, check_value, added_at, retired_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
					m.ID, m.Check, m.Added, m.Retired)
				if err != nil {
					return fmt.Errorf("import master key %s: %w", m.ID, err)
				}
				if n, _ := r.RowsAffected(); n == 1 {
					res.Masters++
				} else if m.Retired != nil {
					// Retired since the database backup: no data key of the key backup is wrapped under it.
					if _, err := t.exec(ctx, `UPDATE master_keys SET retired_at = ? WHERE id = ? AND retired_at IS NULL`, *m.Retired, m.ID); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return err
		}
		res.Already = seen - res.DataKeys
		if err := t.s.d.raiseIdentity(ctx, t, "data_keys"); err != nil {
			return err
		}
		detail := fmt.Sprintf("%d data keys imported from a key backup (%d held already), %d master key check values", res.DataKeys, res.Already, res.Masters)
		if res.Counted = db >= known; res.Counted {
			if res.Unreadable, err = t.unreadable(ctx, tables); err != nil {
				return err
			}
			detail += fmt.Sprintf("; %d rows of sealed content are under keys shredded since the database backup and cannot be opened", res.UnreadableRows())
		} else {
			detail += fmt.Sprintf("; the database's schema (%d) is older than this calldesk's (%d): content under keys shredded since not counted", db, known)
		}
		return t.audit(ctx, actor, "keys.import", "backup", source, nil, detail)
	})
	return res, err
}

// unreadable counts, per table, the rows holding content sealed under a data key the database
// does not hold.
func (t *Tx) unreadable(ctx context.Context, tables []sealedTable) ([]UnreadableContent, error) {
	var out []UnreadableContent
	for _, tb := range tables {
		held := make([]string, len(tb.cols))
		for i, c := range tb.cols {
			held[i] = c + " IS NOT NULL"
		}
		var n int64
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM `+tb.table+` WHERE `+tb.keyCol+` IS NOT NULL AND (`+strings.Join(held, " OR ")+`)
			AND NOT EXISTS (SELECT 1 FROM data_keys k WHERE k.id = `+tb.table+`.`+tb.keyCol+`)`).Scan(&n); err != nil {
			return nil, fmt.Errorf("count the unreadable rows of %s: %w", tb.table, err)
		}
		if n > 0 {
			out = append(out, UnreadableContent{Table: tb.table, Rows: n})
		}
	}
	return out, nil
}
