package pages_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/web/pages"
)

// KeepForm keeps what was typed to show it again, the form's other values to send again, never a
// password, and nothing of a GET.
func TestKeepForm(t *testing.T) {
	form := url.Values{"text": {"The printer jams on every page"}, "version": {"3"}, "password": {"hunter2 hunter2"},
		"new_password": {"correct horse"}, "": {"nameless value"}, "next": {"/calls/F0000001"}}
	r := httptest.NewRequest("POST", "/calls/F0000001/note", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	k := pages.KeepForm(r)
	if k == nil || k.Action != "/calls/F0000001/note" || k.Multipart {
		t.Fatalf("kept %+v", k)
	}
	if len(k.Shown) != 1 || k.Shown[0] != (pages.KeptField{Name: "text", Label: "Text", Value: "The printer jams on every page"}) {
		t.Errorf("shown %+v, want the text typed", k.Shown)
	}
	if len(k.Hidden) != 2 || k.Hidden[0].Name != "next" || k.Hidden[1].Name != "version" {
		t.Errorf("hidden %+v, want next and version", k.Hidden)
	}
	if get := pages.KeepForm(httptest.NewRequest("GET", "/calls/F0000001", nil)); get != nil {
		t.Errorf("a GET kept %+v", get)
	}
}
