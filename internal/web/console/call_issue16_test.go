package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestCloseAndCancelSayWhatHappens (issue 16, defect 4): the close and cancel forms say, before
// their buttons, what the action does: who is told and how, what the customer sees, and that the
// call cannot be reopened; after it, the notice says it again.
func TestCloseAndCancelSayWhatHappens(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		open := e.call("Duplicate of another call", 0)
		page := c.get("/calls/"+open.Ref).must(t, http.StatusOK)
		page.has(t, `<p class="consequence" id="cancel-what">Cancelling withdraws the call: it leaves the queues and is not worked on. Dan Dawson is not emailed, but sees it cancelled on SupportMe, with your reason. A cancelled call cannot be reopened`,
			`<button type="submit" class="danger" aria-describedby="cancel-what">Cancel the call</button>`).lacks(t, "close-what")
		r := c.post("/calls/"+open.Ref+"/cancel", url.Values{"reason": {"logged twice"}, "version": {fmt.Sprint(formVersion(t, page, open.Ref, "cancel"))}}).must(t, http.StatusSeeOther)
		c.get(r.location).must(t, http.StatusOK).has(t, "The call is cancelled: it has left the queues; the customer was not emailed")

		resolved := e.move(e.f.Ann, e.move(e.f.Ann, e.call("VPN drops", e.f.ServiceDesk.ID), desk.Transition{Action: desk.ActAccept}),
			desk.Transition{Action: desk.ActResolve, Text: "new profile"})
		page = c.get("/calls/"+resolved.Ref).must(t, http.StatusOK)
		page.has(t, `<p class="consequence" id="close-what">Closing ends the call for good. Dan Dawson is emailed that the call is closed, and sees it closed on SupportMe, with your note. A closed call cannot be reopened`,
			`aria-describedby="close-what">Close the call</button>`).lacks(t, "cancel-what")
		r = c.post("/calls/"+resolved.Ref+"/close", url.Values{"version": {fmt.Sprint(formVersion(t, page, resolved.Ref, "close"))}}).must(t, http.StatusSeeOther)
		c.get(r.location).must(t, http.StatusOK).has(t, "The call is closed: the customer is emailed that it is closed (when they have an address)", "It cannot be reopened.")
	})
}

// TestAnalystListFollowsGroup (issue 16, defect 6): on the log-a-call form and the call's assign
// form, the analyst list is the chosen group's members, without JavaScript too ("Show this
// group's analysts" redraws it, keeping what was typed, logging nothing); the server refuses an
// analyst outside the group beside the field.
func TestAnalystListFollowsGroup(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		sd, nw := fmt.Sprint(e.f.ServiceDesk.ID), fmt.Sprint(e.f.Networks.ID)
		opt := func(p desk.Person, groups, extra string) string {
			return fmt.Sprintf(`<option value="%d" data-groups="%s"%s>%s</option>`, p.ID, groups, extra, p.Name())
		}
		c.get("/calls/new").must(t, http.StatusOK).has(t, `<select id="group" name="group_id" data-analysts="analyst">`,
			opt(e.f.Ann, sd, ""), opt(e.f.Cat, nw, ""), `name="step" value="group"`)

		form := url.Values{"customer_id": {fmt.Sprint(e.f.Dan.ID)}, "kind": {"fault"}, "source": {"phone"},
			"summary": {"Projector in LT2 shows no picture"}, "group_id": {sd}, "form_key": {"k-follow-group"}}
		step := url.Values{"step": {"group"}}
		for k, v := range form {
			step[k] = v
		}
		c.post("/calls/new", step).must(t, http.StatusOK).has(t, `value="Projector in LT2 shows no picture"`,
			opt(e.f.Ann, sd, ""), opt(e.f.Bob, sd, ""), opt(e.f.Cat, nw, " hidden disabled")).lacks(t, "The call was not logged")
		if calls, _, _ := e.s.FindCalls(e.ctx, storeFilterFor(e.f.Dan.ID)); len(calls) != 0 {
			t.Fatalf("showing the group's analysts logged %d calls", len(calls))
		}
		bad := url.Values{"analyst_id": {fmt.Sprint(e.f.Cat.ID)}}
		for k, v := range form {
			bad[k] = v
		}
		c.post("/calls/new", bad).must(t, http.StatusUnprocessableEntity).has(t, `<span class="field-error" id="analyst-err">Analyst Cat Carter is not a member of Service Desk</span>`)
		r := c.post("/calls/new", form).must(t, http.StatusSeeOther)
		// Logging shows a confirmation like every other action.
		c.get(r.location).must(t, http.StatusOK).has(t, `<p class="notice" role="status">The call is logged.`)

		// The call page's assign form, without JavaScript.
		call := e.call("Switch port dead", 0)
		page := c.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, `data-analysts="assign-analyst-id"`, opt(e.f.Cat, nw, ""))
		r = c.post("/calls/"+call.Ref+"/assign", url.Values{"step": {"group"}, "group_id": {nw},
			"version": {fmt.Sprint(formVersion(t, page, call.Ref, "assign"))}}).must(t, http.StatusSeeOther)
		if want := "/calls/" + call.Ref + "?assign_group=" + nw + "#assign"; r.location != want {
			t.Fatalf("Show this group's analysts leads to %q, want %q", r.location, want)
		}
		c.get(strings.TrimSuffix(r.location, "#assign")).must(t, http.StatusOK).has(t, `<details class="act" id="assign" data-key="a" open>`,
			`<option value="`+nw+`" selected>Networks</option>`, opt(e.f.Cat, nw, ""), opt(e.f.Ann, sd, " hidden disabled"))
		if got := e.refreshed(call); got.Version != call.Version {
			t.Fatal("showing the group's analysts changed the call")
		}
	})
}

