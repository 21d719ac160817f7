package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// specialMarks returns the call.special_category audit records of call ref, newest first.
func (e *env) specialMarks(ref string) []desk.AuditRecord {
	e.t.Helper()
	var out []desk.AuditRecord
	for _, r := range e.audited(e.f.Dan, "call.special_category") {
		if r.ObjectID == ref {
			out = append(out, r)
		}
	}
	return out
}

// TestMarkSpecialFromTheCallPage: an analyst marks a call of her group as holding
// special-category data from its page, with a reason: without one the form comes back with the
// error beside the field; with a stale version it comes back as typed with the conflict; sent
// right, the page says so, shows the mark, and the audit trail has the reason. Taking the mark
// off is not offered to her (no support role) and refused if posted.
func TestMarkSpecialFromTheCallPage(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		call := e.call("Needs a quiet room for a panic disorder", e.f.ServiceDesk.ID)
		ann := e.signIn(e.f.Ann)
		page := ann.get("/calls/"+call.Ref).must(t, http.StatusOK).
			has(t, `<summary>Mark as special category`, `name="special" value="true"`).lacks(t, `id="special-category"`)
		v := formVersion(t, page, call.Ref, "special")
		cat := e.signIn(e.f.Cat) // Networks: reads the call while it is plain, not once marked
		cat.get("/queues/open").must(t, http.StatusOK).has(t, "Needs a quiet room for a panic disorder")
		cat.get("/search?q=panic").must(t, http.StatusOK).has(t, call.Ref)

		ann.post("/calls/"+call.Ref+"/special", url.Values{"version": {fmt.Sprint(v)}, "special": {"true"}, "reason": {" "}}).
			must(t, http.StatusUnprocessableEntity).
			has(t, `<details class="act" id="special" open>`, `id="special-reason"`, `aria-invalid="true" aria-describedby="special-reason-err"`,
				`<span class="field-error" id="special-reason-err">Reason is required`, `<a href="#special-reason">Reason is required`)

		// Someone else changes the call meanwhile: the form comes back with the reason as typed.
		e.move(e.f.Bob, call, desk.Transition{Action: desk.ActAssign, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Bob.ID})
		r := ann.post("/calls/"+call.Ref+"/special", url.Values{"version": {fmt.Sprint(v)}, "special": {"true"}, "reason": {"mentions a panic disorder"}}).
			must(t, http.StatusConflict).has(t, "Someone else changed this call", `value="mentions a panic disorder"`)
		if got := e.refreshed(call); got.SpecialCategory || len(e.specialMarks(call.Ref)) != 0 {
			t.Fatalf("a refused mark changed the call: %+v", got)
		}

		ann.post("/calls/"+call.Ref+"/special", url.Values{"version": {fmt.Sprint(formVersion(t, r, call.Ref, "special"))}, "special": {"true"},
			"reason": {"mentions a panic disorder"}}).must(t, http.StatusSeeOther)
		got := e.refreshed(call)
		if !got.SpecialCategory {
			t.Fatalf("the call is not marked: %+v", got)
		}
		recs := e.specialMarks(call.Ref)
		if len(recs) != 1 || recs[0].ActorID != e.f.Ann.ID || !strings.Contains(recs[0].Detail, "marked special category: mentions a panic disorder") {
			t.Fatalf("audit records %+v", recs)
		}
		// The page says so and shows the mark; an analyst without the support role is not offered
		// taking it off.
		done := ann.get("/calls/"+call.Ref+"?done=special").must(t, http.StatusOK)
		done.has(t, `<span class="special" id="special-category">Holds special-category data</span>`,
			"The call is marked as holding special-category data, with your reason in the audit trail")
		done.lacks(t, `action="/calls/`+call.Ref+`/special"`)
		// The queues show the new mark at once: masked to an analyst of another group.
		cat.get("/queues/open").must(t, http.StatusOK).has(t, desk.SpecialMaskedSummary).lacks(t, "panic disorder")
		cat.get("/search?q=panic").must(t, http.StatusOK).lacks(t, call.Ref)

		// Posted anyway, taking the mark off is refused, saying who can.
		ann.post("/calls/"+call.Ref+"/special", url.Values{"version": {fmt.Sprint(got.Version)}, "special": {"false"}, "reason": {"a mistake"}}).
			must(t, http.StatusForbidden).has(t, "only the Data Protection Officer or a support analyst of the call&#39;s group can")
		if now := e.refreshed(call); !now.SpecialCategory || now.Version != got.Version {
			t.Fatalf("the refused unmark changed the call: %+v", now)
		}
	})
}

