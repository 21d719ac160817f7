package store

import (
	"strings"
	"testing"
)

// TestPoolerDSN: pooler=transaction is taken out of the URL (PgBouncer would refuse it as a
// startup parameter) and picks pgx's cache_describe mode; a mode that cannot work through a
// transaction pooler is refused, saying why; a URL without it is left alone.
func TestPoolerDSN(t *testing.T) {
	for _, c := range []struct {
		in, out string
		pooled  bool
		err     string
	}{
		{in: "postgres://u@h:6432/d?sslmode=disable", out: "postgres://u@h:6432/d?sslmode=disable"},
		{in: "postgres://u@h:6432/d?sslmode=disable&pooler=transaction", pooled: true,
			out: "postgres://u@h:6432/d?default_query_exec_mode=cache_describe&sslmode=disable"},
		{in: "postgres://u@h:6432/d?pooler=transaction&default_query_exec_mode=exec", pooled: true,
			out: "postgres://u@h:6432/d?default_query_exec_mode=exec"},
		{in: "postgres://u@h:6432/d?pooler=none", out: "postgres://u@h:6432/d"},
		{in: "postgres://u@h:6432/d?pooler=statement", err: "give pooler=transaction"},
		{in: "postgres://u@h:6432/d?pooler=transaction&default_query_exec_mode=cache_statement", err: "does not work through a pooler"},
		{in: "postgres://u@h:6432/d?pooler=transaction&default_query_exec_mode=describe_exec", err: "does not work through a pooler"},
	} {
		out, pooled, err := poolerDSN(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || out != c.out || pooled != c.pooled {
			t.Errorf("%s: %q %v %v, want %q %v", c.in, out, pooled, err, c.out, c.pooled)
		}
	}
}

// TestLockTableMatchesMigration: the table Migrate makes before any migration (makeMigrateLock)
// is the one migration 0045 makes, on both engines, and 0045 seeds a row for every lock name.
func TestLockTableMatchesMigration(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b, err := migrationFiles.ReadFile("migrations/" + engine + "/0045_locks.sql")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), lockTableDDL+";") {
			t.Errorf("%s 0045_locks.sql does not make the table as makeMigrateLock does: %s", engine, lockTableDDL)
		}
		for _, name := range []string{lockMigrate, lockSeal, lockRetention} {
			if !strings.Contains(string(b), "('"+name+"')") {
				t.Errorf("%s 0045_locks.sql seeds no row for lock %q", engine, name)
			}
		}
	}
}
