package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestAttachmentNamesInvisible (issue 13): a file that comes by email with bidirectional or
// other invisible characters in its name is stored under the name as shown and its type checked
// against that name's extension ("evil\u202Egpj.exe", shown as "evilexe.jpg", is the program
// evilgpj.exe and refused); a name stored before the cleaning is read back clean.
func TestAttachmentNamesInvisible(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx, f := context.Background(), e.F
		in := store.InMail{Mailbox: "servicedesk", UIDValidity: 7, UID: 1, MessageID: "names@mail.example", From: f.Dan.Email,
			Subject: "Files", Text: "Two files", Raw: []byte("Subject: Files\r\n\r\nTwo files"), GroupID: f.ServiceDesk.ID, ProfileID: f.Outlook.ID,
			Files: []desk.Upload{{Filename: "evil\u202Egpj.exe", Data: pngFile}, {Filename: "\u200Bnotes\u2067fdp\u2069.txt\uFEFF", Data: []byte("hello\n")}}}
		d, err := e.S.IngestMail(ctx, in, store.IngestRules{})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.S.FindCallByRef(ctx, d.CallRef)
		if err != nil {
			t.Fatal(err)
		}
		atts, err := e.S.Attachments(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(atts) != 1 || atts[0].Filename != "notesfdp.txt" {
			t.Fatalf("files kept: %+v", atts)
		}
		if got := e.DB.Count(t, `SELECT COUNT(*) FROM attachments WHERE filename = ?`, "notesfdp.txt"); got != 1 {
			t.Errorf("stored under the clean name: %d rows", got)
		}
		if !strings.Contains(c.Description, "evilgpj.exe is refused") || strings.Contains(c.Description, "\u202E") {
			t.Errorf("the refusal must name the file as shown: %q", c.Description)
		}

		// A name stored before the cleaning knew these characters.
		e.DB.MustExec(t, `UPDATE attachments SET filename = ? WHERE id = ?`, "old\u202Efdp.txt", atts[0].ID)
		a, err := e.S.Attachment(ctx, atts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Filename != "oldfdp.txt" {
			t.Errorf("an old name read back: %q", a.Filename)
		}
	})
}
