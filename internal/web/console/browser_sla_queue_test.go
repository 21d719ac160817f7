package console_test

import (
	"strings"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
)

// TestBrowserServiceLevelQueues (issue 17 point 5): a call at risk shows as such, in words, in
// the "At risk" queue (with its count in the navigation) and on its call page; a call whose
// response is late is in "Breached"; the deadline behind "30m left" appears when the row has the
// keyboard's focus; every page is axe-clean at 1280, 375 and 320 px and reflows.
func TestBrowserServiceLevelQueues(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	slaDesk(t, e)
	late := e.call("Projector in B12 is dead", e.f.ServiceDesk.ID) // Monday 09:00
	paused := e.call("Monitor flickers", e.f.ServiceDesk.ID)
	e.noTarget("Switch down in the library", e.f.Networks.ID) // P1, no rule: no target
	e.clock.Advance(time.Hour)                                // 10:00
	e.holdCall(paused.Ref)
	risky := e.call("Printer jams on level 2", e.f.ServiceDesk.ID)
	e.clock.Advance(3*time.Hour + 30*time.Minute) // 13:30: risky has used 3h 30m of 4h; late is 30m over

	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/queues/at-risk")
	b.MustSee(risky.Ref, "At risk", "30m left", "Calls 1–1 of 1")
	if got := eval[string](b, `document.querySelector('#queue-counts a[href="/queues/at-risk"] .count').innerText`); !strings.HasPrefix(got, "1") {
		t.Errorf("the At risk count shows %q", got)
	}
	if eval[bool](b, `document.body.innerText.includes(`+"`"+late.Ref+"`"+`)`) {
		t.Errorf("the At risk queue lists the breached call %s", late.Ref)
	}
	// The words, not the colour alone: the row and the cell say "at risk".
	if got := eval[string](b, `document.querySelector('table.calls tbody tr .sla-badge').innerText.toLowerCase()`); got != "at risk" {
		t.Errorf("the row's badge says %q", got)
	}
	// The deadline is hidden until the row has the keyboard's focus, then shown.
	shown := `(() => { const d = document.querySelector('table.calls tbody tr .sla-due'); return d.getBoundingClientRect().width > 5; })()`
	if eval[bool](b, shown) {
		t.Errorf("the deadline shows before the row has focus")
	}
	eval[bool](b, `document.querySelector('table.calls tbody tr a[data-row]').focus(), true`)
	if !eval[bool](b, shown) {
		t.Errorf("the deadline does not show when the row's link has focus")
	}
	b.MustSee("due Mon 2 Mar 2026 14:00 UTC")
	eval[bool](b, `document.activeElement.blur(), true`)
	b.checkWidths("the at-risk queue", "sla-at-risk")

	b.Open("/queues/breached")
	b.MustSee(late.Ref, "30m overdue", "Calls 1–1 of 1")
	b.checkWidths("the breached queue", "")

	b.Open("/queues/open?sort=due")
	b.MustSee("paused, 3h left", "no target")
	b.checkWidths("all open calls by deadline", "")

	b.Open("/calls/" + risky.Ref)
	b.MustSee("Service level", "Rule:", "standard", "at risk", "30m left", "Working time used", "3h 30m")
	b.checkWidths("a call at risk", "sla-call")
}
