package backup_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"calldesk/internal/audit"
	"calldesk/internal/backup"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func identity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// direct is the source database's URL as backups need it: the server's own, not PgBouncer's
// (the tests may run through it), which backups refuse with a clear message.
func direct(t *testing.T, e *storetest.Env) string {
	t.Helper()
	if e.Engine == "postgres" && strings.Contains(e.DSN, store.PoolerParam+"=transaction") {
		t.Skip("the tests' PostgreSQL is reached through a transaction pooler: backups need the server itself")
	}
	return e.DSN
}

// TestBackupRoundTrip (issue 20 point 5): a backup of a database holding a call with an
// attachment, taken while the store is open, restores into a new database with the call, the
// file's bytes and an audit chain that verifies; its bytes hold none of the call's words
// (encrypted), two recipients can each read it and a third cannot; a damaged or cut backup
// restores nothing; a restore never goes over a database.
func TestBackupRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		src := direct(t, e)
		ann := storetest.Actor(e.F.Ann)
		const secretWords = "Quarterly grievance about the Zanzibar committee"
		c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Summary: secretWords, CustomerID: e.F.Dan.ID})
		if err != nil {
			t.Fatal(err)
		}
		fileData := []byte("log line one\nlog line two: Xylophone-7731\n")
		if _, err := e.S.AddEntryWithAttachments(ctx, ann, c.Ref, desk.EntryNote, "the customer's log",
			[]desk.Upload{{Filename: "client.log", Data: fileData}}, desk.AttachmentRules{}); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Seal(ctx, e.S); err != nil {
			t.Fatal(err)
		}
		alice, bob, eve := identity(t), identity(t), identity(t)
		rs, err := backup.ParseRecipients(alice.Recipient().String() + ", " + bob.Recipient().String())
		if err != nil || len(rs) != 2 {
			t.Fatalf("recipients: %v %d", err, len(rs))
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "calldesk.age")
		m, err := backup.WriteFile(ctx, file, backup.Options{Store: e.S, DSN: src, Recipients: rs, Version: "test", TempDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if m.Engine != e.Engine || m.Schema == 0 {
			t.Errorf("manifest %+v", m)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 2 {
			t.Errorf("files beside the backup and its key backup (snapshot or partial): %v", left)
		}
		if _, err := os.Stat(file + backup.KeysSuffix); err != nil {
			t.Errorf("no key backup beside the backup: %v", err)
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, plain := range []string{secretWords, "Xylophone-7731", "Zanzibar", "calldesk-backup"} {
			if bytes.Contains(raw, []byte(plain)) {
				t.Errorf("the backup's bytes hold %q in the clear", plain)
			}
		}
		if _, err := backup.WriteFile(ctx, file, backup.Options{Store: e.S, DSN: src, Recipients: rs}); err == nil || !strings.Contains(err.Error(), "exists") {
			t.Errorf("a backup over an existing file: %v", err)
		}
		if _, _, err := backup.Open(bytes.NewReader(raw), eve); err == nil || !strings.Contains(err.Error(), "other recipients") {
			t.Errorf("someone else's identity: %v", err)
		}

		restoreTo := func(t *testing.T, data []byte, id age.Identity) (string, error) {
			t.Helper()
			target := storetest.DSN(t, e.Engine)
			if e.Engine == "postgres" {
				target = direct(t, &storetest.Env{Engine: e.Engine, DSN: target})
			}
			m, payload, err := backup.Open(bytes.NewReader(data), id)
			if err != nil {
				return target, err
			}
			return target, backup.Restore(ctx, m, payload, target, "")
		}
		// Bob's identity alone restores it.
		target, err := restoreTo(t, raw, bob)
		if err != nil {
			t.Fatal(err)
		}
		r, err := store.Open(ctx, target, store.Options{Now: e.Clock.Now, MustExist: true, Keys: storetest.Keys(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if err := r.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		if _, imp, err := backup.RestoreKeys(ctx, r, desk.System("test"), file+backup.KeysSuffix, bob); err != nil || imp.UnreadableRows() != 0 {
			t.Fatalf("the data keys after the restore: %+v %v", imp, err)
		}
		if err := r.CheckKeys(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := r.FindCallByRef(ctx, c.Ref)
		if err != nil || got.Summary != secretWords {
			t.Fatalf("the call after the restore: %+v %v", got, err)
		}
		files, err := r.Attachments(ctx, got.ID, true)
		if err != nil || len(files) != 1 {
			t.Fatalf("attachments after the restore: %v %v", files, err)
		}
		a, err := r.Attachment(ctx, files[0].ID)
		if err != nil || !bytes.Equal(a.Data, fileData) {
			t.Fatalf("the attachment's bytes after the restore: %q %v", a.Data, err)
		}
		rep, err := audit.Verify(ctx, r)
		if err != nil || !rep.OK() || rep.Checked == 0 {
			t.Fatalf("the restored audit trail: %+v %v", rep, err)
		}
		if e.Engine == "sqlite" {
			if err := backup.Restore(ctx, m, bytes.NewReader(nil), target, ""); err == nil || !strings.Contains(err.Error(), "exists") {
				t.Errorf("a restore over a database file: %v", err)
			}
		}

		// Damaged: one byte changed in the middle, or the file cut short. Nothing is restored.
		for name, bad := range map[string][]byte{
			"a byte changed": func() []byte { b := bytes.Clone(raw); b[len(b)/2] ^= 1; return b }(),
			"cut short":      raw[:len(raw)*2/3],
		} {
			target, err := restoreTo(t, bad, alice)
			if err == nil {
				t.Errorf("%s: restored", name)
				continue
			}
			switch e.Engine {
			case "sqlite":
				if _, serr := os.Stat(target); !errors.Is(serr, os.ErrNotExist) {
					t.Errorf("%s: a file was left at the target (%v)", name, serr)
				}
				if left, _ := filepath.Glob(filepath.Join(filepath.Dir(target), ".*restoring*")); len(left) > 0 {
					t.Errorf("%s: partial files left: %v", name, left)
				}
			case "postgres":
				s, oerr := store.Open(ctx, target, store.Options{})
				if oerr != nil {
					t.Fatal(oerr)
				}
				empty, eerr := s.EmptyDatabase(ctx)
				s.Close()
				if eerr != nil || !empty {
					t.Errorf("%s: the target is not left empty (%v)", name, eerr)
				}
			}
		}
	})
}

// TestBackupRefusals: no recipient, a bad recipient, a file that is not a backup, a backup of
// the other engine, and a PostgreSQL URL through a transaction pooler are each refused, saying why.
func TestBackupRefusals(t *testing.T) {
	t.Parallel()
	if _, err := backup.ParseRecipients(" # only a comment\n"); err == nil || !strings.Contains(err.Error(), "no age recipient") {
		t.Errorf("no recipients: %v", err)
	}
	if _, err := backup.ParseRecipients("age1notakey"); err == nil || !strings.Contains(err.Error(), "is not an age recipient") {
		t.Errorf("a bad recipient: %v", err)
	}
	id := identity(t)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "just some text\n")
	w.Close()
	if _, _, err := backup.Open(&buf, id); err == nil || !strings.Contains(err.Error(), "not a calldesk backup") {
		t.Errorf("an age file that is not a backup: %v", err)
	}
	if _, _, err := backup.Open(strings.NewReader("plain text"), id); err == nil || !strings.Contains(err.Error(), "not an age-encrypted") {
		t.Errorf("not an age file: %v", err)
	}
	sqliteBackup := backup.Manifest{Engine: "sqlite", Payload: "sqlite-file"}
	if err := backup.Restore(context.Background(), sqliteBackup, strings.NewReader(""), "postgres://x@127.0.0.1/y", ""); err == nil || !strings.Contains(err.Error(), "SQLite file path") {
		t.Errorf("a SQLite backup into PostgreSQL: %v", err)
	}
	pg := backup.Manifest{Engine: "postgres", Payload: "pg_dump-custom"}
	if err := backup.Restore(context.Background(), pg, strings.NewReader(""), "postgres://x@127.0.0.1/y?pooler=transaction", ""); err == nil || !strings.Contains(err.Error(), "not a pooler") {
		t.Errorf("through a pooler: %v", err)
	}
	if err := backup.Restore(context.Background(), pg, strings.NewReader(""), filepath.Join(t.TempDir(), "x.db"), ""); err == nil || !strings.Contains(err.Error(), "postgres:// URL") {
		t.Errorf("a PostgreSQL backup into a file: %v", err)
	}
}

// TestScheduledBackups: the schedule takes one backup when due, one instance of two, none again
// until the next is due, keeps the newest Keep and removes the rest, and the newest KeepKeys key
// backups (the newest beside the newest backup); each is audited.
func TestScheduledBackups(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		src := direct(t, e)
		second, err := store.Open(ctx, src, store.Options{Now: e.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer second.Close()
		dir := t.TempDir()
		rs, _ := backup.ParseRecipients(identity(t).Recipient().String())
		sched := func(s *store.Store) *backup.Schedule {
			return &backup.Schedule{Options: backup.Options{Store: s, DSN: src, Recipients: rs, TempDir: t.TempDir()}, Dir: dir, Every: 24 * time.Hour, Keep: 3, KeepKeys: 1}
		}
		a, b := sched(e.S), sched(second)
		files := func(pattern string) []string {
			n, _ := filepath.Glob(filepath.Join(dir, pattern))
			return n
		}
		for day := 0; day < 4; day++ {
			for _, x := range []*backup.Schedule{a, b, a, b} {
				if err := x.Run(ctx); err != nil {
					t.Fatal(err)
				}
			}
			backups, keys := files("calldesk-*.age"), files("calldesk-*.age"+backup.KeysSuffix)
			if want := min(day+1, 3); len(backups) != want {
				t.Fatalf("day %d: %d backups in the directory, want %d", day, len(backups), want)
			}
			if len(keys) != 1 || keys[0] != backups[len(backups)-1]+backup.KeysSuffix {
				t.Fatalf("day %d: key backups %v beside backups %v, want the newest's alone", day, keys, backups)
			}
			e.Clock.Advance(24*time.Hour + time.Minute)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'backup.write'`); n != 4 {
			t.Errorf("%d backups audited, want 4", n)
		}
	})
}
