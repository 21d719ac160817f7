package portal_test

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store/storetest"
)

// browserSSOEnv is the portal and console with single sign-on through the example OpenID
// provider and crewjam's SAML identity provider, over a fresh seeded SQLite store.
func browserSSOEnv(t *testing.T) *env {
	t.Helper()
	e, _ := ssoPortal(t, storetest.NewEnv(t, "sqlite", start), nil)
	return e
}

// oidcSignIn signs in from the portal's sign-in page through "Sign in with your university
// account": the provider's own login page, typed into as a person would, and back.
func (b *tab) oidcSignIn(username, back string) {
	b.T.Helper()
	b.Wait("#signin-sso")
	b.Click("#signin-sso")
	b.Wait("#username")
	b.TypeInto("#username", username)
	b.TypeInto("#password", ssotest.Password)
	b.Click("button[type=submit]")
	b.WaitFor(back)
}

// samlSignIn signs in from the portal's sign-in page through "Sign in through your
// institution": the identity provider's login form, whose answer the provider's page posts
// back to calldesk by itself.
func (b *tab) samlSignIn(user, back string) {
	b.T.Helper()
	b.Wait("#signin-saml")
	b.Click("#signin-saml")
	b.Wait("input[name=user]")
	b.TypeInto("input[name=user]", user)
	b.TypeInto("input[name=password]", ssotest.Password)
	// samlidp's form posts to its /login, which only starts its session; the same form posted to
	// the page it is on signs in and continues the SAML flow, as a real IdP's form does.
	eval[bool](b, `(f => { f.action = location.origin + location.pathname; f.submit(); return true })(document.querySelector('form'))`)
	b.WaitFor(back)
}

// screenshotFile writes a small PNG, as a person's screenshot, and returns its path.
func screenshotFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "error-message.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 40, 20))); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowserPortalSSORefusals drives single sign-on's refusals through the browser: a callback
// with a forged state, and a response replayed by going back to the callback, are each refused
// with the portal's own page, and sign nobody in.
func TestBrowserPortalSSORefusals(t *testing.T) {
	e := browserSSOEnv(t)
	b := e.tab(t)
	b.Open("/portal/signin?next=/portal/me")
	b.oidcSignIn("ddawson@uni.example", "/portal/me")
	b.MustSee("Dawson")

	// The provider's answer again (its address, from the browser's history or a proxy's log):
	// the sign-in it belonged to is over, and signs nobody in.
	b.Open(e.lastCallback())
	b.MustSee("Sign in to SupportMe", "start signing in again")
	b.Axe("portal sign-in refused")
	b.Shot("portal-sso-replayed")

	// A forged state: the provider's answer to somebody else's sign-in.
	c := e.tab(t)
	c.Open("/portal/signin")
	c.Click("#signin-sso")
	c.Wait("#username")
	c.Open("/signin/oidc/callback?code=stolen&state=forged")
	c.MustSee("Sign in to SupportMe", "its state differs")
	c.Open("/portal/")
	if !strings.HasPrefix(c.Path(), "/portal/") || !c.Has("form[action='/portal/signin']") {
		t.Fatalf("a forged state signed somebody in: at %s", c.Path())
	}

	// A sign-in left at the provider's page for longer than calldesk allows has expired.
	x := e.tab(t)
	x.Open("/portal/signin")
	x.Click("#signin-sso")
	x.Wait("#username")
	e.clock.Advance(11 * time.Minute)
	x.TypeInto("#username", "ddawson@uni.example")
	x.TypeInto("#password", ssotest.Password)
	x.Click("button[type=submit]")
	x.WaitJS("the refusal", `document.title.startsWith('Sign in')`)
	x.MustSee("took longer than 10 minutes")
	x.Open("/portal/")
	if !x.Has("form[action='/portal/signin']") {
		t.Fatalf("an expired sign-in signed Dan in: at %s", x.Path())
	}

	// Zed, whom calldesk does not know, is told what to do.
	z := e.tab(t)
	z.Open("/portal/signin")
	z.Click("#signin-sso")
	z.Wait("#username")
	z.TypeInto("#username", "zed@uni.example")
	z.TypeInto("#password", ssotest.Password)
	z.Click("button[type=submit]")
	z.WaitJS("the refusal", `document.title.startsWith('We cannot sign you in')`)
	z.MustSee("Ask the service desk to add you")
	z.pageChecks("unknown identity", "sso-unknown")
}

// TestBrowserPortalSAMLReopen: Eve, a member of staff, signs in through the university's SAML
// identity provider and reopens a call she had been told was solved.
func TestBrowserPortalSAMLReopen(t *testing.T) {
	e := browserSSOEnv(t)
	c := e.call(e.f.Eve, "Projector in room 2.14 shows no picture")
	e.resolve(c.Ref)

	b := e.tab(t)
	b.Open("/portal/calls/" + c.Ref)
	b.MustSee("Sign in through your institution")
	b.pageChecks("sign-in with single sign-on", "signin-sso")
	b.samlSignIn("eevans", "/portal/calls/"+c.Ref)
	b.MustSee("Projector in room 2.14", "please confirm")
	b.TypeInto("#reopen-text", "Still no picture from the lectern PC this morning")
	b.Click("form[action='/portal/calls/" + c.Ref + "/reopen'] button[type=submit]")
	if s := e.find(c.Ref).State; s == desk.Resolved || s == desk.Closed {
		t.Fatalf("reopening left the call %s", s)
	}
	b.MustSee("Still no picture from the lectern PC this morning")
	b.Shot("portal-saml-reopened")
}
