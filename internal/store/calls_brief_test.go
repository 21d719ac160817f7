package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// TestFindCallsBrief: a brief list (the portal's My calls) is the same calls in the same order as
// the full one, each with the fields a list shows equal to the full call's and no others; the
// order by last update is the calls' own, whichever was logged first.
func TestFindCallsBrief(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann := e.F.Ann
		var calls []desk.Call
		for _, s := range []string{"Printer on level 2 jams", "Printer toner empty", "Printer offline in the library", "Printer queue stuck"} {
			e.Clock.Advance(time.Minute)
			calls = append(calls, e.newCall(t, desk.NewCall{Summary: s, Description: "Long words about the " + s, GroupID: e.F.ServiceDesk.ID}))
		}
		e.Clock.Advance(time.Minute)
		e.update(t, ann, calls[0], desk.Transition{Action: desk.ActHold, Until: e.Clock.Now().Add(time.Hour), Reason: "part on order"})
		e.Clock.Advance(time.Minute)
		e.update(t, ann, calls[1], desk.Transition{Action: desk.ActResolve, Text: "Replaced the toner"})
		e.Clock.Advance(time.Minute)
		e.update(t, ann, calls[2], desk.Transition{Action: desk.ActCancel, Reason: "logged twice"})

		for _, f := range []store.CallFilter{
			{CustomerID: e.F.Dan.ID, Sort: "updated", NoTotal: true},
			{CustomerID: e.F.Dan.ID, Sort: "updated", Limit: 2, Offset: 1},
			{Text: "printer"},
		} {
			full, _, err := e.S.FindCalls(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			f.Brief = true
			brief, _, err := e.S.FindCalls(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(full) == 0 || len(brief) != len(full) {
				t.Fatalf("%+v: %d brief calls, %d full ones", f, len(brief), len(full))
			}
			for i, c := range full {
				if c.Description == "" || c.Customer.Name == "" {
					t.Fatalf("the full call %s has no description or snapshot", c.Ref)
				}
				want := desk.Call{ID: c.ID, Ref: c.Ref, Kind: c.Kind, Summary: c.Summary, CustomerID: c.CustomerID,
					Priority: c.Priority, GroupID: c.GroupID, AnalystID: c.AnalystID, State: c.State, Urgent: c.Urgent, HoldUntil: c.HoldUntil,
					LoggedAt: c.LoggedAt, UpdatedAt: c.UpdatedAt, Version: c.Version, SLA: c.SLA}
				if brief[i].SLA == nil {
					t.Errorf("%+v: brief call %s has no service level", f, c.Ref)
				}
				if !reflect.DeepEqual(brief[i], want) {
					t.Errorf("%+v: brief call %d\n%+v, want\n%+v", f, i, brief[i], want)
				}
			}
		}
		got, _, err := e.S.FindCalls(ctx, store.CallFilter{CustomerID: e.F.Dan.ID, Sort: "updated", Brief: true})
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, c := range got {
			refs = append(refs, c.Ref)
		}
		if want := []string{calls[2].Ref, calls[1].Ref, calls[0].Ref, calls[3].Ref}; !reflect.DeepEqual(refs, want) {
			t.Errorf("by last update: %v, want %v", refs, want)
		}
	})
}
