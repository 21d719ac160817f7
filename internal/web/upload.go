package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"calldesk/internal/desk"
)

// MaxFormValues caps the text fields of one posted form together (a diary entry is at most
// 100,000 characters, so up to 400 KB of UTF-8).
const MaxFormValues = 2 << 20

// MaxFormParts caps the parts (text fields and files) of one multipart form: the pages' forms
// have a few dozen at most, so more is a tampered or runaway request, refused before it costs more.
const MaxFormParts = 200

// FilesField is the name of the file input of every form that takes attachments.
const FilesField = "files"

// Form is a posted form as ReadForm read it: its text values and the files that passed the
// attachment rules.
type Form struct {
	Values url.Values
	// Files are the attached files, each checked against the rules. When any file was refused,
	// Files is empty: one refused file refuses them all, so nothing is half-sent.
	Files []desk.Upload
	// Refused says, as sentences naming each file, why files were refused (too large, of a type
	// not accepted, too many).
	Refused []string
	// TooLarge says a file, or the whole body, was over its limit: the answer is 413.
	TooLarge bool
	// Names are the names of all the files sent, kept or refused: a page can say which files
	// have to be chosen again.
	Names []string
}

// MaxFormBody is the largest request body a form with attachments may be under rules: every
// file at the limit, and the text.
func MaxFormBody(rules desk.AttachmentRules) int64 {
	return int64(desk.MaxAttachmentsPerEntry)*rules.Max() + MaxFormValues
}

// ReadForm reads a posted form, URL-encoded or multipart. A multipart body is streamed part by
// part and never written to disk: each file is checked against rules as it arrives (its size
// while it is read, its type from its content), and one that fails is named in Refused with the
// reason, its content dropped, the rest of the form still read. A file input left empty is
// skipped.
//
// A body that cannot be read (malformed, over MaxFormBody, more than MaxFormParts parts, more
// than MaxFormValues of text) is an EINVALID error; the values read before it are returned all
// the same, so the page can be drawn again with what was typed.
func ReadForm(w http.ResponseWriter, r *http.Request, rules desk.AttachmentRules) (Form, error) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := r.ParseForm(); err != nil {
			return Form{Values: url.Values{}}, desk.Errorf(desk.EINVALID, "the form could not be read (%v); nothing was saved", err)
		}
		return Form{Values: r.PostForm}, nil
	}
	f := Form{Values: url.Values{}}
	// The text values read are the request's form too, for the page that keeps what was typed
	// when the desk is briefly unavailable (pages.KeepForm): the body cannot be read twice.
	r.PostForm = f.Values
	if params["boundary"] == "" {
		return f, desk.Errorf(desk.EINVALID, "the form could not be read (it has no multipart boundary); nothing was saved")
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, MaxFormBody(rules)), params["boundary"])
	valuesLeft := int64(MaxFormValues)
	files := 0
	for parts := 0; ; parts++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return f.failed(err)
		}
		if parts == MaxFormParts {
			return f.failed(desk.Errorf(desk.EINVALID, "the form has more than %d parts, more than any of our forms; nothing was saved", MaxFormParts))
		}
		name := part.FormName()
		if p := desk.TextProblem(name); p != "" {
			return f.failed(desk.Errorf(desk.EINVALID, "the name of a field %s; nothing was saved", p))
		}
		if p := desk.TextProblem(part.FileName()); p != "" {
			return f.failed(desk.Invalid("the name of a file "+p+"; nothing was saved", map[string]string{FilesField: "not saved: the name of a file " + p}))
		}
		if part.FileName() == "" && name != FilesField {
			b, err := io.ReadAll(io.LimitReader(part, valuesLeft+1))
			if err != nil {
				return f.failed(err)
			}
			if valuesLeft -= int64(len(b)); valuesLeft < 0 {
				return f.failed(desk.Errorf(desk.EINVALID, "the form's text is longer than %s; nothing was saved", desk.SizeWords(MaxFormValues)))
			}
			if p := desk.TextProblem(string(b)); p != "" {
				return f.failed(desk.Invalid(fmt.Sprintf("field %s %s; nothing was saved", name, p), map[string]string{name: p}))
			}
			f.Values.Add(name, string(b))
			continue
		}
		if name != FilesField || part.FileName() == "" {
			// A file input left empty, or a file under a name no form has.
			if _, err := io.Copy(io.Discard, part); err != nil {
				return f.failed(err)
			}
			continue
		}
		filename := desk.CleanFilename(part.FileName())
		f.Names = append(f.Names, filename)
		if files++; files > desk.MaxAttachmentsPerEntry {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return f.failed(err)
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, rules.Max()+1))
		if err != nil {
			return f.failed(err)
		}
		if int64(len(b)) > rules.Max() {
			f.Refused, f.TooLarge = append(f.Refused, rules.TooLarge(filename)), true
			if _, err := io.Copy(io.Discard, part); err != nil {
				return f.failed(err)
			}
			continue
		}
		u := desk.Upload{Filename: filename, Data: b}
		if _, err := rules.Check(u); err != nil {
			f.Refused = append(f.Refused, err.Error())
			continue
		}
		f.Files = append(f.Files, u)
	}
	if files > desk.MaxAttachmentsPerEntry {
		f.Refused = append(f.Refused, fmt.Sprintf("%d files were sent; one entry may carry at most %d", files, desk.MaxAttachmentsPerEntry))
	}
	if len(f.Refused) > 0 {
		f.Files = nil
	}
	return f, nil
}

