package console_test

// The browser tests' harness: one headless Chromium (Debian's, at /usr/bin/chromium) shared by the
// package, a tab per session in its own browser context (its own cookies), axe-core's checks, the
// reflow and focus checks, and screenshots saved under artefacts/browser at the repository root.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// repoRoot is the repository's root, seen from this package's folder (where go test runs it).
const repoRoot = "../../.."

// chromiumPath is the browser the tests drive: Debian's chromium unless CALLDESK_CHROMIUM says.
func chromiumPath() string {
	if p := os.Getenv("CALLDESK_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// artefactsDir is where screenshots go: artefacts/browser at the repository root (git-ignored,
// kept by CI), or CALLDESK_ARTEFACTS/browser.
func artefactsDir() string {
	if d := os.Getenv("CALLDESK_ARTEFACTS"); d != "" {
		return filepath.Join(d, "browser")
	}
	return filepath.Join(repoRoot, "artefacts", "browser")
}

// browserStep bounds one step (a navigation, a click, a check): generous, so a loaded 2-core
// machine does not fail a test, but a hung page does.
const browserStep = 30 * time.Second

// shared is the package's one browser, started by the first browser test.
var shared struct {
	once    sync.Once
	ctx     context.Context // a chromedp context on the running browser
	stop    []context.CancelFunc
	dataDir string
	axe     string // axe.min.js
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(shared.stop) - 1; i >= 0; i-- {
		shared.stop[i]()
	}
	if shared.dataDir != "" {
		os.RemoveAll(shared.dataDir)
	}
	os.Exit(code)
}

// unavailable skips a browser test that cannot run here, saying why, except under CI=true, where
// it fails: CI must never pass by skipping the browser.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and the browser tests cannot run: %s", msg)
	}
	t.Skipf("browser test skipped: %s (make test installs what they need; under CI=true this fails)", msg)
}

// browser returns the shared browser, starting it on first use.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		unavailable(t, "no Chromium at %s (Debian: apt-get install -y chromium)", path)
	}
	axePath := filepath.Join(repoRoot, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(axePath); err != nil {
		unavailable(t, "no %s (run npm ci at the repository root)", filepath.Clean(axePath))
	}
	shared.once.Do(func() {
		b, err := os.ReadFile(axePath)
		if err != nil {
			shared.err = err
			return
		}
		shared.axe = string(b)
		if shared.dataDir, err = os.MkdirTemp("", "calldesk-chromium-"); err != nil {
			shared.err = err
			return
		}
		actx, cancelA := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-extensions", true), chromedp.Flag("hide-scrollbars", true),
			chromedp.UserDataDir(shared.dataDir), chromedp.WindowSize(1280, 800))
		bctx, cancelB := chromedp.NewContext(actx)
		shared.stop = append(shared.stop, cancelA, cancelB)
		// The first run starts the browser; it must not carry a timeout (that would end the browser).
		if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
			shared.err = fmt.Errorf("starting %s: %w", path, err)
			return
		}
		shared.ctx = bctx
	})
	if shared.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the browser did not start: %v", shared.err)
		}
		t.Fatalf("the browser did not start: %v", shared.err)
	}
	return shared.ctx
}

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

// tab is one browser session: a tab in a browser context of its own (cookies, storage), as a
// second person on another computer would have.
type tab struct {
	t   *testing.T
	e   *env
	ctx context.Context
}

// cspWatch records, in every page the tab loads, what the Content-Security-Policy refused and
// what scripts threw, so checks can fail on them.
const cspWatch = `window.__cd = {csp: [], errors: []};
document.addEventListener('securitypolicyviolation', e => window.__cd.csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.addEventListener('error', e => window.__cd.errors.push(String(e.message)));`

// tab opens a new session in the shared browser, 1280x800.
func (e *env) tab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &tab{t: t, e: e, ctx: ctx}
	// The first run opens the tab, which lives as long as that run's context: no timeout here.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch})
		return err
	})); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return b
}

// do runs steps within browserStep, failing the test with what and where on an error.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s (at %s): %v", what, b.where(), err)
	}
}

// eval evaluates js in the page and decodes its value into T.
func eval[T any](b *tab, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluating %.80q (at %s): %v", js, b.where(), err)
	}
	return v
}

// where is the tab's current address, for failure messages.
func (b *tab) where() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return u
}

// path is the current address without the server's origin.
func (b *tab) path() string { return strings.TrimPrefix(b.where(), b.e.url) }

