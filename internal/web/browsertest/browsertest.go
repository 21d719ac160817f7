// Package browsertest is the browser tests' harness, shared by the console's and the portal's:
// one headless Chromium (Debian's, at /usr/bin/chromium) per test binary, a tab per session in
// its own browser context (its own cookies), axe-core's checks, the reflow and focus checks, and
// screenshots saved under artefacts/browser at the repository root.
//
// It is for tests only: no production package imports it (chromedp stays out of the binary).
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
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
)

// RepoRoot is the repository's root: the nearest folder above the test's working directory (its
// package's folder) that holds go.mod.
func RepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return dir
		}
		d = up
	}
}

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
	return filepath.Join(RepoRoot(), "artefacts", "browser")
}

// Step bounds one step (a navigation, a click, a check): generous, so a loaded 2-core
// machine does not fail a test, but a hung page does.
const Step = 30 * time.Second

// shared is the package's one browser, started by the first browser test.
var shared struct {
	once    sync.Once
	ctx     context.Context // a chromedp context on the running browser
	stop    []context.CancelFunc
	dataDir string
	axe     string // axe.min.js
	err     error
}

// Main runs a package's tests (call it from TestMain) and then stops the shared browser, if a
// test started it, and runs after (the package's other clean-ups, such as storetest's
// UseTemplates' drop).
func Main(m *testing.M, after ...func()) {
	code := m.Run()
	for _, f := range after {
		f()
	}
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

// Browser returns the shared browser, starting it on first use.
func Browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		unavailable(t, "no Chromium at %s (Debian: apt-get install -y chromium)", path)
	}
	axePath := filepath.Join(RepoRoot(), "node_modules", "axe-core", "axe.min.js")
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

// Tab is one browser session: a tab in a browser context of its own (cookies, storage), as a
// second person on another computer would have.
type Tab struct {
	T    *testing.T
	Ctx  context.Context
	Base string // the server's origin, which Open puts before a path
}

// cspWatch records, in every page the tab loads, what the Content-Security-Policy refused and
// what scripts threw, so checks can fail on them.
const cspWatch = `window.__cd = {csp: [], errors: []};
document.addEventListener('securitypolicyviolation', e => window.__cd.csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.addEventListener('error', e => window.__cd.errors.push(String(e.message)));`

// NewTab opens a new session in the shared browser, 1280x800, on the server at base (its origin,
// "http://127.0.0.1:port").
func NewTab(t *testing.T, base string) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(Browser(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &Tab{T: t, Ctx: ctx, Base: base}
	// The first run opens the tab, which lives as long as that run's context: no timeout here.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch})
		return err
	})); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return b
}

// Do runs steps within Step, failing the test with what and where on an error.
func (b *Tab) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, Step)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.T.Fatalf("%s (at %s): %v", what, b.Where(), err)
	}
}

// Eval evaluates js in the page and decodes its value into T.
func Eval[T any](b *Tab, js string) T {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, Step)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.T.Fatalf("evaluating %.80q (at %s): %v", js, b.Where(), err)
	}
	return v
}

