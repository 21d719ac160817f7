package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// addEntries writes diary entries for call c (at its current version) by actor.
func (t *Tx) addEntries(ctx context.Context, actor desk.Actor, c desk.Call, entries []desk.Entry) error {
	for _, e := range entries {
		public := e.Public || e.Kind == desk.EntryStatus || e.Kind == desk.EntryAssignment || e.Kind == desk.EntryUpdate
		if e.Kind == desk.EntryNote {
			public = false
		}
		key, body, err := t.sealEntry(ctx, c, e.Text)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO diary_entries (call_id, kind, public, body, key_id, author_id, created_at, call_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, string(e.Kind), b2i(public), body, key, nullID(actor.PersonID), t.Now.UnixMicro(), c.Version); err != nil {
			return fmt.Errorf("diary of %s: %w", c.Ref, err)
		}
	}
	return nil
}

// AddEntry adds a public update or an internal note to a call's diary. An update needs an open or
// resolved call; a note may be added to any call. Appending loses nothing, so it needs no version.
func (s *Store) AddEntry(ctx context.Context, actor desk.Actor, ref string, kind desk.EntryKind, text string) (desk.Entry, error) {
	return s.AddEntryWithAttachments(ctx, actor, ref, kind, text, nil, desk.AttachmentRules{})
}

// AddEntryWithAttachments adds a diary entry as AddEntry does, with files attached to it: the
// entry, its files and the audit record are written in one transaction, so a refused or failed
// entry leaves no file behind and a refused file saves no entry. Each file is checked against rules
// (its size, and its type decided from its content); a refused one is an EINVALID error whose
// field "files" names it. The entry returned lists the attachments' metadata.
func (s *Store) AddEntryWithAttachments(ctx context.Context, actor desk.Actor, ref string, kind desk.EntryKind, text string,
	files []desk.Upload, rules desk.AttachmentRules) (desk.Entry, error) {
	text, atts, err := checkEntry(kind, text, files, rules)
	if err != nil {
		return desk.Entry{}, err
	}
	var e desk.Entry
	err = s.inTx(ctx, func(t *Tx) error {
		c, err := t.lockCall(ctx, ref)
		if err != nil {
			return err
		}
		if err := t.frozen(ctx, c.CustomerID, "nothing can be added to call "+c.Ref); err != nil {
			return err
		}
		if kind == desk.EntryUpdate && (c.State == desk.Closed || c.State == desk.Cancelled) {
			return desk.Errorf(desk.EINVALID, "cannot add a public update to call %s: it is %s", c.Ref, c.State.Words())
		}
		if e, err = t.addEntry(ctx, actor, c, kind, text, atts); err != nil {
			return err
		}
		if kind == desk.EntryUpdate {
			return t.slaPublicResponse(ctx, actor, c)
		}
		return nil
	})
	if err != nil {
		return desk.Entry{}, err
	}
	return e, nil
}

// addEntry writes a checked diary entry and its checked files to call c, marks the call updated
// and audits, in t. The entry returned lists the attachments' metadata (their data dropped).
func (t *Tx) addEntry(ctx context.Context, actor desk.Actor, c desk.Call, kind desk.EntryKind, text string, atts []desk.Attachment) (desk.Entry, error) {
	return t.addEntryShown(ctx, actor, c, kind, kind == desk.EntryUpdate, text, atts)
}

// addEntryShown is addEntry with the entry's visibility to the customer (public) given: an email
// is public when the customer wrote it.
func (t *Tx) addEntryShown(ctx context.Context, actor desk.Actor, c desk.Call, kind desk.EntryKind, public bool, text string, atts []desk.Attachment) (desk.Entry, error) {
	e := desk.Entry{Kind: kind, Public: public, Text: text, AuthorID: actor.PersonID, Author: actor.Name,
		CallID: c.ID, CreatedAt: t.Now, CallVersion: c.Version}
	key, body, err := t.sealEntry(ctx, c, text)
	if err != nil {
		return e, err
	}
	if err := t.queryRow(ctx, `INSERT INTO diary_entries (call_id, kind, public, body, key_id, author_id, created_at, call_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.ID, string(kind), b2i(e.Public), body, key, nullID(actor.PersonID), t.Now.UnixMicro(), c.Version).Scan(&e.ID); err != nil {
		return e, t.s.mapErr(err)
	}
	names := make([]string, len(atts))
	for i := range atts {
		a := &atts[i]
		a.CallID, a.EntryID, a.UploadedBy, a.CreatedAt = c.ID, e.ID, actor.PersonID, t.Now
		if err := t.queryRow(ctx, `INSERT INTO attachments (call_id, entry_id, filename, content_type, size, sha256, data, data_text, uploaded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.CallID, a.EntryID, a.Filename, a.ContentType, a.Size, a.SHA256, a.Data, decodedText(desk.FileText(a.Filename, a.ContentType, a.Data)),
			nullID(a.UploadedBy), t.Now.UnixMicro()).Scan(&a.ID); err != nil {
			return e, fmt.Errorf("attach %s to %s: %w", a.Filename, c.Ref, t.s.mapErr(err))
		}
		names[i] = a.Filename
	}
	if _, err := t.exec(ctx, `UPDATE calls SET updated_at = ? WHERE id = ?`, t.Now.UnixMicro(), c.ID); err != nil {
		return e, err
	}
	t.indexLater(c.ID, false)
	what := "public update"
	switch kind {
	case desk.EntryNote:
		what = "internal note"
	case desk.EntryEmail:
		what = "email"
	}
	detail := what + " added"
	if len(names) > 0 {
		detail += fmt.Sprintf(" with %d attachment(s): %s", len(names), strings.Join(names, ", "))
	}
	if err := t.audit(ctx, actor, "call."+string(kind), "call", c.Ref, []int64{c.CustomerID}, detail); err != nil {
		return e, err
	}
	e.Attachments = make([]desk.Attachment, len(atts))
	for i, a := range atts {
		a.Data = nil // the caller has the files; the entry lists them
		e.Attachments[i] = a
	}
	return e, nil
}

