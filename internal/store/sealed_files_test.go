package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// sealedRow is what an old copy of the database (a backup) holds of a sealed row: its key and
// its ciphertext.
type sealedRow struct {
	key  int64
	data []byte
}

func rawAttachment(t *testing.T, e *env, id int64) sealedRow {
	t.Helper()
	var r sealedRow
	var key sql.NullInt64
	if err := e.DB.QueryRow(e.DB.Rebind(`SELECT key_id, data FROM attachments WHERE id = ?`), id).Scan(&key, &r.data); err != nil {
		t.Fatal(err)
	}
	r.key = key.Int64
	return r
}

func rawMail(t *testing.T, e *env, id int64) sealedRow {
	t.Helper()
	var r sealedRow
	var key sql.NullInt64
	if err := e.DB.QueryRow(e.DB.Rebind(`SELECT key_id, raw FROM mail_messages WHERE id = ?`), id).Scan(&key, &r.data); err != nil {
		t.Fatal(err)
	}
	r.key = key.Int64
	return r
}

// noPlaintext asserts that none of secrets is in the database: on SQLite in the bytes of the
// database file and its WAL (after a checkpoint), on PostgreSQL in the raw sealed columns.
func noPlaintext(t *testing.T, e *env, secrets ...string) {
	t.Helper()
	if e.Engine == "sqlite" {
		e.DB.MustExec(t, `PRAGMA wal_checkpoint(TRUNCATE)`)
		var all []byte
		for _, f := range []string{e.DSN, e.DSN + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		if len(all) < 4096 {
			t.Fatalf("read %d bytes of the database", len(all))
		}
		for _, s := range secrets {
			if bytes.Contains(all, []byte(s)) {
				t.Errorf("the database file holds %q in the clear", s)
			}
		}
		return
	}
	for _, s := range secrets {
		for _, q := range []string{`SELECT COUNT(*) FROM attachments WHERE position(? in encode(data, 'escape')) > 0 OR position(? in COALESCE(data_text, '')) > 0`,
			`SELECT COUNT(*) FROM mail_messages WHERE position(? in encode(COALESCE(raw, ''), 'escape')) > 0 OR position(? in COALESCE(raw_text, '')) > 0`} {
			if n := e.DB.Count(t, q, s, s); n > 0 {
				t.Errorf("%d rows hold %q in the clear (%s)", n, s, q)
			}
		}
	}
}

// Files and stored emails are sealed under their call's data key (an email on no call under its
// own), read back whole through every reader, absent from the database's bytes, and refused
// with a clear error, never garbage, by a store without the key or with another one.
func TestFilesAndMailSealedAtRest(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		dan := storetest.Actor(e.F.Dan)
		fileText := []byte("Quarterly grievance notes ZEBRAFINCH-7731 written by the complainant\n")
		c, err := e.S.CreateCallWithAttachments(ctx, dan, desk.NewCall{Summary: "Notes attached", CustomerID: e.F.Dan.ID, Source: desk.SourcePortal},
			"Files: notes.txt", []desk.Upload{{Filename: "notes.txt", Data: fileText}}, desk.AttachmentRules{})
		if err != nil {
			t.Fatal(err)
		}
		atts, err := e.S.Attachments(ctx, c.ID, true)
		if err != nil || len(atts) != 1 {
			t.Fatalf("attachments %+v %v", atts, err)
		}
		a, err := e.S.Attachment(ctx, atts[0].ID)
		if err != nil || !bytes.Equal(a.Data, fileText) {
			t.Fatalf("attachment read back: %q %v", a.Data, err)
		}
		if r := rawAttachment(t, e, a.ID); r.key == 0 || bytes.Contains(r.data, []byte("ZEBRAFINCH")) {
			t.Fatalf("the file is not sealed: key %d", r.key)
		}

		// An email opening a call (sealed under the call's key) and one from a stranger, in
		// quarantine (under its own); the secret is in a header only, so only raw holds it.
		rules := store.IngestRules{PerSenderHour: 100}
		known := store.InMail{Mailbox: "sd", UIDValidity: 1, UID: 1, MessageID: "k1@mail.example", From: e.F.Dan.Email,
			Subject: "Laptop fan", Text: "It is loud", Raw: []byte("X-Case: OSPREY-4410\r\nSubject: Laptop fan\r\n\r\nIt is loud"),
			GroupID: e.F.ServiceDesk.ID, ProfileID: e.F.Outlook.ID}
		d1, err := e.S.IngestMail(ctx, known, rules)
		if err != nil || d1.CallRef == "" {
			t.Fatalf("take in: %+v %v", d1, err)
		}
		strangerRaw := []byte("X-Case: KESTREL-9920\r\nSubject: Hello\r\n\r\nPlease call me")
		stranger := store.InMail{Mailbox: "sd", UIDValidity: 1, UID: 2, MessageID: "s1@mail.example", From: "who@elsewhere.example",
			Subject: "Hello", Text: "Please call me", Raw: strangerRaw, GroupID: e.F.ServiceDesk.ID, ProfileID: e.F.Outlook.ID}
		d2, err := e.S.IngestMail(ctx, stranger, rules)
		if err != nil || d2.Disposition != store.MailQuarantine {
			t.Fatalf("quarantine: %+v %v", d2, err)
		}
		owner := func(mailID int64) string {
			var kind string
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT k.owner_kind FROM data_keys k JOIN mail_messages m ON m.key_id = k.id WHERE m.id = ?`), mailID).Scan(&kind); err != nil {
				t.Fatalf("the key of message %d: %v", mailID, err)
			}
			return kind
		}
		if o1, o2 := owner(d1.ID), owner(d2.ID); o1 != store.KeyOwnerCall || o2 != store.KeyOwnerMessage {
			t.Fatalf("keys owned by %q and %q", o1, o2)
		}
		if raw, _, err := e.S.QuarantinedRaw(ctx, d2.ID); err != nil || !bytes.Equal(raw, strangerRaw) {
			t.Fatalf("quarantined raw: %q %v", raw, err)
		}
		known1 := e.call(t, d1.CallRef)
		if ms, err := e.S.SARMailOf(ctx, []int64{known1.ID}); err != nil || len(ms) != 1 || !bytes.Equal(ms[0].Raw, known.Raw) {
			t.Fatalf("SAR mail: %+v %v", ms, err)
		}
		noPlaintext(t, e, "ZEBRAFINCH", "OSPREY", "KESTREL")

		// Another store on the same database: without the master key file, or with another key.
		plain, err := store.Open(ctx, e.DSN, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer plain.Close()
		if _, err := plain.Attachment(ctx, a.ID); desk.ErrorCode(err) != desk.EINTERNAL || !strings.Contains(err.Error(), "--master-keys-file") {
			t.Errorf("without keys: %v", err)
		}
		other, err := store.Open(ctx, e.DSN, store.Options{Keys: newRing(t, genKey(t))})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if _, err := other.Attachment(ctx, a.ID); desk.ErrorCode(err) != desk.EINTERNAL || !strings.Contains(err.Error(), "cannot be opened") {
			t.Errorf("with another key: %v", err)
		}
		if _, _, err := other.QuarantinedRaw(ctx, d2.ID); desk.ErrorCode(err) != desk.EINTERNAL {
			t.Errorf("quarantine with another key: %v", err)
		}
		if _, err := other.SARMailOf(ctx, []int64{known1.ID}); desk.ErrorCode(err) != desk.EINTERNAL {
			t.Errorf("SAR mail with another key: %v", err)
		}

		// Released onto a call, the message is sealed again under the call's key; its own is gone.
		old := rawMail(t, e, d2.ID)
		rel, err := e.S.ReleaseMail(ctx, storetest.Actor(e.F.Ann), d2.ID, e.F.Eve.ID, stranger, rules)
		if err != nil {
			t.Fatal(err)
		}
		if o := owner(d2.ID); o != store.KeyOwnerCall {
			t.Fatalf("released message's key owned by %q", o)
		}
		if _, err := e.S.OpenForTest(ctx, old.key, store.KeyOwnerMessage, d2.ID, "mail_messages.raw", old.data); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("the message's own key still opens its old copy: %v", err)
		}
		released := e.call(t, rel.CallRef)
		if ms, err := e.S.SARMailOf(ctx, []int64{released.ID}); err != nil || len(ms) != 1 || !bytes.Equal(ms[0].Raw, strangerRaw) {
			t.Fatalf("released mail: %+v %v", ms, err)
		}
	})
}

// A failed seal fails the write: a store whose master key cannot unwrap the call's data key
// (another key file) writes no file at all.
func TestFailedSealWritesNothing(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := e.newCall(t, desk.NewCall{})
		if _, err := e.S.AddEntryWithAttachments(ctx, storetest.Actor(e.F.Ann), c.Ref, desk.EntryNote, "first",
			[]desk.Upload{{Filename: "a.txt", Data: []byte("first file")}}, desk.AttachmentRules{}); err != nil {
			t.Fatal(err)
		}
		other, err := store.Open(ctx, e.DSN, store.Options{Keys: newRing(t, genKey(t))})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		before := e.DB.Count(t, `SELECT COUNT(*) FROM attachments`)
		entries := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries`)
		_, err = other.AddEntryWithAttachments(ctx, storetest.Actor(e.F.Ann), c.Ref, desk.EntryNote, "second",
			[]desk.Upload{{Filename: "b.txt", Data: []byte("second file")}}, desk.AttachmentRules{})
		if desk.ErrorCode(err) != desk.EINTERNAL || !strings.Contains(err.Error(), "cannot be opened") {
			t.Fatalf("a seal under a key it cannot unwrap: %v", err)
		}
		if e.DB.Count(t, `SELECT COUNT(*) FROM attachments`) != before || e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries`) != entries {
			t.Fatal("the failed write left a row")
		}
	})
}

// Erasure shreds: the data keys of the calls it touched are replaced (what they keep is sealed
// again under the new key and opens) and those of the emails on no call it emptied destroyed, so
// an old copy of a file or an email it removed (a backup) can no longer be opened; the mention
// finder found the file naming them inside its sealed text.
func TestErasureShredsSealedContent(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		add := func(ref, name, text string) int64 {
			t.Helper()
			en, err := e.S.AddEntryWithAttachments(ctx, ann, ref, desk.EntryNote, "file attached",
				[]desk.Upload{{Filename: name, Data: []byte(text)}}, desk.AttachmentRules{})
			if err != nil {
				t.Fatal(err)
			}
			return en.Attachments[0].ID
		}
		own := e.newCall(t, desk.NewCall{CustomerID: e.F.Dan.ID})
		ownFile := add(own.Ref, "own.txt", "Dan's own file, nothing more")
		eves := e.newCall(t, desk.NewCall{CustomerID: e.F.Eve.ID, Summary: "Eve's printer"})
		naming := add(eves.Ref, "cc.txt", "Copied to "+e.F.Dan.Email+" about the printer")
		kept := add(eves.Ref, "kept.txt", "Toner order for the second floor")
		// A message from Dan's address waiting in quarantine (on no call: its own key).
		var mailID int64
		{
			e.DB.MustExec(t, `UPDATE people SET email = 'dan.old@uni.example' WHERE id = ?`, e.F.Dan.ID)
			d, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "sd", UIDValidity: 1, UID: 9, MessageID: "q9@mail.example", From: e.F.Dan.Email,
				Subject: "Hello", Text: "hello", Raw: []byte("Subject: Hello\r\n\r\nhello from Dan"), GroupID: e.F.ServiceDesk.ID, ProfileID: e.F.Outlook.ID},
				store.IngestRules{PerSenderHour: 100})
			e.DB.MustExec(t, `UPDATE people SET email = ? WHERE id = ?`, e.F.Dan.Email, e.F.Dan.ID)
			if err != nil || d.Disposition != store.MailQuarantine {
				t.Fatalf("quarantine: %+v %v", d, err)
			}
			mailID = d.ID
		}
		// What an old backup holds.
		oldOwn, oldNaming, oldKept, oldMail := rawAttachment(t, e, ownFile), rawAttachment(t, e, naming), rawAttachment(t, e, kept), rawMail(t, e, mailID)
		if oldOwn.key == 0 || oldNaming.key == 0 || oldNaming.key != oldKept.key || oldMail.key == 0 {
			t.Fatalf("not sealed: %+v %+v %+v", oldOwn.key, oldNaming.key, oldMail.key)
		}

		rec, err := e.S.ErasePerson(ctx, storetest.Actor(e.F.Cat), desk.Erasure{PersonID: e.F.Dan.ID, Basis: desk.BasisConsent,
			Ground: desk.GroundConsentWithdrawn, Decision: "asked", Confirmed: true})
		if err != nil {
			t.Fatal(err)
		}
		if rec.Counts.CallKeys < 2 || rec.Counts.MessageKeys != 1 {
			t.Errorf("keys destroyed: %d of calls, %d of messages; want at least 2 and 1", rec.Counts.CallKeys, rec.Counts.MessageKeys)
		}
		if got, err := e.S.Erasure(ctx, e.F.Dan.ID); err != nil || got.Counts.CallKeys != rec.Counts.CallKeys || got.Counts.MessageKeys != 1 {
			t.Errorf("the erasure's record: %+v %v", got.Counts, err)
		}
		if _, err := e.S.Attachment(ctx, naming); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("the file naming them (in its sealed text) was not deleted: %v", err)
		}
		for name, c := range map[string]struct {
			r     sealedRow
			kind  string
			owner int64
			aad   string
		}{
			"own file": {oldOwn, store.KeyOwnerCall, own.ID, "attachments.data"}, "file naming them": {oldNaming, store.KeyOwnerCall, eves.ID, "attachments.data"},
			"kept file (old copy)": {oldKept, store.KeyOwnerCall, eves.ID, "attachments.data"}, "quarantined email": {oldMail, store.KeyOwnerMessage, mailID, "mail_messages.raw"},
		} {
			if _, err := e.S.OpenForTest(ctx, c.r.key, c.kind, c.owner, c.aad, c.r.data); desk.ErrorCode(err) != desk.ENOTFOUND {
				t.Errorf("the backup's copy of the %s still opens: %v", name, err)
			}
		}
		// The file the erasure kept opens under the call's new key.
		a, err := e.S.Attachment(ctx, kept)
		if err != nil || string(a.Data) != "Toner order for the second floor" {
			t.Fatalf("kept file: %q %v", a.Data, err)
		}
		if now := rawAttachment(t, e, kept); now.key == 0 || now.key == oldKept.key {
			t.Errorf("kept file's key %d, was %d", now.key, oldKept.key)
		}
	})
}

// Retention shreds too: a sweep that deletes a call's files replaces the call's data key (its
// email, kept, opens under the new one; the old copy of the file cannot be opened), and the
// anonymisation of the call destroys its key (the old copy of the email cannot be opened).
func TestRetentionShredsSealedContent(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		in := store.InMail{Mailbox: "sd", UIDValidity: 1, UID: 1, MessageID: "r1@mail.example", From: e.F.Dan.Email,
			Subject: "Old fault", Text: "broken", Raw: []byte("Subject: Old fault\r\n\r\nbroken since May"), GroupID: e.F.ServiceDesk.ID, ProfileID: e.F.Outlook.ID}
		d, err := e.S.IngestMail(ctx, in, store.IngestRules{PerSenderHour: 100})
		if err != nil || d.CallRef == "" {
			t.Fatalf("take in: %+v %v", d, err)
		}
		c := e.call(t, d.CallRef)
		en, err := e.S.AddEntryWithAttachments(ctx, storetest.Actor(e.F.Ann), c.Ref, desk.EntryNote, "log",
			[]desk.Upload{{Filename: "log.txt", Data: []byte("the fault log")}}, desk.AttachmentRules{})
		if err != nil {
			t.Fatal(err)
		}
		oldFile, oldMail := rawAttachment(t, e, en.Attachments[0].ID), rawMail(t, e, d.ID)
		if oldFile.key == 0 || oldFile.key != oldMail.key {
			t.Fatalf("keys %d and %d: want the call's, the same", oldFile.key, oldMail.key)
		}
		ended := e.S.Now().AddDate(-3, 0, 0).UnixMicro()
		e.DB.MustExec(t, `UPDATE calls SET state = 'closed', resolution = 'Fixed', resolved_at = ?, closed_at = ? WHERE id = ?`, ended, ended, c.ID)
		rules, err := e.S.RetentionRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		dpo := storetest.Actor(e.F.Cat)
		if line, err := e.S.SweepClass(ctx, dpo, store.NewRetentionPlan(rules, e.S.Now()), store.ClassAttachments, false); err != nil || line.Count != 1 {
			t.Fatalf("attachments sweep: %+v %v", line, err)
		}
		if _, err := e.S.OpenForTest(ctx, oldFile.key, store.KeyOwnerCall, c.ID, "attachments.data", oldFile.data); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("the old copy of the swept file still opens: %v", err)
		}
		if raw, err := e.S.StoredMail(ctx, d.ID); err != nil || !bytes.Equal(raw, in.Raw) {
			t.Fatalf("the kept email: %q %v", raw, err)
		}
		now := rawMail(t, e, d.ID)
		if now.key == 0 || now.key == oldMail.key {
			t.Fatalf("the email's key %d, was %d", now.key, oldMail.key)
		}
		if line, err := e.S.SweepClass(ctx, dpo, store.NewRetentionPlan(rules, e.S.Now().AddDate(10, 0, 0)), store.ClassClosedCalls, false); err != nil || line.Count < 1 {
			t.Fatalf("closed calls sweep: %+v %v", line, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM data_keys WHERE owner_kind = 'call' AND owner_id = ?`, c.ID); n != 0 {
			t.Errorf("the anonymised call still has %d data keys", n)
		}
		if _, err := e.S.OpenForTest(ctx, now.key, store.KeyOwnerCall, c.ID, "mail_messages.raw", now.data); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("the old copy of the anonymised call's email still opens: %v", err)
		}
	})
}

