package console_test

// Issue 16: axe-core finds nothing on any console page at 1280, 375 and 320 px. browsertest's
// Check runs axe at 1280 px and the reflow checks at the narrower widths; the console's tab adds
// axe at the two phone widths, so every page a console browser test checks is checked at all three.

import (
	"fmt"

	"github.com/chromedp/chromedp"
)

// phoneWidths are the narrow viewports at which axe-core runs again: a common phone (375 px) and
// the narrowest WCAG's reflow criterion names (320 CSS px).
var phoneWidths = []int64{375, 320}

// Check is browsertest's Check (axe at 1280 px, scripts, CSP, reflow, screenshots) and axe-core
// again at 375 and 320 px, as a phone shows the page.
func (b *tab) Check(name, shot string) {
	b.T.Helper()
	b.Tab.Check(name, shot)
	for _, w := range phoneWidths {
		if msg := b.axeAt(w); msg != "" {
			b.T.Errorf("axe-core found accessibility violations on %s at %d px (%s):%s", name, w, b.Path(), msg)
		}
	}
}

// axeAt runs axe-core with the viewport w px wide (a phone: touch, the viewport meta tag) and
// puts the viewport back to 1280x800.
func (b *tab) axeAt(w int64) string {
	b.T.Helper()
	b.Do(fmt.Sprintf("viewport %d", w), chromedp.EmulateViewport(w, 800, chromedp.EmulateMobile, chromedp.EmulateTouch))
	defer b.Do("viewport back", chromedp.EmulateViewport(1280, 800))
	eval[bool](b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	return b.AxeFindings()
}