// Where is the tab's current address, for failure messages.
func (b *Tab) Where() string {
	ctx, cancel := context.WithTimeout(b.Ctx, 2*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return u
}

// Path is the current address without the server's origin.
func (b *Tab) Path() string { return strings.TrimPrefix(b.Where(), b.Base) }

// Open loads a console path and waits for the page.
func (b *Tab) Open(path string) {
	b.T.Helper()
	b.Do("open "+path, chromedp.Navigate(b.Base+path))
	b.Settle()
}

// Settle waits until the document is complete and the fonts laid out.
func (b *Tab) Settle() {
	b.T.Helper()
	b.WaitJS("the page to load", `document.readyState === 'complete'`)
	Eval[chromedp.Void](b, `document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))`)
}

// waitInPage checks a condition in the page every 10 ms for up to a second, and resolves to
// whether it came true (with what it threw last, if anything): one round trip to the browser
// for a second of checks, and no 50 ms between a page being ready and the test seeing it.
const waitInPage = `new Promise(resolve => {
  const end = Date.now() + 1000;
  const check = () => {
    let ok = false, err = '';
    try { ok = !!(%s); } catch (e) { err = String(e); }
    if (ok || Date.now() >= end) resolve({ok, err}); else setTimeout(check, 10);
  };
  check();
})`

// WaitJS waits until cond (a JavaScript expression) is true, across page loads: the page checks
// it every 10 ms, and a check that a page load interrupts starts again on the new page.
func (b *Tab) WaitJS(what, cond string) {
	b.T.Helper()
	deadline := time.Now().Add(Step)
	js := fmt.Sprintf(waitInPage, cond)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
		r, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
			OK  bool
			Err string
		}](js, chromedp.EvalAwaitPromise))
		cancel()
		if err == nil && r.OK {
			return
		}
		switch {
		case err != nil:
			// A page load destroyed the page the check ran in; try again at once on the new
			// one, but without spinning while nothing answers.
			last = err
			time.Sleep(10 * time.Millisecond)
		case r.Err != "":
			last = errors.New(r.Err)
		}
	}
	b.T.Fatalf("waited %s for %s (at %s; last error %v)", Step, what, b.Where(), last)
}

