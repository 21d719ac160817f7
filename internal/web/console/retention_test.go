package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"calldesk/internal/privacy"
	"calldesk/internal/store/storetest"
)

// TestRetentionPage (issue 7 item 5): the schedule is for the Data Protection Officer and
// administrators; a rule changes only by the DPO (an administrator gets 403), with a reason (re-rendered with the error otherwise); a dry
// run's report is listed; the DPO, and nobody else, places and lifts a legal hold on a call or a
// person, with a reason, and the call and person pages carry a banner meanwhile.
func TestRetentionPage(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		e.grant(se, e.f.Bob, "analyst,admin")
		call := e.call("Printer jammed", e.f.ServiceDesk.ID)
		ann, bob, cat := e.signIn(e.f.Ann), e.signIn(e.f.Bob), e.signIn(e.f.Cat)

		ann.get("/admin/retention").must(t, http.StatusForbidden)
		ann.post("/admin/retention/dry-run", nil).must(t, http.StatusForbidden)
		bob.get("/admin/retention").must(t, http.StatusOK).has(t, "Retention schedule", "Closed and cancelled calls", "72 months", "s default",
			"Directory import reports", "Legal holds since lifted", "Erasure decisions", "the hold was lifted", "limitation period").
			lacks(t, "Lift, because")
		cat.get("/queues/mine").must(t, http.StatusOK).has(t, `href="/admin/retention"`)
		ann.get("/queues/mine").must(t, http.StatusOK).lacks(t, `href="/admin/retention"`)

		// Rules: a reason is required, an action the class cannot take is refused.
		cat.post("/admin/retention/rules/closed_calls", url.Values{"months": {"60"}, "action": {"anonymise"}, "reason": {""}}).
			must(t, http.StatusUnprocessableEntity).has(t, "The reason is required.", `id="rule-closed_calls-reason" name="reason" required value="" aria-invalid="true"`)
		cat.post("/admin/retention/rules/closed_calls", url.Values{"months": {"60"}, "action": {"delete"}, "reason": {"x"}}).
			must(t, http.StatusUnprocessableEntity).has(t, "The action is not possible for this record class.")
		// Changing a rule is the DPO's alone: an administrator sees the schedule without the
		// forms, and could otherwise shorten the audit trail of their own actions.
		bob.get("/admin/retention").must(t, http.StatusOK).lacks(t, "Change the rule for", `action="/admin/retention/rules/`)
		cat.get("/admin/retention").must(t, http.StatusOK).has(t, "Change the rule for", `action="/admin/retention/rules/closed_calls"`)
		bob.post("/admin/retention/rules/audit_records", url.Values{"months": {"1"}, "action": {"delete"}, "reason": {"Tidy up"}}).
			must(t, http.StatusForbidden)
		bob.post("/admin/retention/rules/closed_calls", url.Values{"months": {"60"}, "action": {"anonymise"}, "reason": {"Records schedule 2026"}}).
			must(t, http.StatusForbidden)
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'retention.rule'`); n != 0 {
			t.Errorf("an administrator changed %d rules", n)
		}
		// The audit trail is kept at least a year, whoever asks.
		cat.post("/admin/retention/rules/audit_records", url.Values{"months": {"11"}, "action": {"delete"}, "reason": {"Tidy up"}}).
			must(t, http.StatusUnprocessableEntity).has(t, "at least 12 months for audit records")
		cat.post("/admin/retention/rules/closed_calls", url.Values{"months": {"60"}, "action": {"anonymise"}, "reason": {"Records schedule 2026"}}).
			must(t, http.StatusSeeOther)
		bob.get("/admin/retention?done=rule").must(t, http.StatusOK).has(t, "60 months", "Records schedule 2026", "The rule was changed")
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'retention.rule' AND object_id = 'closed_calls'`); n != 1 {
			t.Errorf("rule change audited %d times", n)
		}

		// A dry run is listed with its report.
		bob.post("/admin/retention/dry-run", nil).must(t, http.StatusSeeOther)
		bob.get("/admin/retention?done=dry-run").must(t, http.StatusOK).has(t, "dry run by Bob", "Closed and cancelled calls (their personal data; statistics stay)</th><td>anonymise", "Nothing was changed")

		// Legal holds: the DPO only, with a reason; banners; listed; lifted with a reason.
		ann.post("/calls/"+call.Ref+"/legal-hold", url.Values{"reason": {"x"}}).must(t, http.StatusForbidden)
		bob.post("/calls/"+call.Ref+"/legal-hold", url.Values{"reason": {"x"}}).must(t, http.StatusForbidden)
		cat.post("/calls/"+call.Ref+"/legal-hold", url.Values{"reason": {""}}).must(t, http.StatusUnprocessableEntity)
		cat.post("/calls/"+call.Ref+"/legal-hold", url.Values{"reason": {"Grievance 17"}}).must(t, http.StatusSeeOther)
		ann.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, `id="legal-hold"`, "Grievance 17").lacks(t, "Place a legal hold")
		cat.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, "Lift the legal hold")
		person := fmt.Sprintf("/people/%d", e.f.Dan.ID)
		cat.get(person).must(t, http.StatusOK).has(t, "Place a legal hold").lacks(t, `id="legal-hold"`)
		cat.post(person+"/legal-hold", url.Values{"reason": {"Tribunal"}}).must(t, http.StatusSeeOther)
		cat.get(person).must(t, http.StatusOK).has(t, `id="legal-hold"`, "Tribunal", "Lift the legal hold")
		ann.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, `id="customer-legal-hold"`)
		cat.get("/admin/retention").must(t, http.StatusOK).has(t, "Call "+call.Ref, "Grievance 17", "Dan", "Tribunal", "Lift, because")

		var hold int64
		if err := se.DB.QueryRow(se.DB.Rebind(`SELECT id FROM legal_holds WHERE call_id = ?`), call.ID).Scan(&hold); err != nil {
			t.Fatal(err)
		}
		lift := fmt.Sprintf("/legal-holds/%d/lift", hold)
		bob.post(lift, url.Values{"reason": {"x"}}).must(t, http.StatusForbidden)
		cat.post(lift, url.Values{"reason": {""}}).must(t, http.StatusUnprocessableEntity)
		cat.post(lift, url.Values{"reason": {"Grievance settled"}, "back": {"/calls/" + call.Ref}}).must(t, http.StatusSeeOther)
		ann.get("/calls/"+call.Ref).must(t, http.StatusOK).lacks(t, `id="legal-hold"`)
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action IN ('legal_hold.place', 'legal_hold.lift')`); n != 3 {
			t.Errorf("%d hold records audited, want 3", n)
		}
		// Its way back is a page of the console, however it is spelt.
		if err := se.DB.QueryRow(`SELECT id FROM legal_holds WHERE call_id IS NULL`).Scan(&hold); err != nil {
			t.Fatal(err)
		}
		r := cat.post(fmt.Sprintf("/legal-holds/%d/lift", hold), url.Values{"reason": {"Tribunal over"}, "back": {`/people/../\evil.example`}}).
			must(t, http.StatusSeeOther)
		if r.location != "/admin/retention" {
			t.Errorf("lifting a hold went back to %q", r.location)
		}
	})
}

// TestAnonymisedCallPage: a call the retention sweep anonymised still shows, without its text
// and its customer's details.
func TestAnonymisedCallPage(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		call := e.call("Printer jammed in the library", e.f.ServiceDesk.ID)
		old := start.AddDate(-7, 0, 0).UnixMicro()
		se.DB.MustExec(t, `UPDATE calls SET state = 'closed', resolved_at = ?, closed_at = ? WHERE id = ?`, old, old, call.ID)
		run, err := privacy.Retention{Store: se.S}.Sweep(e.ctx, storetest.Actor(e.f.Ann), false)
		if err != nil || run.Lines[1].Count != 1 {
			t.Fatalf("sweep: %+v %v", run.Lines, err)
		}
		e.signIn(e.f.Ann).get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, "Anonymised call", "details removed under the retention schedule").
			lacks(t, "Printer jammed", e.f.Dan.Name())
	})
}
