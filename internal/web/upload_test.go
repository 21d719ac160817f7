package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/web"
)

// part is one part of a multipart body: a text field when file is false.
type part struct {
	name, filename, data string
	file                 bool
}

func text(name, value string) part { return part{name: name, data: value} }
func file(filename, data string) part {
	return part{name: "files", filename: filename, data: data, file: true}
}
func multipartBody(parts ...part) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		var w interface{ Write([]byte) (int, error) }
		var err error
		if p.file {
			w, err = mw.CreateFormFile(p.name, p.filename)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			panic(err)
		}
		_, _ = w.Write([]byte(p.data))
	}
	_ = mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

var (
	pngData = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + strings.Repeat("\x01", 64)
	pdfData = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
)

// TestReadForm: the shared upload parser keeps every typed field whatever goes wrong, refuses
// files by the desk's rules with messages naming them, and answers 413 only for size.
func TestReadForm(t *testing.T) {
	t.Parallel()
	rules := desk.AttachmentRules{MaxSize: 1 << 10}
	typed := []part{text("summary", "Printer jams"), text("description", "on every <page> & more")}
	many := func(n int, p func(i int) part) []part {
		out := append([]part{}, typed...)
		for i := range n {
			out = append(out, p(i))
		}
		return out
	}
	tests := []struct {
		name  string
		ctype string // overrides the multipart content type
		body  []byte
		parts []part
		// what comes back
		files   []string
		refused []string // each a fragment of one refusal
		err     string   // a fragment of the error; "" for none
		status  int
	}{
		{name: "two good files", parts: append(typed[:2:2], file("scan.png", pngData), file(`C:\Docs\form.pdf`, pdfData)),
			files: []string{"scan.png", "form.pdf"}, status: http.StatusUnprocessableEntity},
		{name: "oversize file", parts: append(typed[:2:2], file("scan.png", pngData), file("huge.log", strings.Repeat("a", 2<<10))),
			refused: []string{"huge.log is larger than 1 KiB"}, status: http.StatusRequestEntityTooLarge},
		{name: "disallowed type", parts: append(typed[:2:2], file("page.html", "<html><body>hi</body></html>"), file("run.txt", "MZ\x90\x00")),
			refused: []string{"page.html is refused", "run.txt is refused"}, status: http.StatusUnprocessableEntity},
		{name: "type not accepted", parts: append(typed[:2:2], file("tune.mp3", "ID3\x03\x00")),
			refused: []string{"tune.mp3 is not a type calldesk accepts"}, status: http.StatusUnprocessableEntity},
		{name: "empty file field", parts: append(typed[:2:2], file("", "")), status: http.StatusUnprocessableEntity},
		{name: "empty file", parts: append(typed[:2:2], file("blank.txt", "")),
			refused: []string{"blank.txt is empty"}, status: http.StatusUnprocessableEntity},
		{name: "too many files", parts: many(desk.MaxAttachmentsPerEntry+1, func(i int) part { return file(fmt.Sprintf("f%d.pdf", i), pdfData) }),
			refused: []string{"11 files were sent; one entry may carry at most 10"}, status: http.StatusUnprocessableEntity},
		{name: "too many parts", parts: many(web.MaxFormParts, func(i int) part { return text(fmt.Sprintf("x%d", i), "y") }),
			err: "more than 200 parts", status: http.StatusUnprocessableEntity},
		{name: "too much text", parts: append(typed[:2:2], text("text", strings.Repeat("é", web.MaxFormValues))),
			err: "text is longer than 2 MiB", status: http.StatusUnprocessableEntity},
		{name: "body over the limit", parts: append(typed[:2:2], file("dump.bin", strings.Repeat("z", int(web.MaxFormBody(rules))))),
			refused: []string{"dump.bin is larger than 1 KiB"}, err: "together are larger than", status: http.StatusRequestEntityTooLarge},
		{name: "malformed body", ctype: "multipart/form-data; boundary=XYZ",
			body: []byte("--XYZ\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\nPrinter jams\r\n--XYZ\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\non every <page> & more\r\n--XYZ\r\nContent-Dispo"),
			err:  "the form could not be read", status: http.StatusUnprocessableEntity},
		{name: "no boundary", ctype: "multipart/form-data", body: []byte("summary=Printer+jams"),
			err: "no multipart boundary", status: http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctype, body := tc.ctype, tc.body
			if body == nil {
				ctype, body = multipartBody(tc.parts...)
			}
			r := httptest.NewRequest("POST", "/portal/calls/new", bytes.NewReader(body))
			r.Header.Set("Content-Type", ctype)
			f, err := web.ReadForm(httptest.NewRecorder(), r, rules)
			if tc.name != "no boundary" && (f.Values.Get("summary") != "Printer jams" || f.Values.Get("description") != "on every <page> & more") {
				t.Errorf("the typed text was lost: %v", f.Values)
			}
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.err != "" && (desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want EINVALID saying %q", err, tc.err)
			}
			var got []string
			for _, u := range f.Files {
				got = append(got, u.Filename)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.files) {
				t.Errorf("files %v, want %v", got, tc.files)
			}
			if len(f.Refused) != len(tc.refused) {
				t.Fatalf("refused %q, want %q", f.Refused, tc.refused)
			}
			for i, want := range tc.refused {
				if !strings.Contains(f.Refused[i], want) {
					t.Errorf("refusal %q does not say %q", f.Refused[i], want)
				}
			}
			if ferr := f.FilesError("not saved"); (ferr != nil) != (len(tc.refused) > 0) {
				t.Errorf("FilesError %v with %d refused", ferr, len(tc.refused))
			}
			if f.Status() != tc.status {
				t.Errorf("status %d, want %d", f.Status(), tc.status)
			}
		})
	}
}

// TestReadFormURLEncoded: a form without files is read as before.
func TestReadFormURLEncoded(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "/calls/new", strings.NewReader(url.Values{"summary": {"Wifi drops"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	f, err := web.ReadForm(httptest.NewRecorder(), r, desk.AttachmentRules{})
	if err != nil || f.Values.Get("summary") != "Wifi drops" || len(f.Files) != 0 {
		t.Fatalf("%+v, %v", f, err)
	}
	r = httptest.NewRequest("POST", "/calls/new", strings.NewReader("summary=%zz"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := web.ReadForm(httptest.NewRecorder(), r, desk.AttachmentRules{}); desk.ErrorCode(err) != desk.EINVALID {
		t.Fatalf("a tampered form: %v", err)
	}
}
