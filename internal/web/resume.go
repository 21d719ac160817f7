package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// FormKeyField is the hidden field holding a form's key: a random value drawn into a form that
// creates something (a call), so that the same form sent twice (a double click, a page sent
// again, a form kept across a sign-in) creates it once. The store keeps the keys that were used
// (desk.NewCall.FormKey, store.FormKeyCall); the second send finds what the first created.
const FormKeyField = "form_key"

// NewFormKey returns a new form key.
func NewFormKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// Resume is a form post whose session had ended, kept across signing in again so that nothing
// typed is lost: where it was going, the text it held (never a password), and the names of the
// files it carried, which a browser cannot be made to send again and must be attached again.
type Resume struct {
	Action string
	Fields []Field
	Files  []string
}

// Field is one form value kept for sending again.
type Field struct{ Name, Value string }

// NewResume keeps a form posted to action. A form that creates something carries its key
// (FormKeyField) and keeps it, so the kept form, sent from the page that offers it after signing
// in, is acted on once however often that page is sent.
func NewResume(action string, f Form) *Resume {
	return &Resume{Action: action, Fields: KeptFields(f.Values, ""), Files: f.Names}
}

// ResumeFrom reads a kept form back from the sign-in form that carried it (fields resume_action,
// resume.NAME, resume_file), with its action made safe by local; nil when it carried none.
func ResumeFrom(f url.Values, local func(string) string) *Resume {
	a := f.Get("resume_action")
	if a == "" {
		return nil
	}
	return &Resume{Action: local(a), Fields: KeptFields(f, "resume."), Files: f["resume_file"]}
}

// KeptFields lists a form's values under prefix (prefix removed), sorted by name, leaving out
// anything that looks like a password.
func KeptFields(f url.Values, prefix string) []Field {
	var out []Field
	for name, vals := range f {
		if !strings.HasPrefix(name, prefix) || strings.Contains(strings.ToLower(name), "password") {
			continue
		}
		for _, val := range vals {
			out = append(out, Field{Name: strings.TrimPrefix(name, prefix), Value: val})
		}
	}
	slices.SortStableFunc(out, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
	return out
}