// TestTakeItNotOfferedForMyCall (issue 16, defect 6): "Take it" is not offered for a call
// already assigned to me, in any state; Accept is, where the call awaits it.
func TestTakeItNotOfferedForMyCall(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		mine := e.move(e.f.Ann, e.call("Laptop fan loud", 0), desk.Transition{Action: desk.ActAssign, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Ann.ID})
		c.get("/calls/"+mine.Ref).must(t, http.StatusOK).lacks(t, callAction(mine.Ref, "take")).has(t, callAction(mine.Ref, "accept"))
		bobs := e.move(e.f.Ann, e.call("Monitor flickers", 0), desk.Transition{Action: desk.ActAssign, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Bob.ID})
		c.get("/calls/"+bobs.Ref).must(t, http.StatusOK).has(t, callAction(bobs.Ref, "take"))
		c.get("/calls/"+e.call("Nobody's yet", 0).Ref).must(t, http.StatusOK).has(t, "Take it")
	})
}

// callAction is the action attribute of a call page's form.
func callAction(ref, action string) string { return `action="/calls/` + ref + `/` + action + `"` }

// storeFilterFor is the filter of a customer's calls.
func storeFilterFor(customer int64) store.CallFilter { return store.CallFilter{CustomerID: customer} }

// TestLogCallForCallerNotInRegister (issue 16, defect 6): a caller not in the register is added
// from the log-a-call form with only the fields the call needs, as a person typed in at the
// service desk; refused input is named beside its fields, in the summary, with the part open.
func TestLogCallForCallerNotInRegister(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		c.get("/calls/new").must(t, http.StatusOK).has(t, `<details class="new-caller" id="new-caller">`,
			`<summary>Not in the register? Add the caller</summary>`, `name="caller_first_name"`, `name="caller_email"`).
			lacks(t, `name="caller_username"`, `name="caller_student_number"`, `name="caller_department"`)
		form := url.Values{"kind": {"fault"}, "source": {"face_to_face"}, "summary": {"Guest wifi voucher rejected"},
			"caller_first_name": {"Lina"}, "caller_last_name": {"Haddad"}, "caller_kind": {"visitor"}, "caller_email": {"not an address"}}
		c.post("/calls/new", form).must(t, http.StatusUnprocessableEntity).has(t, `<details class="new-caller" id="new-caller" open>`,
			`<a href="#caller-email">Caller&#39;s email is not a valid email address`, `id="caller-email-err"`, `value="Lina"`).
			lacks(t, "Customer is required")
		form.Set("caller_email", strings.ToUpper(e.f.Dan.Email))
		c.post("/calls/new", form).must(t, http.StatusUnprocessableEntity).has(t, "who is in the register already: find them with the lookup instead")
		form.Set("caller_email", "lina.haddad@visitor.example")
		r := c.post("/calls/new", form).must(t, http.StatusSeeOther)
		call := e.callNow(t, strings.TrimSuffix(strings.TrimPrefix(r.location, "/calls/"), "?done=logged"))
		p, err := e.s.FindPerson(e.ctx, call.CustomerID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name() != "Lina Haddad" || p.Source != desk.FromAnalyst || p.Kind != desk.Visitor || p.Email != "lina.haddad@visitor.example" {
			t.Fatalf("the added caller: %+v", p)
		}
		c.get(r.location).must(t, http.StatusOK).has(t, "The call is logged.", "Lina Haddad")
		c.get(fmt.Sprintf("/people/%d", p.ID)).must(t, http.StatusOK).has(t, "Added by an analyst while logging their call")
	})
}

// TestTextInAnyScript (issue 16, defect 8): free text is drawn with dir="auto", so Arabic inside
// the English page reads right to left; emoji, which neither engine's search index keeps, are
// said to be left out of a search, and the words beside them still find the call.
func TestTextInAnyScript(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		arabic := "الطابعة لا تعمل"
		call := e.call(arabic+" printer 🖨️ jammed", e.f.ServiceDesk.ID)
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), call.Ref, desk.EntryNote, "اتصلت بالعميل"); err != nil {
			t.Fatal(err)
		}
		c.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, `<span class="call-summary" dir="auto">`+arabic,
			`<div class="description" dir="auto">`, `<div class="entry-text" dir="auto">اتصلت بالعميل</div>`,
			`<textarea id="note-text" name="text" rows="4" required dir="auto"`)
		c.get("/queues/groups").must(t, http.StatusOK).has(t, `class="summary-cell" dir="auto">`+arabic)
		r := c.get("/search?q="+url.QueryEscape("🖨️ printer")).must(t, http.StatusOK)
		r.has(t, call.Ref, `<p class="notice" id="search-ignored">Emoji and symbols are not searched`, `<span class="ignored">🖨️</span>`,
			`<span class="hit-summary" dir="auto">`)
		c.get("/search?q="+url.QueryEscape("🖨️")).must(t, http.StatusOK).has(t, "Emoji and symbols are not searched", "No words to search calls for").lacks(t, call.Ref)
		c.get("/search?q=printer").must(t, http.StatusOK).has(t, call.Ref).lacks(t, "search-ignored")
	})
}
