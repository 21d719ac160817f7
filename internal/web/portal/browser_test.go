package portal_test

// Browser tests of SupportMe in headless Chromium: every page passes axe-core (WCAG 2.0, 2.1 and
// 2.2 A and AA), reflows at 375 px and at 200% zoom, shows where the keyboard focus is, and runs
// without script errors or CSP refusals; and a student's way through it works as a person would
// do it. The harness is internal/web/browsertest.

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store/storetest"
)

// TestBrowserPortalPages checks every portal page, signed out and signed in, and saves a
// screenshot of each as artefacts/browser/portal-*.png.
func TestBrowserPortalPages(t *testing.T) {
	e := browserEnv(t)
	call := e.call(e.f.Dan, "Outlook will not start")
	if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), call.Ref, desk.EntryUpdate, "We are looking at your mailbox"); err != nil {
		t.Fatal(err)
	}
	b := e.tab(t)

	b.Open("/portal/signin")
	b.MustSee("Sign in to SupportMe", "Username", "Password")
	b.pageChecks("sign-in", "signin")

	b.Open("/portal/privacy")
	b.MustSee("How long we keep it")
	b.pageChecks("privacy notice", "privacy")

	b.Open("/portal/no-such-page")
	if !b.Has("main h1") {
		t.Fatalf("the error page has no heading: %s", b.Text("body"))
	}
	b.pageChecks("error page", "error")

	b.signIn(e.f.Dan.Username)
	b.Open("/portal/")
	b.MustSee("Outlook will not start")
	b.pageChecks("my calls", "mycalls")

	b.Open("/portal/calls/new")
	b.MustSee("Ask for help", "What is it about?")
	b.pageChecks("ask for help", "newcall")

	b.TypeInto("#summary", "Need a quieter exam room")
	b.TypeInto("#description", "My anxiety and my health make the main hall hard")
	b.Click("form[action='/portal/calls/new'] button[type=submit]")
	b.Wait("#special-warning")
	b.MustSee("Please check before sending", "I understand, send it anyway")
	b.pageChecks("ask for help with the special-category warning", "newcall-warning")

	b.Open("/portal/calls/" + call.Ref)
	b.MustSee("Outlook will not start", "We are looking at your mailbox")
	b.pageChecks("a call", "call")

	// A copy of his data released to the portal by the Data Protection Officer.
	q, err := e.s.LogSubjectRequest(e.ctx, e.f.Admin, desk.SubjectRequest{PersonID: e.f.Dan.ID, Kind: desk.RequestAccess,
		ReceivedAt: e.clock.Now(), IdentityAt: e.clock.Now(), IdentityHow: "single sign-on", IdentityBy: "portal", Channel: "portal"})
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := e.s.QueueSARBundle(e.ctx, e.f.Admin, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&privacy.SARJob{Builder: &privacy.Builder{Store: e.s, Now: e.clock.Now}}).Run(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.s.ReleaseSARBundle(e.ctx, e.f.Admin, bundle.ID, e.clock.Now().Add(privacy.DownloadPeriod)); err != nil {
		t.Fatal(err)
	}
	b.Open("/portal/me")
	b.MustSee("Dawson", "Something here is wrong", "Download the copy of your data")
	b.pageChecks("my details", "me")

	e.buf.Flush()
	b.Open("/portal/me/seen")
	b.MustSee("Who has seen my data", "You looked at the call")
	b.pageChecks("who has seen my data", "seen")
}

