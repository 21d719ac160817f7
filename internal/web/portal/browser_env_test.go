package portal_test

// The portal's side of the browser tests' harness: the harness itself (the shared Chromium, tabs,
// axe-core, reflow, focus and screenshots) is internal/web/browsertest, shared with the
// console's browser tests; here are only the portal's server and its sign-in form.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/browsertest"
)

// TestMain runs the tests with one migrated template database per engine, which every test's
// fresh database copies (storetest.UseTemplates), and the shared browser.
func TestMain(m *testing.M) { browsertest.Main(m, storetest.UseTemplates()) }

// browserEnv is the portal (and the console) over a fresh seeded SQLite store, for the browser
// tests (one engine: the pages do not change with it).
func browserEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, storetest.NewEnv(t, "sqlite", start))
}

// tab is one browser session on the portal.
type tab struct {
	*browsertest.Tab
	e *env
}

// tab opens a new session in the shared browser, 1280x800.
func (e *env) tab(t *testing.T) *tab {
	t.Helper()
	return &tab{Tab: browsertest.NewTab(t, e.url), e: e}
}

// eval evaluates js in the tab's page and decodes its value into T.
func eval[T any](b *tab, js string) T {
	b.T.Helper()
	return browsertest.Eval[T](b.Tab, js)
}

// pageChecks runs every page check on the page as it is (axe-core, scripts and CSP, reflow at
// 375 px and at 200% zoom, a screenshot artefacts/browser/portal-<shot>.png at 1280 px and its
// -phone twin at 375 px), then axe-core again at 375 and 320 px wide (a phone: what overflows
// there, such as a table's scroll region, is checked too) with reflow at 320 px, and then tabs
// through its first focusable elements for a visible focus indicator.
func (b *tab) pageChecks(name, shot string) {
	b.T.Helper()
	b.Check("portal "+name, "portal-"+shot)
	for _, w := range []int64{375, 320} {
		if msg := b.axeAt(w); msg != "" {
			b.T.Errorf("axe-core found accessibility violations on portal %s at %d px (%s):%s", name, w, b.Path(), msg)
		}
	}
	b.Reflow("portal "+name+" on a small phone", 320, 1, true, "")
	b.FocusVisible("portal "+name, 8)
}

// axeAt runs axe-core on the page at a phone's viewport width, and describes its violations.
func (b *tab) axeAt(width int64) string {
	b.T.Helper()
	b.Do("viewport", chromedp.EmulateViewport(width, 800, chromedp.EmulateMobile, chromedp.EmulateTouch))
	defer b.Do("viewport back", chromedp.EmulateViewport(1280, 800))
	eval[chromedp.Void](b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r())))`)
	return b.AxeFindings()
}

// signIn signs login in through the portal's sign-in form, going to it first if it is not showing.
func (b *tab) signIn(login string) {
	b.T.Helper()
	if !b.Has("form[action='/portal/signin'] #password") {
		b.Open("/portal/signin")
	}
	b.Wait("#login")
	eval[bool](b, `document.querySelector('#login').value = ''; true`)
	b.TypeInto("#login", login)
	b.TypeInto("#password", password)
	b.Click("form[action='/portal/signin'] button[type=submit]")
	if strings.HasPrefix(b.Path(), "/portal/signin") {
		b.T.Fatalf("signing in to the portal as %s failed: %s", login, b.Text("main"))
	}
}
