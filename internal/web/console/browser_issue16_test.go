package console_test

// Browser tests of issue 16's console defects: the call page's tab order, print, the analyst list
// following the group, right-to-left text.

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/browsertest"
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

// printMedia switches the tab's CSS media to print (on) or back to the screen, as the browser's
// print preview draws the page.
func printMedia(b *browsertest.Tab, on bool) {
	b.T.Helper()
	media := ""
	if on {
		media = "print"
	}
	b.Do("emulate media "+media, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	}))
}

// printFindings lists, on the page as printed, what must not be there: the navigation, the
// actions, any form, button or field that shows, and what must be: each element of mustShow.
const printFindingsJS = `((mustShow) => {
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  const out = [];
  for (const sel of ['header.top', 'nav', '.call-actions', 'form', 'button', 'input:not([type=hidden])', 'select', 'textarea', '.pager', '.skip'])
    for (const el of document.querySelectorAll(sel)) if (shown(el)) out.push('shown: ' + sel + ' ' + (el.innerText || el.outerHTML).trim().slice(0, 60));
  for (const sel of mustShow) {
    const els = document.querySelectorAll(sel);
    if (!els.length) out.push('missing: ' + sel);
    for (const el of els) if (!shown(el)) out.push('hidden: ' + sel + ' ' + (el.innerText || '').trim().slice(0, 60));
  }
  return out; })`

// checkPrint fails the test unless the page, printed, shows mustShow and no navigation or actions.
func checkPrint(t *testing.T, b *browsertest.Tab, name string, mustShow ...string) {
	t.Helper()
	printMedia(b, true)
	defer printMedia(b, false)
	js := printFindingsJS + "(" + jsList(mustShow) + ")"
	for _, f := range browsertest.Eval[[]string](b, js) {
		t.Errorf("%s printed: %s", name, f)
	}
}

// jsList writes strings as a JavaScript array literal.
func jsList(ss []string) string {
	out := "["
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", s)
	}
	return out + "]"
}

// TestBrowserPrint (defect 9): a call and a person's page print cleanly, as the browser's print
// media draws them: no navigation, no actions or forms, the details, description and every diary
// entry shown; the retention page's closed reports print open.
func TestBrowserPrint(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,dpo")
	_, mine := seedEveryCondition(t, e)
	for i := range 30 {
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), mine.Ref, desk.EntryNote, fmt.Sprintf("Diary note number %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/calls/" + mine.Ref)
	b.MustSee("Diary note number 29")
	checkPrint(t, b.Tab, "the call page", "#call-title", ".description", ".customer-name", "#details-title", ".diary .entry")
	if n := eval[int](b, `document.querySelectorAll('.diary .entry').length`); n < 33 {
		t.Errorf("the printed diary has %d entries, want all 33 or more", n)
	}
	if printMedia(b.Tab, false); !eval[bool](b, `getComputedStyle(document.querySelector('header.top')).display !== 'none'`) {
		t.Error("on screen the header is hidden")
	}
	b.Open(fmt.Sprintf("/people/%d", e.f.Dan.ID))
	checkPrint(t, b.Tab, "the person page", "h1", "table.fields", "table.calls")
	b.Open("/admin/retention")
	b.Click("form[action='/admin/retention/dry-run'] button")
	b.MustSee("The dry run is done")
	eval[bool](b, `document.querySelectorAll('main details').forEach(d => d.open = false), true`)
	checkPrint(t, b.Tab, "the retention schedule", "details.panel table")
}

// TestBrowserAnalystListAndNewCaller (defect 6): with JavaScript, choosing a group narrows the
// analyst list at once, on the log-a-call form and the call's assign form (the no-JavaScript
// button is hidden); a caller not in the register is added through the form; the pages are
// checked like every page (axe-core at 1280, 375 and 320 px). Also the email log, which no
// other browser test visits.
func TestBrowserAnalystListAndNewCaller(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Bob, "analyst,support_analyst")
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	offered := func(sel string, p desk.Person) bool {
		return eval[bool](b, fmt.Sprintf(`(() => { const o = document.querySelector('%s option[value="%d"]'); return !!o && !o.hidden && !o.disabled; })()`, sel, p.ID))
	}
	b.Open("/calls/new")
	if eval[bool](b, `!document.querySelector('button[name=step][value=group]').hidden`) {
		t.Error("with JavaScript, the log-a-call form still shows \"Show this group's analysts\"")
	}
	b.SetField("#group", fmt.Sprint(e.f.Networks.ID))
	if !offered("#analyst", e.f.Cat) || offered("#analyst", e.f.Ann) || offered("#analyst", e.f.Bob) {
		t.Error("choosing Networks does not narrow the analyst list to Cat")
	}
	b.SetField("#analyst", fmt.Sprint(e.f.Cat.ID))
	b.SetField("#group", fmt.Sprint(e.f.ServiceDesk.ID))
	if offered("#analyst", e.f.Cat) || !offered("#analyst", e.f.Ann) || eval[string](b, `document.querySelector('#analyst').value`) != "" {
		t.Error("moving to Service Desk keeps Cat offered or chosen")
	}

	// A caller not in the register, added while logging.
	eval[bool](b, `document.querySelector('#new-caller').open = true`)
	b.TypeInto("#caller-first-name", "Lina")
	b.TypeInto("#caller-last-name", "Haddad")
	b.TypeInto("#caller-phone", "07700 900456")
	b.TypeInto("#summary", "Guest wifi voucher rejected")
	b.Check("log a call with a new caller", "new-call-new-caller")
	b.submitForm(`form[method=post][action="/calls/new"]`, `log`)
	b.MustSee("The call is logged", "Lina Haddad", "Guest wifi voucher rejected")
	b.Check("a call just logged", "")

	// The call's assign form.
	call := e.call("Switch port dead", 0)
	b.Open("/calls/" + call.Ref)
	b.Key("a")
	b.SetField("#assign-group-id", fmt.Sprint(e.f.Networks.ID))
	if !offered("#assign-analyst-id", e.f.Cat) || offered("#assign-analyst-id", e.f.Bob) {
		t.Error("choosing Networks on the assign form does not narrow the analyst list")
	}
	b.Check("call page with the assign form narrowed", "")

	m := e.tab(t)
	m.signIn(e.f.Bob.Username)
	m.Open("/mail/log")
	m.Check("email taken in", "mail-log")
}

// TestBrowserPager (defect 7): a long queue's pager (page N of M, numbered jumps) and a page past
// the end, checked like every page (axe-core at 1280, 375 and 320 px, reflow, focus).
func TestBrowserPager(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	for i := range 130 {
		e.call(fmt.Sprintf("Printer jam number %03d", i), 0)
	}
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/queues/unassigned?page=4")
	b.MustSee("Page 4 of 6")
	b.Check("a queue's pager", "queue-pager")
	b.Click(`nav.pager a[href="/queues/unassigned?page=6"]`)
	b.MustSee("Page 6 of 6", "Printer jam number 004")
	b.Open("/queues/unassigned?page=9")
	b.MustSee("There is no page 9: this list has 6 pages.")
	b.Check("a page past the end", "queue-past-end")
	b.Click(`#past-end a`)
	if b.Path() != "/queues/unassigned?page=6" {
		t.Errorf("the way back from past the end leads to %s", b.Path())
	}
}
