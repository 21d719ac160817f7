package console_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestEmailsOnlyForSupport (S13): on the call page, in search snippets and in downloads, an
// email's text and files reach analysts with the support role only; other analysts see that an
// email came, from whom and when.
func TestEmailsOnlyForSupport(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Bob, "analyst,support_analyst")
		d, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "m1@mail.example",
			From: e.f.Dan.Email, Subject: "VPN drops", Text: "It drops every ten minutes", Raw: []byte("x"), GroupID: e.f.ServiceDesk.ID},
			store.IngestRules{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 2, MessageID: "m2@mail.example",
			From: e.f.Dan.Email, Subject: "Re: [" + d.CallRef + "]", Ref: d.CallRef, Text: "Also on the xylophonic campus network",
			Files: []desk.Upload{{Filename: "trace.txt", Data: []byte("traceroute output")}}, Raw: []byte("y")}, store.IngestRules{}); err != nil {
			t.Fatal(err)
		}
		call, _ := e.s.FindCallByRef(e.ctx, d.CallRef)
		atts, _ := e.s.Attachments(e.ctx, call.ID, true)
		if len(atts) != 1 || !atts[0].FromEmail {
			t.Fatalf("the email's file: %+v", atts)
		}
		file := "/calls/" + d.CallRef + "/attachments/" + strconv.FormatInt(atts[0].ID, 10)

		bob := e.signIn(e.f.Bob)
		bob.get("/calls/"+d.CallRef).must(t, http.StatusOK).has(t, "xylophonic campus network", "trace.txt")
		bob.get(file).must(t, http.StatusOK)
		bob.get("/search?q=xylophonic").must(t, http.StatusOK).has(t, "<mark>xylophonic</mark>")
		// The whole email, as it came, for support analysts only, as a download.
		entry := se.DB.Count(t, `SELECT entry_id FROM mail_messages WHERE message_id = 'm2@mail.example'`)
		whole := "/calls/" + d.CallRef + "/emails/" + strconv.Itoa(entry)
		bob.get("/calls/"+d.CallRef).must(t, http.StatusOK).has(t, `href="`+whole+`"`)
		if r := bob.get(whole).must(t, http.StatusOK); r.body != "y" || r.header.Get("Content-Type") != "message/rfc822" ||
			!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("the whole email: %q %v", r.body, r.header)
		}
		bob.get("/calls/"+d.CallRef+"/emails/999").must(t, http.StatusNotFound)

		ann := e.signIn(e.f.Ann)
		ann.get("/calls/"+d.CallRef).must(t, http.StatusOK).has(t, desk.EmailWithheld, "Dan Dawson").lacks(t, "xylophonic", "trace.txt")
		ann.get(file).must(t, http.StatusForbidden).has(t, "support role")
		ann.get(whole).must(t, http.StatusForbidden)
		ann.get("/calls/"+d.CallRef).must(t, http.StatusOK).lacks(t, "/emails/")
		// Nor does her search match a word found only in the email (issue 15 point 7).
		ann.get("/search?q=xylophonic").must(t, http.StatusOK).lacks(t, d.CallRef, "xylophonic campus")
	})
}
