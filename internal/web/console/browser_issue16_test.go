package console_test

// Browser tests of issue 16's console defects: the call page's tab order, print, the analyst list
// following the group, right-to-left text.

import (
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// TestBrowserCallTabOrder (defect 7): on the call page, Tab reaches the actions before the
// customer panel, as the page reads; on a wide screen the details still sit at the right.
func TestBrowserCallTabOrder(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	_, mine := seedEveryCondition(t, e)
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/calls/" + mine.Ref)
	eval[bool](b, `document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); true`)
	actions, customer := 0, 0
	for i := 1; i <= 60 && (actions == 0 || customer == 0); i++ {
		b.Key(kb.Tab)
		switch eval[string](b, `(() => { const a = document.activeElement;
  return a.closest('.call-actions') ? 'actions' : a.closest('.customer-name') ? 'customer' : a.tagName; })()`) {
		case "actions":
			if actions == 0 {
				actions = i
			}
		case "customer":
			if customer == 0 {
				customer = i
			}
		}
	}
	if actions == 0 || customer == 0 || actions > customer {
		t.Errorf("Tab reaches the actions at step %d and the customer at step %d: the actions must come first", actions, customer)
	}
	if !eval[bool](b, `document.querySelector('.call-facts').getBoundingClientRect().left >= document.querySelector('.call-main').getBoundingClientRect().right`) {
		t.Error("at 1280 px the call's details are not in a column at the right of the actions")
	}
	b.Check("call page (tab order)", "")
}
