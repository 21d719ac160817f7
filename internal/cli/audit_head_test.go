package cli

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAuditHeadKeyedAndExported (issue 20 point 6): serve with an audit key and a head file
// keys the chain's head and exports it; audit verify checks both, and catches the newest records
// cut from the chain (which the chain alone would not), a wrong key, and a key too short.
func TestAuditHeadKeyedAndExported(t *testing.T) {
	path, _, _, _ := seededDB(t)
	dir := t.TempDir()
	keyFile, headFile := filepath.Join(dir, "audit.key"), filepath.Join(dir, "audit.head")
	if err := os.WriteFile(keyFile, []byte("c2VjcmV0IGtleSBmb3IgdGhlIGF1ZGl0IGNoYWluIGhlYWQ=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keyed := map[string]string{"CALLDESK_AUDIT_KEY_FILE": keyFile}
	if r := runCLI(t, keyed, "audit", "verify", "--db", path); r.code != 1 || !strings.Contains(r.stderr, "unkeyed") {
		t.Fatalf("a chain serve never keyed: %+v", r)
	}
	t.Run("serve", func(t *testing.T) {
		startServe(t, path, keyed, "--audit-head", headFile)
		for i := 0; i < 100; i++ {
			if _, err := os.Stat(headFile); err == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("serve wrote no head file")
	})
	b, err := os.ReadFile(headFile)
	if err != nil || !strings.HasPrefix(string(b), "calldesk-audit-head v1 seq=") || !strings.Contains(string(b), " mac=") {
		t.Fatalf("head file %q (%v)", b, err)
	}
	r := runCLI(t, keyed, "audit", "verify", "--db", path, "--audit-head", headFile)
	if r.code != 0 || !strings.Contains(r.stdout, "its keyed head matches the audit key") || !strings.Contains(r.stdout, "it holds the head exported to") {
		t.Fatalf("intact, keyed and exported: %+v", r)
	}
	wrong := map[string]string{"CALLDESK_AUDIT_KEY": "another secret that is long enough to be a key"}
	if r := runCLI(t, wrong, "audit", "verify", "--db", path); r.code != 1 || !strings.Contains(r.stderr, "forged head") {
		t.Errorf("a wrong key: %+v", r)
	}
	short := map[string]string{"CALLDESK_AUDIT_KEY": "short"}
	if r := runCLI(t, short, "audit", "verify", "--db", path); r.code == 0 || !strings.Contains(r.stderr, "at least 32") {
		t.Errorf("a short key: %+v", r)
	}
	// The newest two records deleted with their links: the chain left is whole, the heads are not.
	// (Each verify records itself in the audit trail, sealed by the next: the links cut may be
	// taken again by those, which verify tells apart from the head all the same.)
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DELETE FROM audit_persons WHERE audit_id IN (SELECT audit_id FROM audit_chain WHERE seq > (SELECT MAX(seq) - 2 FROM audit_chain))`,
		`DELETE FROM audit_log WHERE id IN (SELECT audit_id FROM audit_chain WHERE seq > (SELECT MAX(seq) - 2 FROM audit_chain))`,
		`DELETE FROM audit_chain WHERE seq > (SELECT MAX(seq) - 2 FROM audit_chain)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	if r := runCLI(t, nil, "audit", "verify", "--db", path); r.code != 0 {
		t.Fatalf("without the heads the cut chain looks whole (which is why they exist): %+v", r)
	}
	if r := runCLI(t, nil, "audit", "verify", "--db", path, "--audit-head", headFile); r.code != 1 || !strings.Contains(r.stderr, "newest records were deleted") {
		t.Errorf("cut, checked against the exported head: %+v", r)
	}
	if r := runCLI(t, keyed, "audit", "verify", "--db", path); r.code != 1 || !strings.Contains(r.stderr, "newest records were deleted") {
		t.Errorf("cut, checked against the keyed head: %+v", r)
	}
}
