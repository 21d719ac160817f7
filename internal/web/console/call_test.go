package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// refreshed returns the call as the store has it now.
func (e *env) refreshed(c desk.Call) desk.Call {
	e.t.Helper()
	got, err := e.s.FindCallByRef(e.ctx, c.Ref)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// move applies a transition as p, failing the test on error.
func (e *env) move(p desk.Person, c desk.Call, tr desk.Transition) desk.Call {
	e.t.Helper()
	got, err := e.s.UpdateCall(e.ctx, storetest.Actor(p), c.Ref, 0, tr)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// diaryTexts is the call's whole diary, oldest first.
func (e *env) diaryTexts(c desk.Call) []string {
	e.t.Helper()
	d, err := e.s.Diary(e.ctx, c.ID, true)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(d))
	for i, x := range d {
		out[i] = fmt.Sprintf("%s/%v/%s: %s", x.Kind, x.Public, x.Author, x.Text)
	}
	return out
}

// formVersion is the version carried by the call page's form for action.
func formVersion(t *testing.T, r response, ref, action string) int64 {
	t.Helper()
	m := regexp.MustCompile(`action="/calls/` + ref + `/` + action + `">` + `<input type="hidden" name="version" value="(\d+)">`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("the page has no %s form\n%s", action, r.body)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func TestCallPage(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		ann := storetest.Actor(e.f.Ann)
		call, err := e.s.CreateCall(e.ctx, ann, desk.NewCall{Summary: "Outlook asks for a password <again>",
			Description: "Since Monday.\nEvery ten minutes.", CustomerID: e.f.Dan.ID, Source: desk.SourcePhone,
			ProfileID: e.f.Outlook.ID, AltEmail: "dan.home@example.org", AltPhone: "+44 7700 900123"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AddEntry(e.ctx, ann, call.Ref, desk.EntryNote, "Customer sounds cross; check the MFA logs"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AddEntry(e.ctx, ann, call.Ref, desk.EntryUpdate, "We are looking into it"); err != nil {
			t.Fatal(err)
		}
		c := e.signIn(e.f.Bob)
		r := c.get("/calls/"+strings.ToLower(call.Ref)).must(t, http.StatusOK)
		r.has(t, "<title>"+call.Ref+": Outlook asks for a password &lt;again&gt; · calldesk</title>",
			`<span class="cond cond-unassigned">Unassigned</span>`, "Since Monday.\nEvery ten minutes.",
			fmt.Sprintf(`<a href="/people/%d" dir="auto">%s</a>`, e.f.Dan.ID, e.f.Dan.Name()), e.f.Dan.Username,
			"dan.home@example.org", "7700 900123", "Contact for this call", "<dd>phone</dd>",
			"Software &gt; Email &gt; Outlook", "(impact ", "<dt>Logged</dt>",
			// the diary: internal notes shown, and marked; public updates marked too.
			`<span class="vis vis-internal">Internal: analysts only</span>`, "Customer sounds cross; check the MFA logs",
			`<span class="vis vis-public">Public</span>`, "We are looking into it", `<span class="author">Ann Archer</span>`,
			// the forms an unassigned call allows, with their keys
			`data-key="a"`, `data-key="t"`, `data-key="u"`, `data-key="i"`, `action="/calls/`+call.Ref+`/cancel"`,
			`action="/calls/`+call.Ref+`/change"`)
		// Unassigned: nothing to hold, resolve, close or reopen yet.
		r.lacks(t, `data-key="h"`, `data-key="r"`, "/close", "/reopen")
		if i, j := strings.Index(r.body, "We are looking into it"), strings.Index(r.body, "Customer sounds cross"); i > j {
			t.Errorf("the diary is not newest first")
		}

		// The view is a read of Dan's data, audited.
		recs := e.audited(e.f.Dan, "call.view")
		if len(recs) != 1 || recs[0].ActorID != e.f.Bob.ID || recs[0].ObjectType != "call" || recs[0].ObjectID != call.Ref {
			t.Fatalf("call view audited as %+v", recs)
		}

		// Unknown and malformed references: a clear 404.
		c.get("/calls/F9999999").must(t, http.StatusNotFound).has(t, "there is no call F9999999")
		c.get("/calls/nonsense").must(t, http.StatusNotFound).has(t, "is not a call reference")
		c.post("/calls/F9999999/note", url.Values{"version": {"1"}, "text": {"hello"}}).must(t, http.StatusNotFound)
		if n := len(e.audited(e.f.Dan, "call.view")); n != 1 {
			t.Errorf("%d call views audited, want 1", n)
		}
	})
}

// TestCallActions: each action's form changes the call, writes the diary, and redirects back to
// the call page (Post/Redirect/Get), which says what was done.
func TestCallActions(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		accepted := func(summary string) desk.Call {
			return e.move(e.f.Ann, e.call(summary, e.f.ServiceDesk.ID), desk.Transition{Action: desk.ActAccept})
		}
		resolved := func(summary string) desk.Call {
			return e.move(e.f.Ann, accepted(summary), desk.Transition{Action: desk.ActResolve, Text: "reset the password"})
		}
		tomorrow := start.Add(25*time.Hour + 30*time.Minute)
		for _, tc := range []struct {
			action string
			call   func() desk.Call
			form   url.Values
			check  func(t *testing.T, c desk.Call)
			diary  string
		}{
			{"assign", func() desk.Call { return e.call("printer", 0) },
				url.Values{"group_id": {fmt.Sprint(e.f.ServiceDesk.ID)}, "analyst_id": {fmt.Sprint(e.f.Bob.ID)}},
				func(t *testing.T, c desk.Call) {
					if c.State != desk.Assigned || c.GroupID != e.f.ServiceDesk.ID || c.AnalystID != e.f.Bob.ID {
						t.Errorf("assigned: %s, group %d, analyst %d", c.State, c.GroupID, c.AnalystID)
					}
				}, "assignment/true/Ann Archer: assigned to Service Desk / Bob Baker"},
			{"take", func() desk.Call { return e.call("switch", e.f.Networks.ID) }, url.Values{},
				func(t *testing.T, c desk.Call) {
					// Ann is not in Networks: the call comes to her first group.
					if c.State != desk.Accepted || c.GroupID != e.f.ServiceDesk.ID || c.AnalystID != e.f.Ann.ID {
						t.Errorf("taken: %s, group %d, analyst %d", c.State, c.GroupID, c.AnalystID)
					}
				}, "status/true/Ann Archer: accepted"},
			{"accept", func() desk.Call { return e.call("laptop", e.f.ServiceDesk.ID) }, url.Values{},
				func(t *testing.T, c desk.Call) {
					if c.State != desk.Accepted || c.AnalystID != e.f.Ann.ID {
						t.Errorf("accepted: %s, analyst %d", c.State, c.AnalystID)
					}
				}, "status/true/Ann Archer: accepted"},
			{"update", func() desk.Call { return accepted("monitor") }, url.Values{"text": {"A new cable is on its way"}},
				func(t *testing.T, c desk.Call) {}, "update/true/Ann Archer: A new cable is on its way"},
			{"note", func() desk.Call { return accepted("keyboard") }, url.Values{"text": {"Third time this term"}},
				func(t *testing.T, c desk.Call) {}, "note/false/Ann Archer: Third time this term"},
			{"hold", func() desk.Call { return accepted("projector") },
				url.Values{"until": {tomorrow.Format("2006-01-02T15:04")}, "reason": {"waiting for the bulb"}},
				func(t *testing.T, c desk.Call) {
					if c.State != desk.OnHold || !c.HoldUntil.Equal(tomorrow) || c.HoldReason != "waiting for the bulb" {
						t.Errorf("held: %s until %s (%q)", c.State, c.HoldUntil, c.HoldReason)
					}
				}, "status/true/Ann Archer: on hold until 2026-03-03T10:30:00Z: waiting for the bulb"},
			{"resolve", func() desk.Call { return accepted("mouse") }, url.Values{"resolution": {"Replaced the battery"}},
				func(t *testing.T, c desk.Call) {
					if c.State != desk.Resolved || c.Resolution != "Replaced the battery" {
						t.Errorf("resolved: %s (%q)", c.State, c.Resolution)
					}
				}, "status/true/Ann Archer: resolved: Replaced the battery"},
			{"close", func() desk.Call { return resolved("vpn") }, url.Values{"reason": {"customer confirmed"}},
				func(t *testing.T, c desk.Call) {
					if c.State != desk.Closed {
						t.Errorf("closed: %s", c.State)
					}
				}, "status/true/Ann Archer: closed: customer confirmed"},
			{"reopen", func() desk.Call { return resolved("wifi") }, url.Values{"reason": {"it broke again"}},
				func(t *testing.T, c desk.Call) {
					if c.State != desk.Accepted || !c.ResolvedAt.IsZero() {
						t.Errorf("reopened: %s, resolved at %s", c.State, c.ResolvedAt)
					}
				}, "status/true/Ann Archer: reopened: it broke again"},
			{"cancel", func() desk.Call { return e.call("duplicate", 0) }, url.Values{"reason": {"logged twice"}},
				func(t *testing.T, c desk.Call) {
					if c.State != desk.Cancelled || c.CancelNote != "logged twice" {
						t.Errorf("cancelled: %s (%q)", c.State, c.CancelNote)
					}
				}, "status/true/Ann Archer: cancelled: logged twice"},
			{"change", func() desk.Call { return accepted("exam system") },
				url.Values{"profile_id": {fmt.Sprint(e.f.Wifi.ID)}, "impact": {"high"}, "urgency": {"high"}},
				func(t *testing.T, c desk.Call) {
					if c.Priority != 1 || c.ProfileID != e.f.Wifi.ID {
						t.Errorf("changed: priority %s, profile %d", c.Priority, c.ProfileID)
					}
				}, "status/true/Ann Archer: profile changed; urgency medium -> high; priority P2 -> P1"},
		} {
			t.Run(tc.action, func(t *testing.T) {
				call := tc.call()
				c := e.signIn(e.f.Ann)
				page := c.get("/calls/"+call.Ref).must(t, http.StatusOK)
				tc.form.Set("version", fmt.Sprint(formVersion(t, page, call.Ref, tc.action)))
				r := c.post("/calls/"+call.Ref+"/"+tc.action, tc.form).must(t, http.StatusSeeOther)
				if want := "/calls/" + call.Ref + "?done=" + tc.action; r.location != want {
					t.Fatalf("redirected to %q, want %q", r.location, want)
				}
				c.get(r.location).must(t, http.StatusOK).has(t, `<p class="notice" role="status">`)
				tc.check(t, e.refreshed(call))
				d := e.diaryTexts(call)
				if d[len(d)-1] != tc.diary {
					t.Errorf("the diary ends %q, want %q", d[len(d)-1], tc.diary)
				}
			})
		}
	})
}

// TestCallFormErrors: a refused form comes back with each error beside its field, what was typed
// kept, and nothing changed.
func TestCallFormErrors(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		call := e.move(e.f.Ann, e.call("printer", e.f.ServiceDesk.ID), desk.Transition{Action: desk.ActAccept})
		c := e.signIn(e.f.Ann)
		before := e.diaryTexts(call)
		r := c.post("/calls/"+call.Ref+"/hold", url.Values{"version": {fmt.Sprint(call.Version)},
			"until": {"2026-03-01T08:00"}, "reason": {"  "}}).must(t, http.StatusUnprocessableEntity)
		r.has(t, `<details class="act" data-key="h" open>`,
			`value="2026-03-01T08:00"`,
			`aria-describedby="hold-until-hint hold-until-err" aria-invalid="true"`,
			`<span class="field-error" id="hold-until-err">Hold until must be in the future (it is now Mon 2 Mar 2026 09:00 UTC)</span>`,
			`id="hold-reason" name="reason" value="  " maxlength="1000" required autocomplete="off" dir="auto" aria-invalid="true" aria-describedby="hold-reason-err"`,
			`<span class="field-error" id="hold-reason-err">Reason is required</span>`,
			`<a href="#hold-until">Hold until must be in the future`, "Cannot put the call on hold.")
		c.post("/calls/"+call.Ref+"/hold", url.Values{"version": {fmt.Sprint(call.Version)},
			"until": {"tomorrow"}, "reason": {"parts"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "Hold until is not a date and time", `value="tomorrow"`, `value="parts"`)
		c.post("/calls/"+call.Ref+"/resolve", url.Values{"version": {fmt.Sprint(call.Version)}, "resolution": {""}}).
			must(t, http.StatusUnprocessableEntity).
			has(t, `<textarea id="resolve-resolution" name="resolution" rows="4" required dir="auto" aria-invalid="true" aria-describedby="resolve-resolution-err">`,
				`<span class="field-error" id="resolve-resolution-err">Resolution is required</span>`)
		// Cat is not in Service Desk: the store says so beside the analyst.
		c.post("/calls/"+call.Ref+"/assign", url.Values{"version": {fmt.Sprint(call.Version)},
			"group_id": {fmt.Sprint(e.f.ServiceDesk.ID)}, "analyst_id": {fmt.Sprint(e.f.Cat.ID)}}).
			must(t, http.StatusUnprocessableEntity).
			has(t, `<span class="field-error" id="assign-analyst-id-err">Analyst Cat `, fmt.Sprintf(`<option value="%d" data-groups="%d" selected>Cat`, e.f.Cat.ID, e.f.Networks.ID))
		c.post("/calls/"+call.Ref+"/note", url.Values{"text": {"no version"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "did not say which version", ">no version</textarea>")
		if got := e.refreshed(call); got.State != desk.Accepted || got.Version != call.Version {
			t.Errorf("refused forms changed the call: %s, version %d", got.State, got.Version)
		}
		if after := e.diaryTexts(call); len(after) != len(before) {
			t.Errorf("refused forms wrote the diary: %q", after[len(before):])
		}
	})
}

// TestCallConflict: two analysts open the same call; the second to send sees what the first
// changed, keeps what they typed, and can send it again.
func TestCallConflict(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		call := e.call("Lecture capture failed in LT2", e.f.ServiceDesk.ID)
		ann, bob := e.signIn(e.f.Ann), e.signIn(e.f.Bob)
		annPage := ann.get("/calls/"+call.Ref).must(t, http.StatusOK)
		bobPage := bob.get("/calls/"+call.Ref).must(t, http.StatusOK)

		e.clock.Advance(3 * time.Minute)
		bob.post("/calls/"+call.Ref+"/take", url.Values{"version": {fmt.Sprint(formVersion(t, bobPage, call.Ref, "take"))}}).
			must(t, http.StatusSeeOther)
		afterBob := e.refreshed(call)
		diary := e.diaryTexts(call)

		e.clock.Advance(time.Minute)
		until := start.Add(48 * time.Hour).Format("2006-01-02T15:04")
		r := ann.post("/calls/"+call.Ref+"/hold", url.Values{"version": {fmt.Sprint(formVersion(t, annPage, call.Ref, "hold"))},
			"until": {until}, "reason": {"waiting for AV services"}}).must(t, http.StatusConflict)
		r.has(t, "Someone else changed this call", "nothing you sent was saved",
			"<li>accepted by Bob Baker at Mon 2 Mar 2026 09:03 UTC</li>",
			`<details class="act" data-key="h" open>`, `value="`+until+`"`, `value="waiting for AV services"`,
			`<span class="cond cond-pending">In progress</span>`)
		if v := formVersion(t, r, call.Ref, "hold"); v != afterBob.Version {
			t.Errorf("the re-drawn hold form carries version %d, want the current %d", v, afterBob.Version)
		}
		if got := e.refreshed(call); got.Version != afterBob.Version || got.State != desk.Accepted {
			t.Errorf("the stale hold changed the call: %s, version %d", got.State, got.Version)
		}
		if after := e.diaryTexts(call); len(after) != len(diary) {
			t.Errorf("the stale hold wrote the diary: %q", after[len(diary):])
		}

		// Sending the kept form again applies it to the call as it is now.
		ann.post("/calls/"+call.Ref+"/hold", url.Values{"version": {fmt.Sprint(formVersion(t, r, call.Ref, "hold"))},
			"until": {until}, "reason": {"waiting for AV services"}}).must(t, http.StatusSeeOther)
		if got := e.refreshed(call); got.State != desk.OnHold || got.HoldReason != "waiting for AV services" {
			t.Errorf("the resent hold: %s (%q)", got.State, got.HoldReason)
		}

		// When the change means the form is no longer offered, what was typed is still shown.
		stale := ann.get("/calls/"+call.Ref).must(t, http.StatusOK)
		e.move(e.f.Bob, call, desk.Transition{Action: desk.ActAssign, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Bob.ID})
		e.move(e.f.Bob, call, desk.Transition{Action: desk.ActAccept})
		e.move(e.f.Bob, call, desk.Transition{Action: desk.ActResolve, Text: "rebooted the encoder"})
		ann.post("/calls/"+call.Ref+"/cancel", url.Values{"version": {fmt.Sprint(formVersion(t, stale, call.Ref, "cancel"))},
			"reason": {"duplicate of another call"}}).must(t, http.StatusConflict).
			has(t, "resolved: rebooted the encoder by Bob Baker", "the form is gone", `<dd dir="auto">duplicate of another call</dd>`).
			lacks(t, "/cancel\"")
	})
}

// TestCallActionForbiddenInState: an action the call's state does not allow is refused with the
// reason, and changes nothing; its form is not offered.
func TestCallActionForbiddenInState(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		call := e.move(e.f.Ann, e.call("scanner", e.f.ServiceDesk.ID), desk.Transition{Action: desk.ActAccept})
		call = e.move(e.f.Ann, call, desk.Transition{Action: desk.ActResolve, Text: "cleaned the glass"})
		c := e.signIn(e.f.Ann)
		page := c.get("/calls/"+call.Ref).must(t, http.StatusOK)
		page.has(t, "/reopen", "/close", `data-key="i"`, `data-key="u"`).lacks(t, `data-key="h"`, `data-key="r"`, `data-key="a"`, `data-key="t"`)
		before := e.diaryTexts(call)
		for action, form := range map[string]url.Values{
			"hold":    {"until": {"2026-03-05T09:00"}, "reason": {"parts"}},
			"resolve": {"resolution": {"again"}},
			"take":    {},
		} {
			form.Set("version", fmt.Sprint(call.Version))
			c.post("/calls/"+call.Ref+"/"+action, form).must(t, http.StatusConflict).
				has(t, "it is resolved", "Nothing was changed.")
		}
		closed := e.move(e.f.Ann, call, desk.Transition{Action: desk.ActClose})
		c.post("/calls/"+call.Ref+"/update", url.Values{"version": {fmt.Sprint(closed.Version)}, "text": {"hello?"}}).
			must(t, http.StatusConflict).has(t, "Cannot add a public update", "it is closed", "hello?")
		if got := e.refreshed(call); got.State != desk.Closed {
			t.Errorf("state %s, want closed", got.State)
		}
		if after := e.diaryTexts(call); len(after) != len(before)+1 {
			t.Errorf("refused actions wrote the diary: %q", after[len(before):])
		}
	})
}

