package portal_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

var pngData = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)

type upload struct{ name, data string }

// postFiles posts a multipart form with files under "files".
func (c *client) postFiles(path string, values map[string]string, files ...upload) response {
	c.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range values {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile("files", f.name)
		fw.Write([]byte(f.data))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.e.url+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func (e *env) attachments(ref string, internal bool) []desk.Attachment {
	e.t.Helper()
	atts, err := e.s.Attachments(e.ctx, e.find(ref).ID, internal)
	if err != nil {
		e.t.Fatal(err)
	}
	return atts
}

func TestUploadWithNewCallAndUpdate(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/calls/new").must(t, http.StatusOK).has(t, `enctype="multipart/form-data"`, `type="file"`, "multiple",
			`<label for="files">`, "Up to 25 MiB each")
		r := dan.postFiles("/portal/calls/new", map[string]string{"summary": "Screen flickers", "description": "see the photo"},
			upload{"screen.png", string(pngData)}).must(t, http.StatusSeeOther)
		ref := strings.TrimSuffix(strings.TrimPrefix(r.location, "/portal/calls/"), "?done=logged")
		atts := e.attachments(ref, false)
		if len(atts) != 1 || atts[0].Filename != "screen.png" || atts[0].ContentType != "image/png" {
			t.Fatalf("attachments %+v", atts)
		}
		page := dan.get("/portal/calls/"+ref).must(t, http.StatusOK).has(t, "screen.png", "/portal/calls/"+ref+"/attachments/"+itoa(atts[0].ID))

		// An update with a file.
		_ = page
		dan.postFiles("/portal/calls/"+ref+"/update", map[string]string{"text": "the log too"}, upload{"error.txt", "disk full\n"}).
			must(t, http.StatusSeeOther)
		atts = e.attachments(ref, false)
		if len(atts) != 2 {
			t.Fatalf("attachments %+v", atts)
		}
		dan.get("/portal/calls/"+ref).must(t, http.StatusOK).has(t, "error.txt", "the log too")

		// Download of one's own public file: the bytes, as a download, with the safe headers.
		var txt desk.Attachment
		for _, a := range atts {
			if a.Filename == "error.txt" {
				txt = a
			}
		}
		d := dan.get("/portal/calls/"+ref+"/attachments/"+itoa(txt.ID)).must(t, http.StatusOK)
		if d.body != "disk full\n" || !strings.HasPrefix(d.header.Get("Content-Disposition"), `attachment; filename="error.txt"`) ||
			d.header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(d.header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("download: %q %v", d.body, d.header)
		}
		recs, _, err := e.s.FindAudit(e.ctx, storeAudit(e.f.Dan.ID))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, rec := range recs {
			found = found || (rec.Action == "attachment.view" && rec.ObjectID == itoa(txt.ID))
		}
		if !found {
			t.Fatal("the download was not audited")
		}
	})
}

func TestDownloadRefusesOthersAndInternal(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		mine := e.call(e.f.Dan, "Outlook will not start")
		rules := desk.AttachmentRules{}
		note, err := e.s.AddEntryWithAttachments(e.ctx, storetest.Actor(e.f.Ann), mine.Ref, desk.EntryNote, "internal: his password list",
			[]desk.Upload{{Filename: "secret.txt", Data: []byte("internal only")}}, rules)
		if err != nil {
			t.Fatal(err)
		}
		eves := e.call(e.f.Eve, "Eve's laptop")
		upd, err := e.s.AddEntryWithAttachments(e.ctx, storetest.Actor(e.f.Ann), eves.Ref, desk.EntryUpdate, "here is the guide",
			[]desk.Upload{{Filename: "guide.txt", Data: []byte("eve's guide")}}, rules)
		if err != nil {
			t.Fatal(err)
		}
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/calls/"+mine.Ref).must(t, http.StatusOK).lacks(t, "secret.txt", "internal: his password")
		dan.get("/portal/calls/"+mine.Ref+"/attachments/"+itoa(note.Attachments[0].ID)).must(t, http.StatusNotFound).lacks(t, "internal only")
		dan.get("/portal/calls/"+eves.Ref+"/attachments/"+itoa(upd.Attachments[0].ID)).must(t, http.StatusNotFound).lacks(t, "eve&#39;s guide", "eve's guide")
		// Eve's file through Dan's own call's address: still not found.
		dan.get("/portal/calls/"+mine.Ref+"/attachments/"+itoa(upd.Attachments[0].ID)).must(t, http.StatusNotFound).lacks(t, "eve's guide")
		dan.get("/portal/calls/"+mine.Ref+"/attachments/nope").must(t, http.StatusNotFound)
		// Eve herself can download it.
		e.signIn(e.f.Eve).get("/portal/calls/"+eves.Ref+"/attachments/"+itoa(upd.Attachments[0].ID)).must(t, http.StatusOK)
	})
}

