package web_test

import (
	"slices"
	"strings"
	"testing"

	"calldesk/internal/desk"
)

// A page of calls shows each customer's details, so listing calls is recorded like a people
// search: one record, by the caller, naming every customer on the page.
func TestListingCallsIsAudited(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		a := e.call(desk.NewCall{Summary: "Printer offline", CustomerID: e.f.Dan.ID})
		b := e.call(desk.NewCall{Summary: "Printer jammed", CustomerID: e.f.Eve.ID})
		e.ok(e.req("GET", "/api/v1/calls?q=printer", nil), 200, nil)
		recs := e.audits("call", "")
		if len(recs) == 0 {
			t.Fatal("listing calls left no audit record")
		}
		r := recs[0]
		if r.Action != "call.search" || r.ActorID != e.f.Ann.ID || r.ClientAddr != "127.0.0.1" {
			t.Fatalf("list audit %+v", r)
		}
		want := []int64{e.f.Dan.ID, e.f.Eve.ID}
		slices.Sort(want)
		if !slices.Equal(r.Persons, want) {
			t.Errorf("the record concerns %v, want the customers on the page %v", r.Persons, want)
		}
		if !strings.Contains(r.Detail, a.Ref) || !strings.Contains(r.Detail, b.Ref) {
			t.Errorf("the record %q does not name the calls shown", r.Detail)
		}
		before := len(e.audits("call", ""))
		e.ok(e.req("GET", "/api/v1/calls?q=nomatchatall", nil), 200, nil)
		if after := len(e.audits("call", "")); after != before {
			t.Errorf("an empty page was recorded as a read of personal data (%d -> %d records)", before, after)
		}
	})
}
