package console

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"calldesk/internal/desk"
)

//go:embed templates
var templateFiles embed.FS

// page is what every console page shows around its content: the title, who is signed in, and
// where in the console they are. Each page's data embeds it.
type page struct {
	Title string
	// Me is the signed-in analyst; nil on the sign-in and error pages when nobody is signed in.
	Me *visit
	// Section marks the current navigation entry: queues, new, search.
	Section string
	// Query is the search box's text, kept on the search page.
	Query string
}

func (c *Console) page(v *visit, title string) page { return page{Title: title, Me: v} }

// DPOTabs are the Data protection area's tabs for the layout to draw above its pages that do not
// draw them themselves (the records of processing, the notice, compliance and subject requests
// do); nil on every other page.
func (p page) DPOTabs() []dpoTab {
	var href string
	switch p.Section {
	case "breaches", "disclosures", "consents", "processors", "assessments":
		href = "/dpo/" + p.Section
	case "dpogrants":
		href = "/dpo/grants"
	}
	if href == "" || p.Me == nil || !p.Me.SeesDPORecords() {
		return nil
	}
	return dpoTabs(p.Me, href)
}

// render writes page name with data, whole, with the status; a template error writes nothing and
// is returned, for the adapter to log and answer. An htmx request still gets the whole page; htmx
// selects the part it swaps (hx-select), so a page has one template, not two.
func (c *Console) render(w http.ResponseWriter, _ *http.Request, status int, name string, data any) error {
	if err := c.pages.Render(w, status, name, data); err != nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}

// renderOrLog renders a page where no error can be returned any more (the error page itself):
// a failure is logged and answered in plain text.
func (c *Console) renderOrLog(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	if err := c.render(w, r, status, name, data); err != nil {
		c.log().Error("console: the error page could not be drawn", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error: the page could not be drawn", http.StatusInternalServerError)
	}
}

// seeOther redirects after a successful form post (Post/Redirect/Get). An htmx request gets the
// HX-Redirect header instead, which htmx follows as a full page load.
func seeOther(w http.ResponseWriter, r *http.Request, to string) error {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// templateFuncs are the functions every page's template may use.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"whenISO":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"state":     func(s desk.State) string { return s.Words() },
		"condition": conditionWords,
		"query":     url.QueryEscape,
		"add":       func(a, b int) int { return a + b },
		"ago":       age,
		"list":      func(s ...string) []string { return s },
		"breakable": breakable,
		"size":      desk.SizeWords,
		"field": func(name, label, value string, errs map[string]string) dpoField {
			return dpoField{Name: name, Label: label, Value: value, Error: errs[name]}
		},
	}
}

// dpoField is one text box of a form for the "dpo-field" template: its name (and id),
// label, value as typed and error.
type dpoField struct{ Name, Label, Value, Error string }

// conditionWords names a condition for people; the console always shows these words (and an
// icon) beside the condition's colour, never the colour alone.
func conditionWords(c desk.Condition) string {
	switch c {
	case desk.CondUnassigned:
		return "Unassigned"
	case desk.CondPending:
		return "In progress"
	case desk.CondOnHold:
		return "On hold"
	case desk.CondOffHold:
		return "Off hold: urgent"
	case desk.CondResolved:
		return "Resolved"
	case desk.CondClosed:
		return "Closed"
	case desk.CondCancelled:
		return "Cancelled"
	}
	return string(c)
}

// breakable escapes an address and lets it wrap after its @ and dots (with <wbr>), so that a long
// email address in a narrow column breaks where a reader expects, not mid-word.
func breakable(s string) template.HTML {
	e := template.HTMLEscapeString(s)
	e = strings.ReplaceAll(e, "@", "@<wbr>")
	e = strings.ReplaceAll(e, ".", ".<wbr>")
	return template.HTML(e)
}
