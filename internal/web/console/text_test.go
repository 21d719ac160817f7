package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/store"
)

// TestBadBytesInFormsAre4xx (issue 13 point 9): a NUL character or bytes that are not UTF-8 in a
// console form (URL-encoded or multipart, a field or a file's name) or a query string are refused
// with a 4xx naming the field, on both engines alike, and nothing is logged.
func TestBadBytesInFormsAre4xx(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		form := func(summary string) url.Values {
			return url.Values{"customer_id": {fmt.Sprint(e.f.Dan.ID)}, "kind": {"fault"}, "source": {"phone"}, "summary": {summary}}
		}
		c.post("/calls/new", form("Printer\x00jammed")).must(t, http.StatusUnprocessableEntity).has(t, "summary holds a NUL character")
		c.post("/calls/new", form("Caf\xe9 printer")).must(t, http.StatusUnprocessableEntity).has(t, "summary is not valid UTF-8")
		fields := map[string]string{"customer_id": fmt.Sprint(e.f.Dan.ID), "kind": "fault", "source": "phone"}
		fields["summary"] = "Printer\x00jammed"
		c.postMultipart("/calls/new", fields).must(t, http.StatusUnprocessableEntity).has(t, "summary holds a NUL character", `value="`)
		fields["summary"] = "Printer jammed"
		c.postMultipart("/calls/new", fields, file{"scan\x00.png", pngData}).must(t, http.StatusUnprocessableEntity).
			has(t, "the form could not be read", `value="Printer jammed"`) // a raw NUL breaks the part's header
		// The name in RFC 2231's encoding, which decodes to a NUL.
		body := "--b\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\nPrinter jammed\r\n" +
			"--b\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''scan%00.png\r\nContent-Type: image/png\r\n\r\n" +
			string(pngData) + "\r\n--b--\r\n"
		req, _ := http.NewRequest("POST", e.url+"/calls/new", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		c.do(req).must(t, http.StatusUnprocessableEntity).has(t, "the name of a file holds a NUL character", `value="Printer jammed"`)
		c.postMultipart("/calls/new", fields, file{"scan\xff.png", pngData}).must(t, http.StatusUnprocessableEntity).
			has(t, "the name of a file is not valid UTF-8")
		c.get("/search?q=%00").must(t, http.StatusUnprocessableEntity).has(t, "parameter q holds a NUL character")
		c.get("/search?q=caf%E9").must(t, http.StatusUnprocessableEntity).has(t, "parameter q is not valid UTF-8")
		if _, n, err := e.s.FindCalls(e.ctx, store.CallFilter{CustomerID: e.f.Dan.ID}); err != nil || n != 0 {
			t.Fatalf("%d calls logged (%v)", n, err)
		}
	})
}
