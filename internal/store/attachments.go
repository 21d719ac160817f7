package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"calldesk/internal/desk"
)

const attachmentCols = `a.id, a.call_id, a.entry_id, a.filename, a.content_type, a.size, a.sha256, a.uploaded_by, a.created_at,
	COALESCE((SELECT 1 FROM diary_entries de WHERE de.id = a.entry_id AND de.kind = 'email'), 0)`

func scanAttachment(r scanner, extra ...any) (desk.Attachment, error) {
	var a desk.Attachment
	var entry, by sql.NullInt64
	var at, email int64
	err := r.Scan(append([]any{&a.ID, &a.CallID, &entry, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &by, &at, &email}, extra...)...)
	a.EntryID, a.UploadedBy, a.CreatedAt, a.FromEmail = entry.Int64, by.Int64, time.UnixMicro(at).UTC(), email == 1
	// Names are cleaned before they are stored; a name stored before the cleaning knew a character
	// (issue 13: bidirectional and other invisible characters) is cleaned as it is read.
	a.Filename = desk.CleanFilename(a.Filename)
	return a, err
}

// Attachments lists a call's attachments in the order they were added, metadata only (the files'
// content is never read here). Files of internal notes are listed only when includeInternal is
// true; a file with no entry counts as public.
func (s *Store) Attachments(ctx context.Context, callID int64, includeInternal bool) ([]desk.Attachment, error) {
	q := `SELECT ` + attachmentCols + ` FROM attachments a LEFT JOIN diary_entries d ON d.id = a.entry_id WHERE a.call_id = ?`
	if !includeInternal {
		q += ` AND (a.entry_id IS NULL OR d.public = 1)`
	}
	rows, err := s.query(ctx, q+` ORDER BY a.id`, callID)
	if err != nil {
		return nil, fmt.Errorf("attachments of call %d: %w", callID, err)
	}
	defer rows.Close()
	var out []desk.Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Attachment returns one attachment with its content, opened when it is sealed; ENOTFOUND when
// there is none with id; EINTERNAL, saying why, when its content cannot be opened (no master key
// file, a wrong one), never the sealed bytes.
func (s *Store) Attachment(ctx context.Context, id int64) (desk.Attachment, error) {
	var data []byte
	var key sql.NullInt64
	a, err := scanAttachment(s.queryRow(ctx, `SELECT `+attachmentCols+`, a.data, a.key_id FROM attachments a WHERE a.id = ?`, id), &data, &key)
	if errors.Is(err, sql.ErrNoRows) {
		return desk.Attachment{}, notFound("there is no attachment %d", id)
	}
	if err != nil {
		return desk.Attachment{}, fmt.Errorf("attachment %d: %w", id, err)
	}
	if data, err = s.openBytes(ctx, s, key, KeyOwnerCall, a.CallID, "attachments.data", data); err != nil {
		return desk.Attachment{}, fmt.Errorf("attachment %d: %w", id, err)
	}
	if data == nil {
		data = []byte{}
	}
	a.Data = data
	return a, nil
}
