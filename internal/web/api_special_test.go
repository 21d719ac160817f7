package web_test

import (
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
)

// specialAudits returns the call.special_category records of call ref, newest first.
func (e *env) specialAudits(ref string) []desk.AuditRecord {
	e.t.Helper()
	var out []desk.AuditRecord
	for _, r := range e.audits("call", ref) {
		if r.Action == "call.special_category" {
			out = append(out, r)
		}
	}
	return out
}

// TestMarkSpecialCategoryThroughTheAPI: any analyst who may read a call marks it special category
// with a reason (audited), and is then shown it masked when it is not their group's; they cannot
// take the mark off (they see the call masked: 403). A support analyst of the call's group takes
// it off; without a reason (422 naming reason) or with a stale version (409) nothing changes.
func TestMarkSpecialCategoryThroughTheAPI(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		c := e.call(desk.NewCall{Summary: "Needs a desk for a wheelchair", Description: "Room 2.14", GroupID: e.f.Networks.ID, AnalystID: e.f.Cat.ID})
		path := "/api/v1/calls/" + c.Ref + "/special-category"

		// Ann (Service Desk) marks a Networks call: it is masked to her at once.
		var got apiCall
		e.ok(e.req("POST", path, map[string]any{"version": c.Version, "special_category": true, "reason": "mentions a disability"}), 200, &got)
		if !got.Special || got.Version != c.Version+1 || got.Summary != desk.SpecialMaskedSummary || strings.Contains(got.Description, "2.14") {
			t.Fatalf("Ann's mark answered %+v, want the call marked, masked, one version on", got)
		}
		stored := e.stored(c.Ref)
		if !stored.SpecialCategory || stored.Version != c.Version+1 || stored.Description != "Room 2.14" {
			t.Fatalf("stored %+v", stored)
		}
		recs := e.specialAudits(c.Ref)
		if len(recs) != 1 || recs[0].ActorID != e.f.Ann.ID || !strings.Contains(recs[0].Detail, "marked special category: mentions a disability") {
			t.Fatalf("audit records %+v", recs)
		}

		// Ann now sees it masked: she cannot take the mark off (that would unmask it to her).
		p := e.problem(e.req("POST", path, map[string]any{"version": stored.Version, "special_category": false, "reason": "a mistake"}), 403)
		if !strings.Contains(p.Detail, "you may not read") || strings.Contains(p.Detail, "wheelchair") {
			t.Errorf("Ann's unmark: %+v", p)
		}
		// Nor can an analyst of its group without the support role.
		bob := e.tokenFor(e.f.Bob, time.Time{}, desk.RoleAnalyst)
		if err := e.s.AddMember(e.ctx, e.f.Admin, e.f.Networks.ID, e.f.Bob.ID); err != nil {
			t.Fatal(err)
		}
		p = e.problem(e.reqAs(bob, "POST", path, map[string]any{"version": stored.Version, "special_category": false, "reason": "a mistake"}), 403)
		if !strings.Contains(p.Detail, "support analyst of the call's group") {
			t.Errorf("Bob's unmark: %+v", p)
		}

		// Cat, a support analyst of Networks: no reason, then a stale version, change nothing.
		cat := e.tokenFor(e.f.Cat, time.Time{}, desk.RoleSupportAnalyst)
		p = e.problem(e.reqAs(cat, "POST", path, map[string]any{"version": stored.Version, "special_category": false, "reason": "  "}), 422)
		if p.Errors["reason"] == "" {
			t.Errorf("no reason: %+v, want an error naming reason", p)
		}
		p = e.problem(e.reqAs(cat, "POST", path, map[string]any{"version": c.Version, "special_category": false, "reason": "a mistake"}), 409)
		// (The store lists no change: marking writes no diary entry, so only the versions differ.)
		if !strings.Contains(p.Detail, "your version 1, now 2") {
			t.Errorf("stale version: %+v, want both versions named", p)
		}
		p = e.problem(e.reqAs(cat, "POST", path, map[string]any{"reason": "a mistake"}), 422)
		if p.Errors["version"] == "" || p.Errors["special_category"] == "" {
			t.Errorf("no version nor mark: %+v, want both named", p)
		}
		if now := e.stored(c.Ref); !now.SpecialCategory || now.Version != stored.Version || len(e.specialAudits(c.Ref)) != 1 {
			t.Fatalf("a refused request changed the call: %+v", now)
		}

		// Cat takes it off: the call is plain again, to Ann too.
		e.ok(e.reqAs(cat, "POST", path, map[string]any{"version": stored.Version, "special_category": false, "reason": "no health data after all"}), 200, &got)
		if got.Special || got.Version != stored.Version+1 || got.Description != "Room 2.14" {
			t.Fatalf("Cat's unmark answered %+v", got)
		}
		e.ok(e.req("GET", "/api/v1/calls/"+c.Ref, nil), 200, nil)
		if now := e.stored(c.Ref); now.SpecialCategory {
			t.Fatalf("stored %+v", now)
		}
		recs = e.specialAudits(c.Ref)
		if len(recs) != 2 || recs[0].ActorID != e.f.Cat.ID || !strings.Contains(recs[0].Detail, "special-category mark taken off: no health data after all") {
			t.Fatalf("audit records %+v", recs)
		}

		// The DPO takes the mark off any call.
		d := e.call(desk.NewCall{Summary: "Prayer room booking", GroupID: e.f.ServiceDesk.ID, SpecialCategory: true})
		dpo := e.tokenFor(e.f.Eve, time.Time{}, desk.RoleDPO)
		e.ok(e.reqAs(dpo, "POST", "/api/v1/calls/"+d.Ref+"/special-category", map[string]any{"version": d.Version, "special_category": false, "reason": "a room booking, nothing about belief"}), 200, &got)
		if got.Special || e.stored(d.Ref).SpecialCategory {
			t.Errorf("the DPO's unmark: %+v", got)
		}
	})
}
