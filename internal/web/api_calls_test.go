package web_test

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
)

func TestCreateCall(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		r := e.req("POST", "/api/v1/calls", map[string]any{
			"kind": "request", "summary": "  New laptop for a starter ", "description": "Starts Monday",
			"customer_id": e.f.Eve.ID, "alt_phone": "07700 900123", "source": "phone", "profile_id": e.f.Outlook.ID,
		})
		var c apiCall
		e.ok(r, 201, &c)
		if c.Ref != "R0000001" || r.header.Get("Location") != "/api/v1/calls/R0000001" {
			t.Fatalf("ref %q, Location %q", c.Ref, r.header.Get("Location"))
		}
		// Outlook's default priority is P2; the customer's details are snapshotted.
		if c.Summary != "New laptop for a starter" || c.Priority != "P2" || c.State != "unassigned" || c.Condition != "unassigned" ||
			c.Version != 1 || c.Customer.Name != "Eve Evans" || c.Customer.Email != "eevans@uni.example" ||
			c.AltPhone != "07700 900123" || c.Source != "phone" || c.LoggedBy != e.f.Ann.ID {
			t.Fatalf("created %+v", c)
		}
		if c.AssignedAt != nil || c.ResolvedAt != nil || bytes.Contains(r.body, []byte(`"resolved_at"`)) {
			t.Fatalf("times that have not happened must be left out: %s", r.body)
		}
		if got := e.stored("R0000001"); got.Summary != c.Summary || got.CustomerID != e.f.Eve.ID {
			t.Fatalf("stored %+v", got)
		}
		recs := e.audits("call", "R0000001")
		if len(recs) != 1 || recs[0].Action != "call.create" || recs[0].ActorID != e.f.Ann.ID || recs[0].ClientAddr != "127.0.0.1" {
			t.Fatalf("audit %+v", recs)
		}

		// Logged straight into a group and analyst: assigned, with the assignment in the diary.
		r = e.req("POST", "/api/v1/calls", map[string]any{"summary": "Wi-Fi drops in the library", "customer_id": e.f.Dan.ID,
			"group_id": e.f.ServiceDesk.ID, "analyst_id": e.f.Bob.ID, "impact": "high", "urgency": "high"})
		e.ok(r, 201, &c)
		if c.Ref != "F0000002" || c.State != "assigned" || c.Condition != "pending" || c.GroupID != e.f.ServiceDesk.ID ||
			c.AnalystID != e.f.Bob.ID || c.Priority != "P1" || c.AssignedAt == nil || c.Source != "api" {
			t.Fatalf("created %+v", c)
		}
	})
}

func TestShowCallAuditsTheRead(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		c := e.call(desk.NewCall{Summary: "VPN refuses my password"})
		if _, err := e.s.AddEntry(e.ctx, e.actor(e.f.Bob), c.Ref, desk.EntryNote, "Customer sounds locked out"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AddEntry(e.ctx, e.actor(e.f.Bob), c.Ref, desk.EntryUpdate, "We are looking into it"); err != nil {
			t.Fatal(err)
		}
		before := len(e.audits("call", c.Ref))

		var got apiCall
		e.ok(e.req("GET", "/api/v1/calls/"+strings.ToLower(c.Ref), nil), 200, &got)
		if got.Ref != c.Ref || got.Version != 1 || got.Condition != "unassigned" || got.Customer.Name != "Dan Dawson" ||
			got.Customer.StudentNumber != "20231234" {
			t.Fatalf("got %+v", got)
		}
		// Analysts see internal notes too.
		if len(got.Diary) != 2 || got.Diary[0].Kind != "note" || got.Diary[0].Public || got.Diary[1].Kind != "update" ||
			!got.Diary[1].Public || got.Diary[1].Author != "Bob Baker" || got.Diary[1].AuthorID != e.f.Bob.ID {
			t.Fatalf("diary %+v", got.Diary)
		}

		recs := e.audits("call", c.Ref)
		if len(recs) != before+1 {
			t.Fatalf("%d audit records, want %d", len(recs), before+1)
		}
		v := recs[0]
		if v.Action != "call.view" || v.ActorID != e.f.Ann.ID || v.Actor != "Ann Archer" || v.ClientAddr != "127.0.0.1" || v.Surface != desk.SurfaceAPI ||
			!slices.Equal(v.Persons, []int64{e.f.Bob.ID, e.f.Dan.ID}) || !v.At.Equal(e.clock.Now()) {
			t.Fatalf("read audit %+v", v)
		}

		// Reading the diary alone is a read of the call too.
		var list struct {
			Ref     string     `json:"ref"`
			Entries []apiEntry `json:"entries"`
		}
		e.ok(e.req("GET", "/api/v1/calls/"+c.Ref+"/entries", nil), 200, &list)
		if list.Ref != c.Ref || len(list.Entries) != 2 {
			t.Fatalf("entries %+v", list)
		}
		if recs := e.audits("call", c.Ref); len(recs) != before+2 || recs[0].Action != "call.view" {
			t.Fatalf("diary read not audited: %+v", recs)
		}
	})
}

