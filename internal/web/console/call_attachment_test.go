package console_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// file is one file of a multipart post.
type file struct {
	name string
	data []byte
}

// postMultipart sends a form with files (field "files") as a same-origin browser would.
func (c *client) postMultipart(path string, values map[string]string, files ...file) response {
	c.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range values {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.name)
		if err != nil {
			c.e.t.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.e.url+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

var (
	pngData = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 100)...)
	pdfData = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
)

// attachmentLinks are the call page's links to attachments: path -> file name.
func attachmentLinks(body string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`<a href="(/calls/[^"]+/attachments/\d+)" download>([^<]*)</a>`).FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestAttachmentUpload(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		call := e.call("Printer jams", e.f.ServiceDesk.ID)
		c := e.signIn(e.f.Bob)
		page := c.get("/calls/"+call.Ref).must(t, http.StatusOK)
		page.has(t, `enctype="multipart/form-data" action="/calls/`+call.Ref+`/note"`, `<label for="note-files">Attachments`,
			`type="file" id="note-files" name="files" multiple`, "Up to 25 MiB each", "pdf, png")
		c.postMultipart("/calls/"+call.Ref+"/note", map[string]string{"version": "1", "text": "Photos of the jam"},
			file{"jam.png", pngData}, file{"Rapport été.pdf", pdfData}).must(t, http.StatusSeeOther)
		c.postMultipart("/calls/"+call.Ref+"/update", map[string]string{"version": "1", "text": "Here is the guide"},
			file{"guide.pdf", pdfData}).must(t, http.StatusSeeOther)
		if got := e.diaryTexts(call); len(got) != 3 || !strings.Contains(got[1], "Photos of the jam") {
			t.Fatalf("diary: %q", got)
		}
		page = c.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, "jam.png", "(116 bytes)", "Rapport été.pdf", "guide.pdf")
		links := attachmentLinks(page.body)
		if len(links) != 3 {
			t.Fatalf("attachment links: %v\n%s", links, page.body)
		}
		var pngPath, pdfPath string
		for p, name := range links {
			switch name {
			case "jam.png":
				pngPath = p
			case "Rapport été.pdf":
				pdfPath = p
			}
		}
		r := c.get(pngPath).must(t, http.StatusOK)
		if r.body != string(pngData) {
			t.Errorf("downloaded %d bytes, not the file", len(r.body))
		}
		for k, want := range map[string]string{"Content-Type": "image/png", "Content-Disposition": `attachment; filename="jam.png"`,
			"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'", "Cache-Control": "no-store"} {
			if got := r.header.Get(k); got != want {
				t.Errorf("%s: %q, want %q", k, got, want)
			}
		}
		r = c.get(pdfPath).must(t, http.StatusOK)
		if got, want := r.header.Get("Content-Disposition"), `attachment; filename="Rapport _t_.pdf"; filename*=UTF-8''Rapport%20%C3%A9t%C3%A9.pdf`; got != want {
			t.Errorf("Content-Disposition %q, want %q", got, want)
		}
		// Each download is a read of Dan's data, audited.
		recs := e.audited(e.f.Dan, "attachment.view")
		if len(recs) != 2 || recs[0].ActorID != e.f.Bob.ID || recs[0].ObjectType != "attachment" || !strings.Contains(recs[1].Detail, "jam.png") {
			t.Errorf("downloads audited as %+v", recs)
		}
		// Another call's attachment under this call's address: not found, and not audited.
		other := e.call("Another call", e.f.ServiceDesk.ID)
		c.get(strings.Replace(pngPath, call.Ref, other.Ref, 1)).must(t, http.StatusNotFound).has(t, "has no attachment")
		c.get("/calls/"+call.Ref+"/attachments/999999").must(t, http.StatusNotFound)
		c.get("/calls/"+call.Ref+"/attachments/x").must(t, http.StatusNotFound)
		if n := len(e.audited(e.f.Dan, "attachment.view")); n != 2 {
			t.Errorf("%d downloads audited, want 2", n)
		}
		// Signed out: no file.
		e.client().get(pngPath).must(t, http.StatusUnauthorized)
	})
}

