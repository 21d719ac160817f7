package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"calldesk/internal/desk"
)

//go:embed templates
var defaultTemplates embed.FS

// MailData is everything a notification's template may use, and nothing else (an unknown name is
// an error when the templates are loaded). What is personal or about the problem (Summary, Text)
// is empty unless the notification may carry it (P18): customers' notifications carry the
// reference, the status and a link; analysts' carry the call's text only with Notifier.FullText.
type MailData struct {
	Ref     string // the call's reference, F0012345
	Name    string // the recipient's name
	Status  string // where the call is, in words for the recipient
	Link    string // the call's page on the portal (customers) or the console (analysts)
	Summary string // the call's summary (full content only)
	Text    string // the update, resolution or reply the message is about (full content only)
	Until   string // when a hold ends
	To      string // who the call is now with (assignment)
	// Their, Size and Max are for the notice to the sender of a message refused as too large
	// (desk.MailTooLarge): their message's subject (theirs, going back to them only), its size and
	// the desk's limit, in words ("41.3 MiB").
	Their, Size, Max string
	// Point is the escalation point a call crossed, in words ("75% of the resolve time used").
	Point string
	// Report, Period and Figures are a subscribed report's name, its period in words and its
	// summary sentence (aggregates, nobody's data); Every is "weekly" or "monthly".
	Report, Period, Figures, Every string
}

// Templates are the notifications' texts: for each kind, kind.txt with a "subject" template and
// the plain-text body, and layout.html, the HTML version around the text's paragraphs.
type Templates struct {
	text map[desk.MailKind]*template.Template
	html *htmltemplate.Template
}

// kinds are the notifications calldesk sends.
func kinds() []desk.MailKind {
	return []desk.MailKind{desk.MailCallLogged, desk.MailPublicUpdate, desk.MailOnHold, desk.MailOffHold,
		desk.MailResolved, desk.MailClosed, desk.MailAssigned, desk.MailCustomerReply, desk.MailTooLarge, desk.MailEscalation, desk.MailReport}
}

// LoadTemplates reads the built-in templates and, when dir is not "", the administrator's
// versions of any of them from dir (same file names), so that a site changes only what it needs.
// Every template is tried on sample data: a mistake (an unknown variable, a missing subject)
// stops calldesk at start rather than a message later.
func LoadTemplates(dir string) (*Templates, error) {
	read := func(name string) ([]byte, error) {
		if dir != "" {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err == nil {
				return b, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		return defaultTemplates.ReadFile("templates/" + name)
	}
	t := &Templates{text: map[desk.MailKind]*template.Template{}}
	sample := MailData{Ref: "F0012345", Name: "Dan Dawson", Status: "Received", Link: "https://desk.example/portal/calls/F0012345",
		Summary: "Printer jammed", Text: "Please try again", Until: "Mon 2 Mar 2026, 09:00", To: "Service Desk",
		Their: "Scans of the forms", Size: "41.3 MiB", Max: "35 MiB", Point: "75% of the resolve time used",
		Report: "Service levels: targets met", Period: "1 Mar 2027 to 7 Mar 2027", Every: "weekly",
		Figures: "Resolved within target: 91% of 1,204, down 3 points on the previous week."}
	for _, k := range kinds() {
		name := string(k) + ".txt"
		b, err := read(name)
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", name, err)
		}
		tt, err := template.New(name).Option("missingkey=error").Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", name, err)
		}
		if tt.Lookup("subject") == nil {
			return nil, fmt.Errorf("mail template %s: it has no {{define \"subject\"}}…{{end}}", name)
		}
		t.text[k] = tt
		if _, _, err := t.render(k, sample); err != nil {
			return nil, err
		}
	}
	b, err := read("layout.html")
	if err != nil {
		return nil, fmt.Errorf("mail template layout.html: %w", err)
	}
	if t.html, err = htmltemplate.New("layout.html").Option("missingkey=error").Parse(string(b)); err != nil {
		return nil, fmt.Errorf("mail template layout.html: %w", err)
	}
	if _, err := t.Render(desk.MailCallLogged, sample); err != nil {
		return nil, err
	}
	return t, nil
}

// render executes kind's subject and text body.
func (t *Templates) render(k desk.MailKind, d MailData) (subject, text string, err error) {
	tt, ok := t.text[k]
	if !ok {
		return "", "", fmt.Errorf("mail: no template for %s", k)
	}
	var sb, tb bytes.Buffer
	if err := tt.ExecuteTemplate(&sb, "subject", d); err != nil {
		return "", "", fmt.Errorf("mail template %s.txt (subject): %w", k, err)
	}
	if err := tt.Execute(&tb, d); err != nil {
		return "", "", fmt.Errorf("mail template %s.txt: %w", k, err)
	}
	subject = strings.Join(strings.Fields(sb.String()), " ")
	if d.Ref != "" && !strings.Contains(subject, "["+d.Ref+"]") {
		subject = "[" + d.Ref + "] " + subject
	}
	return subject, strings.TrimSpace(tb.String()) + "\n", nil
}

// Rendered is a notification's subject and bodies.
type Rendered struct{ Subject, Text, HTML string }

// Render makes kind's message from d. The subject always carries the reference as [F0012345],
// when there is one (a notice about no call has none).
func (t *Templates) Render(k desk.MailKind, d MailData) (Rendered, error) {
	subject, text, err := t.render(k, d)
	if err != nil {
		return Rendered{}, err
	}
	var paras []string
	for _, p := range strings.Split(text, "\n\n") {
		var lines []string
		for _, l := range strings.Split(p, "\n") {
			if l = strings.TrimSpace(l); l != "" && l != d.Link {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			paras = append(paras, strings.Join(lines, " "))
		}
	}
	var hb bytes.Buffer
	if err := t.html.Execute(&hb, struct {
		Subject    string
		Paragraphs []string
		Link       string
	}{subject, paras, d.Link}); err != nil {
		return Rendered{}, fmt.Errorf("mail template layout.html: %w", err)
	}
	return Rendered{Subject: subject, Text: text, HTML: hb.String()}, nil
}
