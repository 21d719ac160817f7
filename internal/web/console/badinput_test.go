package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
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

func TestASessionEndingMidFormLosesNothing(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		call := e.call("Projector in LT2 shows no picture", e.f.ServiceDesk.ID)
		c := e.signIn(e.f.Ann)
		c.get("/calls/"+call.Ref).must(t, http.StatusOK)
		e.clock.Advance(45 * time.Minute) // the analyst typed a long note, then went to a meeting
		note := `Replaced the HDMI cable; "tested" with <two> laptops`
		r := c.post("/calls/"+call.Ref+"/note", url.Values{"text": {note}, "version": {"1"}}).must(t, http.StatusUnauthorized)
		r.has(t, "your session ended after 30 minutes without use", "Nothing was saved, and what you typed is kept",
			`name="resume_action" value="/calls/`+call.Ref+`/note"`)
		kept := hiddenFields(r.body)
		if kept.Get("resume.text") != note || kept.Get("next") != "/calls/"+call.Ref {
			t.Fatalf("kept %v", kept)
		}
		diary, _ := e.s.Diary(e.ctx, call.ID, true)
		for _, d := range diary {
			if d.Kind == desk.EntryNote {
				t.Fatal("a note was saved without a session")
			}
		}
		// Signing in again offers to send it; sending saves it once.
		kept.Set("login", e.f.Ann.Username)
		kept.Set("password", password)
		again := c.post("/signin", kept).must(t, http.StatusOK).has(t, "Send it now", `action="/calls/`+call.Ref+`/note"`)
		resend := hiddenFields(again.body)
		if resend.Get("text") != note || resend.Has("password") {
			t.Fatalf("resume page holds %v", resend)
		}
		c.post("/calls/"+call.Ref+"/note", resend).must(t, http.StatusSeeOther)
		diary, _ = e.s.Diary(e.ctx, call.ID, true)
		notes := 0
		for _, d := range diary {
			if d.Kind == desk.EntryNote && d.Text == note {
				notes++
			}
		}
		if notes != 1 {
			t.Fatalf("%d notes saved, want 1", notes)
		}
	})
}

func TestForgedAndUnknownPostsChangeNothing(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		call := e.call("Cannot print to Library-2", e.f.ServiceDesk.ID)
		c := e.signIn(e.f.Ann)
		req, _ := http.NewRequest("POST", e.url+"/calls/"+call.Ref+"/resolve",
			strings.NewReader(url.Values{"resolution": {"forged"}, "version": {"1"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		c.do(req).must(t, http.StatusForbidden).has(t, "sent from another site")
		if got, _ := e.s.FindCallByRef(e.ctx, call.Ref); got.State != call.State || got.Version != call.Version {
			t.Fatalf("a forged post changed the call: %s v%d", got.State, got.Version)
		}
		c.post("/calls/F0999999/note", url.Values{"text": {"x"}, "version": {"1"}}).must(t, http.StatusNotFound).has(t, "F0999999")
		c.post("/calls/nonsense/note", url.Values{"text": {"x"}, "version": {"1"}}).must(t, http.StatusNotFound).has(t, "is not a call reference")
	})
}

// TestNewCallSentTwiceLogsOne: the Log a call form carries a key; sent twice (a double click, or
// again from the page offered after signing in), it logs one call and the second send shows it.
func TestNewCallSentTwiceLogsOne(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		form := hiddenFields(c.get("/calls/new").must(t, http.StatusOK).body)
		if form.Get("form_key") == "" {
			t.Fatal("the form has no key")
		}
		form.Set("customer_id", strconv.FormatInt(e.f.Dan.ID, 10))
		form.Set("kind", "fault")
		form.Set("source", "phone")
		form.Set("summary", "Lecture capture failed in LT3")
		before, _, err := e.s.FindCalls(e.ctx, store.CallFilter{CustomerID: e.f.Dan.ID})
		if err != nil {
			t.Fatal(err)
		}
		first := c.post("/calls/new", form).must(t, http.StatusSeeOther)
		second := c.post("/calls/new", form).must(t, http.StatusSeeOther)
		if second.location != first.location {
			t.Fatalf("sent again: %q, want %q", second.location, first.location)
		}
		after, _, err := e.s.FindCalls(e.ctx, store.CallFilter{CustomerID: e.f.Dan.ID})
		if err != nil || len(after) != len(before)+1 {
			t.Fatalf("%d calls logged, want 1 (%v)", len(after)-len(before), err)
		}
		// Ann's form key sent by Bob (a tampered form): not Ann's call, nothing logged, the form
		// back as typed with a key of its own.
		r := e.signIn(e.f.Bob).post("/calls/new", form).must(t, http.StatusUnprocessableEntity).has(t, "used already", "Lecture capture failed in LT3")
		if k := hiddenFields(r.body).Get("form_key"); k == "" || k == form.Get("form_key") {
			t.Fatalf("the form came back with key %q", k)
		}
		if again, _, _ := e.s.FindCalls(e.ctx, store.CallFilter{CustomerID: e.f.Dan.ID}); len(again) != len(after) {
			t.Fatal("a call was logged from another account's form")
		}
	})
}
