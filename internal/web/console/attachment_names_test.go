package console_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAttachmentNamesInvisible (issue 13): a file uploaded in the console whose name carries a
// bidirectional override or other invisible characters is stored and shown under the name as it
// reads without them, and checked against that name's extension: "evil\u202Egpj.exe" (which a
// browser shows as "evilexe.jpg") is refused as the program evilgpj.exe.
func TestAttachmentNamesInvisible(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		call := e.call("Printer jams", e.f.ServiceDesk.ID)
		c := e.signIn(e.f.Bob)
		c.postMultipart("/calls/"+call.Ref+"/note", map[string]string{"version": "1", "text": "A program"},
			file{"evil\u202Egpj.exe", pngData}).must(t, http.StatusUnprocessableEntity).has(t, "evilgpj.exe is refused")
		c.postMultipart("/calls/"+call.Ref+"/note", map[string]string{"version": "1", "text": "The log"},
			file{"\u200Blog\u2067fdp\u2069.txt\uFEFF", []byte("paper jam in tray 3\n")}).must(t, http.StatusSeeOther)
		atts, err := e.s.Attachments(e.ctx, call.ID, true)
		if err != nil || len(atts) != 1 || atts[0].Filename != "logfdp.txt" {
			t.Fatalf("stored: %v %+v", err, atts)
		}
		page := c.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, "logfdp.txt")
		for _, r := range []string{"\u202E", "\u2067", "\u200B", "\uFEFF"} {
			if strings.Contains(page.body, r) {
				t.Errorf("the call page carries %U", []rune(r)[0])
			}
		}
	})
}
