package cli

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
)

// TestRetentionCommand: --dry-run prints the report and changes nothing; the real sweep does
// what the dry run said; both are kept.
func TestRetentionCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	if r := runCLI(t, nil, "demo", "--db", db, "--calls", "300", "--people", "100"); r.code != 0 {
		t.Fatalf("demo: %d %s", r.code, r.stderr)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	count := func(q string) int {
		t.Helper()
		var n int
		if err := raw.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Calls closed more than a month ago are due.
	if _, err := raw.Exec(`UPDATE retention_rules SET months = 1 WHERE class = 'closed_calls'`); err != nil {
		t.Fatal(err)
	}
	due := count(fmt.Sprintf(`SELECT COUNT(*) FROM calls WHERE state IN ('closed', 'cancelled')
		AND COALESCE(closed_at, cancelled_at) < %d`, time.Date(2026, 10, 23, 9, 0, 0, 0, time.UTC).UnixMicro())) // a month before runCLI's clock
	if due == 0 {
		t.Fatal("the demo closed no call more than a month ago")
	}
	dry := runCLI(t, nil, "retention", "--db", db, "--dry-run")
	if dry.code != 0 {
		t.Fatalf("dry run: %d %s", dry.code, dry.stderr)
	}
	if !strings.Contains(dry.stdout, "nothing changed") || !strings.Contains(dry.stdout, "class") || count(`SELECT COUNT(*) FROM calls WHERE anonymised_at IS NOT NULL`) != 0 {
		t.Fatalf("dry run changed something or printed no report:\n%s", dry.stdout)
	}
	real := runCLI(t, nil, "retention", "--db", db)
	if real.code != 0 {
		t.Fatalf("sweep: %d %s", real.code, real.stderr)
	}
	line := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "closed_calls ") {
				return strings.Join(strings.Fields(l), " ")
			}
		}
		return ""
	}
	if line(dry.stdout) == "" || line(dry.stdout) != line(real.stdout) {
		t.Errorf("dry run %q, sweep %q", line(dry.stdout), line(real.stdout))
	}
	if n := count(`SELECT COUNT(*) FROM calls WHERE anonymised_at IS NOT NULL`); n != due {
		t.Errorf("%d calls anonymised, want %d:\n%s", n, due, real.stdout)
	}
	if n := count(`SELECT COUNT(*) FROM retention_runs WHERE state = 'done'`); n != 2 {
		t.Errorf("%d runs kept", n)
	}
}

// TestRetentionCommandCompactsSearch (issue 15 point 10): a sweep from the command line that
// changed records leaves the search index compacted, as the server's job would (the maintenance
// flag the sweep set is cleared by the compaction itself), on both engines.
func TestRetentionCommandCompactsSearch(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			f := storetest.Seed(t, storetest.OpenDSN(t, engine, dsn, nil))
			raw := storetest.Raw(t, engine, dsn)
			// A legal hold lifted in 2015: due under the lifted-holds rule.
			long := time.Date(2015, 1, 5, 9, 0, 0, 0, time.UTC).UnixMicro()
			raw.MustExec(t, `INSERT INTO legal_holds (person_id, reason, placed_by, placed_at, lifted_by, lifted_at, lift_reason)
				VALUES (?, 'claim', 'x', ?, 'x', ?, 'settled')`, f.Dan.ID, long, long)
			r := runCLI(t, nil, "retention", "--db", dsn)
			if r.code != 0 {
				t.Fatalf("sweep: %d %s", r.code, r.stderr)
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM legal_holds`); n != 0 {
				t.Fatalf("the lifted hold was not swept:\n%s", r.stdout)
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM maintenance WHERE name = 'search_compact' AND due = 0`); n != 1 ||
				!strings.Contains(r.stdout, "search index compacted") {
				t.Errorf("the search index was left for a server to compact:\n%s", r.stdout)
			}
		})
	}
}

// TestRetentionCommandShreds: the command's sweep deletes, and the command then overwrites what
// it deleted in the database's files (clause 23.5) itself, as it compacts the search index,
// without waiting for a server's job or its shred window.
func TestRetentionCommandShreds(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			f := storetest.Seed(t, storetest.OpenDSN(t, engine, dsn, nil))
			raw := storetest.Raw(t, engine, dsn)
			long := time.Date(2015, 1, 5, 9, 0, 0, 0, time.UTC).UnixMicro()
			raw.MustExec(t, `INSERT INTO legal_holds (person_id, reason, placed_by, placed_at, lifted_by, lifted_at, lift_reason)
				VALUES (?, 'claim', 'x', ?, 'x', ?, 'settled')`, f.Dan.ID, long, long)
			r := runCLI(t, nil, "retention", "--db", dsn)
			if r.code != 0 {
				t.Fatalf("sweep: %d %s", r.code, r.stderr)
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM legal_holds`); n != 0 {
				t.Fatalf("the lifted hold was not swept:\n%s", r.stdout)
			}
			shredded := raw.Count(t, `SELECT COUNT(*) FROM maintenance WHERE name = 'shred' AND due = 0`) == 1
			switch {
			case shredded && strings.Contains(r.stdout, "deleted content overwritten in the database files"):
			case engine == "postgres" && !shredded && strings.Contains(r.stdout, "not yet overwritten"):
				// Another test's transaction, older than the sweep, was open on the shared
				// server: the command says so and leaves it due.
				t.Logf("the shred waits for older transactions:\n%s", r.stdout)
			default:
				t.Errorf("the deleted content was left for a server to shred (shredded: %v):\n%s", shredded, r.stdout)
			}
		})
	}
}
