package storetest

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
)

// FirstContactWeek is the week of the first-contact fixture: Monday 8 to Sunday 14 March 2027
// (UTC), as [from, to).
var FirstContactWeek = [2]time.Time{time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 15, 0, 0, 0, 0, time.UTC)}

// FirstContactCalls marks the Service Desk a first-line group and logs the first-contact
// fixture's calls on e (whose clock must be at or before 1 March 2027), leaving the clock at
// Sunday 14 March 2027, 12:00 UTC. Ann and Bob are Service Desk members, Cat is in Networks;
// every call has no profile (P3) unless said. With a window of 10 minutes its known answers:
//
//	G0 Ann logs for Eve, phone, Service Desk/Ann, Mon 1 Mar 09:00, resolves 09:01 (the week before):
//	   first-line fix and first contact.
//	G1 Ann logs for Eve, phone, Service Desk/Ann, Mon 8 Mar 09:00, resolves 09:05: both.
//	G2 Ann logs for Eve, phone, Service Desk/Ann, Mon 8 Mar 10:00, resolves 10:30: first-line
//	   fix only (30 minutes is outside the window).
//	G3 Bob logs for Dan, phone, Service Desk/Bob, Mon 8 Mar 11:00; reassigned to Networks 11:02
//	   and back to Service Desk/Bob 11:03; Bob resolves 11:05: neither (reassigned twice).
//	G4 Dan logs himself on the portal, Service Desk (no analyst), Tue 9 Mar 09:00; Ann takes it
//	   09:01 and resolves 09:03: first-line fix only (the customer logged it).
//	G5 Ann logs for Eve, phone, Service Desk/Ann, Tue 9 Mar 10:00; Eve adds an update 10:02; Ann
//	   resolves 10:04: first-line fix only (the customer replied in between).
//	G6 Ann logs for Eve, phone, Service Desk/Ann, Tue 9 Mar 11:00, resolves 11:01; Eve reopens
//	   11:30; Ann resolves again 11:40: first-line fix only (reopened).
//	G7 Cat logs for Eve, phone, Networks/Cat, Wed 10 Mar 09:00, resolves 09:02: first contact only
//	   (Networks is not first line).
//	G8 Ann logs for Eve, phone, P1 (high impact and urgency), Service Desk/Ann, Wed 10 Mar 10:00;
//	   adds an update herself 10:01; resolves 10:03: both.
//	G9 Ann logs for Eve, phone, Service Desk/Ann, Fri 12 Mar 09:00: open.
//
// So in the week: 8 resolved, 6 first-line fixes (G1, G2, G4, G5, G6, G8), 3 first-contact
// resolutions (G1, G7, G8); P1 1/1/1, P3 7/5/2; Service Desk 7/6/2, Networks 1/0/1; phone 7/5/3,
// portal 1/1/0. The week before: 1 resolved, 1 of each.
func FirstContactCalls(t testing.TB, e *Env) map[string]desk.Call {
	t.Helper()
	ctx := context.Background()
	f := e.F
	if _, err := e.S.SetGroupFirstLine(ctx, f.Admin, f.ServiceDesk.ID, true); err != nil {
		t.Fatalf("first-contact fixture: %v", err)
	}
	out := map[string]desk.Call{}
	at := func(d, h, m int) { e.Clock.Set(time.Date(2027, 3, d, h, m, 0, 0, time.UTC)) }
	log := func(name string, actor desk.Person, n desk.NewCall) {
		t.Helper()
		if n.Source == "" {
			n.Source = desk.SourcePhone
		}
		c, err := e.S.CreateCall(ctx, Actor(actor), n)
		if err != nil {
			t.Fatalf("first-contact fixture %s: %v", name, err)
		}
		out[name] = c
	}
	step := func(name string, actor desk.Person, tr desk.Transition) {
		t.Helper()
		c, err := e.S.UpdateCall(ctx, Actor(actor), out[name].Ref, 0, tr)
		if err != nil {
			t.Fatalf("first-contact fixture %s %s: %v", name, tr.Action, err)
		}
		out[name] = c
	}
	update := func(name string, actor desk.Person) {
		t.Helper()
		if _, err := e.S.AddEntry(ctx, Actor(actor), out[name].Ref, desk.EntryUpdate, "Any news?"); err != nil {
			t.Fatalf("first-contact fixture %s update: %v", name, err)
		}
	}
	resolve := desk.Transition{Action: desk.ActResolve, Text: "Fixed"}
	sd := func(analyst desk.Person) desk.NewCall {
		return desk.NewCall{CustomerID: f.Eve.ID, Summary: "Password reset", GroupID: f.ServiceDesk.ID, AnalystID: analyst.ID}
	}

	at(1, 9, 0)
	log("G0", f.Ann, sd(f.Ann))
	at(1, 9, 1)
	step("G0", f.Ann, resolve)

	at(8, 9, 0)
	log("G1", f.Ann, sd(f.Ann))
	at(8, 9, 5)
	step("G1", f.Ann, resolve)
	at(8, 10, 0)
	log("G2", f.Ann, sd(f.Ann))
	at(8, 10, 30)
	step("G2", f.Ann, resolve)
	at(8, 11, 0)
	g3 := sd(f.Bob)
	g3.CustomerID = f.Dan.ID
	log("G3", f.Bob, g3)
	at(8, 11, 2)
	step("G3", f.Bob, desk.Transition{Action: desk.ActAssign, GroupID: f.Networks.ID})
	at(8, 11, 3)
	step("G3", f.Bob, desk.Transition{Action: desk.ActAssign, GroupID: f.ServiceDesk.ID, AnalystID: f.Bob.ID})
	at(8, 11, 5)
	step("G3", f.Bob, resolve)

	at(9, 9, 0)
	log("G4", f.Dan, desk.NewCall{CustomerID: f.Dan.ID, Summary: "Cannot print", Source: desk.SourcePortal, GroupID: f.ServiceDesk.ID})
	at(9, 9, 1)
	step("G4", f.Ann, desk.Transition{Action: desk.ActAssign, GroupID: f.ServiceDesk.ID, AnalystID: f.Ann.ID})
	step("G4", f.Ann, desk.Transition{Action: desk.ActAccept})
	at(9, 9, 3)
	step("G4", f.Ann, resolve)
	at(9, 10, 0)
	log("G5", f.Ann, sd(f.Ann))
	at(9, 10, 2)
	update("G5", f.Eve)
	at(9, 10, 4)
	step("G5", f.Ann, resolve)
	at(9, 11, 0)
	log("G6", f.Ann, sd(f.Ann))
	at(9, 11, 1)
	step("G6", f.Ann, resolve)
	at(9, 11, 30)
	step("G6", f.Eve, desk.Transition{Action: desk.ActReopen, Reason: "still broken"})
	at(9, 11, 40)
	step("G6", f.Ann, resolve)

	at(10, 9, 0)
	log("G7", f.Cat, desk.NewCall{CustomerID: f.Eve.ID, Summary: "No wifi", GroupID: f.Networks.ID, AnalystID: f.Cat.ID})
	at(10, 9, 2)
	step("G7", f.Cat, resolve)
	at(10, 10, 0)
	g8 := sd(f.Ann)
	g8.Impact, g8.Urgency = desk.High, desk.High
	log("G8", f.Ann, g8)
	at(10, 10, 1)
	update("G8", f.Ann)
	at(10, 10, 3)
	step("G8", f.Ann, resolve)

	at(12, 9, 0)
	log("G9", f.Ann, sd(f.Ann))
	at(14, 12, 0)
	return out
}
