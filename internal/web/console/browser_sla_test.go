package console_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"calldesk/internal/store/storetest"
)

// TestBrowserServiceLevelsAdmin (issue 17 point 7): an administrator adds a calendar and a rule
// with the keyboard, is shown refused input with the error summary focused and linking to the
// field, gives the Service Desk the calendar and previews when a P2 call logged on a Friday at
// 17:30 is due; every page is axe-clean and reflows at 1280, 375 and 320 px.
func TestBrowserServiceLevelsAdmin(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,admin")
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/admin/sla")
	b.MustSee("There are no calendars yet")
	b.checkWidths("service levels (empty)", "")

	b.Open("/admin/sla/calendars/new")
	b.checkWidths("add a calendar", "")
	eval[bool](b, `document.querySelector('#cal-week-tuesday').value = '9 till 5'; true`)
	b.submitForm(`form[action="/admin/sla/calendars"]`, "Add")
	b.MustSee("The calendar was not saved", "Name: is required", "Tuesday: working hours", "Reason for the change: is required")
	if id := eval[string](b, `document.activeElement.id`); id != "error-summary" {
		t.Errorf("focus is on %q after a refused calendar, want the error summary", id)
	}
	b.checkWidths("add a calendar with errors", "sla-calendar-errors")
	// The summary's link takes the keyboard to the field.
	eval[bool](b, `document.querySelector('#error-summary a[href="#cal-week-tuesday"]').focus(), true`)
	b.Key(kb.Enter)
	b.WaitJS("the Tuesday field to take focus", `document.activeElement && document.activeElement.id === 'cal-week-tuesday'`)
	eval[bool](b, `document.querySelector('#cal-week-tuesday').value = ''; true`)
	b.TypeInto("#cal-week-tuesday", "08:00-18:00")
	b.TypeInto("#cal-name", "Service Desk hours")
	b.TypeInto("#cal-closures", "2026-12-29 Christmas closure")
	b.TypeInto("#cal-reason", "the desk's published hours")
	b.SubmitKey("#cal-reason")
	b.MustSee("The calendar is saved", "Service Desk hours", "Christmas closure")

	b.Open("/admin/sla/rules/new")
	b.checkWidths("add a rule", "")
	b.TypeInto("#rule-respond-within", "soon")
	b.submitForm(`form[action="/admin/sla/rules"]`, "Add")
	b.MustSee("The rule was not saved", "Respond within: \"soon\" is not a working time")
	b.checkWidths("add a rule with errors", "sla-rule-errors")
	eval[bool](b, `document.querySelector('#rule-respond-within').value = ''; true`)
	b.TypeInto("#rule-name", "P2 standard")
	b.SetField("#rule-priority", "2")
	b.TypeInto("#rule-respond-within", "1h")
	b.TypeInto("#rule-resolve-within", "10h")
	b.TypeInto("#rule-reason", "the catalogue's P2")
	b.SubmitKey("#rule-reason")
	b.MustSee("The rule is saved", "P2 standard", "10 hours")

	b.SetField("#use-group-"+strconv.FormatInt(e.f.ServiceDesk.ID, 10), "1")
	b.TypeInto("#uses-reason", "the desk's hours")
	b.SubmitKey("#uses-reason")
	b.MustSee("The calendars of the groups and profiles are saved")
	b.checkWidths("service levels", "sla")

	b.Open("/admin/sla/preview?priority=2&group_id=" + strconv.FormatInt(e.f.ServiceDesk.ID, 10) + "&date=2026-12-04&time=17:30")
	b.MustSee("A P2 call logged on Friday 4 December 2026 at 17:30 GMT", "Monday 7 December 2026 at 08:30 GMT", "Monday 7 December 2026 at 17:30 GMT")
	b.checkWidths("service level preview", "sla-preview")
	b.FocusVisible("service level preview", 12)
}

// TestBrowserEscalationPointsAdmin (issue 17 point 4): an administrator adds an escalation point
// with the keyboard, is shown refused input with the error summary focused and linking to the
// field, and sees the point listed; the pages are axe-clean and reflow at 1280, 375 and 320 px.
func TestBrowserEscalationPointsAdmin(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,admin")
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/admin/sla/escalations/new")
	b.checkWidths("add an escalation point", "")
	eval[bool](b, `document.querySelector('#esc-percent').value = 'soon'; true`)
	b.submitForm(`form[action="/admin/sla/escalations"]`, "Add")
	b.MustSee("The escalation point was not saved", "Share of the allowed time: must be a whole number", "Reason for the change: is required")
	if id := eval[string](b, `document.activeElement.id`); id != "error-summary" {
		t.Errorf("focus is on %q after a refused point, want the error summary", id)
	}
	b.checkWidths("add an escalation point with errors", "sla-escalation-errors")
	eval[bool](b, `document.querySelector('#error-summary a[href="#esc-percent"]').focus(), true`)
	b.Key(kb.Enter)
	b.WaitJS("the percentage field to take focus", `document.activeElement && document.activeElement.id === 'esc-percent'`)
	eval[bool](b, `document.querySelector('#esc-percent').value = ''; true`)
	b.TypeInto("#esc-percent", "100")
	eval[bool](b, `document.querySelector('#esc-action-reassign').click(), true`)
	b.SetField("#esc-group", strconv.FormatInt(e.f.Networks.ID, 10))
	b.TypeInto("#esc-reason", "late calls go to Networks")
	b.SubmitKey("#esc-reason")
	b.MustSee("The escalation point is saved", "100% of the allowed time", "Reassign the call to Networks")
	b.checkWidths("service levels with an escalation point", "sla-escalations")
}
