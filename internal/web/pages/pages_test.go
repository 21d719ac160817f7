package pages

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestTemplatesRenderWholeOrNothing(t *testing.T) {
	fsys := fstest.MapFS{
		"templates/shared/layout.html": {Data: []byte(`{{define "layout"}}<main>{{template "main" .}}</main>{{end}}`)},
		"templates/hello.html":         {Data: []byte(`{{define "main"}}Hello {{.Name}}{{end}}`)},
		"templates/broken.html":        {Data: []byte(`{{define "main"}}before {{.Missing.Field}}{{end}}`)},
	}
	ts, err := Parse(fsys, template.FuncMap{})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := ts.Render(w, http.StatusCreated, "hello", struct{ Name string }{"<Ann>"}); err != nil {
		t.Fatal(err)
	}
	if w.Code != 201 || w.Body.String() != "<main>Hello &lt;Ann&gt;</main>" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("rendered %d %q", w.Code, w.Body.String())
	}
	for _, name := range []string{"broken", "absent"} {
		w = httptest.NewRecorder()
		if err := ts.Render(w, http.StatusOK, name, struct{ Name string }{}); err == nil || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
			t.Fatalf("%s: err %v, wrote %q", name, err, w.Body.String())
		}
	}
	if _, err := Parse(fstest.MapFS{"templates/shared/layout.html": {Data: []byte(`{{define "layout"}}{{end`)}}, nil); err == nil {
		t.Fatal("a template that does not parse was accepted")
	}
}

func TestAssetsAreHashedAndCached(t *testing.T) {
	a := NewAssets("/static/")
	a.Add("app.css", []byte("body{}"), "text/css; charset=utf-8")
	url := a.URL("app.css")
	if !strings.HasPrefix(url, "/static/app.") || !strings.HasSuffix(url, ".css") || len(url) != len("/static/app..css")+12 {
		t.Fatalf("URL %q", url)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/{name}", a.Serve)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", url, nil))
	if w.Code != 200 || w.Body.String() != "body{}" || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		w.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("served %d %q %v", w.Code, w.Body.String(), w.Header())
	}
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/static/app.000000000000.css", nil))
	if w.Code != 404 {
		t.Fatalf("a stale name: %d", w.Code)
	}
	b := NewAssets("/static/")
	b.Add("app.css", []byte("body{color:red}"), "text/css")
	if b.URL("app.css") == url {
		t.Fatal("different content got the same name")
	}
}

func TestSecureHeaders(t *testing.T) {
	h := http.Header{}
	Secure(h, "default-src 'self'")
	for k, v := range map[string]string{"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff",
		"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
		if h.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, h.Get(k), v)
		}
	}
}