// open loads a console path and waits for the page.
func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.e.url+path))
	b.settle()
}

// settle waits until the document is complete and the fonts laid out.
func (b *tab) settle() {
	b.t.Helper()
	b.waitJS("the page to load", `document.readyState === 'complete'`)
	eval[chromedp.Void](b, `document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))`)
}

// waitJS polls cond (a JavaScript expression) until it is true, across page loads.
func (b *tab) waitJS(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(browserStep)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("waited %s for %s (at %s; last error %v)", browserStep, what, b.where(), last)
}

// has reports whether an element matches the CSS selector now.
func (b *tab) has(sel string) bool {
	return eval[bool](b, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
}

// wait waits for an element matching the CSS selector.
func (b *tab) wait(sel string) {
	b.t.Helper()
	b.waitJS(sel, fmt.Sprintf(`document.querySelector(%q)`, sel))
}

// text is the visible text of the first element matching sel ("" when none).
func (b *tab) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ''}).innerText`, sel))
}

// mustSee fails unless the page's main content shows every string (case-insensitive).
func (b *tab) mustSee(want ...string) {
	b.t.Helper()
	body := strings.ToLower(b.text("body"))
	for _, w := range want {
		if !strings.Contains(body, strings.ToLower(w)) {
			b.t.Fatalf("%s does not show %q; it shows:\n%s", b.path(), w, b.text("body"))
		}
	}
}

// typeInto focuses the element matching sel and types text as keystrokes.
func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	b.do("type into "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// key presses keys (kb constants or text) on whatever has focus, one at a time, as a keyboard
// does: a keyDown carrying the key's text, then a keyUp. (chromedp.KeyEvent sends the text as a
// separate char event, which a page's preventDefault on keydown cannot stop, unlike a real key:
// a shortcut that moves focus into a field would then find its own letter typed there.)
func (b *tab) key(keys string) {
	b.t.Helper()
	b.do("press "+keys, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, r := range keys {
			if r == '\n' {
				r = '\r'
			}
			k, ok := kb.Keys[r]
			if !ok {
				k = &kb.Key{Key: string(r), Text: string(r), Unmodified: string(r), Print: true}
			}
			down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: k.Key, Code: k.Code,
				WindowsVirtualKeyCode: k.Windows, NativeVirtualKeyCode: k.Native}
			if k.Shift {
				down.Modifiers = int64(chromedp.ModifierShift)
			}
			if k.Print {
				down.Text, down.UnmodifiedText = k.Text, k.Unmodified
			}
			up := down
			up.Type, up.Text, up.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
			for _, ev := range []input.DispatchKeyEventParams{down, up} {
				if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, ev); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// markPage marks the current document, so that waitNewPage can tell when another replaced it.
const markPage = `window.__cdOld = true; window.__cdSwapped = false;
document.addEventListener('htmx:afterSettle', () => { window.__cdSwapped = true }, {once: true}); true`

// click clicks the element matching sel and waits for what it causes: a new page, or an htmx
// swap in this one.
func (b *tab) click(sel string) {
	b.t.Helper()
	eval[bool](b, markPage)
	b.do("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
	b.waitJS("the page after clicking "+sel, `(!window.__cdOld && document.readyState === 'complete') || window.__cdSwapped`)
	b.settle()
}

// submitKey presses Enter in the field matching sel and waits for the page it leads to.
func (b *tab) submitKey(sel string) {
	b.t.Helper()
	eval[bool](b, markPage)
	b.do("press Enter in "+sel, chromedp.SendKeys(chromedp.CSS(sel), kb.Enter))
	b.waitJS("the page after Enter in "+sel, `(!window.__cdOld && document.readyState === 'complete') || window.__cdSwapped`)
	b.settle()
}

// label finds the form control whose label (label element, aria-label or aria-labelledby) matches
// the regular expression re (case-insensitive) inside the element matching scope, and returns a
// CSS selector for it ("" when none).
func (b *tab) label(scope, re string) string {
	b.t.Helper()
	return b.labelled(scope, "input:not([type=hidden]), select, textarea", re)
}

// labelled is label for the controls matching the CSS selector controls: "select" finds only
// selects, for example. Controls joined to the form from outside (form="id") count as inside it.
func (b *tab) labelled(scope, controls, re string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(() => {
  const root = document.querySelector(%q); if (!root) return '';
  const re = new RegExp(%q, 'i');
  const controls = [...root.querySelectorAll(%q)];
  if (root.tagName === 'FORM' && root.id) controls.push(...document.querySelectorAll('[form="' + root.id + '"]'));
  for (const c of controls) {
    const names = [];
    if (c.labels) for (const l of c.labels) names.push(l.innerText);
    if (c.getAttribute('aria-label')) names.push(c.getAttribute('aria-label'));
    const lb = c.getAttribute('aria-labelledby');
    if (lb) for (const id of lb.split(/\s+/)) { const el = document.getElementById(id); if (el) names.push(el.innerText); }
    if (c.matches(%[3]q) && names.some(n => re.test(n))) {
      if (!c.dataset.cdt) c.dataset.cdt = String(Math.random()).slice(2);
      return '[data-cdt="' + c.dataset.cdt + '"]';
    }
  }
  return '';
})()`, scope, re, controls))
}