// checkEntry checks a diary entry's text and files, returning the text trimmed and the files ready
// to store, or an EINVALID error saying what is wrong with each (field "files" names refused files).
func checkEntry(kind desk.EntryKind, text string, files []desk.Upload, rules desk.AttachmentRules) (string, []desk.Attachment, error) {
	text = strings.TrimSpace(text)
	f := map[string]string{}
	if kind != desk.EntryUpdate && kind != desk.EntryNote {
		f["kind"] = "must be update or note"
	}
	if text == "" {
		f["text"] = "is required"
	} else if len(text) > desk.MaxEntryText {
		f["text"] = "is longer than 100,000 characters"
	}
	atts, problems := checkUploads(files, rules)
	if len(problems) > 0 {
		f["files"] = "not saved: " + strings.Join(problems, "; ")
	}
	if err := desk.Invalid("the diary entry cannot be added", f); err != nil {
		return text, nil, err
	}
	return text, atts, nil
}

// checkUploads checks files against rules and returns them ready to store, or what is wrong with
// each refused one.
func checkUploads(files []desk.Upload, rules desk.AttachmentRules) ([]desk.Attachment, []string) {
	var out []desk.Attachment
	var problems []string
	if len(files) > desk.MaxAttachmentsPerEntry {
		return nil, []string{fmt.Sprintf("%d files were sent; one entry may carry at most %d", len(files), desk.MaxAttachmentsPerEntry)}
	}
	for _, u := range files {
		ct, err := rules.Check(u)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		sum := sha256.Sum256(u.Data)
		out = append(out, desk.Attachment{Filename: desk.CleanFilename(u.Filename), ContentType: ct, Size: int64(len(u.Data)),
			SHA256: hex.EncodeToString(sum[:]), Data: u.Data})
	}
	return out, problems
}

// entryAuthor is the name of a diary entry's author (d, with the person p LEFT JOINed on its
// author_id): the person's name, or for an email from someone the register does not hold (an
// address on the call's copy list) the message's sender; empty for calldesk's own entries.
const entryAuthor = `COALESCE(trim(p.first_name || ' ' || p.last_name),
	(SELECT MIN(m.sender) FROM mail_messages m WHERE m.entry_id = d.id AND m.sender <> ''), '')`

// Diary returns a call's entries in order; internal ones only when internal is true.
func (s *Store) Diary(ctx context.Context, callID int64, internal bool) ([]desk.Entry, error) {
	q := `SELECT d.id, d.call_id, d.kind, d.public, d.body, d.author_id, ` + entryAuthor + `, d.created_at, d.call_version, d.key_id
		FROM diary_entries d LEFT JOIN people p ON p.id = d.author_id WHERE d.call_id = ?`
	if !internal {
		q += ` AND d.public = 1`
	}
	rows, err := s.query(ctx, q+` ORDER BY d.id`, callID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []desk.Entry
	for rows.Next() {
		var e desk.Entry
		var kind string
		var author, key sql.NullInt64
		var at int64
		if err := rows.Scan(&e.ID, &e.CallID, &kind, &e.Public, &e.Text, &author, &e.Author, &at, &e.CallVersion, &key); err != nil {
			return nil, err
		}
		var err error
		if e.Text, err = s.openEntry(ctx, s, key, e.CallID, e.Text); err != nil {
			return nil, err
		}
		e.Kind, e.AuthorID, e.CreatedAt = desk.EntryKind(kind), author.Int64, time.UnixMicro(at).UTC()
		if e.Author == "" && e.AuthorID == 0 {
			e.Author = "calldesk"
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
