package cli

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"calldesk/internal/directory/csvtest"
)

// TestImportCommand: calldesk import, by hand, on a CSV export: a dry run writes nothing, the
// import creates everyone, a truncated export is held and changes nothing until --force, and
// bad rows are reported with their lines while the rest go in.
func TestImportCommand(t *testing.T) {
	path, _, _, _ := seededDB(t)
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "people.csv")
	write := func(n int) {
		var b bytes.Buffer
		if _, err := csvtest.Write(&b, n, 7, 0); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(csvPath, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "import.json")
	if err := os.WriteFile(cfgPath, []byte(`{"sources": [{"name": "campus", "kind": "csv", "path": "`+csvPath+`", "mapping": "`+csvtest.Mapping+`"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		var n int
		if err := db.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	run := func(extra ...string) run {
		return runCLI(t, nil, append([]string{"import", "--db", path, "--import-config", cfgPath, "--source", "campus"}, extra...)...)
	}
	write(500)
	if r := run("--dry-run"); r.code != 0 || !strings.Contains(r.stdout, "new: ") || !strings.Contains(r.stdout, "dry run: 500 read, 500 created") {
		t.Fatalf("dry run: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if n := count(`SELECT COUNT(*) FROM people WHERE directory_source = 'campus'`); n != 0 {
		t.Fatalf("a dry run wrote %d people", n)
	}
	if r := run(); r.code != 0 || !strings.Contains(r.stdout, "campus: done: 500 read, 500 created") {
		t.Fatalf("import: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// A truncated export is held, and nothing changes until an administrator forces it.
	write(100)
	r := run()
	if r.code == 0 || !strings.Contains(r.stderr, "held and changed nothing") || !strings.Contains(r.stderr, "truncated export") {
		t.Fatalf("truncated export: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if n := count(`SELECT COUNT(*) FROM people WHERE directory_source = 'campus' AND active = 1`); n != 500 {
		t.Fatalf("a held import changed the register: %d active", n)
	}
	if r := run("--force"); r.code != 0 || !strings.Contains(r.stdout, "400 left") {
		t.Fatalf("forced: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if n := count(`SELECT COUNT(*) FROM import_runs`); n != 3 {
		t.Fatalf("%d runs recorded, want 3 (done, held, done)", n)
	}
	// Bad rows: reported with their line; the rest still imported.
	b, _ := os.ReadFile(csvPath)
	lines := strings.Split(strings.TrimRight(string(b), "\r\n"), "\r\n")
	lines = append(lines, `P9999999,,,,,,,,,,`)
	os.WriteFile(csvPath, []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o600)
	if r := run(); r.code != 0 || !strings.Contains(r.stdout, "rejected: line 102") || !strings.Contains(r.stdout, "1 rejected") {
		t.Fatalf("a bad row: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// Mistakes in the command line or the configuration say what.
	if r := runCLI(t, nil, "import", "--db", path, "--import-config", cfgPath, "--source", "nope"); r.code != 2 || !strings.Contains(r.stderr, `there is no source "nope"`) {
		t.Fatalf("unknown source: %d %q", r.code, r.stderr)
	}
	os.WriteFile(cfgPath, []byte(`{"sources": [{"name": "campus", "kind": "csv", "path": "x.csv", "mapping": "key=ID,first=F,last=L", "schedule": "25:00"}]}`), 0o600)
	if r := run(); r.code != 2 || !strings.Contains(r.stderr, `schedule "25:00" is not a time of day`) {
		t.Fatalf("bad schedule: %d %q", r.code, r.stderr)
	}
}

// TestHelperImport is not a test: TestImportSurvivesKill runs the test binary again with it, as
// a `calldesk import` process it can kill.
func TestHelperImport(t *testing.T) {
	args := os.Getenv("CALLDESK_HELPER_IMPORT")
	if args == "" {
		t.Skip("run by TestImportSurvivesKill only")
	}
	os.Exit(Main(context.Background(), Env{Args: strings.Split(args, "\x1f"), Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr}))
}

// TestImportSurvivesKill (issue 6, bad input): an import killed midway (SIGKILL, no clean-up)
// leaves the register as it was before the run; run again, it completes.
func TestImportSurvivesKill(t *testing.T) {
	path, _, _, _ := seededDB(t)
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "people.csv")
	var b bytes.Buffer
	if _, err := csvtest.Write(&b, 50_000, 9, 0); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(csvPath, b.Bytes(), 0o600)
	cfgPath := filepath.Join(dir, "import.json")
	os.WriteFile(cfgPath, []byte(`{"sources": [{"name": "campus", "kind": "csv", "path": "`+csvPath+`", "mapping": "`+csvtest.Mapping+`"}]}`), 0o600)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count(`SELECT COUNT(*) FROM people`)
	args := strings.Join([]string{"import", "--db", path, "--import-config", cfgPath, "--source", "campus"}, "\x1f")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperImport$")
	cmd.Env = append(os.Environ(), "CALLDESK_HELPER_IMPORT="+args)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond) // reading the file and part of the writing
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if strings.Contains(out.String(), "campus: done") {
		t.Fatalf("the import finished before the kill (%q): kill it sooner", out.String())
	}
	if after := count(`SELECT COUNT(*) FROM people`); after != before {
		t.Fatalf("a killed import left %d people, the register had %d", after, before)
	}
	if n := count(`SELECT COUNT(*) FROM import_runs`); n != 0 {
		t.Fatalf("a killed import recorded %d runs", n)
	}
	if r := runCLI(t, nil, strings.Split(args, "\x1f")...); r.code != 0 || !strings.Contains(r.stdout, "50000 created") {
		t.Fatalf("run again: %d %q %q", r.code, r.stdout, r.stderr)
	}
}
