package store_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"calldesk/internal/backup"
	"calldesk/internal/desk"
	"calldesk/internal/keys"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// backupPlaintext is what a backup's payload holds, as text to scan: SQLite's database file;
// PostgreSQL's dump as pg_restore prints it (the custom format is compressed).
func backupPlaintext(t *testing.T, engine, file string, id age.Identity) []byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, payload, err := backup.Open(f, id)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(payload)
	if err != nil {
		t.Fatal(err)
	}
	if engine == "sqlite" {
		return raw
	}
	dump := filepath.Join(t.TempDir(), "dump")
	if err := os.WriteFile(dump, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pg_restore", "--file=-", dump).Output()
	if err != nil {
		t.Fatalf("pg_restore --file=-: %v", err)
	}
	return out
}

// TestKeyBackups (issue 20 point 4): a database backup holds no byte of a data key, and its key
// backup beside it holds them all; neither holds the master key. An old backup restored with a newer key backup, after a
// shredding, opens everything but the shredded content (counted as unreadable); with its own key
// backup it opens everything. An import can run again; new data keys of a restored database take
// ids never handed out before; a master key file without the key refuses clearly.
func TestKeyBackups(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		if e.Engine == "postgres" && strings.Contains(e.DSN, store.PoolerParam+"=transaction") {
			t.Skip("the tests' PostgreSQL is reached through a transaction pooler: backups need the server itself")
		}
		const aad = "attachments.data"
		type sealed struct {
			owner, key int64
			c          []byte
		}
		seal := func(s *store.Store, owner int64) sealed {
			t.Helper()
			id, c, err := s.SealForTest(ctx, store.KeyOwnerCall, owner, aad, []byte(fmt.Sprintf("content of call %d", owner)))
			if err != nil || id == 0 {
				t.Fatalf("seal %d: %d %v", owner, id, err)
			}
			return sealed{owner, id, c}
		}
		opens := func(s *store.Store, x sealed) error {
			t.Helper()
			p, err := s.OpenForTest(ctx, x.key, store.KeyOwnerCall, x.owner, aad, x.c)
			if err == nil && string(p) != fmt.Sprintf("content of call %d", x.owner) {
				t.Errorf("call %d opens as %q", x.owner, p)
			}
			return err
		}
		one, two, three := seal(e.S, 1), seal(e.S, 2), seal(e.S, 3)
		for owner := int64(100); owner < 400; owner++ { // enough to fill pages that are freed whole
			seal(e.S, owner)
		}
		var wrapped [][]byte
		rows, err := e.DB.Query(`SELECT wrapped FROM data_keys`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var w []byte
			rows.Scan(&w)
			wrapped = append(wrapped, w)
		}
		rows.Close()
		if len(wrapped) != 303 {
			t.Fatalf("%d data keys, want 303", len(wrapped))
		}

		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		opts := backup.Options{Store: e.S, DSN: e.DSN, Recipients: []age.Recipient{id.Recipient()}, Version: "test", TempDir: dir}
		old := filepath.Join(dir, "old.age")
		if _, err := backup.WriteFile(ctx, old, opts); err != nil {
			t.Fatal(err)
		}
		plain := backupPlaintext(t, e.Engine, old, id)
		if !bytes.Contains(plain, []byte("mk-test-1")) {
			t.Fatal("the scan does not see the backup's plaintext (the master key's id in master_keys is missing)")
		}
		held := 0
		for _, w := range wrapped {
			if bytes.Contains(plain, w) || bytes.Contains(plain, []byte(hex.EncodeToString(w))) {
				held++
			}
		}
		if held > 0 {
			t.Errorf("the database backup holds %d of the %d wrapped data keys", held, len(wrapped))
		}
		// Neither file holds the master key (the test key's bytes are 0 to 31).
		masterRaw := make([]byte, 32)
		for i := range masterRaw {
			masterRaw[i] = byte(i)
		}
		kf, err := os.Open(old + backup.KeysSuffix)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := age.Decrypt(kf, id)
		if err != nil {
			t.Fatal(err)
		}
		keysPlain, err := io.ReadAll(dec)
		kf.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(keysPlain, []byte(base64.StdEncoding.EncodeToString(wrapped[0]))) {
			t.Error("the key backup does not hold the data keys")
		}
		for name, p := range map[string][]byte{"backup": plain, "key backup": keysPlain} {
			if bytes.Contains(p, masterRaw) || bytes.Contains(p, []byte(base64.StdEncoding.EncodeToString(masterRaw))) || bytes.Contains(p, []byte(hex.EncodeToString(masterRaw))) {
				t.Errorf("the %s holds the master key", name)
			}
		}
		km, err := backup.OpenKeysFile(old+backup.KeysSuffix, id)
		if err != nil || km.DataKeys != 303 || km.Masters != 1 || km.Engine != e.Engine {
			t.Fatalf("the key backup: %+v %v", km, err)
		}
		if _, err := backup.OpenKeysFile(old+backup.KeysSuffix, identityFor(t)); err == nil || !strings.Contains(err.Error(), "other recipients") {
			t.Errorf("a key backup with another identity: %v", err)
		}
		raw, _ := os.ReadFile(old + backup.KeysSuffix)
		cut := filepath.Join(dir, "cut.keys")
		os.WriteFile(cut, raw[:len(raw)-20], 0o600)
		if _, err := backup.OpenKeysFile(cut, id); err == nil || !strings.Contains(err.Error(), "damaged or cut short") {
			t.Errorf("a key backup cut short: %v", err)
		}

		// Call 2's key is shredded, call 4 gets one; a newer backup is taken.
		if n, err := e.S.ShredForTest(ctx, store.KeyOwnerCall, 2); err != nil || n != 1 {
			t.Fatalf("shred: %d %v", n, err)
		}
		four := seal(e.S, 4)
		newer := filepath.Join(dir, "newer.age")
		e.Clock.Advance(time.Hour)
		if _, err := backup.WriteFile(ctx, newer, opts); err != nil {
			t.Fatal(err)
		}

		actor := desk.System("test")
		restore := func(file, keyFile string) (*store.Store, store.KeyImport, string) {
			t.Helper()
			target := storetest.DSN(t, e.Engine)
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, payload, err := backup.Open(f, id)
			if err != nil {
				t.Fatal(err)
			}
			if err := backup.Restore(ctx, m, payload, target, ""); err != nil {
				t.Fatal(err)
			}
			r, err := store.Open(ctx, target, store.Options{Now: e.Clock.Now, MustExist: true, Keys: storetest.Keys(t)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			if err := opens(r, one); err == nil {
				t.Error("a restored database opens sealed content before its keys are imported")
			}
			_, imp, err := backup.RestoreKeys(ctx, r, actor, keyFile, id)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.CheckKeys(ctx); err != nil {
				t.Errorf("the master keys after the import: %v", err)
			}
			return r, imp, target
		}

		// The old backup with the newest key backup: all but the shredded call open.
		r, imp, target := restore(old, newer+backup.KeysSuffix)
		if imp.DataKeys != 303 || imp.Already != 0 {
			t.Errorf("imported %+v, want 303 data keys (calls 1, 3, 4 and 100 to 399)", imp)
		}
		for _, x := range []sealed{one, three, four} {
			if err := opens(r, x); err != nil {
				t.Errorf("call %d after the restore: %v", x.owner, err)
			}
		}
		if err := opens(r, two); desk.ErrorCode(err) != desk.ENOTFOUND || !strings.Contains(err.Error(), "destroyed") {
			t.Errorf("the shredded call's content after the restore: %v", err)
		}
		// The key backup's ids went past the database backup's: a new key takes an id above them.
		if six := seal(r, 6); six.key <= four.key {
			t.Errorf("a new data key after the restore has id %d, handed out before (call 4's was %d)", six.key, four.key)
		}
		// A sealed table whose rows are under call 2's key (shredded), call 1's, none, or call 2's
		// with the content gone: one row is unreadable.
		raw2 := storetest.Raw(t, e.Engine, target)
		raw2.MustExec(t, `CREATE TABLE scratch_sealed (id BIGINT PRIMARY KEY, key_id BIGINT, data TEXT)`)
		raw2.MustExec(t, `INSERT INTO scratch_sealed (id, key_id, data) VALUES (1, ?, 'x'), (2, ?, 'y'), (3, NULL, 'z'), (4, ?, NULL)`, two.key, one.key, two.key)
		imp, err = r.ImportKeysCountingForTest(ctx, actor, "nothing", func(func(store.KeyRow) error) error { return nil }, "scratch_sealed")
		if err != nil || !imp.Counted || len(imp.Unreadable) != 1 || imp.Unreadable[0] != (store.UnreadableContent{Table: "scratch_sealed", Rows: 1}) || imp.UnreadableRows() != 1 {
			t.Errorf("unreadable rows: %+v %v", imp, err)
		}
		if n := raw2.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'keys.import'`); n != 2 {
			t.Errorf("%d key imports audited, want 2", n)
		}

		// The old backup with its own key backup: everything opens; importing again adds nothing.
		r, imp, target = restore(old, old+backup.KeysSuffix)
		if !imp.Counted || imp.UnreadableRows() != 0 {
			t.Errorf("the import with the backup's own key backup: %+v", imp)
		}
		for _, x := range []sealed{one, two, three} {
			if err := opens(r, x); err != nil {
				t.Errorf("call %d after the restore with its own key backup: %v", x.owner, err)
			}
		}
		// Run again, into a database whose schema is older than this calldesk's (a backup taken
		// before an upgrade): the keys go in; the unreadable content is not counted.
		storetest.Raw(t, e.Engine, target).MustExec(t, `DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`)
		_, imp, err = backup.RestoreKeys(ctx, r, actor, old+backup.KeysSuffix, id)
		if err != nil || imp.DataKeys != 0 || imp.Already != 303 || imp.Masters != 0 || imp.Counted {
			t.Errorf("an import run again, into an older schema: %+v %v", imp, err)
		}

		// The newer backup with the older key backup: its keys' ids went up to call 4's; a new
		// key takes an id above it, not one handed out before.
		r, _, _ = restore(newer, old+backup.KeysSuffix)
		five := seal(r, 5)
		if five.key <= four.key {
			t.Errorf("a new data key after the restore has id %d, handed out before (call 4's was %d)", five.key, four.key)
		}

		// Another master key file: the restored database refuses it, saying why; content never
		// opens as garbage.
		other, err := keys.Parse([]byte("mk-other-1 "+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))+"\n"), "another file")
		if err != nil {
			t.Fatal(err)
		}
		r.SetKeys(other)
		if err := r.CheckKeys(ctx); err == nil || !strings.Contains(err.Error(), "lacks master key mk-test-1") {
			t.Errorf("another master key file: %v", err)
		}
		if err := opens(r, one); err == nil || !strings.Contains(err.Error(), "cannot be opened") {
			t.Errorf("content under another master key file: %v", err)
		}
	})
}

func identityFor(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}
