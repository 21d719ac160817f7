package console_test

// Browser tests (issue 3, items 8 and 9): every console page in headless Chromium, checked by
// axe-core against WCAG 2.2 AA, at phone width and at 200% zoom, with visible focus and the
// keyboard shortcuts; and an analyst's day driven through the pages as a person would.
//
// Run them alone with: go test ./internal/web/console/ -run Browser -v
// Screenshots land in artefacts/browser/ at the repository root.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// seedEveryCondition gives the queues something to show: a call in every condition, some Ann's.
// It returns the unassigned call, the one assigned to Ann, and the resolved one.
func seedEveryCondition(t *testing.T, e *env) (unassigned, mine desk.Call) {
	t.Helper()
	ann, bob := storetest.Actor(e.f.Ann), storetest.Actor(e.f.Bob)
	upd := func(c desk.Call, tr desk.Transition) desk.Call {
		t.Helper()
		by := ann
		if tr.Action != desk.ActAssign && c.AnalystID == e.f.Bob.ID {
			by = bob
		}
		c, err := e.s.UpdateCall(e.ctx, by, c.Ref, c.Version, tr)
		if err != nil {
			t.Fatalf("%s %s: %v", tr.Action, c.Ref, err)
		}
		return c
	}
	unassigned = e.call("Printer on level 2 jams on every job", 0)
	mine = upd(e.call("Outlook asks for the password again and again", e.f.ServiceDesk.ID),
		desk.Transition{Action: desk.ActAssign, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Ann.ID})
	if _, err := e.s.AddEntry(e.ctx, ann, mine.Ref, desk.EntryUpdate, "Please try signing out and in again."); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AddEntry(e.ctx, ann, mine.Ref, desk.EntryNote, "Probably the token cache."); err != nil {
		t.Fatal(err)
	}
	mine, _ = e.s.FindCallByRef(e.ctx, mine.Ref)
	held := upd(e.call("Laptop repair: waiting for a part", e.f.ServiceDesk.ID),
		desk.Transition{Action: desk.ActAssign, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Ann.ID})
	held = upd(held, desk.Transition{Action: desk.ActAccept})
	upd(held, desk.Transition{Action: desk.ActHold, Until: start.Add(72 * time.Hour), Reason: "part on order"})
	res := upd(e.call("Cannot print from the library", e.f.ServiceDesk.ID),
		desk.Transition{Action: desk.ActAssign, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Bob.ID})
	res = upd(res, desk.Transition{Action: desk.ActAccept})
	upd(res, desk.Transition{Action: desk.ActResolve, Text: "Driver reinstalled."})
	// One that came off hold by itself: held until an hour ago.
	off := upd(e.call("VPN drops every ten minutes", e.f.ServiceDesk.ID),
		desk.Transition{Action: desk.ActAssign, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Ann.ID})
	off = upd(off, desk.Transition{Action: desk.ActAccept})
	upd(off, desk.Transition{Action: desk.ActHold, Until: start.Add(time.Minute), Reason: "customer away"})
	e.clock.Advance(2 * time.Minute)
	if _, err := e.s.ReleaseHolds(e.ctx, 100); err != nil {
		t.Fatal(err)
	}
	// A long summary, to see that it wraps on a phone.
	e.call("Eduroam certificate warning on Android 15 devices in the Maths building, "+
		"reported by several students; the warning names an unexpected issuer", e.f.Networks.ID)
	return unassigned, mine
}

