package portal

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"time"
)

//go:embed static
var staticFS embed.FS

// staticFiles is the portal's stylesheet, served under a name that carries a hash of its content,
// so browsers may keep it for a year and never use a stale one.
type staticFiles struct {
	files map[string][]byte // by served name, e.g. portal.3f2a9c1b.css
	urls  map[string]string // logical name -> URL
}

func loadStatic() (*staticFiles, error) {
	b, err := staticFS.ReadFile("static/portal.css")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	served := "portal." + hex.EncodeToString(sum[:6]) + ".css"
	return &staticFiles{files: map[string][]byte{served: b}, urls: map[string]string{"portal.css": prefix + "static/" + served}}, nil
}

// URL is where a static file is served.
func (sf *staticFiles) URL(logical string) string { return sf.urls[logical] }

func (p *Portal) staticRoutes() []route {
	return []route{{"GET", prefix + "static/{name}", true, p.serveStatic}}
}

func (p *Portal) serveStatic(w http.ResponseWriter, r *http.Request, _ *visit) error {
	b, ok := p.static.files[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return nil
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	return nil
}