// failed ends the reading of a multipart body with err explained, keeping the values read so far
// and dropping every file.
func (f Form) failed(err error) (Form, error) {
	f.Files = nil
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		f.TooLarge = true
		return f, desk.Invalid("what you sent is too large", map[string]string{FilesField: fmt.Sprintf(
			"together are larger than %s, the most one form may carry; nothing was saved", desk.SizeWords(tooBig.Limit))})
	case desk.AsError(err) != nil:
		return f, err
	}
	return f, desk.Errorf(desk.EINVALID, "the form could not be read (%v); nothing was saved", err)
}

// FilesError is the EINVALID error, with message msg, for the files ReadForm refused, or nil
// when none was: its field "files" says why each was refused.
func (f Form) FilesError(msg string) error {
	if len(f.Refused) == 0 {
		return nil
	}
	return desk.Invalid(msg, map[string]string{FilesField: "not saved: " + strings.Join(f.Refused, "; ")})
}

// Status is the status of the answer to a form refused for what it carried: 413 when a file or
// the body was too large, 422 otherwise.
func (f Form) Status() int {
	if f.TooLarge {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusUnprocessableEntity
}

// MaxAnonymousBody caps what a request without a valid session may send: a sign-in form, or a
// form whose session had ended, kept for sending after signing in (its text, never its files).
// It is enough for a diary entry's 100,000 characters of plain text, and it keeps an anonymous
// client from making the server read, let alone hold, a form's worth of files (10 x 24 MiB).
const MaxAnonymousBody = 256 << 10

// LimitAnonymous caps r's body at MaxAnonymousBody, for routes served without a session: reading
// past it is an error, and the connection is closed rather than drained.
func LimitAnonymous(w http.ResponseWriter, r *http.Request) { LimitBody(w, r, MaxAnonymousBody) }

// LimitBody caps r's body at n bytes, as LimitAnonymous does, for a route served without a
// session that must take more than MaxAnonymousBody: the SAML assertion consumer service, which
// takes the identity provider's response, up to sso.MaxResponse.
func LimitBody(w http.ResponseWriter, r *http.Request, n int64) {
	r.Body = http.MaxBytesReader(w, r.Body, n)
}

// ReadKeptForm reads what can be kept of a form posted without a valid session: its text values
// and the names of its files, never their content, from at most MaxAnonymousBody bytes of the
// body. A body longer than that is read no further; what came before is kept (the values whole,
// the last one cut off dropped) and cut reports it. Nothing is ever an error: what could not be
// read is not kept.
func ReadKeptForm(w http.ResponseWriter, r *http.Request) (f Form, cut bool) {
	f = Form{Values: url.Values{}}
	body := http.MaxBytesReader(w, r.Body, MaxAnonymousBody)
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(body)
		if err != nil {
			cut = true
			b = b[:max(bytes.LastIndexByte(b, '&'), 0)] // the last value may be cut short
		}
		if vals, err := url.ParseQuery(string(b)); err == nil {
			f.Values = vals
		}
		return f, cut
	case "multipart/form-data":
	default:
		return f, false
	}
	if params["boundary"] == "" {
		return f, false
	}
	mr := multipart.NewReader(body, params["boundary"])
	for parts := 0; parts < MaxFormParts; parts++ {
		part, err := mr.NextPart()
		if err != nil {
			return f, err != io.EOF
		}
		name := part.FormName()
		if part.FileName() != "" || name == FilesField {
			if part.FileName() != "" {
				f.Names = append(f.Names, desk.CleanFilename(part.FileName()))
			}
			if _, err := io.Copy(io.Discard, part); err != nil {
				return f, true
			}
			continue
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return f, true
		}
		f.Values.Add(name, string(b))
	}
	return f, true
}
