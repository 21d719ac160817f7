package portal_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestBadBytesInPortalFormsAre4xx (issue 13 point 9): a NUL character or bytes that are not
// UTF-8 in an Ask for help form (a field, or a file's name) or an address are refused with a
// 4xx that says which, on both engines alike, keeping what was typed; nothing is logged.
func TestBadBytesInPortalFormsAre4xx(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		dan.post("/portal/calls/new", url.Values{"summary": {"Printer\x00jammed"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "summary holds a NUL character")
		dan.post("/portal/calls/new", url.Values{"summary": {"Caf\xe9"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "summary is not valid UTF-8")
		dan.postFiles("/portal/calls/new", map[string]string{"summary": "Printer\x00jammed"}).must(t, http.StatusUnprocessableEntity).
			has(t, "summary holds a NUL character")
		dan.postFiles("/portal/calls/new", map[string]string{"summary": "Printer jammed"}, upload{"scan\xff.png", string(pngData)}).
			must(t, http.StatusUnprocessableEntity).has(t, "the name of a file is not valid UTF-8", `value="Printer jammed"`)
		dan.get("/portal/calls/F%00").must(t, http.StatusUnprocessableEntity).has(t, "holds a NUL character")
		dan.get("/portal/?x=%ff").must(t, http.StatusUnprocessableEntity).has(t, "arameter x is not valid UTF-8")
		if _, n, err := e.s.FindCalls(e.ctx, storeFilter(e.f.Dan.ID)); err != nil || n != 0 {
			t.Fatalf("%d calls logged (%v)", n, err)
		}
	})
}