// TestBrowserPages visits every console page and checks each with axe-core (WCAG 2.2 AA), for
// script errors and CSP refusals, at 375 px wide and at 200% zoom, and saves screenshots.
func TestBrowserPages(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	_, mine := seedEveryCondition(t, e)
	b := e.tab(t)

	t.Run("signin", func(t *testing.T) {
		b.T = t
		b.Open("/signin")
		b.MustSee("Sign in to calldesk")
		b.Check("sign-in page", "signin")
		b.FocusVisible("sign-in page", 4)
	})
	t.Run("signin-failed", func(t *testing.T) {
		b.T = t
		b.Open("/signin")
		b.TypeInto("#login", e.f.Ann.Username)
		b.TypeInto("#password", "wrong password")
		b.Click("form[action='/signin'] button[type=submit]")
		if !b.Has("#signin-message") {
			t.Fatalf("a wrong password shows no message: %s", b.Text("main"))
		}
		b.Check("sign-in page with a failure", "signin-failed")
	})
	t.Run("error-signed-out", func(t *testing.T) {
		b.T = t
		b.Open("/no/such/page")
		b.MustSee("There is no page at")
		b.Check("error page (signed out)", "")
	})
	b.T = t
	b.signIn(e.f.Ann.Username)
	for _, q := range []string{"mine", "groups", "unassigned", "on-hold", "off-hold", "resolved", "open"} {
		t.Run("queue-"+q, func(t *testing.T) {
			b.T = t
			b.Open("/queues/" + q)
			if !b.Has("#queue-title") {
				t.Fatalf("/queues/%s has no queue title: %s", q, b.Text("main"))
			}
			shot := ""
			if q == "mine" || q == "open" {
				shot = "queue-" + q
			}
			b.Check("queue "+q, shot)
			if q == "mine" {
				b.FocusVisible("queue page", 12)
			}
		})
	}
	t.Run("queue-filtered-invalid", func(t *testing.T) {
		b.T = t
		b.Open("/queues/open?priority=9&group=x")
		b.Check("queue with invalid filters", "")
	})
	t.Run("error-signed-in", func(t *testing.T) {
		b.T = t
		b.Open("/queues/nope")
		b.MustSee("there is no queue")
		b.Check("error page (signed in)", "error")
	})
	t.Run("help", func(t *testing.T) {
		b.T = t
		b.Open("/queues/mine")
		b.Key("?")
		b.WaitJS("the help dialog to open", `document.querySelector('#help').open`)
		b.Check("keyboard help overlay", "help")
		b.Key(kb.Escape)
		b.WaitJS("the help dialog to close", `!document.querySelector('#help').open`)
	})
	t.Run("call", func(t *testing.T) {
		b.T = t
		b.Open("/calls/" + mine.Ref)
		b.MustSee(mine.Ref, mine.Summary, "Please try signing out and in again.")
		b.Check("call page", "call")
		b.FocusVisible("call page", 15)
		// Every action form open, so that axe and the reflow checks see them all.
		eval[bool](b, `document.querySelectorAll('main details').forEach(d => d.open = true), true`)
		b.Check("call page with every action form open", "call-forms-open")
		// A refused form: the errors beside the fields and the summary at the top.
		b.Open("/calls/" + mine.Ref)
		eval[bool](b, `document.querySelector('details[data-key="h"]').open = true`)
		// Past the browser's own check of required fields, as an old browser or a script would send it.
		eval[bool](b, `document.querySelector('`+callForm(mine.Ref, "hold")+`').noValidate = true`)
		b.submitForm(callForm(mine.Ref, "hold"), `hold`)
		b.MustSee("Hold until")
		if !eval[bool](b, `!!document.querySelector('main [aria-invalid="true"]')`) {
			t.Fatalf("a hold with no time shows no field error:\n%s", b.Text("main"))
		}
		b.Check("call page with a refused form", "call-refused")
	})
	t.Run("new-call", func(t *testing.T) {
		b.T = t
		b.Open("/calls/new")
		b.Check("log a call", "new-call")
		b.FocusVisible("log a call", 10)
		// Sent empty: every error beside its field and in the summary.
		eval[bool](b, `document.querySelector('form[method=post][action="/calls/new"]').noValidate = true`)
		b.submitForm(`form[method=post][action="/calls/new"]`, `log`)
		b.MustSee("The call was not logged")
		b.Check("log a call with errors", "new-call-errors")
		// With a customer chosen: their details shown.
		b.Open(fmt.Sprintf("/calls/new?customer=%d", e.f.Dan.ID))
		b.MustSee(e.f.Dan.StudentNumber)
		b.Check("log a call with a customer chosen", "new-call-customer")
	})
	t.Run("resume", func(t *testing.T) {
		b.T = t
		// The session ends while a note is being written; the sign-in keeps it, then offers it.
		b.Open("/calls/" + mine.Ref)
		eval[bool](b, `document.querySelector('details[data-key="i"]').open = true`)
		b.TypeInto(callForm(mine.Ref, "note")+" textarea", "Cable swapped")
		e.clock.Advance(31 * time.Minute)
		b.submitForm(callForm(mine.Ref, "note"), `note|add`)
		b.MustSee("Nothing was saved")
		b.Check("sign-in keeping a form", "signin-kept")
		b.TypeInto("#login", e.f.Ann.Username)
		b.TypeInto("#password", password)
		b.SubmitKey("#password")
		b.MustSee("Send it now", "Cable swapped")
		b.Check("resend after sign-in", "resume")
	})
	t.Run("person", func(t *testing.T) {
		b.T = t
		b.Open(fmt.Sprintf("/people/%d", e.f.Dan.ID))
		b.MustSee("Dawson")
		b.Check("person page", "person")
	})
	t.Run("search", func(t *testing.T) {
		b.T = t
		b.Open("/queues/mine")
		b.TypeInto("#q", "Outlook")
		b.SubmitKey("#q")
		if !strings.HasPrefix(b.Path(), "/search") {
			t.Fatalf("searching went to %s", b.Path())
		}
		b.MustSee(mine.Ref)
		b.Check("search results", "search")
		b.Open("/search?q=nothing+matches+this+zzzq")
		b.Check("search with no results", "")
	})
}

// TestBrowserKeyboard checks the shortcuts: ? opens the help dialog, Escape closes it, g u goes to
// the unassigned queue, j moves to the first call, and / goes to the search box.
func TestBrowserKeyboard(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	unassigned, _ := seedEveryCondition(t, e)
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/queues/mine")
	b.Key("?")
	b.WaitJS("? to open the help dialog", `document.querySelector('#help').open`)
	if got := eval[string](b, `document.activeElement.closest('#help') ? 'in' : document.activeElement.tagName`); got != "in" {
		t.Errorf("the open help dialog does not hold the focus (it is on %s)", got)
	}
	b.Key(kb.Escape)
	b.WaitJS("Escape to close the help dialog", `!document.querySelector('#help').open`)

	eval[bool](b, markPage)
	b.Key("g")
	b.Key("u")
	b.WaitJS("g u to open the unassigned queue", `!window.__cdOld && location.pathname === '/queues/unassigned'`)
	b.Settle()
	b.Key("j")
	if got := eval[string](b, `document.activeElement.textContent`); got != unassigned.Ref {
		t.Errorf("j focuses %q, want the first call %s", got, unassigned.Ref)
	}
	b.Key("/")
	if got := eval[string](b, `document.activeElement.id`); got != "q" {
		t.Errorf("/ focuses #%s, want the search box #q", got)
	}
	b.Key(kb.Escape)
	if got := eval[string](b, `document.activeElement.id`); got == "q" {
		t.Error("Escape does not leave the search box")
	}
}

