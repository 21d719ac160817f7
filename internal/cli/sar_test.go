package cli

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/privacy"
)

// TestSARExport: calldesk sar writes a person's final bundle to a new file as the console's
// encrypted archive (AES-256, P12), never a clear zip: the file opens only with the passphrase it
// prints once, with the words on how to give it; it records the export in the audit trail and
// never overwrites a file.
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
	var name string
	if err := raw.QueryRow(`SELECT c.customer_id, COUNT(*), MIN(p.last_name) FROM calls c JOIN people p ON p.id = c.customer_id
		GROUP BY c.customer_id ORDER BY COUNT(*) DESC, c.customer_id LIMIT 1`).Scan(&person, &calls, &name); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "bundle.zip")
	// Without a subject request of theirs or an approved disclosure, their data does not leave.
	if r := runCLI(t, nil, "sar", "--db", db, "--person", itoa(person), "--out", out); r.code != 2 || !strings.Contains(r.stderr, "disclosure log") {
		t.Fatalf("sar without a basis: %d %s", r.code, r.stderr)
	}
	if _, err := raw.Exec(`INSERT INTO subject_requests (person_id, kind, state, received_at, logged_by, channel, created_at, updated_at)
		VALUES (?, 'access', 'open', 1, 'test', 'console', 1, 1)`, person); err != nil {
		t.Fatal(err)
	}
	var request int
	if err := raw.QueryRow(`SELECT MAX(id) FROM subject_requests WHERE person_id = ?`, person).Scan(&request); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "sar", "--db", db, "--person", itoa(person), "--request", itoa(request), "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "wrote "+out+", encrypted") || !strings.Contains(r.stdout, privacy.PassphraseChannel) {
		t.Fatalf("sar: %d %s %s", r.code, r.stdout, r.stderr)
	}
	m := regexp.MustCompile(`passphrase, shown this once and stored nowhere: (\S+)`).FindStringSubmatch(r.stdout)
	if m == nil || !privacy.ValidPassphrase(m[1]) {
		t.Fatalf("no passphrase printed: %s", r.stdout)
	}
	pass := m[1]
	archive, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(archive, []byte(name)) || bytes.Contains(archive, []byte("README.txt")) || bytes.Contains(archive, []byte("calls.json")) {
		t.Errorf("the file holds the bundle in the clear")
	}
	// Without the passphrase it does not open: as a zip it lists one AES-encrypted entry, and a
	// wrong passphrase is refused.
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(z.File) != 1 || z.File[0].Name != privacy.ArchiveEntry || z.File[0].Method != 99 {
		t.Errorf("the archive lists %d entries, first %q method %d: want only %s, AES-encrypted", len(z.File), z.File[0].Name, z.File[0].Method, privacy.ArchiveEntry)
	}
	if rc, err := z.File[0].Open(); err == nil {
		rc.Close()
		t.Errorf("the entry opens without a passphrase")
	}
	z.Close()
	wrong, _ := privacy.NewPassphrase()
	if _, err := privacy.OpenArchive(archive, wrong); err == nil {
		t.Errorf("the archive opens with another passphrase")
	}
	bundle, err := privacy.OpenArchive(archive, pass)
	if err != nil {
		t.Fatalf("the archive does not open with its passphrase: %v", err)
	}
	// And 7-Zip, what the person will use, opens it with the passphrase only.
	if tool, err := exec.LookPath("7zz"); err == nil {
		x := func(p string) error {
			cmd := exec.Command(tool, "x", "-y", "-p"+p, "-o"+filepath.Join(dir, "x-"+p[:4]), out)
			cmd.Stdin = strings.NewReader("")
			return cmd.Run()
		}
		if x(wrong) == nil {
			t.Errorf("7-Zip opened the archive with another passphrase")
		}
		if err := x(pass); err != nil {
			t.Errorf("7-Zip could not open the archive with its passphrase: %v", err)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, want := range []string{"README.txt", "person.json", "calls.json", "calls.csv", "entries.csv", "emails.json", "audit.csv", "requests.json", "report.html", "report.pdf"} {
		if !names[want] {
			t.Errorf("the bundle lacks %s", want)
		}
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'sar.export' AND persons = ?`, itoa(person)).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d export audit records (%v)", n, err)
	}
	if r := runCLI(t, nil, "sar", "--db", db, "--person", itoa(person), "--request", itoa(request), "--out", out); r.code == 0 {
		t.Errorf("sar overwrote %s", out)
	}
	if r := runCLI(t, nil, "sar", "--db", db, "--out", out); r.code != 2 {
		t.Errorf("sar without --person: exit %d", r.code)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
