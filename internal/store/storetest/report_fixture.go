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
