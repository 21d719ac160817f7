package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A SQLite database calldesk makes holds personal data: it and its log and shared-memory files
// are readable by calldesk's own user only, whatever the umask. An existing file keeps its mode.
func TestNewDatabaseFileMode(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "calldesk.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil { // writes: the log and shared-memory files exist
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), m)
		}
	}
	s.Close()
	other := filepath.Join(dir, "shared.db")
	if err := os.WriteFile(other, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	os.Chmod(other, 0o640)
	s, err = Open(ctx, other, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fi, err := os.Stat(other); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing database's mode changed: %v %v", fi.Mode(), err)
	}
}
