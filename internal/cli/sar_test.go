package cli

import (
	"archive/zip"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSARExport: calldesk sar writes a person's final bundle to a new file, records the export
// in the audit trail, and never overwrites a file.
func TestSARExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "calldesk.db")
	if r := runCLI(t, nil, "demo", "--db", db, "--calls", "50", "--people", "100"); r.code != 0 {
		t.Fatalf("demo: %d %s", r.code, r.stderr)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var person, calls int
	if err := raw.QueryRow(`SELECT customer_id, COUNT(*) FROM calls GROUP BY customer_id ORDER BY COUNT(*) DESC, customer_id LIMIT 1`).Scan(&person, &calls); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "bundle.zip")
	r := runCLI(t, nil, "sar", "--db", db, "--person", itoa(person), "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "wrote "+out) {
		t.Fatalf("sar: %d %s %s", r.code, r.stdout, r.stderr)
	}
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range z.File {
		names[f.Name] = true
	}
	z.Close()
	for _, want := range []string{"README.txt", "person.json", "calls.json", "calls.csv", "entries.csv", "emails.json", "audit.csv", "requests.json", "report.html", "report.pdf"} {
		if !names[want] {
			t.Errorf("the bundle lacks %s", want)
		}
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'sar.export' AND persons = ?`, itoa(person)).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d export audit records (%v)", n, err)
	}
	if r := runCLI(t, nil, "sar", "--db", db, "--person", itoa(person), "--out", out); r.code == 0 {
		t.Errorf("sar overwrote %s", out)
	}
	if r := runCLI(t, nil, "sar", "--db", db, "--out", out); r.code != 2 {
		t.Errorf("sar without --person: exit %d", r.code)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
