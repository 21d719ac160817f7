package portal

import (
	"net/http"
	"strings"

	"calldesk/internal/web"
)

// resumePage offers, once signed in again, to send a form whose session had ended: what it holds,
// the files that could not be kept, a button to send it and a way to leave it.
type resumePage struct {
	page
	Resume web.Resume
	// Shown are the kept fields a person typed, under the form's own labels.
	Shown []shownField
	Back  string
}

// shownField is one kept value as the resume page shows it.
type shownField struct{ Label, Value string }

// resumeLabels name the fields people type into the portal's forms, in the forms' order, for the
// page that offers a kept form posted to action; fields not listed (the call's version, the
// form's key, the chosen category's number, the special-data tick) are sent, not shown.
func resumeLabels(action string) []struct{ Name, Label string } {
	text := "Your message"
	switch action[strings.LastIndex(action, "/")+1:] {
	case "reopen":
		text = "What is still wrong"
	case "withdraw":
		text = "Why you no longer need help"
	case "confirm":
		text = "Your comment"
	}
	return []struct{ Name, Label string }{{"summary", "Short description"}, {"description", "Details"}, {"text", text},
		{"alt_email", "Email for this request"}, {"alt_phone", "Phone for this request"}}
}

// keepForm keeps what a form posted without a valid session held, for sending after signing in
// again: its text, never its files (a browser cannot be made to send a file again), which msg is
// extended to name. Nil when the post held nothing to keep, or when only single sign-on is
// offered (the form cannot travel through the provider's site).
func (p *Portal) keepForm(w http.ResponseWriter, r *http.Request, msg string) (*web.Resume, string) {
	// Without a session only a little is read, and no file's content (web.ReadKeptForm).
	posted, cut := web.ReadKeptForm(w, r)
	if len(posted.Values) == 0 && len(posted.Names) == 0 || p.ssoOnly() {
		// Single sign-on leaves for the provider's site and cannot carry the form.
		return nil, msg + " Nothing was sent: sign in, then try again."
	}
	rs := web.NewResume(localPath(r.URL.Path), posted)
	msg += " Nothing was sent yet, and what you typed is kept: once you are signed in, you can send it."
	if cut {
		msg += " Only its start could be kept: please check it before sending."
	}
	if p.SSO != nil || p.SAML != nil {
		msg += " It is kept only if you sign in with your SupportMe password here."
	}
	if len(rs.Files) > 0 {
		msg += " " + filesNotKept(rs.Files)
	}
	return rs, msg
}

// filesNotKept says which files have to be attached again.
func filesNotKept(names []string) string {
	if len(names) == 1 {
		return "The file " + names[0] + " could not be kept: please attach it again once this is sent."
	}
	return "The files " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] +
		" could not be kept: please attach them again once this is sent."
}

// offerResume draws the page that offers to send a kept form, for the person just signed in.
func (p *Portal) offerResume(w http.ResponseWriter, r *http.Request, v *visit, rs web.Resume, back string) error {
	pg := resumePage{page: p.page(v, "Send what you were writing"), Resume: rs, Back: back}
	for _, l := range resumeLabels(rs.Action) {
		for _, f := range rs.Fields {
			if f.Name == l.Name && strings.TrimSpace(f.Value) != "" {
				pg.Shown = append(pg.Shown, shownField{Label: l.Label, Value: f.Value})
			}
		}
	}
	return p.render(w, r, http.StatusOK, "resume", pg)
}
