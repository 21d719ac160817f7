package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// Small files whose content is what their names say.
var (
	pngFile  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{1}, 64)...)
	pdfFile  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	zipFile  = append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), bytes.Repeat([]byte{0}, 40)...)
	htmlFile = []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
	exeFile  = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), bytes.Repeat([]byte{0}, 60)...)
)

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestAttachments(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		c := e.newCall(t, desk.NewCall{})
		note, err := e.S.AddEntryWithAttachments(ctx, ann, c.Ref, desk.EntryNote, "Screenshots from the customer",
			[]desk.Upload{{Filename: `C:\Users\dan\screen.png`, Data: pngFile}, {Filename: "report.pdf", Data: pdfFile}}, desk.AttachmentRules{})
		if err != nil {
			t.Fatal(err)
		}
		if len(note.Attachments) != 2 || note.Attachments[0].Filename != "screen.png" || note.Attachments[0].ContentType != "image/png" ||
			note.Attachments[1].ContentType != "application/pdf" || note.Attachments[0].Data != nil {
			t.Fatalf("entry's attachments: %+v", note.Attachments)
		}
		upd, err := e.S.AddEntryWithAttachments(ctx, ann, c.Ref, desk.EntryUpdate, "The form you asked for",
			[]desk.Upload{{Filename: "form.docx", Data: zipFile}}, desk.AttachmentRules{})
		if err != nil {
			t.Fatal(err)
		}
		if rec := e.lastAudit(t); rec.Action != "call.update" || !strings.Contains(rec.Detail, "form.docx") || len(rec.Persons) != 1 || rec.Persons[0] != e.F.Dan.ID {
			t.Errorf("audit of the update: %+v", rec)
		}

		all, err := e.S.Attachments(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 {
			t.Fatalf("%d attachments, want 3: %+v", len(all), all)
		}
		want := []struct {
			name, typ string
			entry     int64
			data      []byte
		}{{"screen.png", "image/png", note.ID, pngFile}, {"report.pdf", "application/pdf", note.ID, pdfFile},
			{"form.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", upd.ID, zipFile}}
		for i, w := range want {
			a := all[i]
			if a.Filename != w.name || a.ContentType != w.typ || a.EntryID != w.entry || a.CallID != c.ID || a.Size != int64(len(w.data)) ||
				a.SHA256 != hexSum(w.data) || a.UploadedBy != e.F.Ann.ID || !a.CreatedAt.Equal(e.Clock.Now()) || a.Data != nil {
				t.Errorf("attachment %d: %+v", i, a)
			}
			got, err := e.S.Attachment(ctx, a.ID)
			if err != nil || !bytes.Equal(got.Data, w.data) || got.Filename != w.name {
				t.Errorf("attachment %d with data: %v %q", a.ID, err, got.Filename)
			}
		}
		public, err := e.S.Attachments(ctx, c.ID, false)
		if err != nil || len(public) != 1 || public[0].Filename != "form.docx" {
			t.Errorf("public attachments: %v %+v", err, public)
		}
		if _, err := e.S.Attachment(ctx, 999999); codeOf(err) != desk.ENOTFOUND {
			t.Errorf("missing attachment: %v", err)
		}
		// AddEntry still works, with no attachments.
		if en, err := e.S.AddEntry(ctx, ann, c.Ref, desk.EntryNote, "plain note"); err != nil || len(en.Attachments) != 0 {
			t.Errorf("AddEntry: %v %+v", err, en)
		}
	})
}

