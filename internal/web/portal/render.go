package portal

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"

	"calldesk/internal/desk"
)

//go:embed templates
var templateFiles embed.FS

// page is what every portal page shows around its content. Each page's data embeds it.
type page struct {
	Title string
	// Me is the signed-in person; nil on the sign-in, privacy and error pages when nobody is.
	Me *visit
	// Section marks the current navigation entry: calls, new, me, privacy.
	Section string
}

func (p *Portal) page(v *visit, title string) page { return page{Title: title, Me: v} }

// render writes page name with data, whole, with the status; a template error writes nothing and
// is returned.
func (p *Portal) render(w http.ResponseWriter, _ *http.Request, status int, name string, data any) error {
	if err := p.pages.Render(w, status, name, data); err != nil {
		return fmt.Errorf("portal: %w", err)
	}
	return nil
}

// renderOrLog renders a page where no error can be returned any more (the error page itself).
func (p *Portal) renderOrLog(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	if err := p.render(w, r, status, name, data); err != nil {
		p.log().Error("portal: the error page could not be drawn", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error: the page could not be drawn", http.StatusInternalServerError)
	}
}

// seeOther redirects after a successful form post (Post/Redirect/Get).
func seeOther(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"status": statusWords,
		"prefix": func() string { return prefix },
		"size":   desk.SizeWords,
	}
}

// statusWords says where a call is, in words for people who are not IT experts.
func statusWords(s desk.State) string { return s.CustomerWords() }

// isOpen reports whether a call still needs something: from us, or the person's confirmation.
func isOpen(s desk.State) bool { return s != desk.Closed && s != desk.Cancelled }
