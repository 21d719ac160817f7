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

	"github.com/chromedp/chromedp/kb"
)

// TestBrowserPortalPages checks every portal page, signed out and signed in, at 1280, 375 and 320
// px (axe-core at each), and saves a screenshot of each at 1280 and 375 px as
// artefacts/browser/portal-*.png (git-ignored): the sign-in page (and with an error), forgotten
// password (the form, its errors, the answer), the reset link's form (and its errors, and ended),
// the privacy notice, the error page, My calls (open, on hold and finished calls), Ask for help
// (and with errors, and with the special-category warning), the confirmation after logging, a
// call, the withdrawal's confirmation, a withdrawn call offering the undo, My details (and with
// errors) and who has seen my data.
func TestBrowserPortalPages(t *testing.T) {
	e := browserEnv(t)
	call := e.call(e.f.Dan, "Outlook will not start")
	if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), call.Ref, desk.EntryUpdate, "We are looking at your mailbox"); err != nil {
		t.Fatal(err)
	}
	held := e.call(e.f.Dan, "Laptop screen cracked")
	if _, err := e.s.UpdateCall(e.ctx, storetest.Actor(e.f.Ann), held.Ref, held.Version, desk.Transition{Action: desk.ActHold,
		Until: e.clock.Now().Add(72 * time.Hour), Reason: "waiting for the part"}); err != nil {
		t.Fatal(err)
	}
	done := e.call(e.f.Dan, "Printer out of toner")
	e.resolve(done.Ref)
	b := e.tab(t)

	b.Open("/portal/signin")
	b.MustSee("Sign in to SupportMe", "Username", "Password", "Contact the IT service desk", "01234 567890", "Forgotten your password?")
	b.pageChecks("sign-in", "signin")
	// The skip link, when focused, sits above the header: it covers nothing of the brand.
	b.Key(kb.Tab)
	if got := eval[string](b, `(() => { const s = document.querySelector('.skip').getBoundingClientRect(), r = document.querySelector('.brand').getBoundingClientRect();
  return document.activeElement.className + (s.bottom <= r.top ? ' above' : ' over'); })()`); got != "skip above" {
		t.Fatalf("the focused skip link: %s", got)
	}
	b.Shot("portal-signin-skip-link")

	b.TypeInto("#login", e.f.Dan.Username)
	b.TypeInto("#password", "not his password")
	b.Click("form[action='/portal/signin'] button[type=submit]")
	b.Wait("#error-summary")
	b.mustFocus("error-summary")
	b.pageChecks("sign-in refused", "signin-error")

	b.Open("/portal/password/forgot")
	b.MustSee("Forgotten your password?", "Username or email address")
	b.pageChecks("forgotten password", "forgot")
	b.Click("form[action='/portal/password/forgot'] button[type=submit]")
	b.Wait("#error-summary")
	b.mustFocus("error-summary")
	b.pageChecks("forgotten password with an error", "forgot-error")
	b.TypeInto("#login", e.f.Dan.Email)
	b.Click("form[action='/portal/password/forgot'] button[type=submit]")
	b.Wait("#forgot-sent")
	b.MustSee("Check your email")
	b.pageChecks("forgotten password: the answer", "forgot-sent")
	out, err := e.s.OutMail(e.ctx, desk.MailPending, 0, 10)
	if err != nil || len(out) != 1 {
		t.Fatalf("outbox: %+v %v", out, err)
	}
	link := regexp.MustCompile(`/portal/password/reset/[A-Za-z0-9_-]+`).FindString(out[0].Text)
	b.Open(link)
	b.MustSee("Choose a new password")
	b.pageChecks("choose a new password", "reset")
	b.TypeInto("#password", "short")
	b.Click("main form button[type=submit]")
	b.Wait("#error-summary")
	b.mustFocus("error-summary")
	b.pageChecks("choose a new password with an error", "reset-error")
	b.TypeInto("#password", password)
	b.TypeInto("#repeat", password)
	b.Click("main form button[type=submit]")
	b.Wait("#signin-message")
	b.MustSee("Your password has been changed")
	b.Open(link)
	b.MustSee("This link has ended")
	b.pageChecks("a reset link used", "reset-ended")

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
	b.MustSee("Outlook will not start", call.Ref, "On hold", "Solved — please confirm", "Priority")
	b.pageChecks("my calls", "mycalls")

	b.Open("/portal/calls/new")
	b.MustSee("Ask for help", "What is it about?")
	b.pageChecks("ask for help", "newcall")
	b.TypeInto("#alt_email", "not an address")
	b.Click("form[action='/portal/calls/new'] button[type=submit]")
	b.Wait("#error-summary")
	b.mustFocus("error-summary")
	if got := eval[string](b, `[...document.querySelectorAll('#error-summary a')].map(a => a.getAttribute('href')).join(' ')`); got != "#summary #alt_email" {
		t.Fatalf("the error summary links %q, want the form's order", got)
	}
	b.pageChecks("ask for help with errors", "newcall-errors")

	b.TypeInto("#summary", "Need a quieter exam room")
	b.TypeInto("#description", "My anxiety and my health make the main hall hard")
	eval[bool](b, `document.querySelector('#alt_email').value = ''; true`)
	b.Click("form[action='/portal/calls/new'] button[type=submit]")
	b.Wait("#special-warning")
	b.MustSee("Please check before sending", "I understand, send it anyway")
	b.pageChecks("ask for help with the special-category warning", "newcall-warning")
	eval[bool](b, `document.querySelector('#send_anyway').click(), true`)
	b.Click("form[action='/portal/calls/new'] button[type=submit]")
	b.Wait("#logged")
	b.MustSee("We have your request", "What happens next", "We will email you at")
	b.pageChecks("the confirmation after logging", "logged")

	b.Open("/portal/calls/" + call.Ref)
	b.MustSee("Outlook will not start", "We are looking at your mailbox", call.Ref)
	b.pageChecks("a call", "call")
	b.Click("#withdraw-start")
	b.Wait("#withdraw-confirm")
	b.MustSee("Withdraw your call?", "No, keep it")
	b.pageChecks("withdraw: are you sure?", "withdraw")
	// A reason longer than the form allows (a client ignoring maxlength): refused by the server.
	eval[bool](b, `(function () { var t = document.querySelector('#withdraw-text'); t.removeAttribute('maxlength'); t.value = 'x'.repeat(501); return true; })()`)
	b.Click("#withdraw-confirm")
	b.Wait("#error-summary")
	b.MustSee("500 characters or fewer")
	if !eval[bool](b, `document.activeElement && document.activeElement.id === 'error-summary'`) {
		t.Error("withdraw with a reason too long: focus is not on the error summary")
	}
	b.pageChecks("withdraw: a reason too long", "withdraw-error")
	eval[bool](b, `document.querySelector('#withdraw-text').value = '', true`)
	b.Click("#withdraw-confirm")
	b.Wait("#restore")
	b.MustSee("Your call has been withdrawn", "Put my call back")
	b.pageChecks("a withdrawn call that can be put back", "withdrawn")
	b.Click("#restore")
	b.Wait("#done-message")
	b.MustSee("back as it was")
	if s := e.find(call.Ref).State; s == desk.Cancelled {
		t.Fatalf("the undo left the call %s", s)
	}

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
	b.MustSee("Dawson", "Something here is wrong", "Download the copy of your data", "A copy of your data")
	b.pageChecks("my details", "me")
	b.Click("form[action='/portal/me/rectify'] button[type=submit]")
	b.Wait("#error-summary")
	b.mustFocus("error-summary")
	b.pageChecks("my details with errors", "me-errors")

	b.Open("/portal/me/seen")
	b.MustSee("Who has seen my data", "You looked at the call")
	b.pageChecks("who has seen my data", "seen")
}

// mustFocus fails the test unless the element with this id has the keyboard focus.
func (b *tab) mustFocus(id string) {
	b.T.Helper()
	if got := eval[string](b, `document.activeElement.id`); got != id {
		b.T.Fatalf("the focus is on %q, not #%s (%s)", got, id, b.Path())
	}
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
	b.MustSee("Cannot log in after hospital stay", "We have your request")
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
