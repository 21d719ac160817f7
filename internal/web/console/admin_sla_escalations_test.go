package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestEscalationPointsAdministered (issue 17 point 4): administrators add, change and delete
// escalation points under /admin/sla, each change with a reason (audited); refused input is
// listed in the error summary and beside each field; analysts may not.
func TestEscalationPointsAdministered(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		f := e.f
		e.grant(se, f.Cat, "analyst,admin")
		admin, ann := e.signIn(f.Cat), e.signIn(f.Ann)
		ann.get("/admin/sla/escalations/new").must(t, http.StatusForbidden)
		ann.post("/admin/sla/escalations", url.Values{"target": {"resolve"}, "percent": {"75"}, "action": {"notify_leads"}, "reason": {"r"}}).must(t, http.StatusForbidden)
		admin.get("/admin/sla").must(t, http.StatusOK).has(t, "Escalation points", "There are no escalation points yet", `href="/admin/sla/escalations/new"`)
		admin.get("/admin/sla/escalations/new").must(t, http.StatusOK).
			has(t, `id="esc-target-resolve" name="target" value="resolve" checked`, `id="esc-percent" name="percent" value="75"`, `id="esc-action-notify_leads" name="action" value="notify_leads" checked`)

		admin.post("/admin/sla/escalations", url.Values{"target": {"fix"}, "percent": {"lots"}, "priority": {"9"}, "action": {"reassign"}}).
			must(t, http.StatusUnprocessableEntity).
			has(t, "error-summary", `href="#esc-target-respond"`, "Clock: must be respond or resolve", `href="#esc-percent"`, "Share of the allowed time: must be a whole number",
				`href="#esc-priority"`, "Calls: must be P1 to P4, or any", `href="#esc-group"`, "Group to reassign to: is required", `href="#esc-reason"`,
				"Reason for the change: is required", `id="esc-percent-err"`, `value="lots"`, `aria-describedby="esc-percent-hint esc-percent-err" aria-invalid="true"`)
		admin.post("/admin/sla/escalations", url.Values{"target": {"resolve"}, "percent": {"1001"}, "action": {"notify_leads"}, "reason": {"r"}}).
			must(t, http.StatusUnprocessableEntity).has(t, "Share of the allowed time: must be a whole number from 1 to 1000")

		admin.follow(admin.post("/admin/sla/escalations", url.Values{"target": {"resolve"}, "percent": {"75"}, "action": {"notify_leads"}, "reason": {"leads hear of late calls"}})).
			has(t, "The escalation point is saved", "<td>Resolve</td>", "75% of the allowed time", "Any priority", "Email the leads of the call&#39;s group")
		nets := strconv.FormatInt(f.Networks.ID, 10)
		admin.follow(admin.post("/admin/sla/escalations", url.Values{"target": {"respond"}, "percent": {"150"}, "priority": {"1"}, "action": {"reassign"},
			"group_id": {nets}, "reason": {"P1s nobody answers go to Networks"}})).
			has(t, "150% of the allowed time", "(past the deadline)", "P1 only", "Reassign the call to Networks")
		admin.get("/admin/sla/escalations/2").must(t, http.StatusOK).
			has(t, `action="/admin/sla/escalations/2"`, `value="150"`, `<option value="1" selected>P1 only</option>`, `value="reassign" checked`, `<option value="`+nets+`" selected>`)
		admin.follow(admin.post("/admin/sla/escalations/1", url.Values{"target": {"resolve"}, "percent": {"90"}, "action": {"notify_managers"}, "reason": {"managers instead"}})).
			has(t, "The escalation point is changed", "90% of the allowed time", "Email the service-level managers").lacks(t, "Email the leads")

		admin.post("/admin/sla/escalations/1/delete", nil).must(t, http.StatusOK).has(t, "Delete the escalation point at 90% of the resolve time used?", `id="delete-reason"`)
		admin.post("/admin/sla/escalations/1/delete", url.Values{"confirm": {"yes"}}).must(t, http.StatusUnprocessableEntity).has(t, "Reason for the change: is required")
		admin.follow(admin.post("/admin/sla/escalations/1/delete", url.Values{"confirm": {"yes"}, "reason": {"not wanted"}})).
			has(t, "The escalation point is deleted").lacks(t, "90% of the allowed time")
		admin.get("/admin/sla/escalations/1").must(t, http.StatusNotFound)
		if got := e.actions("sla_escalation"); got != "sla.escalation.create sla.escalation.create sla.escalation.update sla.escalation.delete" {
			t.Errorf("audit of escalation points: %q", got)
		}
	})
}
