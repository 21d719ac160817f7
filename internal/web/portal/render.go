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
	// Contact is the desk's contact block, in the footer of every page.
	Contact Contact
	// Failed marks a form sent back with errors: the title starts "Error:" (GOV.UK's pattern).
	Failed bool
}

func (p *Portal) page(v *visit, title string) page {
	return page{Title: title, Me: v, Contact: p.Contact}
}

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
		"status":            statusWords,
		"tag":               statusTag,
		"priority":          priorityWords,
		"prefix":            func() string { return prefix },
		"size":              desk.SizeWords,
		"telLink":           telLink,
		"requestWords":      requestWords,
		"requestStateWords": requestStateWords,
	}
}

// statusWords says where a call is, in words for people who are not IT experts.
// A call on hold says so: the person sees until when beside it.
func statusWords(s desk.State) string {
	if s == desk.OnHold {
		return "On hold"
	}
	return s.CustomerWords()
}

// statusTag is the colour class of a call's status: waiting (for the person), solved, finished,
// held, or "" (with us).
func statusTag(s desk.State) string {
	switch s {
	case desk.Pending:
		return "waiting"
	case desk.Resolved:
		return "solved"
	case desk.Closed, desk.Cancelled:
		return "finished"
	case desk.OnHold:
		return "held"
	}
	return ""
}

// priorityWords says a call's priority for its customer: how soon the desk means to deal with it.
func priorityWords(p desk.Priority) string {
	switch p {
	case 1:
		return "Urgent (P1)"
	case 2:
		return "High (P2)"
	case 3:
		return "Normal (P3)"
	case 4:
		return "Low (P4)"
	}
	return "Not set yet"
}

// isOpen reports whether a call still needs something: from us, or the person's confirmation.
func isOpen(s desk.State) bool { return s != desk.Closed && s != desk.Cancelled }
