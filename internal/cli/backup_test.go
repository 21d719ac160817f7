package cli

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"calldesk/internal/keys"
)

// TestBackupAndRestoreCommands (issue 20 point 5): calldesk backup writes an encrypted backup of
// a running desk's database and audits it; calldesk restore brings it back into a new file and
// checks its audit trail; the wrong identity, an existing target and a backup without recipients
// are refused, saying why, with nothing written.
func TestBackupAndRestoreCommands(t *testing.T) {
	path, _, _, call := seededDB(t)
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := age.GenerateX25519Identity()
	ids, wrong := filepath.Join(dir, "keys.txt"), filepath.Join(dir, "other.txt")
	os.WriteFile(ids, []byte("# created by the test\n"+id.String()+"\n"), 0o600)
	os.WriteFile(wrong, []byte(other.String()+"\n"), 0o600)
	recips := filepath.Join(dir, "recipients.txt")
	os.WriteFile(recips, []byte("# the desk's backup keys\n"+id.Recipient().String()+"\n"), 0o600)
	out := filepath.Join(dir, "desk.age")

	if r := runCLI(t, nil, "backup", "--db", path, "--out", out); r.code != 2 || !strings.Contains(r.stderr, "--backup-recipients") {
		t.Errorf("no recipients: %+v", r)
	}
	r := runCLI(t, map[string]string{"CALLDESK_BACKUP_RECIPIENTS_FILE": recips}, "backup", "--db", path, "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "backup written to") || !strings.Contains(r.stdout, "its data keys in "+out+".keys") {
		t.Fatalf("backup: %+v", r)
	}
	if _, err := os.Stat(out + ".keys"); err != nil {
		t.Fatalf("no key backup beside the backup: %v", err)
	}
	raw, _ := sql.Open("sqlite", path)
	var n int
	raw.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'backup.write'`).Scan(&n)
	raw.Close()
	if n != 1 {
		t.Errorf("%d backups audited, want 1", n)
	}

	target := filepath.Join(dir, "restored.db")
	if r := runCLI(t, nil, "restore", "--in", out, "--identities", wrong, "--db", target); r.code != 2 || !strings.Contains(r.stderr, "nothing was restored") || !strings.Contains(r.stderr, "other recipients") {
		t.Errorf("the wrong identity: %+v", r)
	}
	if _, err := os.Stat(target); err == nil {
		t.Fatal("a refused restore left a file")
	}
	r = runCLI(t, nil, "restore", "--in", out, "--identities", ids, "--db", target)
	if r.code != 0 || !strings.Contains(r.stdout, "its audit trail verifies") || !strings.Contains(r.stdout, "with 0 data keys from "+out+".keys") {
		t.Fatalf("restore: %+v", r)
	}
	got, _ := sql.Open("sqlite", target)
	var summary string
	if err := got.QueryRow(`SELECT summary FROM calls WHERE id = ?`, call.ID).Scan(&summary); err != nil || summary != call.Summary {
		t.Errorf("the call after the restore: %q %v", summary, err)
	}
	got.Close()
	if r := runCLI(t, nil, "restore", "--in", out, "--identities", ids, "--db", target); r.code != 2 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("a restore over a database: %+v", r)
	}

	// Without its key backup (pruned: key backups are kept fewer), a restore says what to give,
	// restoring nothing; --keys names another, --keys none goes without; a damaged one is refused.
	moved := filepath.Join(dir, "newest.keys")
	if err := os.Rename(out+".keys", moved); err != nil {
		t.Fatal(err)
	}
	other2 := filepath.Join(dir, "restored2.db")
	if r := runCLI(t, nil, "restore", "--in", out, "--identities", ids, "--db", other2); r.code != 2 || !strings.Contains(r.stderr, "nothing was restored") || !strings.Contains(r.stderr, "--keys") {
		t.Errorf("no key backup: %+v", r)
	}
	os.WriteFile(filepath.Join(dir, "bad.keys"), []byte("not a key backup"), 0o600)
	if r := runCLI(t, nil, "restore", "--in", out, "--identities", ids, "--db", other2, "--keys", filepath.Join(dir, "bad.keys")); r.code != 2 || !strings.Contains(r.stderr, "nothing was restored") || !strings.Contains(r.stderr, "not an age-encrypted calldesk key backup") {
		t.Errorf("a damaged key backup: %+v", r)
	}
	if _, err := os.Stat(other2); err == nil {
		t.Fatal("a refused restore left a file")
	}
	if r := runCLI(t, nil, "restore", "--in", out, "--identities", ids, "--db", other2, "--keys", moved); r.code != 0 || !strings.Contains(r.stdout, "data keys from "+moved) {
		t.Errorf("restore --keys: %+v", r)
	}
	if r := runCLI(t, nil, "restore", "--in", out, "--identities", ids, "--db", filepath.Join(dir, "restored3.db"), "--keys", "none"); r.code != 0 || !strings.Contains(r.stdout, "without data keys") {
		t.Errorf("restore --keys none: %+v", r)
	}
	if r := runCLI(t, nil, "serve", "--db", path, "--backup-dir", dir, "--backup-recipients", id.Recipient().String(), "--backup-keep-keys", "0"); r.code != 2 || !strings.Contains(r.stderr, "backup-keep-keys") {
		t.Errorf("no key backup kept: %+v", r)
	}
	if r := runCLI(t, nil, "serve", "--db", path, "--backup-dir", dir); r.code != 2 || !strings.Contains(r.stderr, "--backup-recipients") {
		t.Errorf("scheduled backups without recipients: %+v", r)
	}
}

// TestRestoreChecksTheMasterKeys (issue 20 point 4): a backup of a database holding a data key
// restores it from the key backup beside it; the restored database is checked against
// --master-keys-file: the file the desk ran with opens it (exit 0), none or another file is named
// as the problem (exit 1, the data restored).
func TestRestoreChecksTheMasterKeys(t *testing.T) {
	path, _, _, _ := seededDB(t)
	dir := t.TempDir()
	file, other := filepath.Join(dir, "master.keys"), filepath.Join(dir, "other.keys")
	for _, f := range []string{file, other} {
		if r := runCLI(t, nil, "keys", "generate", "--out", f); r.code != 0 {
			t.Fatalf("generate: %+v", r)
		}
	}
	if r := runCLI(t, nil, "keys", "rotate", "--db", path, "--master-keys-file", file); r.code != 0 {
		t.Fatalf("rotate: %+v", r)
	}
	ring, err := keys.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	master, wrapped := ring.Wrap("call 1", keys.NewDataKey())
	raw, _ := sql.Open("sqlite", path)
	if _, err := raw.Exec(`INSERT INTO data_keys (owner_kind, owner_id, master_id, wrapped, created_at) VALUES ('call', 1, ?, ?, 0)`, master, wrapped); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	id, _ := age.GenerateX25519Identity()
	ids := filepath.Join(dir, "id.txt")
	os.WriteFile(ids, []byte(id.String()+"\n"), 0o600)
	out := filepath.Join(dir, "desk.age")
	if r := runCLI(t, nil, "backup", "--db", path, "--out", out, "--backup-recipients", id.Recipient().String()); r.code != 0 {
		t.Fatalf("backup: %+v", r)
	}
	if r := runCLI(t, nil, "restore", "--in", out, "--identities", ids, "--db", filepath.Join(dir, "a.db"), "--master-keys-file", file); r.code != 0 || !strings.Contains(r.stdout, "with 1 data keys from "+out+".keys") {
		t.Errorf("restore with the master key file: %+v", r)
	}
	if r := runCLI(t, nil, "restore", "--in", out, "--identities", ids, "--db", filepath.Join(dir, "b.db")); r.code != 1 || !strings.Contains(r.stderr, "restored with 1 data keys") || !strings.Contains(r.stderr, "master key file") {
		t.Errorf("restore without the master key file: %+v", r)
	}
	if r := runCLI(t, nil, "restore", "--in", out, "--identities", ids, "--db", filepath.Join(dir, "c.db"), "--master-keys-file", other); r.code != 1 || !strings.Contains(r.stderr, "lacks master key "+master) {
		t.Errorf("restore with another master key file: %+v", r)
	}
}
