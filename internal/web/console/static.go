package console

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"path"

	"calldesk/internal/access"
	"calldesk/internal/web/pages"
)

//go:embed static
var staticFS embed.FS

// loadStatic gathers the console's scripts and styles. The stylesheets (static/css/*.css, one per
// part of the console) are joined into one file, console.css.
func loadStatic() (*pages.Assets, error) {
	a := pages.NewAssets("/static/")
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
	a.Add("console.css", css.Bytes(), "text/css; charset=utf-8")
	for logical, file := range map[string]string{"htmx.js": "static/htmx.min.js", "console.js": "static/console.js"} {
		b, err := staticFS.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
		a.Add(logical, b, "text/javascript; charset=utf-8")
	}
	return a, nil
}

func (c *Console) staticRoutes() []route {
	return []route{{"GET", "/static/{name}", access.Public, c.serveStatic}}
}

func (c *Console) serveStatic(w http.ResponseWriter, r *http.Request, _ *visit) error {
	c.static.Serve(w, r)
	return nil
}
