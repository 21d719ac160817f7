package pages

import (
	"net/http"
	"sort"
	"strings"
	"unicode"
)

// Kept is a form that could not be handled because the service desk was briefly unavailable
// (issue 21): the error page shows what was typed and offers to send it again, so nothing typed
// is lost.
type Kept struct {
	// Action is the path the form was sent to, and is sent to again.
	Action string
	// Shown are the texts typed, each in a box of its own to correct, copy or send again.
	Shown []KeptField
	// Hidden are the form's other values (ids, versions, choices), sent again as they were.
	Hidden []KeptField
	// Multipart says the form could carry files, which a page cannot keep: any must be attached
	// again.
	Multipart bool
}

// KeptField is one value of a kept form.
type KeptField struct {
	Name, Label, Value string
}

// maxKeptForm bounds what KeepForm reads of a body not yet read (its multipart files included).
const maxKeptForm = 32 << 20

// KeepForm returns the form r sent, for the page saying the desk is briefly unavailable, or nil
// when r sent no form. Passwords are never kept or shown again.
func KeepForm(r *http.Request) *Kept {
	if r.Method != http.MethodPost {
		return nil
	}
	if r.PostForm == nil {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			_ = r.ParseMultipartForm(maxKeptForm)
		} else {
			_ = r.ParseForm()
		}
	}
	k := &Kept{Action: LocalPath(r.URL.Path, "/"), Multipart: strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")}
	names := make([]string, 0, len(r.PostForm))
	for n := range r.PostForm {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if n == "" || secret(n) {
			continue
		}
		for _, v := range r.PostForm[n] {
			label := strings.ReplaceAll(n, "_", " ")
			label = strings.ToUpper(label[:1]) + label[1:] // a form's names are ASCII
			f := KeptField{Name: n, Label: label, Value: v}
			if typed(v) {
				k.Shown = append(k.Shown, f)
			} else {
				k.Hidden = append(k.Hidden, f)
			}
		}
	}
	if len(k.Shown) == 0 && len(k.Hidden) == 0 {
		return nil
	}
	return k
}

// secret says a field holds a password or passphrase, which is never sent back in a page.
func secret(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "password") || strings.Contains(n, "passphrase") || strings.Contains(n, "secret")
}

// typed says a value is text someone typed (words, several lines), not an id, version, state or
// path a form carries: those have no space and are short.
func typed(v string) bool {
	if strings.TrimSpace(v) == "" {
		return false
	}
	return len(v) > 40 || strings.IndexFunc(v, unicode.IsSpace) >= 0
}
