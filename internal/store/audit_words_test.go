package store_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"calldesk/internal/desk"
)

// TestEveryAuditActionHasWords: every action the store writes to the audit trail is put into
// plain words for "who has seen my data" (desk.AuditRecord.What), so a new action cannot reach a
// person's page as a bare code such as "person.return".
func TestEveryAuditActionHasWords(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	action := regexp.MustCompile(`audit\(ctx, [A-Za-z.]+, "([a-z_]+\.[a-z_.]+)"`)
	seen := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range action.FindAllSubmatch(src, -1) {
			seen++
			a := string(m[1])
			if got := (desk.AuditRecord{Action: a}).What(); got == a {
				t.Errorf("%s: audit action %q has no words in desk.AuditRecord.What", f, a)
			}
		}
	}
	if seen < 20 {
		t.Fatalf("found only %d audit calls in the store's files: the pattern no longer matches how they are written", seen)
	}
}