// Has reports whether an element matches the CSS selector now.
func (b *Tab) Has(sel string) bool {
	return Eval[bool](b, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
}

// Wait waits for an element matching the CSS selector.
func (b *Tab) Wait(sel string) {
	b.T.Helper()
	b.WaitJS(sel, fmt.Sprintf(`document.querySelector(%q)`, sel))
}

// Text is the visible text of the first element matching sel ("" when none).
func (b *Tab) Text(sel string) string {
	b.T.Helper()
	return Eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ''}).innerText`, sel))
}

// MustSee fails unless the page's main content shows every string (case-insensitive).
func (b *Tab) MustSee(want ...string) {
	b.T.Helper()
	body := strings.ToLower(b.Text("body"))
	for _, w := range want {
		if !strings.Contains(body, strings.ToLower(w)) {
			b.T.Fatalf("%s does not show %q; it shows:\n%s", b.Path(), w, b.Text("body"))
		}
	}
}

// TypeInto focuses the element matching sel and types text as keystrokes.
func (b *Tab) TypeInto(sel, text string) {
	b.T.Helper()
	b.Do("type into "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// Key presses keys (kb constants or text) on whatever has focus, one at a time, as a keyboard
// does: a keyDown carrying the key's text, then a keyUp. (chromedp.KeyEvent sends the text as a
// separate char event, which a page's preventDefault on keydown cannot stop, unlike a real key:
// a shortcut that moves focus into a field would then find its own letter typed there.)
func (b *Tab) Key(keys string) {
	b.T.Helper()
	b.Do("press "+keys, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
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

// MarkPage marks the current document, so that Click can tell when another replaced it.
const MarkPage = `window.__cdOld = true; window.__cdSwapped = false;
document.addEventListener('htmx:afterSettle', () => { window.__cdSwapped = true }, {once: true}); true`

// Click clicks the element matching sel and waits for what it causes: a new page, or an htmx
// swap in this one.
func (b *Tab) Click(sel string) {
	b.T.Helper()
	Eval[bool](b, MarkPage)
	b.Do("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
	b.WaitJS("the page after clicking "+sel, `(!window.__cdOld && document.readyState === 'complete') || window.__cdSwapped`)
	b.Settle()
}

// Upload puts the files at paths into the file input matching sel, as choosing them would.
func (b *Tab) Upload(sel string, paths ...string) {
	b.T.Helper()
	b.Do("choose files for "+sel, chromedp.SetUploadFiles(chromedp.CSS(sel), paths))
}

// WaitFor waits until the page's address (path and query, without the origin) starts with
// prefix: the end of a chain of redirects and auto-submitted forms, such as single sign-on's.
func (b *Tab) WaitFor(prefix string) {
	b.T.Helper()
	js, _ := json.Marshal(b.Base + prefix)
	b.WaitJS("the page at "+prefix, `location.href.startsWith(`+string(js)+`) && document.readyState === 'complete'`)
	b.Settle()
}

// SubmitKey presses Enter in the field matching sel and waits for the page it leads to.
func (b *Tab) SubmitKey(sel string) {
	b.T.Helper()
	Eval[bool](b, MarkPage)
	b.Do("press Enter in "+sel, chromedp.SendKeys(chromedp.CSS(sel), kb.Enter))
	b.WaitJS("the page after Enter in "+sel, `(!window.__cdOld && document.readyState === 'complete') || window.__cdSwapped`)
	b.Settle()
}

// Label finds the form control whose label (label element, aria-label or aria-labelledby) matches
// the regular expression re (case-insensitive) inside the element matching scope, and returns a
// CSS selector for it ("" when none).
func (b *Tab) Label(scope, re string) string {
	b.T.Helper()
	return b.Labelled(scope, "input:not([type=hidden]), select, textarea", re)
}

// Labelled is label for the controls matching the CSS selector controls: "select" finds only
// selects, for example. Controls joined to the form from outside (form="id") count as inside it.
func (b *Tab) Labelled(scope, controls, re string) string {
	b.T.Helper()
	return Eval[string](b, fmt.Sprintf(`(() => {
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

// SetField sets the value of the control matching sel as a person picking it would (input and
// change events), for selects, dates and times that keystrokes fill unreliably.
func (b *Tab) SetField(sel, value string) {
	b.T.Helper()
	ok := Eval[bool](b, fmt.Sprintf(`(() => { const c = document.querySelector(%q); if (!c) return false;
  c.value = %q; c.dispatchEvent(new Event('input', {bubbles: true})); c.dispatchEvent(new Event('change', {bubbles: true}));
  return c.value === %q; })()`, sel, value, value))
	if !ok {
		b.T.Fatalf("could not set %s to %q on %s", sel, value, b.Path())
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

// axeTags are the WCAG levels the pages must meet: 2.0, 2.1 and 2.2 A and AA.
const axeTags = `['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']`

// Axe runs axe-core on the page as it is now and fails the test on any violation, listing each
// one's rule, impact, help and elements.
func (b *Tab) Axe(name string) {
	b.T.Helper()
	if msg := b.AxeFindings(); msg != "" {
		b.T.Errorf("axe-core found accessibility violations on %s (%s):%s", name, b.Path(), msg)
	}
}

// AxeFindings runs axe-core on the page and describes its violations ("" when none).
func (b *Tab) AxeFindings() string {
	b.T.Helper()
	if !Eval[bool](b, `typeof window.axe !== 'undefined'`) {
		Eval[chromedp.Void](b, shared.axe)
	}
	raw := Eval[string](b, `axe.run(document, {runOnly: {type: 'tag', values: `+axeTags+`}, resultTypes: ['violations']}).then(r =>
  JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300), summary: n.failureSummary}))}))))`)
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		b.T.Fatalf("axe-core's answer: %v", err)
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

// Problems fails the test if the page threw or its CSP refused something.
func (b *Tab) Problems(name string) {
	b.T.Helper()
	p := Eval[pageProblems](b, `window.__cd || {csp: [], errors: []}`)
	if len(p.CSP) > 0 {
		b.T.Errorf("%s: the Content-Security-Policy refused: %v", name, p.CSP)
	}
	if len(p.Errors) > 0 {
		b.T.Errorf("%s: scripts threw: %v", name, p.Errors)
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

// Reflow checks the page at a viewport width (and device scale; mobile emulates a phone: touch,
// the viewport meta tag, overlay scrollbars): no horizontal scrolling of the page and nothing cut
// off at the sides (WCAG 1.4.10 Reflow, 1.4.4 Resize text). It leaves the viewport at 1280x800.
func (b *Tab) Reflow(name string, width int64, scale float64, mobile bool, shot string) {
	b.T.Helper()
	if msg := b.ReflowFindings(width, scale, mobile, shot); msg != "" {
		b.T.Errorf("%s at %d px wide (scale %g): %s", name, width, scale, msg)
	}
}

// ReflowFindings describes what scrolls sideways or sticks out at the viewport ("" when nothing).
func (b *Tab) ReflowFindings(width int64, scale float64, mobile bool, shot string) string {
	b.T.Helper()
	defer b.Do("viewport back", chromedp.EmulateViewport(1280, 800))
	return b.reflowAt(width, scale, mobile, shot)
}

// reflowAt is ReflowFindings without putting the viewport back: EmulateViewport sets every
// metric and touch emulation each time, so Check goes from one width to the next directly and
// lays the page out at 1280 px once, at the end, instead of after each.
func (b *Tab) reflowAt(width int64, scale float64, mobile bool, shot string) string {
	b.T.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(scale)}
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	b.Do("viewport", chromedp.EmulateViewport(width, 800, opts...))
	Eval[chromedp.Void](b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r())))`)
	r := Eval[reflowReport](b, reflowJS)
	if shot != "" {
		b.Shot(shot)
	}
	if r.ScrollWidth > r.Width || r.BodyScrollWidth > r.Width || len(r.Over) > 0 {
		return fmt.Sprintf("the page scrolls sideways or loses content: viewport %d, document %d, body %d; sticking out: %s",
			r.Width, r.ScrollWidth, r.BodyScrollWidth, strings.Join(r.Over, "; "))
	}
	return ""
}

// Shot saves a full-page PNG screenshot as artefacts/browser/name.png.
func (b *Tab) Shot(name string) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, Step)
	defer cancel()
	// A full-page PNG, as chromedp.FullScreenshot(100) takes it, but encoded for speed rather than
	// size: the same pixels, for less of the browser's CPU.
	yes := true
	r, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{CaptureBeyondViewport: &yes,
		FromSurface: &yes, Format: page.CaptureScreenshotFormatPng, OptimizeForSpeed: &yes})
	if err != nil {
		b.T.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := artefactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.T.Errorf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(dir, regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(strings.ToLower(name), "-")+".png")
	if err := os.WriteFile(file, r.Data, 0o644); err != nil {
		b.T.Errorf("screenshot %s: %v", name, err)
	}
}

// Check runs every page check on the page as it is: axe-core, scripts and CSP, reflow at phone
// width (375 px) and at 200% zoom (1280 px at 200% is a 640 px wide viewport of double density),
// and a screenshot when shot is set (plus a phone-width one with "-phone").
func (b *Tab) Check(name, shot string) {
	b.T.Helper()
	b.Axe(name)
	b.Problems(name)
	phone := ""
	if shot != "" {
		b.Shot(shot)
		phone = shot + "-phone"
	}
	defer b.Do("viewport back", chromedp.EmulateViewport(1280, 800))
	if msg := b.reflowAt(375, 1, true, phone); msg != "" {
		b.T.Errorf("%s at %d px wide (scale %g): %s", name+" on a phone", 375, 1.0, msg)
	}
	if msg := b.reflowAt(640, 2, false, ""); msg != "" {
		b.T.Errorf("%s at %d px wide (scale %g): %s", name+" at 200% zoom", 640, 2.0, msg)
	}
}

// FocusVisible tabs through the first n focusable elements from the top of the page and fails
// if any of them shows no focus indicator (an outline or a box shadow), WCAG 2.4.7.
func (b *Tab) FocusVisible(name string, n int) {
	b.T.Helper()
	for _, f := range b.FocusFindings(n) {
		b.T.Errorf("%s: %s", name, f)
	}
}

// FocusFindings tabs through the first n focusable elements and lists those without a visible
// focus indicator.
func (b *Tab) FocusFindings(n int) []string {
	b.T.Helper()
	var out []string
	Eval[chromedp.Void](b, `document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)`)
	for i := 0; i < n; i++ {
		b.Key(kb.Tab)
		got := Eval[struct {
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
