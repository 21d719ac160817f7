package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// staticFiles are the console's scripts and styles, each served under a name that carries a hash
// of its content, so browsers may keep them for a year and still never run a stale one.
// The stylesheets (static/css/*.css, one per part of the console) are joined into one file.
type staticFiles struct {
	files map[string]staticFile // by served name, e.g. console.3f2a9c1b.css
	urls  map[string]string     // logical name (console.css, htmx.js, console.js) -> /static/served name
}

type staticFile struct {
	body        []byte
	contentType string
}

func loadStatic() (*staticFiles, error) {
	sf := &staticFiles{files: map[string]staticFile{}, urls: map[string]string{}}
	var css bytes.Buffer
	sheets, err := fs.Glob(staticFS, "static/css/*.css")
	if err != nil || len(sheets) == 0 {
		return nil, fmt.Errorf("console: no stylesheets embedded (%v)", err)
	}
	for _, n := range sheets { // fs.Glob sorts: base.css first by name
		b, err := staticFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&css, "/* %s */\n", path.Base(n))
		css.Write(b)
		css.WriteByte('\n')
	}
	sf.add("console.css", css.Bytes(), "text/css; charset=utf-8")
	for logical, file := range map[string]string{"htmx.js": "static/htmx.min.js", "console.js": "static/console.js"} {
		b, err := staticFS.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
		sf.add(logical, b, "text/javascript; charset=utf-8")
	}
	return sf, nil
}

func (sf *staticFiles) add(logical string, body []byte, ctype string) {
	sum := sha256.Sum256(body)
	ext := path.Ext(logical)
	served := strings.TrimSuffix(logical, ext) + "." + hex.EncodeToString(sum[:6]) + ext
	sf.files[served] = staticFile{body: body, contentType: ctype}
	sf.urls[logical] = "/static/" + served
}

// URL is where a static file is served, for the layout's <link> and <script> tags.
func (sf *staticFiles) URL(logical string) string { return sf.urls[logical] }

func (c *Console) staticRoutes() []route {
	return []route{{"GET", "/static/{name}", true, c.serveStatic}}
}

func (c *Console) serveStatic(w http.ResponseWriter, r *http.Request, _ *visit) error {
	f, ok := c.static.files[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return nil
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	return nil
}