func TestListCalls(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		sd, nw := e.f.ServiceDesk.ID, e.f.Networks.ID
		a := e.call(desk.NewCall{Summary: "Outlook crashes on start", GroupID: sd, AnalystID: e.f.Ann.ID, ProfileID: e.f.Outlook.ID})
		e.clock.Advance(time.Hour)
		b := e.call(desk.NewCall{Summary: "Eduroam will not connect", GroupID: nw, ProfileID: e.f.Wifi.ID, Impact: "high", Urgency: "high"})
		e.clock.Advance(time.Hour)
		c := e.call(desk.NewCall{Summary: "Password reset", CustomerID: e.f.Eve.ID})
		e.clock.Advance(24 * time.Hour)
		d := e.call(desk.NewCall{Summary: "Projector bulb", GroupID: sd})
		if _, err := e.s.UpdateCall(e.ctx, e.actor(e.f.Ann), d.Ref, 0, desk.Transition{Action: desk.ActCancel, Reason: "duplicate"}); err != nil {
			t.Fatal(err)
		}
		day := a.LoggedAt.Format("2006-01-02")

		for _, tc := range []struct {
			query string
			want  []string // newest first unless sorted otherwise
			total int
		}{
			{"", []string{d.Ref, c.Ref, b.Ref, a.Ref}, 4},
			{"group=" + id(sd), []string{d.Ref, a.Ref}, 2},
			{"group=" + id(sd) + "," + id(nw), []string{d.Ref, b.Ref, a.Ref}, 3},
			{"group=" + id(sd) + "&group=" + id(nw), []string{d.Ref, b.Ref, a.Ref}, 3},
			{"analyst=" + id(e.f.Ann.ID), []string{a.Ref}, 1},
			{"analyst=none&group=" + id(nw), []string{b.Ref}, 1},
			{"condition=unassigned", []string{c.Ref}, 1},
			{"condition=pending,cancelled", []string{d.Ref, b.Ref, a.Ref}, 3},
			{"open=true", []string{c.Ref, b.Ref, a.Ref}, 3},
			{"customer=" + id(e.f.Eve.ID), []string{c.Ref}, 1},
			{"profile=" + id(e.f.Software.ID), []string{a.Ref}, 1},
			{"q=eduroam+connect", []string{b.Ref}, 1},
			{"priority=P1", []string{b.Ref}, 1},
			{"priority=2", []string{a.Ref}, 1},
			{"from=" + day + "&to=" + day, []string{c.Ref, b.Ref, a.Ref}, 3},
			{"from=" + url.QueryEscape(a.LoggedAt.Add(30*time.Minute).Format(time.RFC3339)), []string{d.Ref, c.Ref, b.Ref}, 3},
			{"sort=oldest&limit=2", []string{a.Ref, b.Ref}, 4},
			{"sort=oldest&limit=2&offset=2", []string{c.Ref, d.Ref}, 4},
			{"sort=priority&open=true", []string{b.Ref, a.Ref, c.Ref}, 3},
			{"q=nothingmatchesthis", []string{}, 0},
		} {
			var got apiCallList
			e.ok(e.req("GET", "/api/v1/calls?"+tc.query, nil), 200, &got)
			refs := []string{}
			for _, c := range got.Calls {
				refs = append(refs, c.Ref)
			}
			if !got.TotalExact {
				t.Errorf("%s: a total of %d was not counted exactly", tc.query, got.Total)
			}
			if !slices.Equal(refs, tc.want) || got.Total != tc.total {
				t.Errorf("?%s: got %v total %d, want %v total %d", tc.query, refs, got.Total, tc.want, tc.total)
			}
		}
		var page apiCallList
		e.ok(e.req("GET", "/api/v1/calls?limit=3&offset=1", nil), 200, &page)
		if page.Limit != 3 || page.Offset != 1 || page.Total != 4 || len(page.Calls) != 3 {
			t.Fatalf("page %d %d %d %d", page.Limit, page.Offset, page.Total, len(page.Calls))
		}
		// An empty result is an empty list, not null.
		r := e.req("GET", "/api/v1/calls?customer=999999", nil)
		e.ok(r, 200, nil)
		if !bytes.Contains(r.body, []byte(`"calls":[]`)) {
			t.Fatalf("empty page: %s", r.body)
		}
	})
}

func id(n int64) string { return fmt.Sprint(n) }

