package console_test

// The console's side of the browser tests' harness: the harness itself (the shared Chromium,
// tabs, axe-core, reflow, focus and screenshots) is internal/web/browsertest, shared with the
// portal's browser tests; here are only what is the console's: its test server and its sign-in.

import (
	"strings"
	"testing"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/browsertest"
	"calldesk/internal/web/console"
)

// TestMain runs the tests with one migrated template database per engine, which every test's
// fresh database copies (storetest.UseTemplates), and the shared browser.
func TestMain(m *testing.M) { browsertest.Main(m, storetest.UseTemplates()) }

// browserEnv is a console over a fresh seeded SQLite store, for the browser tests (one engine:
// the pages do not change with the engine, and the store suite covers both).
func browserEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, storetest.NewEnv(t, "sqlite", start))
}

// browserEnvWith is browserEnv with the console adjusted first (a faster refresh, say).
func browserEnvWith(t *testing.T, adjust func(*console.Console)) *env {
	t.Helper()
	return newEnvWith(t, storetest.NewEnv(t, "sqlite", start), adjust)
}

// tab is one browser session on the console.
type tab struct {
	*browsertest.Tab
	e *env
}

// tab opens a new session on the console in the shared browser, 1280x800.
func (e *env) tab(t *testing.T) *tab {
	t.Helper()
	return &tab{Tab: browsertest.NewTab(t, e.url), e: e}
}

// eval evaluates js in the tab's page and decodes its value into T.
func eval[T any](b *tab, js string) T {
	b.T.Helper()
	return browsertest.Eval[T](b.Tab, js)
}

// markPage marks the current document, so that a wait can tell when another replaced it.
const markPage = browsertest.MarkPage

// signIn signs p in through the sign-in form, starting wherever the tab is (the form must be
// showing, or the tab is sent to it).
func (b *tab) signIn(login string) {
	b.T.Helper()
	if !strings.HasPrefix(b.Path(), "/signin") && !b.Has("form[action='/signin'] #password") {
		b.Open("/signin")
	}
	b.Wait("#login")
	eval[bool](b, `document.querySelector('#login').value = ''; true`)
	b.TypeInto("#login", login)
	b.TypeInto("#password", password)
	b.Click("form[action='/signin'] button[type=submit]")
	if strings.HasPrefix(b.Path(), "/signin") {
		b.T.Fatalf("signing in as %s failed: %s", login, b.Text("main"))
	}
}
