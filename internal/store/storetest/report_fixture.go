package storetest

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
)

// ReportStart is when ReportCalls begins: Monday 1 March 2027, 09:00 UTC.
var ReportStart = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

// ReportCalls logs the report fixture's calls on e (whose clock must start at or before
// ReportStart) and leaves the clock at Friday 5 March 2027, 12:00 UTC. Its known answers:
//
//	F1 Dan (student), portal, logged by Dan himself, Mon 1 Mar 09:00, Outlook, Service Desk/Ann;
//	   resolved Tue 2 Mar 10:00, reopened Tue 2 Mar 11:00, resolved again Wed 3 Mar 10:00,
//	   closed Thu 4 Mar 10:00.
//	F2 Eve (staff), phone, Mon 1 Mar 09:30, Wi-Fi, Networks/Cat; open.
//	F3 Dan, email, Tue 2 Mar 09:00, Email, Service Desk (no analyst); cancelled Tue 2 Mar 12:00.
//	F4 Eve, phone, Fri 5 Mar 09:00, no profile, no group; open (unassigned).
//	F5 Eve, face to face, logged 20 Feb 09:00 (before the week), Service Desk/Bob; open.
//
// So in the week Mon 1 to Sun 7 March: 4 logged (1 self-service), 1 resolved, 1 closed, 1
// cancelled, 1 reopened; open at the end: F2 (4 days old), F4 (3 hours), F5 (13 days).
func ReportCalls(t testing.TB, e *Env) map[string]desk.Call {
	t.Helper()
	ctx := context.Background()
	f := e.F
	out := map[string]desk.Call{}
	at := func(tm time.Time) { e.Clock.Set(tm) }
	log := func(name string, actor desk.Person, n desk.NewCall) {
		t.Helper()
		c, err := e.S.CreateCall(ctx, Actor(actor), n)
		if err != nil {
			t.Fatalf("report fixture %s: %v", name, err)
		}
		out[name] = c
	}
	step := func(name string, actor desk.Person, tr desk.Transition) {
		t.Helper()
		c := out[name]
		c, err := e.S.UpdateCall(ctx, Actor(actor), c.Ref, c.Version, tr)
		if err != nil {
			t.Fatalf("report fixture %s %s: %v", name, tr.Action, err)
		}
		out[name] = c
	}
	day := func(d, h int) time.Time { return time.Date(2027, 3, d, h, 0, 0, 0, time.UTC) }

	at(time.Date(2027, 2, 20, 9, 0, 0, 0, time.UTC))
	log("F5", f.Bob, desk.NewCall{CustomerID: f.Eve.ID, Summary: "Lab PC will not boot", Source: desk.SourceFaceToFace,
		GroupID: f.ServiceDesk.ID, AnalystID: f.Bob.ID})
	at(day(1, 9))
	log("F1", f.Dan, desk.NewCall{CustomerID: f.Dan.ID, Summary: "Outlook keeps crashing", Source: desk.SourcePortal,
		ProfileID: f.Outlook.ID, GroupID: f.ServiceDesk.ID, AnalystID: f.Ann.ID})
	e.Clock.Set(day(1, 9).Add(30 * time.Minute))
	log("F2", f.Ann, desk.NewCall{CustomerID: f.Eve.ID, Summary: "No wifi in the library", Source: desk.SourcePhone,
		ProfileID: f.Wifi.ID, GroupID: f.Networks.ID, AnalystID: f.Cat.ID})
	at(day(2, 9))
	log("F3", f.Bob, desk.NewCall{CustomerID: f.Dan.ID, Summary: "Mailbox full", Source: desk.SourceEmail,
		ProfileID: f.Email.ID, GroupID: f.ServiceDesk.ID})
	at(day(2, 10))
	step("F1", f.Ann, desk.Transition{Action: desk.ActResolve, Text: "Repaired the profile"})
	at(day(2, 11))
	step("F1", f.Ann, desk.Transition{Action: desk.ActReopen, Reason: "crashed again"})
	at(day(2, 12))
	step("F3", f.Bob, desk.Transition{Action: desk.ActCancel, Reason: "logged twice"})
	at(day(3, 10))
	step("F1", f.Ann, desk.Transition{Action: desk.ActResolve, Text: "Removed the add-in"})
	at(day(4, 10))
	step("F1", f.Ann, desk.Transition{Action: desk.ActClose, Reason: "confirmed by the customer"})
	at(day(5, 9))
	log("F4", f.Ann, desk.NewCall{CustomerID: f.Eve.ID, Summary: "Printer jams", Source: desk.SourcePhone})
	at(day(5, 12))
	return out
}

