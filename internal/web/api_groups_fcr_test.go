package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
)

// A group's first-line mark through the API (issue 18, the first-contact report): an
// administrator marks a group first line and unmarks it, audited, and the groups list shows the
// mark; an analyst may not; an unknown group is 404. A call assigned through the API from one
// group to another counts as reassigned.
func TestAPIGroupFirstLine(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		admin := e.tokenFor(e.f.Cat, time.Time{}, desk.RoleAnalyst, desk.RoleAdmin)
		sd := e.f.ServiceDesk.ID
		path := fmt.Sprintf("/api/v1/groups/%d/first-line", sd)
		if r := e.req("PUT", path, nil); r.status != http.StatusForbidden {
			t.Errorf("an analyst marks a group: %d %s", r.status, r.body)
		}
		type group struct {
			ID        int64     `json:"id"`
			Name      string    `json:"name"`
			Mailbox   string    `json:"mailbox"`
			CreatedAt time.Time `json:"created_at"`
			FirstLine bool      `json:"first_line"`
		}
		var got group
		e.ok(e.reqAs(admin, "PUT", path, nil), http.StatusOK, &got)
		if got.ID != sd || !got.FirstLine {
			t.Errorf("marked: %+v", got)
		}
		if a := e.audits("group", fmt.Sprint(sd)); len(a) == 0 || a[0].Action != "group.first_line" || !strings.Contains(a[0].Detail, "marked Service Desk a first-line group") {
			t.Errorf("audit: %+v", a)
		}
		var list struct {
			Groups []group `json:"groups"`
		}
		e.ok(e.req("GET", "/api/v1/groups", nil), http.StatusOK, &list)
		for _, g := range list.Groups {
			if g.FirstLine != (g.ID == sd) {
				t.Errorf("the list: %+v", list)
			}
		}
		e.ok(e.reqAs(admin, "DELETE", path, nil), http.StatusOK, &got)
		if got.FirstLine {
			t.Errorf("unmarked: %+v", got)
		}
		e.problem(e.reqAs(admin, "PUT", "/api/v1/groups/9999/first-line", nil), http.StatusNotFound)
		e.problem(e.reqAs(admin, "PUT", "/api/v1/groups/x/first-line", nil), http.StatusNotFound)

		// The API's assign: Service Desk -> Networks is one reassignment.
		call, err := e.s.CreateCall(e.ctx, desk.Actor{PersonID: e.f.Ann.ID, Name: "Ann"}, desk.NewCall{Summary: "Printer jam",
			CustomerID: e.f.Dan.ID, Source: desk.SourcePhone, GroupID: sd})
		if err != nil {
			t.Fatal(err)
		}
		r := e.req("POST", "/api/v1/calls/"+call.Ref+"/assign", fmt.Sprintf(`{"group_id": %d, "version": %d}`, e.f.Networks.ID, call.Version))
		if r.status != http.StatusOK {
			t.Fatalf("assign: %d %s", r.status, r.body)
		}
		if x, err := e.s.FindCallFirstContact(e.ctx, call.Ref); err != nil || x.Reassigned != 1 {
			t.Errorf("after the API's assign: %+v %v", x, err)
		}
	})
}