// The mention finder reads sealed files a page at a time, in id order, however many name the
// person: 250 files naming Dan (more than a page) are all found, on both engines.
func TestMentionsInSealedFilesPastOnePage(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := e.newCall(t, desk.NewCall{CustomerID: e.F.Eve.ID})
		for n := 0; n < 25; n++ {
			var files []desk.Upload
			for i := 0; i < desk.MaxAttachmentsPerEntry; i++ {
				files = append(files, desk.Upload{Filename: fmt.Sprintf("f%d-%d.txt", n, i), Data: []byte(fmt.Sprintf("Copied to %s (%d)", e.F.Dan.Email, n*10+i))})
			}
			if _, err := e.S.AddEntryWithAttachments(ctx, storetest.Actor(e.F.Ann), c.Ref, desk.EntryNote, "files", files, desk.AttachmentRules{}); err != nil {
				t.Fatal(err)
			}
		}
		ms, err := e.S.FindMentions(ctx, desk.NewScrubber(desk.IdentifiersOf(e.F.Dan), "x"), store.MentionOptions{Tables: []string{"attachments"}})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for _, m := range ms {
			if m.Column == "data" {
				seen[m.ID] = true
			}
		}
		if len(seen) != 250 {
			t.Fatalf("found %d of the 250 sealed files naming Dan", len(seen))
		}
	})
}