func TestEntries(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		c := e.call(desk.NewCall{})
		var u, n apiEntry
		e.ok(e.req("POST", "/api/v1/calls/"+c.Ref+"/entries", map[string]string{"kind": "update", "text": "An engineer is on the way"}), 201, &u)
		e.ok(e.req("POST", "/api/v1/calls/"+c.Ref+"/entries", map[string]string{"kind": "note", "text": "Spare toner in cupboard B"}), 201, &n)
		if u.Kind != "update" || !u.Public || u.Author != "Ann Archer" || u.AuthorID != e.f.Ann.ID || u.ID == 0 {
			t.Fatalf("update %+v", u)
		}
		if n.Kind != "note" || n.Public || n.Text != "Spare toner in cupboard B" {
			t.Fatalf("note %+v", n)
		}
		diary, err := e.s.Diary(e.ctx, c.ID, false)
		if err != nil || len(diary) != 1 || diary[0].Text != "An engineer is on the way" {
			t.Fatalf("public diary %+v %v", diary, err)
		}
		recs := e.audits("call", c.Ref)
		if recs[0].Action != "call.note" || recs[1].Action != "call.update" || recs[0].ClientAddr != "127.0.0.1" {
			t.Fatalf("audit %+v", recs)
		}
		// The search index includes the diary.
		var got apiCallList
		e.ok(e.req("GET", "/api/v1/calls?q=toner+cupboard", nil), 200, &got)
		if got.Total != 1 || got.Calls[0].Ref != c.Ref {
			t.Fatalf("search %+v", got)
		}
	})
}

// actor is how the store records a person acting directly (not through the API).
func (e *env) actor(p desk.Person) desk.Actor {
	return desk.Actor{PersonID: p.ID, Name: p.Name(), Addr: "192.0.2.1"}
}

// TestCreateCallForRestrictedPersonRefused (issue 13 point 3): no new call for a person whose
// processing is restricted, with a message saying why; once lifted, the call is logged.
func TestCreateCallForRestrictedPersonRefused(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		if err := e.s.Restrict(e.ctx, e.f.Admin, e.f.Eve.ID, true, "Eve contests her record"); err != nil {
			t.Fatal(err)
		}
		before := e.counts()
		p := e.problem(e.req("POST", "/api/v1/calls", map[string]any{"summary": "New laptop", "customer_id": e.f.Eve.ID}), 422)
		if !strings.Contains(p.Detail, "restricted") || !strings.Contains(p.Detail, "Data Protection Officer must lift") ||
			!strings.Contains(p.Errors["customer_id"], "restricted") {
			t.Fatalf("problem %+v", p)
		}
		if after := e.counts(); after != before {
			t.Fatalf("something was written: %+v -> %+v", before, after)
		}
		if err := e.s.Restrict(e.ctx, e.f.Admin, e.f.Eve.ID, false, "record corrected"); err != nil {
			t.Fatal(err)
		}
		e.ok(e.req("POST", "/api/v1/calls", map[string]any{"summary": "New laptop", "customer_id": e.f.Eve.ID}), 201, nil)
	})
}

// A call logged over the API as special category is marked so from the start: its text is masked
// for an analyst of another group, whole for one of its own, and it says so when read.
func TestCreateSpecialCategoryCall(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		r := e.req("POST", "/api/v1/calls", map[string]any{"summary": "Adjustments for my epilepsy",
			"description": "A screen that does not flicker", "customer_id": e.f.Dan.ID, "group_id": e.f.ServiceDesk.ID,
			"special_category": true})
		var c apiCall
		e.ok(r, 201, &c)
		if !c.Special || c.Summary != "Adjustments for my epilepsy" {
			t.Fatalf("created %+v", c)
		}
		if got := e.stored(c.Ref); !got.SpecialCategory || got.Description != "A screen that does not flicker" {
			t.Fatalf("stored %+v", got)
		}
		var seen apiCall
		e.ok(e.reqAs(e.tokenFor(e.f.Cat, time.Time{}, desk.RoleAnalyst), "GET", "/api/v1/calls/"+c.Ref, nil), 200, &seen)
		if !seen.Special || seen.Summary != desk.SpecialMaskedSummary || strings.Contains(seen.Description, "flicker") {
			t.Errorf("an analyst of another group sees %+v", seen)
		}
		e.ok(e.reqAs(e.tokenFor(e.f.Bob, time.Time{}, desk.RoleAnalyst), "GET", "/api/v1/calls/"+c.Ref, nil), 200, &seen)
		if seen.Description != "A screen that does not flicker" {
			t.Errorf("an analyst of its group sees %+v", seen)
		}
		// Not given: a plain call.
		e.ok(e.req("POST", "/api/v1/calls", map[string]any{"summary": "Toner", "customer_id": e.f.Dan.ID}), 201, &c)
		if c.Special || e.stored(c.Ref).SpecialCategory {
			t.Errorf("a call logged without the mark is special category: %+v", c)
		}
	})
}