// setField sets the value of the control matching sel as a person picking it would (input and
// change events), for selects, dates and times that keystrokes fill unreliably.
func (b *tab) setField(sel, value string) {
	b.t.Helper()
	ok := eval[bool](b, fmt.Sprintf(`(() => { const c = document.querySelector(%q); if (!c) return false;
  c.value = %q; c.dispatchEvent(new Event('input', {bubbles: true})); c.dispatchEvent(new Event('change', {bubbles: true}));
  return c.value === %q; })()`, sel, value, value))
	if !ok {
		b.t.Fatalf("could not set %s to %q on %s", sel, value, b.path())
	}
}

// pageProblems are what the page itself reported: scripts that threw, content the CSP refused.
type pageProblems struct {
	CSP    []string `json:"csp"`
	Errors []string `json:"errors"`
}

// axeViolation is one failed axe-core rule.
type axeViolation struct {
	ID, Impact, Help, HelpURL string
	Nodes                     []struct{ Target, HTML, Summary string }
}

// axeTags are the WCAG levels the console must meet: 2.0, 2.1 and 2.2 A and AA.
const axeTags = `['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']`

// axe runs axe-core on the page as it is now and fails the test on any violation, listing each
// one's rule, impact, help and elements.
func (b *tab) axe(name string) {
	b.t.Helper()
	if msg := b.axeFindings(); msg != "" {
		b.t.Errorf("axe-core found accessibility violations on %s (%s):%s", name, b.path(), msg)
	}
}

// axeFindings runs axe-core on the page and describes its violations ("" when none).
func (b *tab) axeFindings() string {
	b.t.Helper()
	if !eval[bool](b, `typeof window.axe !== 'undefined'`) {
		eval[chromedp.Void](b, shared.axe)
	}
	raw := eval[string](b, `axe.run(document, {runOnly: {type: 'tag', values: `+axeTags+`}, resultTypes: ['violations']}).then(r =>
  JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300), summary: n.failureSummary}))}))))`)
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		b.t.Fatalf("axe-core's answer: %v", err)
	}
	var sb strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&sb, "\n- %s [%s]: %s (%s)", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&sb, "\n    %s\n      %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
	}
	return sb.String()
}

// problems fails the test if the page threw or its CSP refused something.
func (b *tab) problems(name string) {
	b.t.Helper()
	p := eval[pageProblems](b, `window.__cd || {csp: [], errors: []}`)
	if len(p.CSP) > 0 {
		b.t.Errorf("%s: the Content-Security-Policy refused: %v", name, p.CSP)
	}
	if len(p.Errors) > 0 {
		b.t.Errorf("%s: scripts threw: %v", name, p.Errors)
	}
}

// reflowReport is what overflows the viewport horizontally.
type reflowReport struct {
	Width, ScrollWidth, BodyScrollWidth int
	Over                                []string // elements reaching past the viewport, outside any scrolling box
}

// reflowJS measures the page at the current viewport: the document's scroll width, and the
// visible elements that stick out left or right without a scrolling box around them (content a
// person could not reach: lost).
const reflowJS = `(() => {
  const w = document.documentElement.clientWidth;
  const over = [];
  const scrolls = el => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a); if (s.overflowX === 'auto' || s.overflowX === 'scroll') return true;
      if (s.clip !== 'auto' || (s.position === 'absolute' && a.offsetWidth <= 1)) return true; }
    return false; };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.bottom < 0) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.clip !== 'auto' || el.closest('dialog:not([open])')) continue;
    if ((r.right > w + 1 || r.left < -1) && !scrolls(el)) {
      over.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
        ' [' + Math.round(r.left) + '..' + Math.round(r.right) + '] ' + (el.innerText || '').trim().slice(0, 40).replace(/\s+/g, ' '));
    }
  }
  return {width: w, scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth, over: over.slice(0, 12)};
})()`

