package privacy_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"calldesk/internal/privacy"
)

// sevenZip finds Debian's 7-Zip (7zz from the 7zip package, or 7z from p7zip-full). Under CI=true
// its absence fails the test: scripts/test.sh installs it.
func sevenZip(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"7zz", "7z"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no 7zz or 7z: the AES zip cannot be checked with a real tool (scripts/test.sh installs Debian's 7zip)")
	}
	t.Skip("no 7zz or 7z (apt-get install 7zip)")
	return ""
}

// TestEncryptZipWith7Zip: 7-Zip extracts the encrypted archive with the passphrase, byte for
// byte, and refuses it with a wrong one.
func TestEncryptZipWith7Zip(t *testing.T) {
	tool := sevenZip(t)
	files := map[string][]byte{
		"README.txt":              []byte("Your personal data\n"),
		"calls.json":              bytes.Repeat([]byte(`{"summary": "Printer jams on floor 3"}`+"\n"), 500),
		"attachments/1-Zoë.txt":   []byte("Ζωή, Зоя\n"),
		"attachments/2-empty.txt": {},
		"attachments/3-odd.bin":   bytes.Repeat([]byte{0, 1, 2, 3, 250, 17, 99}, 1001), // not a multiple of 16
	}
	var src bytes.Buffer
	zw := zip.NewWriter(&src)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	pass, err := privacy.NewPassphrase()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$`).MatchString(pass) {
		t.Errorf("passphrase %q", pass)
	}
	enc, err := privacy.EncryptZip(src.Bytes(), pass)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(enc, []byte("Printer jams")) {
		t.Fatal("the archive holds plain text")
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "bundle.zip")
	if err := os.WriteFile(archive, enc, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(pass, out string) (string, error) {
		cmd := exec.Command(tool, "x", "-y", "-p"+pass, "-o"+out, archive)
		cmd.Stdin = strings.NewReader("")
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	out := filepath.Join(dir, "out")
	if msg, err := run(pass, out); err != nil {
		t.Fatalf("7-Zip could not extract with the passphrase: %v\n%s", err, msg)
	}
	inner, err := os.ReadFile(filepath.Join(out, privacy.ArchiveEntry))
	if err != nil || !bytes.Equal(inner, src.Bytes()) {
		t.Fatalf("%s: extracted %d bytes (%v), want the bundle's %d", privacy.ArchiveEntry, len(inner), err, src.Len())
	}
	extracted, _ := os.ReadDir(out)
	if len(extracted) != 1 {
		t.Errorf("7-Zip extracted %d entries, want only %s", len(extracted), privacy.ArchiveEntry)
	}
	zr, err := zip.NewReader(bytes.NewReader(inner), int64(len(inner)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if want, ok := files[f.Name]; !ok || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes in the bundle, want %d", f.Name, len(got), len(want))
		}
	}
	// The archive's directory names only the one entry: no file name of the bundle shows.
	outer, err := zip.NewReader(bytes.NewReader(enc), int64(len(enc)))
	if err != nil {
		t.Fatal(err)
	}
	if len(outer.File) != 1 || outer.File[0].Name != privacy.ArchiveEntry {
		t.Errorf("the archive lists %d entries (first %q), want only %s", len(outer.File), outer.File[0].Name, privacy.ArchiveEntry)
	}
	for name := range files {
		if bytes.Contains(enc, []byte(name)) {
			t.Errorf("the name %q is readable in the archive", name)
		}
	}
	if !privacy.ValidPassphrase(pass) || privacy.ValidPassphrase("correct horse battery staple!") || privacy.ValidPassphrase(strings.ToLower(pass)) {
		t.Errorf("ValidPassphrase accepts a passphrase not of calldesk's making, or refuses one")
	}
	wrong := filepath.Join(dir, "wrong")
	if msg, err := run("not-the-passphrase", wrong); err == nil {
		t.Errorf("7-Zip extracted with a wrong passphrase:\n%s", msg)
	}
	if got, _ := os.ReadFile(filepath.Join(wrong, privacy.ArchiveEntry)); bytes.Equal(got, src.Bytes()) {
		t.Errorf("a wrong passphrase gave the plain text")
	}
}
