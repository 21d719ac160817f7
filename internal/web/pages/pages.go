// Package pages holds what calldesk's server-rendered front ends (the analysts' console and the
// SupportMe portal) share: their templates parsed one way and rendered whole, their static files
// served under content-hashed names, and the security headers every page carries. Each front end
// keeps its own routes, sessions and page data.
package pages

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// Templates are a front end's pages by name: each templates/NAME.html parsed together with the
// layout and partials in templates/shared/*.html.
type Templates map[string]*template.Template

// Parse parses the templates in fsys (a front end's embedded templates folder).
func Parse(fsys fs.FS, funcs template.FuncMap) (Templates, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(fsys, "templates/shared/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := Templates{}
	for _, n := range names {
		t, err := template.Must(base.Clone()).ParseFS(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out, nil
}

// Render writes page name (its "layout" template) with data and the status. The page is rendered
// into a buffer first, so a template error writes nothing and is returned.
func (ts Templates) Render(w http.ResponseWriter, status int, name string, data any) error {
	t, ok := ts[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// Secure sets the headers every page carries: its Content-Security-Policy, no MIME sniffing, no
// framing, no referrer to other sites, and no-store (pages show personal data, or what someone
// typed; static files set their own caching).
func Secure(h http.Header, csp string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// Assets are a front end's scripts and styles, each served under a name carrying a hash of its
// content, so browsers may keep them for a year and still never use a stale one.
type Assets struct {
	prefix string           // where they are served, e.g. /static/
	files  map[string]asset // by served name, e.g. console.3f2a9c1b.css
	urls   map[string]string
}

type asset struct {
	body        []byte
	contentType string
}

// NewAssets makes an empty set served under prefix (ending in /).
func NewAssets(prefix string) *Assets {
	return &Assets{prefix: prefix, files: map[string]asset{}, urls: map[string]string{}}
}

// Add serves body as logical (console.css) under its hashed name.
func (a *Assets) Add(logical string, body []byte, contentType string) {
	sum := sha256.Sum256(body)
	ext := path.Ext(logical)
	served := strings.TrimSuffix(logical, ext) + "." + hex.EncodeToString(sum[:6]) + ext
	a.files[served] = asset{body: body, contentType: contentType}
	a.urls[logical] = a.prefix + served
}

// URL is where the logical file is served, for <link> and <script> tags.
func (a *Assets) URL(logical string) string { return a.urls[logical] }

// Serve answers a request for the file named by the route's {name}: 404 for any other name.
func (a *Assets) Serve(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
