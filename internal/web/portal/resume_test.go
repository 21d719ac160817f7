package portal_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/portal"
)

// hiddenFields reads the hidden inputs of a page into a form.
func hiddenFields(body string) url.Values {
	out := url.Values{}
	re := regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return out
}

// signInAgain posts the sign-in form a 401 page holds, as the person would, and returns the page
// that offers to send the kept form, with its hidden fields.
func signInAgain(t *testing.T, c *client, who desk.Person, page response) (response, url.Values) {
	t.Helper()
	kept := hiddenFields(page.body)
	kept.Set("login", who.Username)
	kept.Set("password", password)
	again := c.post("/portal/signin", kept).must(t, http.StatusOK).has(t, "Send it now", "Send what you were writing")
	resend := hiddenFields(again.body)
	for name := range resend {
		if strings.Contains(name, "password") || strings.HasPrefix(name, "resume") || name == "login" {
			t.Fatalf("the resume page sends %q: %v", name, resend)
		}
	}
	return again, resend
}

// TestExpiredSessionMidCallKeepsText (issue 4, bad input): the session ends between opening
// "Ask for help" and sending it. Nothing is logged; the text typed is kept across signing in
// again, the files are named as not kept, and sending the kept form logs the call once, however
// often it is sent.
func TestExpiredSessionMidCallKeepsText(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		key := hiddenFields(dan.get("/portal/calls/new").must(t, http.StatusOK).body).Get("form_key")
		if key == "" {
			t.Fatal("the form has no key")
		}
		e.clock.Advance(45 * time.Minute) // Dan wrote a long description, then had a lecture
		summary, details := `Laptop says "no bootable device"`, "Since Monday <after> the update & a restart.\nIt beeps twice."
		r := dan.postFiles("/portal/calls/new", map[string]string{"summary": summary, "description": details, "alt_phone": "01234 567890",
			"form_key": key}, upload{"photo.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + strings.Repeat("\x01", 64)}).
			must(t, http.StatusUnauthorized)
		r.has(t, "Your session ended after 30 minutes without use", "what you typed is kept",
			"The file photo.png could not be kept: please attach it again", `name="resume_action" value="/portal/calls/new"`)
		if res, err := e.s.FindCallsPage(e.ctx, storeFilter(e.f.Dan.ID)); err != nil || len(res.Calls) != 0 {
			t.Fatalf("a call was logged without a session: %v %v", res.Calls, err)
		}

		// A mistyped password first: the form is still kept.
		wrong := hiddenFields(r.body)
		wrong.Set("login", e.f.Dan.Username)
		wrong.Set("password", "not it")
		r = dan.post("/portal/signin", wrong).must(t, http.StatusUnauthorized).has(t, `name="resume_action" value="/portal/calls/new"`)
		again, resend := signInAgain(t, dan, e.f.Dan, r)
		again.has(t, `action="/portal/calls/new"`, html.EscapeString(summary), "01234 567890", "photo.png", "attach them again").
			lacks(t, key+"</dd>")
		if resend.Get("summary") != summary || resend.Get("description") != details || resend.Get("form_key") != key {
			t.Fatalf("the resume page sends %v", resend)
		}
		first := dan.post("/portal/calls/new", resend).must(t, http.StatusSeeOther)
		if !strings.HasSuffix(first.location, "?done=logged") {
			t.Fatalf("sent: %q", first.location)
		}
		// Sent again (a double click, the back button): the same call, nothing more logged.
		dan.post("/portal/calls/new", resend).must(t, http.StatusSeeOther)
		if second := dan.post("/portal/calls/new", resend); second.location != first.location {
			t.Fatalf("sent again: %d %q, want %q", second.status, second.location, first.location)
		}
		res, err := e.s.FindCallsPage(e.ctx, storeFilter(e.f.Dan.ID))
		if err != nil || len(res.Calls) != 1 {
			t.Fatalf("%d calls logged, want 1 (%v)", len(res.Calls), err)
		}
		if c := res.Calls[0]; c.Summary != summary || c.Description != details || c.AltPhone != "01234 567890" {
			t.Fatalf("the call logged is not what was typed: %+v", c)
		}
		// Dan's form key posted by another person (a tampered form): not Dan's call, nothing
		// logged, Eve's text kept with a key of her own, with which she logs her call.
		eve := e.signIn(e.f.Eve)
		resend.Set("summary", "Eve's own problem")
		r = eve.post("/portal/calls/new", resend).must(t, http.StatusConflict).has(t, "used already", `value="Eve&#39;s own problem"`)
		own := hiddenFields(r.body)
		if own.Get("form_key") == "" || own.Get("form_key") == key {
			t.Fatalf("the form came back with key %q", own.Get("form_key"))
		}
		resend.Set("form_key", own.Get("form_key"))
		eve.post("/portal/calls/new", resend).must(t, http.StatusSeeOther)
		if res, err := e.s.FindCallsPage(e.ctx, storeFilter(e.f.Eve.ID)); err != nil || len(res.Calls) != 1 || res.Calls[0].Summary != "Eve's own problem" {
			t.Fatalf("Eve's calls: %v %v", res.Calls, err)
		}
	})
}