// reflow checks the page at a viewport width (and device scale; mobile emulates a phone: touch,
// the viewport meta tag, overlay scrollbars): no horizontal scrolling of the page and nothing cut
// off at the sides (WCAG 1.4.10 Reflow, 1.4.4 Resize text). It leaves the viewport at 1280x800.
func (b *tab) reflow(name string, width int64, scale float64, mobile bool, shot string) {
	b.t.Helper()
	if msg := b.reflowFindings(width, scale, mobile, shot); msg != "" {
		b.t.Errorf("%s at %d px wide (scale %g): %s", name, width, scale, msg)
	}
}

// reflowFindings describes what scrolls sideways or sticks out at the viewport ("" when nothing).
func (b *tab) reflowFindings(width int64, scale float64, mobile bool, shot string) string {
	b.t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(scale)}
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	b.do("viewport", chromedp.EmulateViewport(width, 800, opts...))
	defer b.do("viewport back", chromedp.EmulateViewport(1280, 800))
	eval[chromedp.Void](b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r())))`)
	r := eval[reflowReport](b, reflowJS)
	if shot != "" {
		b.shot(shot)
	}
	if r.ScrollWidth > r.Width || r.BodyScrollWidth > r.Width || len(r.Over) > 0 {
		return fmt.Sprintf("the page scrolls sideways or loses content: viewport %d, document %d, body %d; sticking out: %s",
			r.Width, r.ScrollWidth, r.BodyScrollWidth, strings.Join(r.Over, "; "))
	}
	return ""
}

// shot saves a full-page PNG screenshot as artefacts/browser/name.png.
func (b *tab) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := artefactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(dir, regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(strings.ToLower(name), "-")+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// check runs every page check on the page as it is: axe-core, scripts and CSP, reflow at phone
// width (375 px) and at 200% zoom (1280 px at 200% is a 640 px wide viewport of double density),
// and a screenshot when shot is set (plus a phone-width one with "-phone").
func (b *tab) check(name, shot string) {
	b.t.Helper()
	b.axe(name)
	b.problems(name)
	phone := ""
	if shot != "" {
		b.shot(shot)
		phone = shot + "-phone"
	}
	b.reflow(name+" on a phone", 375, 1, true, phone)
	b.reflow(name+" at 200% zoom", 640, 2, false, "")
}

// focusVisible tabs through the first n focusable elements from the top of the page and fails
// if any of them shows no focus indicator (an outline or a box shadow), WCAG 2.4.7.
func (b *tab) focusVisible(name string, n int) {
	b.t.Helper()
	for _, f := range b.focusFindings(n) {
		b.t.Errorf("%s: %s", name, f)
	}
}

// focusFindings tabs through the first n focusable elements and lists those without a visible
// focus indicator.
func (b *tab) focusFindings(n int) []string {
	b.t.Helper()
	var out []string
	eval[chromedp.Void](b, `document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)`)
	for i := 0; i < n; i++ {
		b.key(kb.Tab)
		got := eval[struct {
			Tag, Text, Outline, Shadow string
			Width                      float64
		}](b, `(() => { const el = document.activeElement; const s = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''), text: (el.innerText || el.value || '').trim().slice(0, 30),
    outline: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0, shadow: s.boxShadow}; })()`)
		if got.Tag == "body" {
			break
		}
		if (got.Outline == "none" || got.Width == 0) && (got.Shadow == "" || got.Shadow == "none") {
			out = append(out, fmt.Sprintf("focus is not visible on %s %q (Tab %d): outline %s %gpx, box-shadow %s", got.Tag, got.Text, i+1, got.Outline, got.Width, got.Shadow))
		}
	}
	return out
}

// signIn signs p in through the sign-in form, starting wherever the tab is (the form must be
// showing, or the tab is sent to it).
func (b *tab) signIn(login string) {
	b.t.Helper()
	if !strings.HasPrefix(b.path(), "/signin") && !b.has("form[action='/signin'] #password") {
		b.open("/signin")
	}
	b.wait("#login")
	eval[bool](b, `document.querySelector('#login').value = ''; true`)
	b.typeInto("#login", login)
	b.typeInto("#password", password)
	b.click("form[action='/signin'] button[type=submit]")
	if strings.HasPrefix(b.path(), "/signin") {
		b.t.Fatalf("signing in as %s failed: %s", login, b.text("main"))
	}
}
