package console_test

// Browser test of issue 16's analysts' productivity pages: bulk actions, saved views and canned
// replies, each page checked by axe-core at 1280, 375 and 320 px, for reflow, and driven with
// the keyboard where a person would.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// checkWidths runs every page check (axe at 1280 px, reflow at 375 px and 200% zoom, a
// screenshot), then axe-core again at 375 and 320 px wide and reflow at 320 px.
func (b *tab) checkWidths(name, shot string) {
	b.T.Helper()
	b.Check(name, shot)
	for _, w := range []int64{375, 320} {
		b.Do("viewport", chromedp.EmulateViewport(w, 800, chromedp.EmulateMobile, chromedp.EmulateTouch))
		eval[bool](b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
		b.Axe(fmt.Sprintf("%s at %d px", name, w))
		b.Do("viewport back", chromedp.EmulateViewport(1280, 800))
	}
	b.Reflow(name+" at 320 px", 320, 1, true, "")
}

// TestBrowserProductivity: an analyst ticks two calls with the keyboard, opens the bulk page,
// sends it without a group (the error summary takes focus), then assigns them and reads the
// result; saves the queue's filters as a view and finds it in the side bar; an administrator
// adds a canned reply; the analyst picks it on a call.
func TestBrowserProductivity(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,admin")
	a := e.call("Printer jam in the library", 0)
	b2 := e.call("Monitor flickers", 0)
	e.call("Keyboard missing keys", 0)

	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/queues/unassigned")
	b.MustSee(a.Ref, "Act on the calls ticked", "Saved views")
	b.checkWidths("queue with ticks and views", "queue-bulk")
	// Tick two calls with the keyboard: focus the box, press space.
	for _, ref := range []string{a.Ref, b2.Ref} {
		eval[bool](b, `document.querySelector('input[name=ref][value="`+ref+`"]').focus(), true`)
		b.Key(" ")
	}
	if n := eval[int](b, `document.querySelectorAll('input[form=bulk][name=ref]:checked').length`); n != 2 {
		t.Fatalf("%d calls ticked with the keyboard, want 2", n)
	}
	b.submitForm("#bulk", "ticked")
	b.WaitFor("/calls/bulk")
	b.MustSee("Act on several calls", a.Ref, b2.Ref)
	b.checkWidths("bulk page", "bulk")
	// Sent without a group: the summary takes focus and links to the field.
	b.submitForm(`form[action="/calls/bulk"][method=post]`, "Assign the calls")
	b.MustSee("Nothing was changed", "Choose the group")
	if id := eval[string](b, `document.activeElement.id`); id != "error-summary" {
		t.Errorf("focus is on %q after a refused bulk post, want the error summary", id)
	}
	b.checkWidths("bulk page with errors", "bulk-errors")
	b.SetField("#bulk-group-id", strconv.FormatInt(e.f.ServiceDesk.ID, 10))
	b.submitForm(`form[action="/calls/bulk"][method=post]`, "Assign the calls")
	b.WaitFor("/calls/bulk/done")
	b.MustSee("2 calls done", a.Ref+": assigned", b2.Ref+": assigned")
	b.checkWidths("bulk result", "bulk-done")
	for _, c := range []string{a.Ref, b2.Ref} {
		if now := e.callNow(t, c); now.GroupID != e.f.ServiceDesk.ID {
			t.Errorf("%s not assigned: group %d", c, now.GroupID)
		}
	}

	// A saved view, shared with Service Desk.
	b.Open("/queues/open?sort=oldest")
	b.reveal("#save-view-name")
	b.TypeInto("#save-view-name", "Oldest open calls")
	b.SetField("#save-view-group", strconv.FormatInt(e.f.ServiceDesk.ID, 10))
	b.submitForm(`form[action="/views"]`, "Save the view")
	b.MustSee("Oldest open calls")
	if cur := eval[string](b, `(document.querySelector('.views a[aria-current=page]') || {}).textContent || ''`); !strings.Contains(cur, "Oldest open calls") {
		t.Errorf("the view just saved is not marked current in the side bar: %q", cur)
	}
	b.checkWidths("queue opened from a saved view", "queue-view")
	b.Open("/views")
	b.checkWidths("saved views", "views")
	// Deleting asks first; "No, keep it" keeps it.
	b.submitForm(`form[action$="/delete"]`, "Delete")
	b.MustSee("Delete the view “Oldest open calls”?")
	b.checkWidths("delete a view: confirm", "view-delete")
	b.Click(`a[href="/views"]`)
	b.MustSee("Oldest open calls")

	// Canned replies: the administrator's page, a refused one, then one picked on a call.
	c := e.tab(t)
	c.signIn(e.f.Cat.Username)
	c.Open("/admin/replies")
	c.checkWidths("canned replies (none yet)", "")
	c.submitForm(`form[action="/admin/replies"]`, "Add")
	c.MustSee("The canned reply was not saved")
	c.checkWidths("canned replies with errors", "replies-errors")
	c.TypeInto("#reply-name", "We are on it")
	c.TypeInto("#reply-body", "Hello {{first_name}}, we are looking into {{ref}}.")
	c.submitForm(`form[action="/admin/replies"]`, "Add")
	c.MustSee("The canned reply is saved")
	c.checkWidths("canned replies", "replies")

	// With scripts the reply joins what was typed, without leaving the page.
	b.Open("/calls/" + a.Ref)
	eval[bool](b, markPage)
	b.Key("u")
	b.TypeInto("#update-text", "Thanks for the photo.")
	b.SetField("#update-reply", "1")
	eval[bool](b, `document.querySelector("form.reply-pick button").click(), true`)
	want := "Thanks for the photo.\n\nHello Dan, we are looking into " + a.Ref + "."
	b.WaitJS("the reply to join the text", `document.querySelector('#update-text').value === `+strconv.Quote(want))
	if !eval[bool](b, `window.__cdOld === true`) {
		t.Error("picking a reply reloaded the page (and lost what was typed)")
	}
	if id := eval[string](b, `document.activeElement.id`); id != "update-text" {
		t.Errorf("focus on %q after picking a reply, want the text box", id)
	}
	// Without scripts the picker is a GET form: the page comes back with the text filled in.
	b.Open("/calls/" + a.Ref + "?for=update&reply=1")
	if got := eval[string](b, `document.querySelector('#update-text').value`); got != "Hello Dan, we are looking into "+a.Ref+"." {
		t.Errorf("the update form holds %q after picking the reply", got)
	}
	b.checkWidths("call with a canned reply picked", "call-reply")
}

// TestBrowserTicksHoldTheQueueStill: a queue refreshing itself would untick the calls ticked
// for a bulk action; while any is ticked (and focus is elsewhere) it waits, and refreshes again
// once none is.
func TestBrowserTicksHoldTheQueueStill(t *testing.T) {
	e := browserEnvWith(t, func(c *console.Console) { c.Refresh = time.Second })
	first := e.call("Printer on level 2 jams on every job", 0)
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/queues/unassigned")
	b.MustSee(first.Ref)
	eval[bool](b, `document.querySelector('input[name=ref][value="`+first.Ref+`"]').click(), true`)
	second := e.call("Scanner in the library sends blank pages", 0)
	time.Sleep(2500 * time.Millisecond) // two refresh periods
	if eval[bool](b, `document.querySelector('#queue').textContent.includes('`+second.Ref+`')`) {
		t.Fatal("the list refreshed while a call was ticked")
	}
	if !eval[bool](b, `document.querySelector('input[name=ref][value="`+first.Ref+`"]').checked`) {
		t.Fatal("the tick was lost")
	}
	eval[bool](b, `document.querySelector('input[name=ref][value="`+first.Ref+`"]').click(), true`)
	b.WaitJS("the new call to appear once nothing is ticked", `document.querySelector('#queue').textContent.includes('`+second.Ref+`')`)
}
