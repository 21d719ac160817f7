package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// calldesk keys (issue 20 point 3): generate makes a private key file and puts each new key
// first; the database remembers each master key's check value, so that a file with another key
// under the same name is refused at start-up, as are an unreadable and a world-readable file;
// status tells which keys wrap data keys; a key in no use cannot be retired twice.
func TestKeysCommands(t *testing.T) {
	dir := t.TempDir()
	db, file := filepath.Join(dir, "k.db"), filepath.Join(dir, "master.keys")
	if r := runCLI(t, nil, "keys", "generate", "--out", file); r.code != 0 || !strings.Contains(r.stdout, "is now first in") {
		t.Fatalf("generate: %+v", r)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	first, _ := os.ReadFile(file)
	if r := runCLI(t, nil, "keys", "generate", "--out", file); r.code != 0 {
		t.Fatalf("second generate: %+v", r)
	}
	second, _ := os.ReadFile(file)
	firstKey := keyLines(string(first))[0]
	lines := keyLines(string(second))
	if len(lines) != 2 || lines[1] != firstKey || lines[0] == firstKey {
		t.Fatalf("the new key is not first, or the old one was lost:\n%s", second)
	}
	if r := runCLI(t, nil, "migrate", "--db", db); r.code != 0 {
		t.Fatalf("migrate: %+v", r)
	}
	// rotate registers the current key's check value (and re-wraps nothing: there is no data key).
	if r := runCLI(t, nil, "keys", "rotate", "--db", db, "--master-keys-file", file); r.code != 0 || !strings.Contains(r.stdout, "(0 re-wrapped)") {
		t.Fatalf("rotate: %+v", r)
	}
	r := runCLI(t, map[string]string{"CALLDESK_MASTER_KEYS_FILE": file}, "keys", "status", "--db", db)
	newID, oldID := strings.Fields(lines[0])[0], strings.Fields(firstKey)[0]
	if r.code != 0 || !strings.Contains(r.stdout, newID+"  0          yes      current") || !strings.Contains(r.stdout, oldID+"  0          yes      never used by this database") {
		t.Fatalf("status: %+v", r)
	}
	// The same name with another key: refused at start-up, by every command that opens sealed content.
	forged := filepath.Join(dir, "forged.keys")
	other := strings.Fields(keyLines(string(first))[0])[1]
	if err := os.WriteFile(forged, []byte(newID+" "+other+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"retention", "--dry-run"}, {"keys", "status"}} {
		r := runCLI(t, nil, append(args, "--db", db, "--master-keys-file", forged)...)
		if r.code == 0 || !strings.Contains(r.stderr, "is not the key this database was written with") {
			t.Errorf("%v with a wrong key: %+v", args, r)
		}
	}
	os.Chmod(forged, 0o644)
	if r := runCLI(t, nil, "keys", "status", "--db", db, "--master-keys-file", forged); r.code != 2 || !strings.Contains(r.stderr, "chmod 600") {
		t.Errorf("a world-readable key file: %+v", r)
	}
	if r := runCLI(t, nil, "keys", "status", "--db", db, "--master-keys-file", filepath.Join(dir, "missing.keys")); r.code != 2 || !strings.Contains(r.stderr, "master key file") {
		t.Errorf("a missing key file: %+v", r)
	}
	if r := runCLI(t, nil, "keys", "retire", "--db", db, "--master-keys-file", file, "--key", newID); r.code == 0 || !strings.Contains(r.stderr, "is first in the master key file") {
		t.Errorf("retired the current key: %+v", r)
	}
	// Put the older key first again: the newer, registered and wrapping nothing, may be retired, once.
	if err := os.WriteFile(file, []byte(firstKey+"\n"+lines[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, nil, "keys", "retire", "--db", db, "--master-keys-file", file, "--key", newID); r.code != 0 || !strings.Contains(r.stdout, "is retired") {
		t.Errorf("retire an unused key: %+v", r)
	}
	if r := runCLI(t, nil, "keys", "retire", "--db", db, "--master-keys-file", file, "--key", newID); r.code == 0 {
		t.Errorf("retired twice: %+v", r)
	}
	if r := runCLI(t, nil, "keys", "frobnicate"); r.code != 2 {
		t.Errorf("an unknown verb: %+v", r)
	}
}

func keyLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}
