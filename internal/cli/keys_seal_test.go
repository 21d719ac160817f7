package cli

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/keys"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// calldesk keys seal seals, while nothing else changes, the content a desk wrote before it was
// given a master key file: afterwards the special call's text and diary and the file are under
// their call's key, a store with the key file reads them as written, the plain call stays plain,
// and (SQLite) the database file holds none of the special call's words after the command's
// checkpoint. Without the key file it refuses; run again, it seals nothing.
func TestKeysSealCommand(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			s := storetest.OpenDSN(t, engine, dsn, nil)
			s.SetKeys(nil)
			f := storetest.Seed(t, s)
			ann := storetest.Actor(f.Ann)
			const secret, plainText = "wombatmarker flares after the clinic", "plainmarker the printer jams"
			plain, err := s.CreateCall(ctx, ann, desk.NewCall{Summary: "Printer jams", Description: plainText, CustomerID: f.Dan.ID, GroupID: f.Networks.ID})
			if err != nil {
				t.Fatal(err)
			}
			special, err := s.CreateCall(ctx, ann, desk.NewCall{Summary: "Adjustments", Description: secret, CustomerID: f.Dan.ID, GroupID: f.Networks.ID, SpecialCategory: true})
			if err != nil {
				t.Fatal(err)
			}
			// Its diary: the entry of its logging and a note.
			if _, err := s.AddEntry(ctx, ann, special.Ref, desk.EntryNote, "wombatnote the letter arrived"); err != nil {
				t.Fatal(err)
			}
			file := []byte("wombatfile notes of the complainant\n")
			withFile, err := s.CreateCallWithAttachments(ctx, storetest.Actor(f.Dan), desk.NewCall{Summary: "Notes", CustomerID: f.Dan.ID, Source: desk.SourcePortal},
				"Files: notes.txt", []desk.Upload{{Filename: "notes.txt", Data: file}}, desk.AttachmentRules{})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			raw := storetest.Raw(t, engine, dsn)
			dbBytes := func() []byte {
				t.Helper()
				var all []byte
				for _, p := range []string{dsn, dsn + "-wal"} {
					b, err := os.ReadFile(p)
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					all = append(all, b...)
				}
				return all
			}
			if engine == "sqlite" {
				raw.MustExec(t, `PRAGMA wal_checkpoint(TRUNCATE)`)
				if !bytes.Contains(dbBytes(), []byte("wombatmarker")) {
					t.Fatal("the plain special call's text is not in the database file: the check cannot see")
				}
			}

			keyFile := filepath.Join(t.TempDir(), "master.keys")
			if r := runCLI(t, nil, "keys", "seal", "--db", dsn); r.code != 2 || !strings.Contains(r.stderr, "--master-keys-file is required") {
				t.Fatalf("seal without the key file: %+v", r)
			}
			if r := runCLI(t, nil, "keys", "generate", "--out", keyFile); r.code != 0 {
				t.Fatalf("generate: %+v", r)
			}
			r := runCLI(t, nil, "keys", "seal", "--db", dsn, "--master-keys-file", keyFile, "--batch", "1")
			if r.code != 0 {
				t.Fatalf("seal: %+v", r)
			}
			for _, want := range []string{"calls: sealed 1 rows", "calls: done, 1 rows sealed", "attachments: done, 1 rows sealed",
				"diary_entries: done, 2 rows sealed", "(attachments 1, mail_messages 0, calls 1, diary_entries 2, sar_bundles 0, second_factors 0, sar_redactions 0)"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("the output lacks %q:\n%s", want, r.stdout)
				}
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND key_id IS NOT NULL AND description NOT LIKE '%wombat%'`, special.ID); n != 1 {
				t.Error("the special call is not sealed")
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND body <> '' AND key_id IS NULL`, special.ID); n != 0 {
				t.Errorf("%d entries of the special call are plain", n)
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND key_id IS NULL AND description = ?`, plain.ID, plainText); n != 1 {
				t.Error("the plain call is not plain")
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM attachments WHERE call_id = ? AND key_id IS NOT NULL`, withFile.ID); n != 1 {
				t.Error("the file is not sealed")
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'keys.seal' AND actor = 'calldesk (calldesk keys seal)'`); n != 4 {
				t.Errorf("%d audit records of the seal, want 4 (batches of 1)", n)
			}
			if engine == "sqlite" {
				raw.MustExec(t, `PRAGMA wal_checkpoint(TRUNCATE)`)
				all := dbBytes()
				if !bytes.Contains(all, []byte("plainmarker")) {
					t.Fatal("the plain call's text is not in the database file: the check cannot see")
				}
				for _, word := range []string{"wombatmarker", "wombatnote", "wombatfile"} {
					if bytes.Contains(all, []byte(word)) {
						t.Errorf("the database file still holds %q", word)
					}
				}
			}

			// A store with the key file reads everything as written.
			ring, err := keys.Load(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			ks, err := store.Open(ctx, dsn, store.Options{Keys: ring})
			if err != nil {
				t.Fatal(err)
			}
			defer ks.Close()
			if c, err := ks.FindCallByRef(ctx, special.Ref); err != nil || c.Description != secret {
				t.Errorf("the special call read back: %q %v", c.Description, err)
			}
			atts, err := ks.Attachments(ctx, withFile.ID, true)
			if err != nil || len(atts) != 1 {
				t.Fatalf("attachments: %+v %v", atts, err)
			}
			if a, err := ks.Attachment(ctx, atts[0].ID); err != nil || !bytes.Equal(a.Data, file) {
				t.Errorf("the file read back: %q %v", a.Data, err)
			}
			var key sql.NullInt64
			if err := raw.QueryRow(raw.Rebind(`SELECT key_id FROM calls WHERE id = ?`), special.ID).Scan(&key); err != nil || !key.Valid {
				t.Fatalf("key: %v %v", key, err)
			}

			// Run again: nothing is left to seal.
			if r := runCLI(t, nil, "keys", "seal", "--db", dsn, "--master-keys-file", keyFile); r.code != 0 || !strings.Contains(r.stdout, "sealed 0 rows") {
				t.Errorf("a second run: %+v", r)
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM calls WHERE key_id = ?`, key.Int64); n != 1 {
				t.Error("the second run changed the sealed call's key")
			}
		})
	}
}
