package store_test

import (
	"context"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// failAttachmentWrites makes the database refuse every new attachment row, as a full disk or a
// storage fault would: the failure comes from the database while the files are being written.
func failAttachmentWrites(t *testing.T, e *env) {
	t.Helper()
	if e.Engine == "postgres" {
		e.DB.MustExec(t, `CREATE FUNCTION refuse_attachment() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'no space left for attachments'; END $$`)
		e.DB.MustExec(t, `CREATE TRIGGER refuse_attachment BEFORE INSERT ON attachments FOR EACH ROW EXECUTE FUNCTION refuse_attachment()`)
		return
	}
	e.DB.MustExec(t, `CREATE TRIGGER refuse_attachment BEFORE INSERT ON attachments BEGIN SELECT RAISE(ABORT, 'no space left for attachments'); END`)
}

// TestNewCallWithFilesIsOneWrite: a call logged with files is the call, its first update with
// the files, and the audit records of both; when a file cannot be written, none of it is.
func TestNewCallWithFilesIsOneWrite(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		dan := storetest.Actor(e.F.Dan)
		n := desk.NewCall{Summary: "Scanner jams on every page", CustomerID: e.F.Dan.ID, Source: desk.SourcePortal}
		files := []desk.Upload{{Filename: "jam.png", Data: pngFile}, {Filename: "log.pdf", Data: pdfFile}}

		c, err := e.S.CreateCallWithAttachments(ctx, dan, n, "Files sent with the request: jam.png, log.pdf", files, desk.AttachmentRules{})
		if err != nil {
			t.Fatal(err)
		}
		atts, err := e.S.Attachments(ctx, c.ID, false)
		if err != nil || len(atts) != 2 || atts[0].Filename != "jam.png" || atts[0].EntryID == 0 || atts[0].SHA256 != hexSum(pngFile) {
			t.Fatalf("attachments %+v, %v", atts, err)
		}
		d, err := e.S.Diary(ctx, c.ID, false)
		if err != nil || len(d) != 1 || d[0].Kind != desk.EntryUpdate || d[0].ID != atts[0].EntryID || !strings.Contains(d[0].Text, "jam.png") {
			t.Fatalf("diary %+v, %v", d, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND action IN ('call.create', 'call.update')`, c.Ref); n != 2 {
			t.Errorf("%d audit records of the call and its files, want 2", n)
		}

		// A refused file is refused before anything is written.
		fp := e.footprint(t)
		_, err = e.S.CreateCallWithAttachments(ctx, dan, n, "Files", []desk.Upload{{Filename: "x.html", Data: htmlFile}}, desk.AttachmentRules{})
		if de := desk.AsError(err); de == nil || de.Code != desk.EINVALID || !strings.Contains(de.Fields["files"], "x.html") {
			t.Fatalf("a refused file: %v", err)
		}
		if got := e.footprint(t); got != fp {
			t.Fatalf("a refused file left %+v, was %+v", got, fp)
		}

		// The database fails while the files are written: no call, no update, no audit, no file.
		failAttachmentWrites(t, e)
		filesBefore := e.DB.Count(t, `SELECT COUNT(*) FROM attachments`)
		n.Summary = "Printer on fire"
		if _, err := e.S.CreateCallWithAttachments(ctx, dan, n, "Files sent with the request: jam.png", files[:1], desk.AttachmentRules{}); err == nil ||
			!strings.Contains(err.Error(), "no space left for attachments") {
			t.Fatalf("writing a file failed, yet: %v", err)
		}
		if got := e.footprint(t); got != fp {
			t.Fatalf("a failed file write left %+v, was %+v", got, fp)
		}
		if got := e.DB.Count(t, `SELECT COUNT(*) FROM attachments`); got != filesBefore {
			t.Fatalf("%d attachments, was %d", got, filesBefore)
		}
		if got := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE summary = ?`, "Printer on fire"); got != 0 {
			t.Fatal("the call whose files failed was logged")
		}
		// The store still works: a call without files is logged.
		if _, err := e.S.CreateCallWithAttachments(ctx, dan, n, "", nil, desk.AttachmentRules{}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFormKeyLogsOneCall: the same form sent twice logs one call; the second send is ECONFLICT
// and FormKeyCall finds the first call, for its sender only.
func TestFormKeyLogsOneCall(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		dan, eve := storetest.Actor(e.F.Dan), storetest.Actor(e.F.Eve)
		dan.AccountID, eve.AccountID = 101, 102 // as signed in: keys are the sending account's
		n := desk.NewCall{Summary: "Wifi drops in the library", CustomerID: e.F.Dan.ID, Source: desk.SourcePortal, FormKey: "k-123"}
		first, err := e.S.CreateCall(ctx, dan, n)
		if err != nil {
			t.Fatal(err)
		}
		fp := e.footprint(t)
		for _, files := range [][]desk.Upload{nil, {{Filename: "a.png", Data: pngFile}}} {
			_, err = e.S.CreateCallWithAttachments(ctx, dan, n, "Files", files, desk.AttachmentRules{})
			if de := desk.AsError(err); de == nil || de.Code != desk.ECONFLICT {
				t.Fatalf("the same form again (%d files): %v, want ECONFLICT", len(files), err)
			}
		}
		if got := e.footprint(t); got != fp {
			t.Fatalf("the second send left %+v, was %+v", got, fp)
		}
		got, err := e.S.FormKeyCall(ctx, dan.AccountID, "k-123")
		if err != nil || got.Ref != first.Ref {
			t.Fatalf("FormKeyCall: %s, %v; want %s", got.Ref, err, first.Ref)
		}
		if _, err := e.S.FormKeyCall(ctx, eve.AccountID, "k-123"); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("another account's key: %v", err)
		}
		n.FormKey = "k-456"
		if _, err := e.S.CreateCall(ctx, dan, n); err != nil {
			t.Fatalf("another form: %v", err)
		}
	})
}