// callForm is the CSS selector of a call page's form for an action (/calls/{ref}/{action}).
func callForm(ref, action string) string {
	return fmt.Sprintf(`form[action="/calls/%s/%s"]`, ref, action)
}

// fillRequired fills the empty required text fields of the form matching sel with text, so a
// step that asks for a reason or a note has one.
func (b *tab) fillRequired(sel, text string) {
	b.T.Helper()
	for {
		f := eval[string](b, fmt.Sprintf(`(() => { const f = document.querySelector(%q); if (!f) return '';
  for (const c of f.querySelectorAll('textarea[required], input[required]:not([type=hidden]):not([type=date]):not([type=datetime-local]):not([type=time])')) {
    if (!c.value) { if (!c.dataset.cdt) c.dataset.cdt = String(Math.random()).slice(2); return '[data-cdt="' + c.dataset.cdt + '"]'; } }
  return ''; })()`, sel))
		if f == "" {
			return
		}
		b.TypeInto(f, text)
	}
}

// submitForm presses the form's submit button (the one whose text matches button, or the first)
// and waits for the page it leads to.
func (b *tab) submitForm(sel, button string) {
	b.T.Helper()
	b.Wait(sel)
	btn := eval[string](b, fmt.Sprintf(`(() => { const f = document.querySelector(%q);
  const bs = [...f.querySelectorAll('button:not([type=button]):not([type=reset]), input[type=submit]')];
  for (const b of document.querySelectorAll('button[form="' + f.id + '"]')) if (f.id) bs.push(b);
  const re = new RegExp(%q, 'i'); const b = bs.find(b => re.test(b.innerText || b.value)) || bs[0];
  if (!b) return ''; if (!b.dataset.cdt) b.dataset.cdt = String(Math.random()).slice(2); return '[data-cdt="' + b.dataset.cdt + '"]'; })()`, sel, button))
	if btn == "" {
		b.T.Fatalf("%s has no submit button on %s", sel, b.Path())
	}
	b.Click(btn)
}

// open details/disclosures around a form so its fields can be typed into.
func (b *tab) reveal(sel string) {
	b.T.Helper()
	eval[bool](b, fmt.Sprintf(`(() => { const f = document.querySelector(%q); if (!f) return false;
  for (let a = f; a; a = a.parentElement) if (a.tagName === 'DETAILS') a.open = true;
  return true; })()`, sel))
}

