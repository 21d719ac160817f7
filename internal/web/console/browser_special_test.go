package console_test

import (
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// TestBrowserMarkSpecial: an analyst marks a call as holding special-category data from its page
// with the keyboard alone (Tab to the form's disclosure, Enter to open it, Tab to the reason,
// type it, Enter to send); the page then confirms it and shows the mark. axe-core finds nothing
// with the form open and after, at 1280 px and at phone widths (375 and 320 px).
func TestBrowserMarkSpecial(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	call := e.call("Needs a quiet room for a panic disorder", e.f.ServiceDesk.ID)
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/calls/" + call.Ref)
	eval[bool](b, `document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); true`)
	found := false
	for i := 0; i < 80 && !found; i++ {
		b.Key(kb.Tab)
		found = eval[bool](b, `document.activeElement.matches('details#special > summary')`)
	}
	if !found {
		t.Fatal("Tab never reaches the special-category form's disclosure")
	}
	b.Key(kb.Enter)
	b.WaitJS("Enter to open the special-category form", `document.querySelector('details#special').open`)
	b.Key(kb.Tab)
	if got := eval[string](b, `document.activeElement.id`); got != "special-reason" {
		t.Fatalf("Tab after the disclosure focuses #%s, want the reason #special-reason", got)
	}
	b.Check("call page, special-category form open", "")
	b.Key("mentions a panic disorder")
	eval[bool](b, markPage)
	b.Key(kb.Enter)
	b.WaitJS("the call page after marking", `!window.__cdOld && document.readyState === 'complete'`)
	b.Settle()
	b.MustSee("The call is marked as holding special-category data", "Holds special-category data")
	if got := e.callNow(t, call.Ref); !got.SpecialCategory {
		t.Fatalf("the call is not marked: %+v", got)
	}
	if recs := e.specialMarks(call.Ref); len(recs) != 1 {
		t.Fatalf("audit records %+v, want the mark's", recs)
	}
	b.Check("call page, marked special category", "")
}
