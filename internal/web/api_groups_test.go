package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
)

// Group leads through the API (issue 17 point 4: the people a notify_leads escalation point
// emails): an administrator makes a member a lead and an ordinary member again, audited; a
// person who is not a member is refused naming person_id; an analyst may not.
func TestAPIGroupLeads(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		admin := e.tokenFor(e.f.Cat, time.Time{}, desk.RoleAnalyst, desk.RoleAdmin)
		path := func(g, p int64) string { return fmt.Sprintf("/api/v1/groups/%d/leads/%d", g, p) }
		sd := e.f.ServiceDesk.ID
		if r := e.req("PUT", path(sd, e.f.Bob.ID), nil); r.status != http.StatusForbidden {
			t.Errorf("an analyst sets a lead: %d %s", r.status, r.body)
		}
		var got struct {
			GroupID int64   `json:"group_id"`
			Leads   []int64 `json:"leads"`
		}
		e.ok(e.reqAs(admin, "PUT", path(sd, e.f.Bob.ID), nil), http.StatusOK, &got)
		if got.GroupID != sd || len(got.Leads) != 1 || got.Leads[0] != e.f.Bob.ID {
			t.Errorf("leads: %+v", got)
		}
		if a := e.audits("group", fmt.Sprint(sd)); len(a) == 0 || a[0].Action != "group.lead" || !strings.Contains(a[0].Detail, "made Bob Baker a lead of Service Desk") {
			t.Errorf("audit: %+v", a)
		}
		p := e.problem(e.reqAs(admin, "PUT", path(sd, e.f.Cat.ID), nil), http.StatusUnprocessableEntity)
		if !strings.Contains(p.Errors["person_id"], "is not a member of Service Desk") {
			t.Errorf("a non-member: %+v", p)
		}
		e.problem(e.reqAs(admin, "PUT", path(9999, e.f.Bob.ID), nil), http.StatusNotFound)
		e.problem(e.reqAs(admin, "PUT", "/api/v1/groups/x/leads/1", nil), http.StatusNotFound)
		e.ok(e.reqAs(admin, "DELETE", path(sd, e.f.Bob.ID), nil), http.StatusOK, &got)
		if got.Leads == nil || len(got.Leads) != 0 {
			t.Errorf("after removing: %+v", got)
		}
	})
}