// TestTimesInTheDesksZone: a UK desk in summer shows and reads times in BST: a hold typed as
// 09:00 is 08:00 UTC, and the page says 09:00 BST. Typed in winter for the nights the clocks
// change (issue 16): 01:30 on 28 March 2027 does not exist, so it is refused saying why; 01:30 on
// 31 October 2027 happens twice, and is read as the first, shown as 01:30 BST.
func TestTimesInTheDesksZone(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	storetest.EachEnv(t, time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(c *console.Console) { c.Zone = london })
		call := e.call("Laptop repair", e.f.ServiceDesk.ID)
		c := e.signIn(e.f.Ann)
		c.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, "Wed 1 Jul 2026 13:00 BST", "(the desk's time, Europe/London)")
		c.post("/calls/"+call.Ref+"/hold", url.Values{"version": {fmt.Sprint(call.Version)}, "until": {"2026-07-02T09:00"},
			"reason": {"waiting for a part"}}).must(t, http.StatusSeeOther)
		held, err := e.s.FindCallByRef(e.ctx, call.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 7, 2, 8, 0, 0, 0, time.UTC); !held.HoldUntil.Equal(want) {
			t.Fatalf("hold until %s, want %s (09:00 BST)", held.HoldUntil, want)
		}
		c.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, "until Thu 2 Jul 2026 09:00 BST")
	})
	storetest.EachEnv(t, time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(c *console.Console) { c.Zone = london })
		call := e.call("Laptop repair", e.f.ServiceDesk.ID)
		c := e.signIn(e.f.Ann)
		c.post("/calls/"+call.Ref+"/hold", url.Values{"version": {fmt.Sprint(call.Version)}, "until": {"2027-03-28T01:30"},
			"reason": {"waiting for a part"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "is not a time on the desk&#39;s clock (Europe/London): the clocks go forward then and skip it")
		c.post("/calls/"+call.Ref+"/hold", url.Values{"version": {fmt.Sprint(call.Version)}, "until": {"2027-10-31T01:30"},
			"reason": {"waiting for a part"}}).must(t, http.StatusSeeOther)
		held, err := e.s.FindCallByRef(e.ctx, call.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC); !held.HoldUntil.Equal(want) {
			t.Fatalf("hold until %s, want %s (the first 01:30, BST)", held.HoldUntil, want)
		}
		c.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, "until Sun 31 Oct 2027 01:30 BST: waiting for a part",
			"on hold until Sun 31 Oct 2027 01:30 BST: waiting for a part", "Mon 1 Mar 2027 12:00 GMT")
	})
}