// diaryHas fails unless the call's diary holds an entry of kind with exactly text.
func diaryHas(t *testing.T, e *env, call desk.Call, kind desk.EntryKind, text string) {
	t.Helper()
	d, err := e.s.Diary(e.ctx, call.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range d {
		if en.Kind == kind && en.Text == text {
			return
		}
	}
	t.Fatalf("the diary of %s has no %s reading exactly %q: %+v", call.Ref, kind, text, d)
}

// callNow reads a call from the store.
func (e *env) callNow(t *testing.T, ref string) desk.Call {
	t.Helper()
	c, err := e.s.FindCallByRef(e.ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBrowserScenario is issue 3's scenario (item 9), driven through the pages as an analyst
// would: sign in, take an unassigned call, work it, hold it until tomorrow, see it come off hold
// urgent when the hold timer runs, resolve it, then log a call for a student found by student
// number as they type.
func TestBrowserScenario(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	call := e.call("Cannot connect to eduroam in the library", 0)
	b := e.tab(t)

	t.Log("step 1: Ann signs in through the form")
	b.Open("/")
	if !b.Has("form[action='/signin'] #password") {
		t.Fatalf("a signed-out visit to / shows %s, not the sign-in form:\n%s", b.Path(), b.Text("main"))
	}
	b.signIn(e.f.Ann.Username)
	if b.Path() != "/" {
		t.Fatalf("after signing in Ann is at %s, want / (her dashboard)", b.Path())
	}
	b.MustSee("Your desk today", "Your calls at risk or breached", "Your team")
	b.Check("the dashboard", "dashboard-after-signin")
	b.Click(`.dash-queues a[href="/queues/mine"]`)
	if b.Path() != "/queues/mine" {
		t.Fatalf("the dashboard's My calls goes to %s", b.Path())
	}
	b.Shot("queue-after-signin")

	t.Log("step 2: she opens the unassigned queue")
	b.Click(`.queue-list a[href="/queues/unassigned"]`)
	if b.Path() != "/queues/unassigned" {
		t.Fatalf("the Unassigned link leads to %s", b.Path())
	}
	b.Wait(fmt.Sprintf(`a[href="/calls/%s"]`, call.Ref))
	b.Shot("queue-unassigned")

	t.Log("step 3: she opens the call")
	b.Click(fmt.Sprintf(`a[href="/calls/%s"]`, call.Ref))
	if b.Path() != "/calls/"+call.Ref {
		t.Fatalf("the call's link leads to %s", b.Path())
	}
	b.MustSee(call.Ref, call.Summary)

	t.Log("step 4: she assigns it to herself")
	form := callForm(call.Ref, "assign")
	b.reveal(form)
	b.Wait(form)
	for _, f := range []struct{ label, value string }{{`group`, fmt.Sprint(e.f.ServiceDesk.ID)}, {`analyst`, fmt.Sprint(e.f.Ann.ID)}} {
		sel := b.Label(form, f.label)
		if sel == "" || eval[string](b, `document.querySelector('`+sel+`').tagName`) != "SELECT" {
			t.Fatalf("the assign form has no select labelled %q:\n%s", f.label, b.Text(form))
		}
		b.SetField(sel, f.value)
	}
	b.submitForm(form, `\bme\b|myself|assign`)
	if c := e.callNow(t, call.Ref); c.AnalystID != e.f.Ann.ID || c.State != desk.Assigned {
		t.Fatalf("after assigning, the call is %s with analyst %d, want assigned to Ann (%d); page:\n%s", c.State, c.AnalystID, e.f.Ann.ID, b.Text("main"))
	}
	b.MustSee("Ann Archer")

	t.Log("step 5: she accepts it")
	b.submitForm(callForm(call.Ref, "accept"), `accept`)
	if c := e.callNow(t, call.Ref); c.State != desk.Accepted {
		t.Fatalf("after accepting, the call is %s; page:\n%s", c.State, b.Text("main"))
	}

	t.Log("step 6: she adds an internal note and a public update")
	note := "Checked the access point logs: AP-LIB-2 rejects the certificate."
	form = callForm(call.Ref, "note")
	b.Key("i") // the shortcut opens the note form and puts the cursor in it
	if !eval[bool](b, `!!document.activeElement.closest('`+form+`')`) {
		t.Fatalf("the i shortcut did not put the cursor in the note form (focus on %s)", eval[string](b, `document.activeElement.tagName`))
	}
	b.Key(note)
	b.submitForm(form, `note|add|save`)
	b.MustSee(note)
	diaryHas(t, e, call, desk.EntryNote, note)
	update := "We have found the fault and are fixing the library's access point."
	form = callForm(call.Ref, "update")
	b.reveal(form)
	b.TypeInto(form+" textarea", update)
	b.submitForm(form, `update|send|add|save`)
	b.MustSee(update)
	diaryHas(t, e, call, desk.EntryUpdate, update)
	b.Shot("call-worked")

	t.Log("step 7: she puts it on hold until tomorrow")
	form = callForm(call.Ref, "hold")
	b.reveal(form)
	b.Wait(form)
	tomorrow := e.clock.Now().Add(24 * time.Hour)
	field := eval[string](b, fmt.Sprintf(`(() => { const c = document.querySelector(%q).querySelector('input[type=date], input[type=datetime-local], input[name*=until], input[name*=date]');
  if (!c) return ''; if (!c.dataset.cdt) c.dataset.cdt = String(Math.random()).slice(2); return '[data-cdt="' + c.dataset.cdt + '"]|' + c.type; })()`, form))
	if field != "" {
		sel, typ, _ := strings.Cut(field, "|")
		switch typ {
		case "datetime-local":
			b.SetField(sel, tomorrow.Format("2006-01-02T15:04"))
		default:
			b.SetField(sel, tomorrow.Format("2006-01-02"))
		}
	} else if sel := eval[string](b, fmt.Sprintf(`(() => { const c = document.querySelector(%q).querySelector('select');
  if (!c) return ''; const o = [...c.options].find(o => /tomorrow/i.test(o.text)); if (!o) return '';
  if (!c.dataset.cdt) c.dataset.cdt = String(Math.random()).slice(2); return '[data-cdt="' + c.dataset.cdt + '"]|' + o.value; })()`, form)); sel != "" {
		s, v, _ := strings.Cut(sel, "|")
		b.SetField(s, v)
	} else {
		t.Fatalf("the hold form has no date field and no 'tomorrow' choice:\n%s", eval[string](b, `document.querySelector('`+form+`').outerHTML`))
	}
	b.fillRequired(form, "Waiting for the new access point certificate")
	b.submitForm(form, `hold`)
	held := e.callNow(t, call.Ref)
	if held.State != desk.OnHold || held.HoldUntil.Before(e.clock.Now().Add(time.Hour)) || held.HoldUntil.After(e.clock.Now().Add(48*time.Hour)) {
		t.Fatalf("after holding, the call is %s until %v (now %v), want on hold until tomorrow; page:\n%s", held.State, held.HoldUntil, e.clock.Now(), b.Text("main"))
	}

	t.Log("step 8: the clock passes the hold time and the hold timer runs (as serve's job does)")
	e.clock.Set(held.HoldUntil.Add(5 * time.Minute))
	released, err := e.s.ReleaseHolds(e.ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(released) != 1 || released[0] != call.Ref {
		t.Fatalf("ReleaseHolds released %v, want [%s]", released, call.Ref)
	}

	t.Log("step 9: next day she sees it off hold, urgent, in the off-hold queue and on the call page")
	b.Open("/queues/off-hold")
	if b.Has("form[action='/signin'] #password") { // a day later her session has ended: she signs in again
		b.signIn(e.f.Ann.Username)
	}
	if b.Path() != "/queues/off-hold" {
		t.Fatalf("signing in again leads to %s, not back to /queues/off-hold", b.Path())
	}
	row := fmt.Sprintf(`a[href="/calls/%s"]`, call.Ref)
	b.Wait(row)
	if rt := eval[string](b, `document.querySelector('`+row+`').closest('tr').innerText`); !regexp.MustCompile(`(?i)urgent`).MatchString(rt) {
		t.Errorf("the off-hold queue's row does not say urgent: %q", rt)
	}
	b.Shot("queue-off-hold")
	b.Click(row)
	b.MustSee("urgent", "off hold")
	b.Shot("call-off-hold")

	t.Log("step 10: she resolves it")
	form = callForm(call.Ref, "resolve")
	b.reveal(form)
	b.fillRequired(form, "Replaced the access point's certificate; the customer connects again.")
	b.submitForm(form, `resolve`)
	if c := e.callNow(t, call.Ref); c.State != desk.Resolved {
		t.Fatalf("after resolving, the call is %s; page:\n%s", c.State, b.Text("main"))
	}

	t.Log("step 11: she logs a call for a student found by student number as she types")
	logCallForDan(t, e, b)
}

// TestBrowserLogACall is the scenario's step 11 on its own, so it runs while the call page the
// scenario goes through first is still being written: an analyst logs a call for a student found
// by student number in the lookup as she types.
func TestBrowserLogACall(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	logCallForDan(t, e, b)
}

// logCallForDan logs a call through the log-a-call page for Dan, found by his student number.
func logCallForDan(t *testing.T, e *env, b *tab) {
	t.Helper()
	b.Open("/queues/mine")
	b.Click(`header a[href="/calls/new"]`)
	if b.Path() != "/calls/new" {
		t.Fatalf("Log a call leads to %s", b.Path())
	}
	form := `form[method=post][action="/calls/new"]`
	b.Wait(form)
	lookup := b.Label("main", `customer|student|person|who`)
	if lookup == "" {
		t.Fatalf("the log-a-call form has no labelled customer field:\n%s", b.Text("main"))
	}
	b.TypeInto(lookup, e.f.Dan.StudentNumber)
	// The lookup answers as she types: pick Dan from the matches (links, options or buttons first,
	// then whatever list item or label holds his name).
	pick := `(() => { for (const sel of ['main [role=option], main a, main button, main input[type=radio]', 'main label, main li']) {
    for (const el of document.querySelectorAll(sel)) {
      const t = (el.innerText || (el.labels && el.labels[0] && el.labels[0].innerText) || '');
      if (/Dawson/.test(t) && el.offsetParent !== null) { if (!el.dataset.cdt) el.dataset.cdt = String(Math.random()).slice(2); return '[data-cdt="' + el.dataset.cdt + '"]'; } } }
  return ''; })()`
	b.WaitJS("the lookup to offer Dan Dawson for his student number", pick)
	b.Shot("new-call-lookup")
	b.Click(eval[string](b, pick))
	b.WaitJS("Dan to be chosen as the customer", `[...document.querySelectorAll('main input[type=hidden]')].some(i => /customer/.test(i.name) && i.value === '`+fmt.Sprint(e.f.Dan.ID)+`')`)
	summary := "Locked out of Moodle after changing password"
	if s := b.Label(form, `summary|subject|title`); s != "" {
		b.TypeInto(s, summary)
	} else {
		t.Fatalf("the log-a-call form has no labelled summary field")
	}
	if s := b.Labelled(form, "textarea", `description|details`); s != "" {
		b.TypeInto(s, "Changed password yesterday; Moodle says the account is locked.")
	}
	if s := b.Labelled(form, "select", `profile|category|problem`); s != "" && eval[string](b, `document.querySelector('`+s+`').value`) == "" {
		b.SetField(s, fmt.Sprint(e.f.Outlook.ID))
	}
	b.fillRequired(form, "Phoned in")
	b.submitForm(form, `log|save|create`)
	m := regexp.MustCompile(`^/calls/([FR]\d+)`).FindStringSubmatch(b.Path())
	if m == nil {
		t.Fatalf("after logging the call the page is %s:\n%s", b.Path(), b.Text("main"))
	}
	logged := e.callNow(t, m[1])
	if logged.CustomerID != e.f.Dan.ID || logged.Summary != summary {
		t.Fatalf("the logged call is for person %d with summary %q, want Dan (%d) and %q", logged.CustomerID, logged.Summary, e.f.Dan.ID, summary)
	}
	b.MustSee("Dan Dawson", summary)
	b.Shot("call-logged")
}

// TestBrowserConflict is the scenario's last step: two analysts in two browsers edit the same call
// at once; the second to send sees the conflict page, listing the change made meanwhile and keeping
// what they typed.
func TestBrowserConflict(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	call := e.call("Teams meetings drop after five minutes", e.f.ServiceDesk.ID)
	call, err := e.s.UpdateCall(e.ctx, e.f.Admin, call.Ref, call.Version,
		desk.Transition{Action: desk.ActAssign, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Ann.ID})
	if err != nil {
		t.Fatal(err)
	}
	ann, bob := e.tab(t), e.tab(t)
	ann.signIn(e.f.Ann.Username)
	bob.signIn(e.f.Bob.Username)
	ann.Open("/calls/" + call.Ref)
	bob.Open("/calls/" + call.Ref)

	// Bob types a resolution while Ann accepts the call. (A public update is not a change of the
	// call: adding one to a call changed meanwhile is no conflict, so the clash is a resolution.)
	action := "resolve"
	form := callForm(call.Ref, action)
	bob.reveal(form)
	typed := "Updated Teams to the latest version; meetings no longer drop."
	bob.TypeInto(form+" textarea", typed)

	ann.submitForm(callForm(call.Ref, "accept"), `accept`)
	if c := e.callNow(t, call.Ref); c.State != desk.Accepted {
		t.Fatalf("Ann's accept did not take: %s", c.State)
	}

	bob.fillRequired(form, "n/a")
	bob.submitForm(form, action)
	alert := bob.Text("main [role=alert]")
	if !regexp.MustCompile(`(?i)conflict|changed|meanwhile|since you`).MatchString(alert) {
		t.Fatalf("Bob's stale %s did not show the conflict page:\n%s", action, bob.Text("main"))
	}
	if !regexp.MustCompile(`(?i)accept|Ann Archer`).MatchString(alert) {
		t.Errorf("the conflict page does not list Ann's change (her accepting the call):\n%s", alert)
	}
	kept := eval[bool](bob, fmt.Sprintf(`[...document.querySelectorAll('textarea, input')].some(c => c.value === %q) || document.body.innerText.includes(%q)`, typed, typed))
	if !kept {
		t.Errorf("the conflict page lost what Bob typed:\n%s", bob.Text("main"))
	}
	bob.Check("conflict page", "conflict")
	d, err := e.s.Diary(e.ctx, call.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range d {
		if strings.Contains(en.Text, typed) {
			t.Errorf("Bob's stale %s was saved despite the conflict: %+v", action, en)
		}
	}
}

// TestBrowserChecksCatchProblems makes sure the page checks can fail: a page given an unlabelled
// field, an element wider than a phone and a focus indicator taken away must fail each check.
func TestBrowserChecksCatchProblems(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	b := e.tab(t)
	b.Open("/signin")
	if msg := b.AxeFindings(); msg != "" {
		t.Fatalf("the sign-in page fails axe before it is spoiled:%s", msg)
	}
	eval[bool](b, `(() => { const f = document.querySelector('form');
  const i = document.createElement('input'); i.id = 'spoilt'; f.append(i);
  const d = document.createElement('div'); d.textContent = 'too wide'; d.style.width = '900px'; document.querySelector('main').append(d);
  document.querySelector('#password').style.outline = 'none';
  return true; })()`)
	if msg := b.AxeFindings(); !strings.Contains(msg, "label") || !strings.Contains(msg, "#spoilt") {
		t.Errorf("axe did not report the unlabelled field: %q", msg)
	}
	if msg := b.ReflowFindings(375, 1, true, ""); !strings.Contains(msg, "too wide") {
		t.Errorf("the reflow check did not report the 900 px element at 375 px: %q", msg)
	}
	if f := b.FocusFindings(3); len(f) == 0 || !strings.Contains(strings.Join(f, " "), "#password") {
		t.Errorf("the focus check did not report the password field without an outline: %q", f)
	}
	eval[bool](b, `document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/x" onerror="1">'); true`)
	b.WaitJS("the CSP watch to see the inline handler refused", `window.__cd.csp.length > 0`)
}

// TestBrowserQueueRefreshesItself: a call logged elsewhere appears in an open queue, and its count
// changes, without a reload; while the analyst's focus is in the list, the list stays still.
func TestBrowserQueueRefreshesItself(t *testing.T) {
	e := browserEnvWith(t, func(c *console.Console) { c.Refresh = time.Second })
	first := e.call("Printer on level 2 jams on every job", 0)
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/queues/unassigned")
	b.MustSee(first.Ref)
	eval[bool](b, markPage)
	second := e.call("Scanner in the library sends blank pages", 0)
	b.WaitJS("the new call to appear in the queue", `document.querySelector('#queue').textContent.includes('`+second.Ref+`')`)
	b.WaitJS("the unassigned count to become 2", `document.querySelector('#queue-counts a[aria-current="page"] .count').firstChild.textContent.trim() === '2'`)
	if !eval[bool](b, `window.__cdOld === true`) {
		t.Fatal("the page was reloaded; the queue must refresh in place")
	}
	// Focus on a row holds the list still: a third call does not appear until focus leaves.
	b.Key("j")
	third := e.call("Monitor flickers in room 3.12", 0)
	time.Sleep(2500 * time.Millisecond) // two refresh periods
	if eval[bool](b, `document.querySelector('#queue').textContent.includes('`+third.Ref+`')`) {
		t.Fatal("the list refreshed under the analyst's focus")
	}
	eval[bool](b, `document.activeElement.blur(), true`)
	b.WaitJS("the third call to appear once focus left the list", `document.querySelector('#queue').textContent.includes('`+third.Ref+`')`)
}

// TestBrowserSessionEndingMidPageKeepsTheForm: the session ends while an analyst is half-way
// through logging a call; the as-you-type lookup cannot fetch, and the page says so and offers a
// sign-in in a new tab, keeping everything typed.
func TestBrowserSessionEndingMidPageKeepsTheForm(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/calls/new")
	b.TypeInto("#summary", "Cannot reach the VPN from home")
	e.clock.Advance(31 * time.Minute)
	b.TypeInto("#lookup-q", "2023")
	b.WaitJS("the page to say the session ended", `document.querySelector('#live').textContent.includes('session ended')`)
	if p := b.Path(); p != "/calls/new" {
		t.Fatalf("the page went to %s", p)
	}
	if got := eval[string](b, `document.querySelector('#summary').value`); got != "Cannot reach the VPN from home" {
		t.Fatalf("the summary now holds %q", got)
	}
	if !eval[bool](b, `!!document.querySelector('#live a[target=_blank][href^="/signin?next="]')`) {
		t.Fatal("no link to sign in again in a new tab")
	}
	b.Check("session ended mid-page", "session-ended")
}

// TestBrowserShortcutsNeverPressButtons: t goes to "Take it" without taking the call (Enter
// does), and single-key shortcuts can be switched off in the help dialog.
func TestBrowserShortcutsNeverPressButtons(t *testing.T) {
	t.Parallel()
	e := browserEnv(t)
	call := e.call("Projector in LT2 shows no picture", 0)
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/calls/" + call.Ref)
	b.Key("t")
	if got := eval[string](b, `document.activeElement.textContent`); !strings.Contains(got, "Take it") {
		t.Fatalf("t focuses %q, want the Take it button", got)
	}
	if now := e.callNow(t, call.Ref); now.Version != call.Version {
		t.Fatal("the t key changed the call by itself")
	}
	// On a call being worked, the action keys open their form and put the cursor in it.
	work := e.call("Keyboard missing keys", e.f.ServiceDesk.ID)
	if _, err := e.s.UpdateCall(e.ctx, storetest.Actor(e.f.Ann), work.Ref, work.Version, desk.Transition{Action: desk.ActAccept}); err != nil {
		t.Fatal(err)
	}
	b.Open("/calls/" + work.Ref)
	for key, action := range map[string]string{"a": "assign", "u": "update", "i": "note", "h": "hold", "r": "resolve"} {
		eval[bool](b, `document.activeElement.blur(), document.querySelectorAll('details').forEach(d => d.open = false), true`)
		b.Key(key)
		if !eval[bool](b, `!!document.activeElement.closest('`+callForm(work.Ref, action)+`')`) {
			t.Errorf("%s does not put the cursor in the %s form (focus on %s)", key, action, eval[string](b, `document.activeElement.outerHTML.slice(0, 80)`))
		}
	}
	eval[bool](b, `document.activeElement.blur(), true`)
	b.Key("?")
	b.WaitJS("the help dialog", `document.querySelector('#help').open`)
	b.Do("switch single-key shortcuts off", chromedp.Click(chromedp.CSS("#keys-on")))
	b.Key(kb.Escape)
	b.WaitJS("the help dialog to close", `!document.querySelector('#help').open`)
	eval[bool](b, `document.activeElement.blur(), true`)
	b.Key("?")
	time.Sleep(300 * time.Millisecond)
	if eval[bool](b, `document.querySelector('#help').open`) {
		t.Fatal("? still opens the help with single-key shortcuts switched off")
	}
	// The loop above left open the form of whichever key it pressed last (map order is random).
	eval[bool](b, `document.querySelectorAll('details').forEach(d => d.open = false), true`)
	b.Key("i")
	if eval[bool](b, `!!document.querySelector('details[data-key="i"]').open`) {
		t.Fatal("i still opens the note form with single-key shortcuts switched off")
	}
}

// TestBrowserAdminMail: the failed-messages page, checked like every page, and its "Send again".
func TestBrowserAdminMail(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,admin")
	call := e.call("Printer jammed", e.f.ServiceDesk.ID)
	for i, to := range []string{"ddawson@uni.example", "eevans@uni.example"} {
		if err := e.s.EnqueueMail(e.ctx, desk.OutMail{MessageID: fmt.Sprintf("calldesk.b%d@desk.uni.example", i), CallID: call.ID,
			Kind: desk.MailCallLogged, To: to, Subject: "[" + call.Ref + "] We have your request", Text: "Hello"}); err != nil {
			t.Fatal(err)
		}
	}
	out, _ := e.s.OutMail(e.ctx, desk.MailPending, 0, 10)
	if err := e.s.MailNotSent(e.ctx, out[0].ID, "535 5.7.8 Authentication credentials invalid", time.Time{}); err != nil {
		t.Fatal(err)
	}
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/admin/mail")
	b.MustSee("Not sent", "Authentication credentials invalid", "Waiting")
	b.Check("outgoing email", "admin-mail")
	b.Click("form[action='/admin/mail/" + strconv.FormatInt(out[0].ID, 10) + "/retry'] button")
	b.MustSee("will be sent again")
}

// TestBrowserQuarantine: the page of email from unknown senders, checked like every page, and a
// call made of a message.
func TestBrowserQuarantine(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnvWith(t, se, func(c *console.Console) {
		c.Quarantine = &mail.Mailroom{Store: se.S, Intakes: map[string]*mail.Intake{"servicedesk": {Store: se.S, GroupID: se.F.ServiceDesk.ID}}}
	})
	e.grant(se, e.f.Bob, "analyst,support_analyst")
	quarantined(t, e, 1, "dan.home@example.org", "Printer at home", "Dan here, writing from home:\nthe VPN will not connect since Monday")
	quarantined(t, e, 2, "a.very.long.address.of.someone.at.a.partner.college@partner-college.example.ac.uk", "Access to the library", "Hello")
	b := e.tab(t)
	b.signIn(e.f.Bob.Username)
	b.Open("/mail/quarantine")
	b.MustSee("Printer at home", "the VPN will not connect")
	b.Check("email from unknown senders", "quarantine")
	b.TypeInto("#q1-person", e.f.Dan.Username)
	b.Click("form[action='/mail/quarantine/1/release'] button")
	b.MustSee("Printer at home", "Dawson")
}

// TestBrowserAdminImports: the directory imports page, with a held run, checked like every page.
func TestBrowserAdminImports(t *testing.T) {
	t.Parallel()
	e, sch, write := importsEnv(t, storetest.NewEnv(t, "sqlite", start))
	sc, _ := sch.Config.Find("campus")
	write(100)
	sch.Config.Run(e.ctx, e.s, sc, "nightly schedule", false, false)
	write(20)
	sch.Config.Run(e.ctx, e.s, sc, "nightly schedule", false, false)
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/admin/imports")
	b.MustSee("Held", "Confirm and import now")
	b.Check("directory imports", "admin-imports")
}

// TestBrowserWhoHasSeen: the Data Protection Officer's "who has seen" page, checked like every page.
func TestBrowserWhoHasSeen(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,dpo")
	call := e.call("Printer jammed", e.f.ServiceDesk.ID)
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/calls/" + call.Ref)
	b.Open(fmt.Sprintf("/people/%d", e.f.Dan.ID))
	b.Click(fmt.Sprintf("a[href='/people/%d/seen']", e.f.Dan.ID))
	b.MustSee("Who has seen Dan Dawson", "looked at the call "+call.Ref)
	b.Check("who has seen a person's data", "seen")
}

// TestBrowserSubjectRequests: the register and a request's page, checked like every page, with a
// request logged through the form.
func TestBrowserSubjectRequests(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,dpo")
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/dpo/requests")
	b.Check("subject requests (empty)", "requests-empty")
	b.TypeInto("#req-person", e.f.Dan.Username)
	b.SetField("#req-received", "2026-02-27")
	b.TypeInto("#req-details", "Everything you hold about me")
	b.Click("form[action='/dpo/requests'] button[type=submit]")
	b.MustSee("Subject request", "Not proved yet")
	b.Check("a subject request", "request")
	b.Open("/dpo/requests?view=unverified")
	b.MustSee("Dan Dawson")
	b.Check("subject requests", "requests")
}

// TestBrowserErasure: the erasure form, submitted by keyboard with a mistake and then rightly,
// and the erased person's page, checked like every page.
func TestBrowserErasure(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,dpo")
	e.call("Printer jammed", e.f.ServiceDesk.ID)
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open(fmt.Sprintf("/people/%d", e.f.Dan.ID))
	b.Click(fmt.Sprintf("a[href='/people/%d/erase']", e.f.Dan.ID))
	b.MustSee("What erasure will do", "1 call of theirs")
	b.Check("the erasure form", "erase")
	b.SetField("#erase-basis", "contract")
	b.SetField("#erase-ground", "consent_withdrawn")
	b.TypeInto("#erase-decision", "He withdrew consent")
	b.Click("form[action$='/erase'] button[type=submit]")
	b.MustSee("Nothing was erased: please check these", "only where the lawful basis is consent")
	b.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	b.Check("the erasure form with errors", "erase-errors")
	b.SetField("#erase-ground", "no_longer_needed")
	b.Do("focus the confirmation", chromedp.Focus(chromedp.CSS("#erase-confirmed")))
	b.Key(" ") // ticked by keyboard
	b.Click("form[action$='/erase'] button[type=submit]")
	b.MustSee("Erased", "No longer needed for its purpose")
	b.Check("an erased person", "erased")
}

// TestBrowserRetention: the retention schedule page (a rule's form open, a dry run's report, a
// hold listed; an administrator's view without the forms) and the call and person pages with a legal hold placed from the keyboard, each
// checked like every page.
func TestBrowserRetention(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,dpo")
	call := e.call("Printer jammed", e.f.ServiceDesk.ID)
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/admin/retention")
	b.MustSee("Retention schedule", "No sweep has run yet", "Nothing is on legal hold")
	b.Click("form[action='/admin/retention/dry-run'] button")
	b.MustSee("The dry run is done", "dry run by Cat")
	// A rule's form opened from the keyboard: focus its summary and press Enter.
	b.Do("focus a rule's summary", chromedp.Focus(chromedp.CSS("details:has(#rule-closed_calls-months) summary")))
	b.Key("\n")
	b.Wait("#rule-closed_calls-reason")
	b.Check("retention schedule", "retention")
	b.FocusVisible("retention schedule", 30)

	// A legal hold on the call, placed from the keyboard: type the reason, Enter submits.
	b.Open("/calls/" + call.Ref)
	b.TypeInto("#hold-reason", "Grievance 17")
	b.SubmitKey("#hold-reason")
	b.MustSee("On legal hold", "Grievance 17", "Lift the legal hold")
	b.Check("a call on legal hold", "call-legal-hold")
	b.Open(fmt.Sprintf("/people/%d", e.f.Dan.ID))
	b.MustSee("Place a legal hold")
	b.Check("a person with the legal hold form", "person-legal-hold")
	b.Open("/admin/retention")
	b.MustSee("Call "+call.Ref, "Grievance 17")
	b.Check("retention schedule with a hold", "")

	// An administrator sees the schedule without the forms to change it.
	e.grant(se, e.f.Bob, "analyst,admin")
	a := e.tab(t)
	a.signIn(e.f.Bob.Username)
	a.Open("/admin/retention")
	a.MustSee("Retention schedule", "Closed and cancelled calls")
	a.Check("retention schedule for an administrator", "")
}

// TestBrowserAccount: "Your account", reached from the header, with an API token listed and the
// password form refused once (errors beside the fields), checked like every page.
func TestBrowserAccount(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	acct, err := e.s.FindAccountByLogin(e.ctx, e.f.Ann.Username)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CreateToken(e.ctx, e.f.Admin, acct.ID, "laptop sync", "hash-of-a-token", start.Add(90*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/queues/mine")
	b.Click("a[href='/account']")
	b.MustSee("Your account", "Change password", "laptop sync", "Revoke")
	b.Check("your account", "account")
	b.TypeInto("#current", "not my password at all")
	b.TypeInto("#new", "a brand new password")
	b.TypeInto("#repeat", "a different new password")
	b.Click("form[action='/account/password'] button[type=submit]")
	b.MustSee("is not your current password")
	b.Check("your account with a refused change", "account-refused")
}

// TestBrowserMarkAsLeft: an administrator marks a person as left from their page, with a reason;
// the page, with the form and after it, is checked like every page; "Bring back" undoes it.
func TestBrowserMarkAsLeft(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,admin")
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open(fmt.Sprintf("/people/%d", e.f.Dan.ID))
	b.MustSee("Mark as left")
	b.Check("person page for an administrator", "person-admin")
	b.TypeInto("#leave-reason", "contract ended early")
	b.Click(fmt.Sprintf("form[action='/people/%d/leave'] button[type=submit]", e.f.Dan.ID))
	b.MustSee("This person has left")
	b.MustSee("Bring back")
	b.Check("person page of a leaver", "person-left")
	b.TypeInto("#return-reason", "marked by mistake")
	b.Click(fmt.Sprintf("form[action='/people/%d/return'] button[type=submit]", e.f.Dan.ID))
	b.MustSee("Mark as left")
}