func TestAttachmentRefused(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(c *console.Console) { c.AttachmentMax = 1 << 10 })
		call := e.call("Printer jams", e.f.ServiceDesk.ID)
		c := e.signIn(e.f.Bob)
		c.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, "Up to 1 KiB each")
		cases := []struct {
			name string
			f    file
			want string
		}{
			{"html", file{"page.html", []byte("<!DOCTYPE html><script>alert(1)</script>")}, "page.html is refused: web pages, SVG images, scripts and programs are never accepted"},
			{"exe", file{"tool.exe", append([]byte("MZ\x90\x00"), make([]byte, 100)...)}, "tool.exe is refused"},
			{"too large", file{"huge.png", append(pngData, make([]byte, 2000)...)}, "huge.png is larger than 1 KiB, the largest file calldesk accepts"},
		}
		for _, tc := range cases {
			r := c.postMultipart("/calls/"+call.Ref+"/note", map[string]string{"version": "1", "text": "Typed with care: " + tc.name}, tc.f)
			status := http.StatusUnprocessableEntity
			if tc.name == "too large" {
				status = http.StatusRequestEntityTooLarge
			}
			r.must(t, status).has(t, tc.want, "Typed with care: "+tc.name,
				`aria-invalid="true"`, `id="note-files-err"`, "choose the files to attach again", `<details class="act" data-key="i" open>`)
		}
		if got := e.diaryTexts(call); len(got) != 1 {
			t.Errorf("refused notes saved: %q", got)
		}
		if atts, err := e.s.Attachments(e.ctx, call.ID, true); err != nil || len(atts) != 0 {
			t.Errorf("refused files saved: %v %+v", err, atts)
		}
		// More than the whole body may be: a clear page, the text kept.
		var many []file
		for i := range desk.MaxAttachmentsPerEntry + 2 {
			many = append(many, file{fmt.Sprintf("f%d.png", i), append(pngData, make([]byte, 900)...)})
		}
		r := c.postMultipart("/calls/"+call.Ref+"/note", map[string]string{"version": "1", "text": "Many photos"}, many...)
		r.must(t, http.StatusUnprocessableEntity).has(t, "Many photos", "Attachments", "one entry may carry at most 10")
		// A body larger than any form may be (every file at the limit, and the text): a clear
		// page, not a broken connection, and the text typed before the file kept.
		r = c.postMultipart("/calls/"+call.Ref+"/note", map[string]string{"version": "1", "text": "One huge log"},
			file{"huge.txt", bytes.Repeat([]byte("log line\n"), 400_000)})
		r.must(t, http.StatusRequestEntityTooLarge).has(t, "One huge log", "Attachments together are larger than")
		if got := e.diaryTexts(call); len(got) != 1 {
			t.Errorf("refused notes saved: %q", got)
		}
	})
}

func TestContentDispositionNames(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		call := e.call("Names", e.f.ServiceDesk.ID)
		c := e.signIn(e.f.Ann)
		c.postMultipart("/calls/"+call.Ref+"/note", map[string]string{"version": "1", "text": "odd names"},
			file{`..\evil"name;.pdf`, pdfData}, file{"a\r\nSet-Cookie: x.pdf", pdfData}).must(t, http.StatusSeeOther)
		atts, err := e.s.Attachments(e.ctx, call.ID, true)
		if err != nil || len(atts) != 2 {
			t.Fatalf("%v %+v", err, atts)
		}
		for _, a := range atts {
			r := c.get(fmt.Sprintf("/calls/%s/attachments/%d", call.Ref, a.ID)).must(t, http.StatusOK)
			cd := r.header.Get("Content-Disposition")
			name := strings.TrimSuffix(strings.TrimPrefix(cd, `attachment; filename="`), `"`)
			if strings.ContainsAny(name, "\"\\/\r\n;") || !strings.HasPrefix(cd, `attachment; filename="`) {
				t.Errorf("unsafe Content-Disposition %q", cd)
			}
		}
	})
}