// TestExpiredSessionMidUpdateKeepsText: the same for an update to a call: kept, sent once.
func TestExpiredSessionMidUpdateKeepsText(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		call := e.call(e.f.Dan, "Outlook will not start")
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/calls/"+call.Ref).must(t, http.StatusOK)
		e.clock.Advance(31 * time.Minute)
		text := "It also crashes when I open the calendar."
		r := dan.post("/portal/calls/"+call.Ref+"/update", url.Values{"text": {text}}).must(t, http.StatusUnauthorized)
		r.has(t, "what you typed is kept", `name="next" value="/portal/calls/`+call.Ref+`"`).lacks(t, "could not be kept")
		again, resend := signInAgain(t, dan, e.f.Dan, r)
		again.has(t, `action="/portal/calls/`+call.Ref+`/update"`, text, `href="/portal/calls/`+call.Ref+`"`)
		dan.post("/portal/calls/"+call.Ref+"/update", resend).must(t, http.StatusSeeOther)
		d, err := e.s.Diary(e.ctx, call.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, en := range d {
			if en.Text == text {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d updates saved, want 1", n)
		}
	})
}

// TestExpiredSessionMidReopenKeepsReason: a reason to reopen a solved call is kept the same way,
// shown under its own label, and sending it reopens the call.
func TestExpiredSessionMidReopenKeepsReason(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		call := e.resolve(e.call(e.f.Dan, "VPN drops every hour").Ref)
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/calls/"+call.Ref).must(t, http.StatusOK)
		e.clock.Advance(40 * time.Minute)
		reason := "It dropped again at 14:05, twice."
		r := dan.post("/portal/calls/"+call.Ref+"/reopen", url.Values{"text": {reason}, "version": {itoa(call.Version)}}).
			must(t, http.StatusUnauthorized).has(t, "what you typed is kept")
		if got := e.find(call.Ref); got.State != desk.Resolved {
			t.Fatalf("the call was changed without a session: %s", got.State)
		}
		again, resend := signInAgain(t, dan, e.f.Dan, r)
		again.has(t, "What is still wrong", reason)
		dan.post("/portal/calls/"+call.Ref+"/reopen", resend).must(t, http.StatusSeeOther)
		if got := e.find(call.Ref); got.State == desk.Resolved || got.State == desk.Closed {
			t.Fatalf("sending the kept reason left the call %s", got.State)
		}
		// Sent twice: the call's version has moved on, so the second is refused, not applied again.
		dan.post("/portal/calls/"+call.Ref+"/reopen", resend).must(t, http.StatusConflict)
	})
}

// TestKeptFormWithSingleSignOn: single sign-on leaves for the provider's site and cannot carry
// a kept form. Offered beside passwords, the page says the form is kept only through the
// password form (which carries it); offered alone, it promises nothing it cannot do.
func TestKeptFormWithSingleSignOn(t *testing.T) {
	t.Parallel()
	posted := url.Values{"summary": {"Cannot print"}, "form_key": {"k1"}}
	e, _ := ssoPortal(t, storetest.NewEnv(t, "sqlite", start), nil)
	e.client().post("/portal/calls/new", posted).must(t, http.StatusUnauthorized).
		has(t, "what you typed is kept", "kept only if you sign in with your SupportMe password", `name="resume.summary" value="Cannot print"`)
	e, _ = ssoPortal(t, storetest.NewEnv(t, "sqlite", start), func(p *portal.Portal) { p.Sessions.Passwords = access.PasswordsAdmins })
	e.client().post("/portal/calls/new", posted).must(t, http.StatusUnauthorized).
		has(t, "Nothing was sent: sign in, then try again").lacks(t, "is kept", "resume_action")
}
