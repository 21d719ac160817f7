package portal_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAttachmentNamesInvisible (issue 13): a file uploaded in the portal whose name carries a
// bidirectional override or other invisible characters is stored and shown under the name as it
// reads without them, and its type checked against that name: "evil\u202Egpj.exe" is refused as
// the program evilgpj.exe.
func TestAttachmentNamesInvisible(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		dan.postFiles("/portal/calls/new", map[string]string{"summary": "A program", "description": "see the file"},
			upload{"evil\u202Egpj.exe", string(pngData)}).must(t, http.StatusUnprocessableEntity).has(t, "evilgpj.exe is refused")
		r := dan.postFiles("/portal/calls/new", map[string]string{"summary": "Screen flickers", "description": "see the photo"},
			upload{"\u200Bscreen\u202Egnp.png\u2069", string(pngData)}).must(t, http.StatusSeeOther)
		ref := strings.TrimSuffix(strings.TrimPrefix(r.location, "/portal/calls/"), "?done=logged")
		atts := e.attachments(ref, false)
		if len(atts) != 1 || atts[0].Filename != "screengnp.png" {
			t.Fatalf("stored: %+v", atts)
		}
		page := dan.get("/portal/calls/"+ref).must(t, http.StatusOK).has(t, "screengnp.png")
		for _, c := range []string{"\u202E", "\u2069", "\u200B"} {
			if strings.Contains(page.body, c) {
				t.Errorf("the call page carries %U", []rune(c)[0])
			}
		}
	})
}