// ReportMoreCalls adds to ReportCalls (which must have run) a customer in another department, two
// calls and four holds, and leaves the clock at Sunday 7 March 2027, 12:00 UTC. Its known answers:
//
//	Fay Fisher, visitor, department Library.
//	F2 on hold Fri 5 Mar 12:00 until Sat 6 Mar 12:00, off hold Sat 6 Mar 14:00: held 26 hours.
//	F5 on hold Fri 5 Mar 13:00 until Mon 8 Mar, reassigned Sat 6 Mar 15:00: ended early (the
//	   call row does not time it).
//	F6 Fay, phone, Sat 6 Mar 09:00, Wi-Fi, Networks/Cat; on hold 10:00 until Sun 7 Mar 09:00, off
//	   hold Sun 7 Mar 10:00: held 24 hours.
//	F7 Fay, portal (logged by Ann), Sat 6 Mar 11:00, Service Desk/Ann; on hold 12:00 until
//	   Wed 10 Mar: on hold at the end.
//
// So in the week Mon 1 to Sun 7 March: 6 logged (Computing 4: staff 2, student 2; Library 2,
// visitors), two holds that ran their time (24 and 26 hours), one ended early, one still on
// hold; open at the end of each day 1..7 March: 3, 3, 2, 2, 3, 5, 5 (F5 since February, F1
// until 3 March, F2, F3 only on 2 March, F4 from 5 March, F6 and F7 from 6 March).
func ReportMoreCalls(t testing.TB, e *Env, calls map[string]desk.Call) map[string]desk.Call {
	t.Helper()
	ctx := context.Background()
	f := e.F
	fay, err := e.S.CreatePerson(ctx, f.Admin, desk.Person{FirstName: "Fay", LastName: "Fisher", Username: "ffisher",
		Email: "ffisher@uni.example", Kind: desk.Visitor, Department: "Library"})
	if err != nil {
		t.Fatalf("report fixture Fay: %v", err)
	}
	at := func(d, h int) { e.Clock.Set(time.Date(2027, 3, d, h, 0, 0, 0, time.UTC)) }
	step := func(name string, tr desk.Transition) {
		t.Helper()
		c := calls[name]
		c, err := e.S.UpdateCall(ctx, Actor(f.Ann), c.Ref, c.Version, tr)
		if err != nil {
			t.Fatalf("report fixture %s %s: %v", name, tr.Action, err)
		}
		calls[name] = c
	}
	log := func(name string, n desk.NewCall) {
		t.Helper()
		c, err := e.S.CreateCall(ctx, Actor(f.Ann), n)
		if err != nil {
			t.Fatalf("report fixture %s: %v", name, err)
		}
		calls[name] = c
	}
	hold := func(d, h int) desk.Transition {
		return desk.Transition{Action: desk.ActHold, Until: time.Date(2027, 3, d, h, 0, 0, 0, time.UTC), Reason: "waiting for a part"}
	}
	at(5, 12)
	step("F2", hold(6, 12))
	at(5, 13)
	step("F5", hold(8, 9))
	at(6, 9)
	log("F6", desk.NewCall{CustomerID: fay.ID, Summary: "Eduroam refuses my laptop", Source: desk.SourcePhone,
		ProfileID: f.Wifi.ID, GroupID: f.Networks.ID, AnalystID: f.Cat.ID})
	at(6, 10)
	step("F6", hold(7, 9))
	at(6, 11)
	log("F7", desk.NewCall{CustomerID: fay.ID, Summary: "Library scanner offline", Source: desk.SourcePortal,
		GroupID: f.ServiceDesk.ID, AnalystID: f.Ann.ID})
	at(6, 12)
	step("F7", hold(10, 9))
	at(6, 14)
	step("F2", desk.Transition{Action: desk.ActOffHold})
	at(6, 15)
	step("F5", desk.Transition{Action: desk.ActAssign, GroupID: f.ServiceDesk.ID, AnalystID: f.Bob.ID})
	at(7, 10)
	step("F6", desk.Transition{Action: desk.ActOffHold})
	at(7, 12)
	return calls
}
