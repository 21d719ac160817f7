package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestRestriction (issue 7 item 4): the Data Protection Officer restricts a person's processing
// with a reason: their record and calls take no changes (console, store, directory sync), the
// sweeps leave their calls alone, calldesk sends them no email, and each of their calls carries a
// banner; lifted with a reason, all works again.
func TestRestriction(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		call := e.call("Printer jammed", e.f.ServiceDesk.ID)
		person := fmt.Sprintf("/people/%d", e.f.Dan.ID)
		ann := e.signIn(e.f.Ann)
		ann.post(person+"/restrict", url.Values{"restrict": {"true"}, "reason": {"x"}}).must(t, http.StatusForbidden)

		cat := e.signIn(e.f.Cat)
		cat.post(person+"/restrict", url.Values{"restrict": {"true"}, "reason": {""}}).must(t, http.StatusUnprocessableEntity)
		cat.post(person+"/restrict", url.Values{"restrict": {"true"}, "reason": {"Dan contests the accuracy of his record (article 18(1)(a))"}}).
			must(t, http.StatusSeeOther)
		cat.get(person).must(t, http.StatusOK).has(t, "Processing restricted", "contests the accuracy", "Lift the restriction")
		ann.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, `id="restricted"`, "This call is frozen")

		// Frozen: a note, a change of state, a change of his record, a directory sync.
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), call.Ref, desk.EntryNote, "try"); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("a note on a frozen call: %v", err)
		}
		if _, err := e.s.UpdateCall(e.ctx, storetest.Actor(e.f.Ann), call.Ref, call.Version, desk.Transition{Action: desk.ActAccept}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("a change of a frozen call: %v", err)
		}
		dan, _ := e.s.FindPerson(e.ctx, e.f.Dan.ID)
		dan.Phone = "000"
		if _, err := e.s.UpdatePerson(e.ctx, e.f.Admin, dan); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("a change of a frozen record: %v", err)
		}
		// No email to him: the event of his call's creation is notified to nobody.
		tpl, _ := mail.LoadTemplates("")
		n := &mail.Notifier{Store: e.s, Templates: tpl, Domain: "desk.uni.example", PortalURL: "https://d", ConsoleURL: "https://d", Now: se.Clock.Now}
		if _, err := n.Run(e.ctx); err != nil {
			t.Fatal(err)
		}
		out, _ := e.s.OutMail(e.ctx, desk.MailPending, call.ID, 10)
		for _, m := range out {
			if m.To == e.f.Dan.Email {
				t.Fatalf("a message to a restricted person: %s", m.Subject)
			}
		}
		// The auto-close sweep leaves his calls alone.
		se.DB.MustExec(t, `UPDATE calls SET state = 'resolved', resolved_at = ? WHERE id = ?`, start.Add(-30*24*time.Hour).UnixMicro(), call.ID)
		if refs, err := e.s.AutoClose(e.ctx, 5*24*time.Hour, 100); err != nil || len(refs) != 0 {
			t.Fatalf("auto-close of a frozen call: %v %v", refs, err)
		}
		// Lifted: all works again.
		cat.post(person+"/restrict", url.Values{"restrict": {"false"}, "reason": {"record corrected and confirmed with Dan"}}).must(t, http.StatusSeeOther)
		cat.get(person).must(t, http.StatusOK).lacks(t, "Processing restricted")
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), call.Ref, desk.EntryNote, "now it works"); err != nil {
			t.Fatalf("a note after the restriction is lifted: %v", err)
		}
		recs, _, _ := e.s.FindAudit(e.ctx, store.AuditFilter{PersonID: e.f.Dan.ID, Limit: 200})
		var seen []string
		for _, r := range recs {
			if r.Action == "person.restrict" || r.Action == "person.unrestrict" {
				seen = append(seen, r.Action)
			}
		}
		if len(seen) != 2 {
			t.Fatalf("restriction audit records: %v", seen)
		}
	})
}

// TestNoNewCallForRestrictedPerson (issue 13 point 3): the Log a call form refuses a customer
// whose processing is restricted, saying why beside the customer, with what was typed kept.
func TestNoNewCallForRestrictedPerson(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		if err := e.s.Restrict(e.ctx, e.f.Admin, e.f.Dan.ID, true, "Dan contests his record"); err != nil {
			t.Fatal(err)
		}
		c := e.signIn(e.f.Ann)
		form := url.Values{"customer_id": {fmt.Sprint(e.f.Dan.ID)}, "kind": {"fault"}, "source": {"phone"},
			"summary": {"Lecture capture failed in LT3"}, "description": {"Since the update on Monday"}}
		c.post("/calls/new", form).must(t, http.StatusUnprocessableEntity).
			has(t, "processing is restricted", "the Data Protection Officer must lift the restriction",
				`value="Lecture capture failed in LT3"`, "Since the update on Monday", `href="#lookup-q"`)
		if _, n, err := e.s.FindCalls(e.ctx, store.CallFilter{CustomerID: e.f.Dan.ID}); err != nil || n != 0 {
			t.Fatalf("%d calls for Dan (%v)", n, err)
		}
	})
}
