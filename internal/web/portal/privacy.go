package portal

import (
	"net/http"

	"calldesk/internal/access"
)

func (p *Portal) privacyRoutes() []route {
	return []route{{"GET", prefix + "privacy", access.Public, p.showPrivacy}}
}

// privacyPage is the full privacy notice for the service desk (P8); the form to ask for help
// carries its short summary (templates/shared/layout.html "privacy-summary").
type privacyPage struct {
	page
	Retention string
}

func (p *Portal) showPrivacy(w http.ResponseWriter, r *http.Request, _ *visit) error {
	// Once the DPO publishes a notice (issue 19), that is the notice: the portal's own page gives
	// way to it.
	if _, err := p.Store.LatestNotice(r.Context()); err == nil {
		http.Redirect(w, r, "/privacy", http.StatusSeeOther)
		return nil
	}
	v, _ := p.authenticate(r)
	pg := privacyPage{page: p.page(v, "How we use your information"), Retention: p.retention(r.Context())}
	pg.Section = "privacy"
	return p.render(w, r, http.StatusOK, "privacy", pg)
}
