package cli

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"calldesk/internal/store/storetest"
)

// audit verify tells "could not check" (exit 2, with the reason) from "tampered with" (exit 1,
// TestAuditVerifyCommand), so monitoring can tell them apart; pointed at a path with no database
// it says so and creates nothing (issue 21, fault 4).
func TestAuditVerifyCouldNotCheck(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nowhere.db")
	garbage := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database at all\n", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db") // what verify used to leave behind
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, db, want string }{
		{"no such file", missing, "there is no database at " + missing + " (no such file); nothing was created"},
		{"not a database", garbage, "not a database"},
		{"no schema", empty, "run calldesk migrate"},
		{"PostgreSQL refusing connections", "postgres://calldesk@127.0.0.1:1/calldesk?sslmode=disable&connect_timeout=2", "connect"},
	}
	if base := os.Getenv(storetest.EnvPostgres); base != "" {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/no_such_calldesk_database"
		cases = append(cases, struct{ name, db, want string }{"PostgreSQL database missing", u.String(), "no_such_calldesk_database"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, nil, "audit", "verify", "--db", c.db)
			if r.code != 2 {
				t.Errorf("exit %d, want 2 (could not check); stderr %q", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, "could not check the audit trail") || !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr %q, want it to say it could not check, and %q", r.stderr, c.want)
			}
			if strings.Contains(r.stderr, "tampered") {
				t.Errorf("a trail that could not be read is reported tampered: %q", r.stderr)
			}
		})
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("audit verify created %s (%v)", missing, err)
	}
}

// Every command that does not change the schema, pointed at a path with no database, says so and
// creates nothing (issue 21, fault 4): audit verify, password, sar, and the dry runs of retention
// and import.
func TestReadingCommandsCreateNoDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nowhere.db")
	cfg := filepath.Join(dir, "import.json")
	if err := os.WriteFile(cfg, []byte(`{"sources": [{"name": "campus", "kind": "csv", "path": "`+filepath.Join(dir, "people.csv")+
		`", "mapping": "key=id,first=first,last=last,email=email"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"audit", "verify"},
		{"password", "--login", "ann"},
		{"sar", "--person", "1", "--out", filepath.Join(dir, "bundle.zip")},
		{"retention", "--dry-run"},
		{"import", "--dry-run", "--import-config", cfg, "--source", "campus"},
	} {
		r := runCLI(t, nil, append(args, "--db", missing)...)
		if r.code == 0 || !strings.Contains(r.stderr, "there is no database at "+missing) {
			t.Errorf("%v: exit %d, stderr %q; want a failure saying there is no database", args, r.code, r.stderr)
		}
		if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%v created %s (%v)", args, missing, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bundle.zip")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("sar wrote a bundle without a database")
	}
}