// TestBrowserPortalScenario is a student's way through SupportMe: Dan signs in through the
// university's OpenID provider, asks for help writing about his health, sees the privacy summary,
// is warned, sends it anyway with a screenshot, and sees his call; Ann sees it marked in the
// console; her public update appears on the portal and her internal note never does; Dan
// confirms her resolution.
func TestBrowserPortalScenario(t *testing.T) {
	e := browserSSOEnv(t)
	b := e.tab(t)

	// Signed out, the portal sends Dan to sign in, and he uses his university account.
	b.Open("/portal/")
	b.oidcSignIn("ddawson@uni.example", "/portal/")
	b.MustSee("Dan")

	// He asks for help, writing about his health.
	b.Open("/portal/calls/new")
	b.Wait("#privacy-title")
	b.MustSee("Your information", "seen by the IT service desk staff")
	b.TypeInto("#summary", "Cannot log in after hospital stay")
	b.TypeInto("#description", "I was in hospital with a heart condition and now my password has expired")
	b.Click("form[action='/portal/calls/new'] button[type=submit]")

	// The warning, before anything is logged; what he typed is kept.
	b.Wait("#special-warning")
	b.MustSee("Please check before sending", "health")
	if got := eval[string](b, `document.querySelector('#summary').value`); got != "Cannot log in after hospital stay" {
		t.Fatalf("the warning lost the summary: %q", got)
	}
	if page, err := e.s.FindCallsPage(e.ctx, storeFilter(e.f.Dan.ID)); err != nil || len(page.Calls) != 0 {
		t.Fatalf("the call was logged before Dan chose to send it (%v, %d calls)", err, len(page.Calls))
	}

	// He goes on: "send it anyway", and sees his call.
	eval[bool](b, `document.querySelector('#send_anyway').click(), true`)
	if !eval[bool](b, `document.querySelector('#send_anyway').checked`) {
		t.Fatal("ticking “send it anyway” did not tick it")
	}
	b.Upload("#files", screenshotFile(t))
	b.Click("form[action='/portal/calls/new'] button[type=submit]")
	m := regexp.MustCompile(`^/portal/calls/([^/?]+)`).FindStringSubmatch(b.Path())
	if m == nil {
		t.Fatalf("sending did not lead to the call: at %s\n%s", b.Path(), b.Text("main"))
	}
	ref := m[1]
	b.MustSee("Cannot log in after hospital stay", "Thank you")
	if c := e.find(ref); c.CustomerID != e.f.Dan.ID || !c.SpecialCategory {
		t.Fatalf("logged %+v", c)
	}
	b.MustSee("error-message.png")
	if files := e.attachments(ref, false); len(files) != 1 || files[0].Filename != "error-message.png" {
		t.Fatalf("the call's files: %+v", files)
	}
	b.Shot("portal-scenario-logged")

	// Ann, in the console, sees that the call holds special-category data.
	a := e.tab(t)
	a.Open("/signin")
	a.TypeInto("#login", e.f.Ann.Username)
	a.TypeInto("#password", password)
	a.Click("form[action='/signin'] button[type=submit]")
	a.Open("/calls/" + ref)
	a.Wait("#special-category")
	a.MustSee("Holds special-category data", "Cannot log in after hospital stay")
	a.Shot("portal-scenario-console-marked")

	// Ann writes to him, and notes something for her colleagues only.
	if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), ref, desk.EntryUpdate, "I have reset your password, please try again"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), ref, desk.EntryNote, "INTERNAL checked with the ward"); err != nil {
		t.Fatal(err)
	}
	b.Open("/portal/calls/" + ref)
	b.MustSee("I have reset your password, please try again")
	if strings.Contains(eval[string](b, `document.documentElement.outerHTML`), "INTERNAL") {
		t.Fatal("the portal shows an internal note")
	}
	b.Open("/portal/")
	if strings.Contains(eval[string](b, `document.documentElement.outerHTML`), "INTERNAL") {
		t.Fatal("my calls shows an internal note")
	}

	// Ann takes it and resolves it; Dan confirms.
	if c := e.find(ref); c.State == desk.Unassigned {
		if _, err := e.s.UpdateCall(e.ctx, storetest.Actor(e.f.Ann), ref, c.Version,
			desk.Transition{Action: desk.ActAssign, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Ann.ID}); err != nil {
			t.Fatal(err)
		}
	}
	e.resolve(ref)
	b.Open("/portal/calls/" + ref)
	b.MustSee("Solved — please confirm", "reset your mailbox")
	b.pageChecks("a call to confirm", "call-resolved")
	b.Click("form[action='/portal/calls/" + ref + "/confirm'] button[type=submit]")
	if s := e.find(ref).State; s != desk.Closed {
		t.Fatalf("confirming left the call %s", s)
	}
	if strings.Contains(eval[string](b, `document.documentElement.outerHTML`), "INTERNAL") {
		t.Fatal("the portal shows an internal note")
	}
	b.Shot("portal-scenario-confirmed")
}

// TestBrowserPortalResume: Dan's session ends while he writes a request. Sending it shows the
// sign-in form saying that what he typed is kept; after signing in, the page offering to send it
// passes every page check, and sending it logs the call with his text.
func TestBrowserPortalResume(t *testing.T) {
	e := browserEnv(t)
	b := e.tab(t)
	b.signIn(e.f.Dan.Username)
	b.Open("/portal/calls/new")
	b.TypeInto("#summary", "Projector in room B12 has no sound")
	b.TypeInto("#description", "The speakers work with other laptops.\nMine shows HDMI audio as missing.")
	e.clock.Advance(45 * time.Minute) // he went to a lecture before sending it
	b.Click("form[action='/portal/calls/new'] button[type=submit]")
	b.Wait("#signin-message")
	b.MustSee("what you typed is kept")
	b.pageChecks("sign-in with a kept form", "signin-kept")
	if page, err := e.s.FindCallsPage(e.ctx, storeFilter(e.f.Dan.ID)); err != nil || len(page.Calls) != 0 {
		t.Fatalf("a call was logged without a session (%v, %d calls)", err, len(page.Calls))
	}

	// Signing in again answers with the offer in place (the form kept is in the sign-in form).
	b.TypeInto("#login", e.f.Dan.Username)
	b.TypeInto("#password", password)
	b.Click("form[action='/portal/signin'] button[type=submit]")
	b.Wait("#resume-message")
	b.MustSee("Send what you were writing", "Projector in room B12 has no sound", "Mine shows HDMI audio as missing", "Send it now")
	b.pageChecks("send what you were writing", "resume")
	b.Click("main form button[type=submit]")
	m := regexp.MustCompile(`^/portal/calls/([^/?]+)`).FindStringSubmatch(b.Path())
	if m == nil {
		t.Fatalf("sending did not lead to the call: at %s\n%s", b.Path(), b.Text("main"))
	}
	// A browser sends a text area's line breaks as CR LF, kept or not.
	if c := e.find(m[1]); c.Summary != "Projector in room B12 has no sound" ||
		c.Description != "The speakers work with other laptops.\r\nMine shows HDMI audio as missing." {
		t.Fatalf("logged %q / %q", c.Summary, c.Description)
	}
}