// TestAttachmentsRefused: a refused file, or an entry that fails, leaves nothing behind.
func TestAttachmentsRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		c := e.newCall(t, desk.NewCall{})
		small := desk.AttachmentRules{MaxSize: 100}
		only := desk.AttachmentRules{Types: []string{"pdf"}}
		cases := []struct {
			name  string
			ref   string
			actor desk.Actor
			kind  desk.EntryKind
			files []desk.Upload
			rules desk.AttachmentRules
			code  string
			want  string
		}{
			{"too large", c.Ref, ann, desk.EntryNote, []desk.Upload{{Filename: "big.png", Data: append(pngFile, make([]byte, 100)...)}}, small, desk.EINVALID, "big.png is larger than 100 bytes"},
			{"html", c.Ref, ann, desk.EntryNote, []desk.Upload{{Filename: "page.html", Data: htmlFile}}, desk.AttachmentRules{}, desk.EINVALID, "page.html is refused"},
			{"html named txt", c.Ref, ann, desk.EntryNote, []desk.Upload{{Filename: "notes.txt", Data: htmlFile}}, desk.AttachmentRules{}, desk.EINVALID, "notes.txt is refused"},
			{"svg", c.Ref, ann, desk.EntryNote, []desk.Upload{{Filename: "logo.txt", Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>`)}}, desk.AttachmentRules{}, desk.EINVALID, "logo.txt is refused"},
			{"exe", c.Ref, ann, desk.EntryNote, []desk.Upload{{Filename: "setup.exe", Data: exeFile}}, desk.AttachmentRules{}, desk.EINVALID, "setup.exe is refused"},
			{"exe named pdf", c.Ref, ann, desk.EntryNote, []desk.Upload{{Filename: "invoice.pdf", Data: exeFile}}, desk.AttachmentRules{}, desk.EINVALID, "invoice.pdf is refused"},
			{"png named pdf", c.Ref, ann, desk.EntryNote, []desk.Upload{{Filename: "scan.pdf", Data: pngFile}}, desk.AttachmentRules{}, desk.EINVALID, "scan.pdf does not hold what its name says"},
			{"type not allowed here", c.Ref, ann, desk.EntryNote, []desk.Upload{{Filename: "shot.png", Data: pngFile}}, only, desk.EINVALID, "shot.png is not a type calldesk accepts; the accepted types are pdf"},
			{"one good, one bad", c.Ref, ann, desk.EntryNote, []desk.Upload{{Filename: "shot.png", Data: pngFile}, {Filename: "x.exe", Data: exeFile}}, desk.AttachmentRules{}, desk.EINVALID, "x.exe is refused"},
			{"empty", c.Ref, ann, desk.EntryNote, []desk.Upload{{Filename: "nothing.txt", Data: nil}}, desk.AttachmentRules{}, desk.EINVALID, "nothing.txt is empty"},
			// The entry fails after the files were checked: the transaction takes them with it.
			{"unknown call", "F9999999", ann, desk.EntryNote, []desk.Upload{{Filename: "shot.png", Data: pngFile}}, desk.AttachmentRules{}, desk.ENOTFOUND, "F9999999"},
			{"unknown author", c.Ref, desk.Actor{PersonID: 99999, Name: "ghost"}, desk.EntryNote, []desk.Upload{{Filename: "shot.png", Data: pngFile}}, desk.AttachmentRules{}, desk.EINVALID, "does not exist"},
		}
		before := e.footprint(t)
		for _, tc := range cases {
			_, err := e.S.AddEntryWithAttachments(ctx, tc.actor, tc.ref, tc.kind, "see attached", tc.files, tc.rules)
			if codeOf(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: got %v (%s), want %s containing %q", tc.name, err, codeOf(err), tc.code, tc.want)
			}
			if de := desk.AsError(err); tc.code == desk.EINVALID && tc.name != "unknown author" && (de == nil || de.Fields["files"] == "") {
				t.Errorf("%s: the error names no files field: %v", tc.name, err)
			}
		}
		if after := e.footprint(t); after != before {
			t.Errorf("refused entries left %+v, was %+v", after, before)
		}
		// A public update on a closed call fails inside the transaction.
		closed := e.newCall(t, desk.NewCall{Summary: "closed one"})
		closed = e.update(t, e.F.Ann, closed, desk.Transition{Action: desk.ActCancel, Reason: "duplicate"})
		before = e.footprint(t)
		if _, err := e.S.AddEntryWithAttachments(ctx, ann, closed.Ref, desk.EntryUpdate, "late", []desk.Upload{{Filename: "shot.png", Data: pngFile}}, desk.AttachmentRules{}); codeOf(err) != desk.EINVALID {
			t.Errorf("update on a cancelled call: %v", err)
		}
		if after := e.footprint(t); after != before {
			t.Errorf("a refused entry left %+v, was %+v", after, before)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM attachments`); n != 0 {
			t.Errorf("%d attachments saved by refused entries", n)
		}
		// Too many files.
		many := make([]desk.Upload, desk.MaxAttachmentsPerEntry+1)
		for i := range many {
			many[i] = desk.Upload{Filename: "a.png", Data: pngFile}
		}
		if _, err := e.S.AddEntryWithAttachments(ctx, ann, c.Ref, desk.EntryNote, "many", many, desk.AttachmentRules{}); codeOf(err) != desk.EINVALID {
			t.Errorf("too many files: %v", err)
		}
	})
}

func TestParseAttachmentTypes(t *testing.T) {
	got, err := desk.ParseAttachmentTypes(" pdf, .PNG,docx,pdf")
	if err != nil || strings.Join(got, ",") != "pdf,png,docx" {
		t.Errorf("got %v %v", got, err)
	}
	for in, want := range map[string]string{"pdf,html": "html can never be allowed", "pdf,exe": "exe can never be allowed",
		"pdf,psd": "psd is not a type calldesk knows", " , ": "lists no file types"} {
		if _, err := desk.ParseAttachmentTypes(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}
