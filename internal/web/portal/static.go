package portal

import (
	"embed"
	"net/http"

	"calldesk/internal/access"
	"calldesk/internal/web/pages"
)

//go:embed static
var staticFS embed.FS

// loadStatic gathers the portal's stylesheet (it has no script).
func loadStatic() (*pages.Assets, error) {
	b, err := staticFS.ReadFile("static/portal.css")
	if err != nil {
		return nil, err
	}
	a := pages.NewAssets(prefix + "static/")
	a.Add("portal.css", b, "text/css; charset=utf-8")
	return a, nil
}

func (p *Portal) staticRoutes() []route {
	return []route{{"GET", prefix + "static/{name}", access.Public, p.serveStatic}}
}

func (p *Portal) serveStatic(w http.ResponseWriter, r *http.Request, _ *visit) error {
	p.static.Serve(w, r)
	return nil
}