// TestUnmarkSpecialFromTheCallPage: a special-category call of Networks is masked to Ann (Service
// Desk), who is offered no form and is refused (403, none of its words) when she posts one; Cat,
// a support analyst of Networks, takes the mark off with a reason, and the call is plain again,
// to Ann too.
func TestUnmarkSpecialFromTheCallPage(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		c := e.specialCall()
		ann := e.signIn(e.f.Ann)
		ann.get("/calls/"+c.Ref).must(t, http.StatusOK).has(t, `id="special-category"`).lacks(t, `action="/calls/`+c.Ref+`/special"`, "okapi")
		for _, special := range []string{"false", "true"} {
			ann.post("/calls/"+c.Ref+"/special", url.Values{"version": {fmt.Sprint(c.Version)}, "special": {special}, "reason": {"why not"}}).
				must(t, http.StatusForbidden).has(t, "it holds special-category information you may not read").lacks(t, "okapi", "Okapi")
		}
		// Cat, its analyst without the support role, is not offered the form either.
		cat := e.signIn(e.f.Cat)
		cat.get("/calls/"+c.Ref).must(t, http.StatusOK).has(t, "okapi condition").lacks(t, `action="/calls/`+c.Ref+`/special"`)

		e.grant(se, e.f.Cat, "support_analyst")
		page := cat.get("/calls/"+c.Ref).must(t, http.StatusOK).
			has(t, `<summary>Take off the special-category mark`, `name="special" value="false"`, "Take the mark off")
		cat.post("/calls/"+c.Ref+"/special", url.Values{"version": {fmt.Sprint(formVersion(t, page, c.Ref, "special"))}, "special": {"false"},
			"reason": {"about a keyboard, not a condition"}}).must(t, http.StatusSeeOther)
		cat.get("/calls/"+c.Ref+"?done=special").must(t, http.StatusOK).
			has(t, "The special-category mark is taken off", `<summary>Mark as special category`).lacks(t, `id="special-category"`)
		if got := e.refreshed(c); got.SpecialCategory {
			t.Fatalf("still marked: %+v", got)
		}
		if recs := e.specialMarks(c.Ref); len(recs) != 1 || recs[0].ActorID != e.f.Cat.ID ||
			!strings.Contains(recs[0].Detail, "special-category mark taken off: about a keyboard, not a condition") {
			t.Fatalf("audit records %+v", recs)
		}
		ann.get("/calls/"+c.Ref).must(t, http.StatusOK).has(t, "okapi condition")
	})
}

// TestLogSpecialCallFromTheConsole: the new-call form's box logs the call marked special
// category (masked to analysts outside its group); a form refused for another field comes back
// with the box still ticked; without the box the call is plain.
func TestLogSpecialCallFromTheConsole(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		blank := c.get("/calls/new").must(t, http.StatusOK).
			has(t, `<input type="checkbox" id="special-category" name="special_category" value="true" aria-describedby="special-category-hint">`,
				"This call holds special-category data (health, disability, religion, ...)")
		form := hiddenFields(blank.body)
		form.Set("customer_id", fmt.Sprint(e.f.Dan.ID))
		form.Set("kind", "fault")
		form.Set("source", "phone")
		form.Set("group_id", fmt.Sprint(e.f.ServiceDesk.ID))
		form.Set("special_category", "true")
		form.Set("description", "Needs a screen reader for a visual impairment")
		// No summary: refused, the box kept ticked.
		c.post("/calls/new", form).must(t, http.StatusUnprocessableEntity).
			has(t, `name="special_category" value="true" aria-describedby="special-category-hint" checked>`)
		form.Set("summary", "Screen reader for the library PCs")
		r := c.post("/calls/new", form).must(t, http.StatusSeeOther)
		ref := strings.TrimSuffix(strings.TrimPrefix(r.location, "/calls/"), "?done=logged")
		got, err := e.s.FindCallByRef(e.ctx, ref)
		if err != nil || !got.SpecialCategory {
			t.Fatalf("logged %+v (%v), want it marked special category", got, err)
		}
		c.get(r.location).must(t, http.StatusOK).has(t, `id="special-category">Holds special-category data`)
		e.signIn(e.f.Cat).get("/calls/"+ref).must(t, http.StatusOK).lacks(t, "screen reader", "visual impairment")

		form = hiddenFields(c.get("/calls/new").must(t, http.StatusOK).body)
		form.Set("customer_id", fmt.Sprint(e.f.Dan.ID))
		form.Set("source", "phone")
		form.Set("summary", "Toner for the level 2 printer")
		r = c.post("/calls/new", form).must(t, http.StatusSeeOther)
		ref = strings.TrimSuffix(strings.TrimPrefix(r.location, "/calls/"), "?done=logged")
		if got, err := e.s.FindCallByRef(e.ctx, ref); err != nil || got.SpecialCategory {
			t.Fatalf("logged without the box: %+v (%v), want it plain", got, err)
		}
	})
}
