package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// bulkForm is the bulk page's form for calls as they are now (their versions), with the action's
// fields.
func bulkForm(action string, calls []desk.Call, fields url.Values) url.Values {
	f := url.Values{"action": {action}, "from": {"/queues/open"}}
	for _, c := range calls {
		f.Add("ref", c.Ref)
		f.Set("v."+c.Ref, strconv.FormatInt(c.Version, 10))
	}
	for k, v := range fields {
		f[k] = v
	}
	return f
}

// follow GETs the redirect r points to.
func (c *client) follow(r response) response {
	c.e.t.Helper()
	if r.status != http.StatusSeeOther {
		c.e.t.Fatalf("status %d, want a redirect\n%s", r.status, r.body)
	}
	return c.get(r.location)
}

// auditCount is how many audit records of action there are about call ref.
func (e *env) auditCount(ref, action string) int {
	e.t.Helper()
	recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{ObjectType: "call", ObjectID: ref, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Action == action {
			n++
		}
	}
	return n
}

// TestBulkAssignReportsEachCall (issue 16): an analyst ticks calls on a queue and assigns them
// at once. Each call is assigned in its own transaction with its own audit record; a call
// someone else changed since it was ticked, and a special-category call of another group, are
// left as they are and reported by reference, while the others are assigned.
func TestBulkAssignReportsEachCall(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		f := e.f
		a := e.call("Printer jam", 0)
		b := e.call("Monitor flickers", 0)
		changed := e.call("Mouse lost", 0)
		special := e.specialCall()
		ann := e.signIn(f.Ann)
		// The queue page offers a tick per call and the bulk bar, with no JavaScript.
		q := ann.get("/queues/open").must(t, http.StatusOK)
		q.has(t, `<input type="checkbox" name="ref" value="`+a.Ref+`" form="bulk">`, `<form id="bulk"`, `action="/calls/bulk"`,
			`name="page_ref" value="`+b.Ref+`"`, "Select all on this page")
		// The bulk page lists the calls ticked, the special one masked.
		page := ann.get("/calls/bulk?from=%2Fqueues%2Fopen&ref="+a.Ref+"&ref="+b.Ref+"&ref="+changed.Ref+"&ref="+special.Ref).must(t, http.StatusOK)
		page.has(t, a.Ref, "Printer jam", `name="v.`+b.Ref+`" value="`+strconv.FormatInt(b.Version, 10)+`"`, special.Ref).lacks(t, "Okapi")
		// Bob assigns one of them meanwhile.
		e.move(f.Bob, changed, desk.Transition{Action: desk.ActAssign, GroupID: f.ServiceDesk.ID, AnalystID: f.Bob.ID})
		res := ann.follow(ann.post("/calls/bulk", bulkForm("assign", []desk.Call{a, b, changed, special},
			url.Values{"group_id": {strconv.FormatInt(f.ServiceDesk.ID, 10)}, "analyst_id": {strconv.FormatInt(f.Ann.ID, 10)}}))).must(t, http.StatusOK)
		res.has(t, "2 calls done; 2 not changed",
			changed.Ref+"</a>: someone else changed it after you chose it; not changed",
			special.Ref+"</a>: you may not change it",
			a.Ref+"</a>: assigned", b.Ref+"</a>: assigned", `href="/queues/open"`).lacks(t, "Okapi")
		for _, c := range []desk.Call{a, b} {
			now := e.refreshed(c)
			if now.GroupID != f.ServiceDesk.ID || now.AnalystID != f.Ann.ID {
				t.Errorf("%s: group %d analyst %d, want Service Desk and Ann", c.Ref, now.GroupID, now.AnalystID)
			}
			if n := e.auditCount(c.Ref, "call.assign"); n != 1 {
				t.Errorf("%s: %d call.assign audit records, want 1", c.Ref, n)
			}
		}
		if now := e.refreshed(changed); now.AnalystID != f.Bob.ID {
			t.Errorf("the call Bob changed is now Ann's: %+v", now)
		}
		if now := e.refreshed(special); now.GroupID != f.Networks.ID || now.AnalystID != f.Cat.ID || now.Version != special.Version {
			t.Errorf("the special-category call moved: group %d analyst %d", now.GroupID, now.AnalystID)
		}
		if n := e.auditCount(special.Ref, "call.assign"); n != 0 {
			t.Errorf("the special call has %d assign records", n)
		}
	})
}

// TestBulkPriorityAndNote (issue 16): the priority is set on each call (impact and urgency to
// match), a call already at it is reported and left; the same internal note goes into each
// call's diary; a closed call's priority is refused by its state.
func TestBulkPriorityAndNote(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		f := e.f
		a := e.call("Printer jam", f.ServiceDesk.ID)
		b := e.call("Monitor flickers", f.ServiceDesk.ID)
		b = e.move(f.Ann, b, desk.Transition{Action: desk.ActChange, Impact: desk.High, Urgency: desk.High})
		closed := e.call("Old thing", f.ServiceDesk.ID)
		closed = e.move(f.Ann, closed, desk.Transition{Action: desk.ActResolve, Text: "done"})
		closed = e.move(f.Ann, closed, desk.Transition{Action: desk.ActClose})
		ann := e.signIn(f.Ann)
		res := ann.follow(ann.post("/calls/bulk", bulkForm("priority", []desk.Call{a, b, closed}, url.Values{"priority": {"1"}}))).must(t, http.StatusOK)
		res.has(t, a.Ref+"</a>: priority set", b.Ref+"</a>: already at that priority; not changed", closed.Ref+"</a>: its state does not allow this")
		if now := e.refreshed(a); now.Priority != 1 || now.Impact != desk.High || now.Urgency != desk.High {
			t.Errorf("%s: %v %s/%s, want P1", a.Ref, now.Priority, now.Impact, now.Urgency)
		}
		if n := e.auditCount(a.Ref, "call.change"); n != 1 {
			t.Errorf("%d call.change records, want 1", n)
		}
		a = e.refreshed(a)
		res = ann.follow(ann.post("/calls/bulk", bulkForm("note", []desk.Call{a, b}, url.Values{"text": {"Supplier rang back: parts on Tuesday"}}))).must(t, http.StatusOK)
		res.has(t, "2 calls done", a.Ref+"</a>: note added", b.Ref+"</a>: note added")
		for _, c := range []desk.Call{a, b} {
			d := e.diaryTexts(c)
			if last := d[len(d)-1]; !strings.HasPrefix(last, "note/false/") || !strings.HasSuffix(last, "Supplier rang back: parts on Tuesday") {
				t.Errorf("%s: last diary entry %q", c.Ref, last)
			}
		}
	})
}