func TestRefusedFilesKeepText(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		r := dan.postFiles("/portal/calls/new", map[string]string{"summary": "Strange page", "description": "it asked for my password"},
			upload{"page.html", "<html><body>hi</body></html>"}).must(t, http.StatusUnprocessableEntity)
		r.has(t, `id="files-err"`, "page.html is refused", `value="Strange page"`, "it asked for my password")
		if res, err := e.s.FindCallsPage(e.ctx, storeFilter(e.f.Dan.ID)); err != nil || len(res.Calls) != 0 {
			t.Fatalf("a call was saved: %v %v", res.Calls, err)
		}
		big := strings.Repeat("a", int(desk.DefaultAttachmentMax)+1)
		dan.postFiles("/portal/calls/new", map[string]string{"summary": "Big log"}, upload{"big.txt", big}).
			must(t, http.StatusRequestEntityTooLarge).has(t, "big.txt is larger than 25 MiB", `value="Big log"`)
		if res, err := e.s.FindCallsPage(e.ctx, storeFilter(e.f.Dan.ID)); err != nil || len(res.Calls) != 0 {
			t.Fatalf("a call was saved: %v %v", res.Calls, err)
		}
		call := e.call(e.f.Dan, "Outlook will not start")
		dan.postFiles("/portal/calls/"+call.Ref+"/update", map[string]string{"text": "my notes"}, upload{"run.exe", "MZ\x90\x00"}).
			must(t, http.StatusUnprocessableEntity).has(t, `id="update-files-err"`, "run.exe", "my notes")
		if len(e.attachments(call.Ref, true)) != 0 {
			t.Fatal("a file was saved")
		}
		d, err := e.s.Diary(e.ctx, call.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range d {
			if strings.Contains(en.Text, "my notes") {
				t.Fatal("the update was saved")
			}
		}
	})
}

// TestUnreadableFormKeepsText: a multipart body cut off or tampered with logs nothing, and the
// form comes back with what could be read of it.
func TestUnreadableFormKeepsText(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		body := "--XYZ\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\nKeyboard types twice\r\n" +
			"--XYZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n\r\n\x89PNG"
		req, _ := http.NewRequest("POST", e.url+"/portal/calls/new", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=XYZ")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		dan.do(req).must(t, http.StatusUnprocessableEntity).has(t, `value="Keyboard types twice"`, "the form could not be read", `id="files-err"`)
		if res, err := e.s.FindCallsPage(e.ctx, storeFilter(e.f.Dan.ID)); err != nil || len(res.Calls) != 0 {
			t.Fatalf("a call was saved: %v %v", res.Calls, err)
		}
	})
}

// TestWarningAsksForFilesAgain: when the form comes back for another look (the special-category
// warning), the page names the files chosen and asks for them again: a browser cannot keep them.
func TestWarningAsksForFilesAgain(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		dan.postFiles("/portal/calls/new", map[string]string{"summary": "Cannot log in", "description": "since my hospital stay"},
			upload{"screen.png", string(pngData)}).
			must(t, http.StatusUnprocessableEntity).has(t, `id="special-warning"`, "Not sent yet: screen.png", "choose your files again",
			`aria-describedby="files-hint files-again"`)
		if n := e.db.Count(t, `SELECT COUNT(*) FROM calls WHERE summary = 'Cannot log in'`); n != 0 {
			t.Fatal("the call was logged before Dan chose to send it")
		}
	})
}
