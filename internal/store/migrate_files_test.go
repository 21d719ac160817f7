package store

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestMigrationNumbersAreUnique: two migration files with one number (two branches that each
// added "the next" migration, merged) are refused, naming both; the files shipped have none.
func TestMigrationNumbersAreUnique(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0001_core.sql":  {Data: []byte("CREATE TABLE a (id INTEGER);")},
		"m/0002_mail.sql":  {Data: []byte("CREATE TABLE b (id INTEGER);")},
		"m/0002_index.sql": {Data: []byte("CREATE INDEX b_id ON b(id);")},
	}
	_, err := readMigrations(fsys, "m")
	if err == nil || !strings.Contains(err.Error(), "0002_index") || !strings.Contains(err.Error(), "0002_mail") {
		t.Fatalf("two migrations numbered 0002: %v, want an error naming both", err)
	}
	delete(fsys, "m/0002_index.sql")
	if ms, err := readMigrations(fsys, "m"); err != nil || len(ms) != 2 || ms[1].name != "mail" {
		t.Fatalf("distinct numbers: %+v %v", ms, err)
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		if _, err := readMigrations(migrationFiles, "migrations/"+engine); err != nil {
			t.Errorf("%s: %v", engine, err)
		}
	}
}