// TestBulkRefusedFormFollowsTheErrorPattern (issue 16): a bulk post without calls, without the
// action's field or without an action is redrawn with the GOV.UK error summary (links to the
// fields), status 422, and nothing changes. "Select all on this page" ticks every call the
// queue page listed.
func TestBulkRefusedFormFollowsTheErrorPattern(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		f := e.f
		a := e.call("Printer jam", 0)
		b := e.call("Monitor flickers", 0)
		ann := e.signIn(f.Ann)
		all := ann.get("/calls/bulk?all=1&from=%2Fqueues%2Funassigned&page_ref="+a.Ref+"&page_ref="+b.Ref).must(t, http.StatusOK)
		all.has(t, `value="`+a.Ref+`" id="bulk-`+a.Ref+`" checked`, `value="`+b.Ref+`" id="bulk-`+b.Ref+`" checked`, `href="/queues/unassigned"`)
		ann.get("/calls/bulk").must(t, http.StatusUnprocessableEntity).has(t, "error-summary", "Select at least one call")
		for _, tc := range []struct {
			form url.Values
			want []string
		}{
			{bulkForm("assign", nil, url.Values{"group_id": {strconv.FormatInt(f.ServiceDesk.ID, 10)}}), []string{`href="#bulk-calls"`, "Select at least one call"}},
			{bulkForm("assign", []desk.Call{a, b}, nil), []string{`href="#bulk-group-id"`, "Choose the group", `aria-invalid="true" aria-describedby="bulk-group-id-err"`}},
			{bulkForm("assign", []desk.Call{a}, url.Values{"group_id": {strconv.FormatInt(f.Networks.ID, 10)}, "analyst_id": {strconv.FormatInt(f.Ann.ID, 10)}}),
				[]string{`href="#bulk-analyst-id"`, "must be a member of the group"}},
			{bulkForm("priority", []desk.Call{a}, url.Values{"priority": {"7"}}), []string{`href="#bulk-priority"`, "Choose a priority"}},
			{bulkForm("note", []desk.Call{a}, url.Values{"text": {"  "}}), []string{`href="#bulk-text"`, "Enter the note"}},
			{bulkForm("", []desk.Call{a}, nil), []string{"Choose what to do"}},
		} {
			r := ann.post("/calls/bulk", tc.form).must(t, http.StatusUnprocessableEntity)
			r.has(t, append(tc.want, "Nothing was changed", "<title>Error: ")...)
		}
		// A call unticked before a refused post stays on the redrawn page, unticked.
		form := bulkForm("assign", []desk.Call{a}, nil)
		form["listed"] = []string{a.Ref, b.Ref}
		r := ann.post("/calls/bulk", form).must(t, http.StatusUnprocessableEntity)
		r.has(t, `value="`+a.Ref+`" id="bulk-`+a.Ref+`" checked`, `value="`+b.Ref+`" id="bulk-`+b.Ref+`">`)
		// The way back is a queue of this site only.
		ann.get("/calls/bulk?ref="+a.Ref+"&from=%2F%2Fevil.example%2Fqueues%2F").must(t, http.StatusOK).
			has(t, `href="/queues/mine"`).lacks(t, "evil.example")
		// More than a hundred calls at once are refused whole.
		many := bulkForm("note", []desk.Call{a}, url.Values{"text": {"x"}})
		for i := 0; i < 100; i++ {
			many.Add("ref", "F9"+strconv.Itoa(1000000+i))
		}
		ann.post("/calls/bulk", many).must(t, http.StatusUnprocessableEntity).has(t, "at most 100 calls")
		for _, c := range []desk.Call{a, b} {
			if now := e.refreshed(c); now.Version != c.Version {
				t.Errorf("%s changed by a refused bulk post", c.Ref)
			}
			if d := e.diaryTexts(c); len(d) != 0 && strings.HasPrefix(d[len(d)-1], "note/") {
				t.Errorf("%s has a note from a refused bulk post", c.Ref)
			}
		}
	})
}

// TestBulkDoneShowsOnlyReferences: the result page of a bulk action is a GET whose query names
// the calls; a link made by hand cannot put words of its own on it (a fake "reference" telling
// the analyst to phone a number), only call references are listed.
func TestBulkDoneShowsOnlyReferences(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		bad := "PHONE 0800 000 000 TO KEEP YOUR ACCOUNT"
		q := url.Values{"action": {"assign"}, "from": {"/queues/open"}, "r": {bad + ".refused", "F0000001.done", "../admin/people.done"}}
		e.signIn(e.f.Ann).get("/calls/bulk/done?"+q.Encode()).must(t, http.StatusOK).has(t, `href="/calls/F0000001"`).
			lacks(t, "PHONE 0800", "../admin")
	})
}
