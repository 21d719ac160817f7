package sla_test

import (
	"fmt"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
)

// The console's preview: a P2 call logged on Friday 17:30 before the Spring bank holiday.
func Example() {
	cal, err := sla.NewCalendar(sla.Spec{Name: "Service Desk", Zone: "Europe/London",
		Week: sla.MondayToFriday(sla.Hours("08:00", "18:00")), Region: sla.EnglandAndWales})
	if err != nil {
		panic(err)
	}
	pause := []desk.State{desk.OnHold, desk.Pending}
	rules := []sla.Rule{{ID: 1, Name: "P2", Priority: 2, RespondOn: sla.FirstPublicAction,
		Respond: sla.Target{Within: time.Hour, PauseIn: pause}, Resolve: sla.Target{Within: 10 * time.Hour, PauseIn: pause}}}
	logged := time.Date(2027, 5, 28, 17, 30, 0, 0, cal.Location())
	ev, err := sla.Evaluate(cal, rules, sla.Facts{Priority: 2, CustomerKind: desk.Staff},
		[]sla.Event{{At: logged, Kind: sla.Logged}}, logged)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Choice.Why)
	fmt.Println("respond by", ev.Respond.Deadline.Format("Mon 2 Jan 15:04"))
	fmt.Println("resolve by", ev.Resolve.Deadline.Format("Mon 2 Jan 15:04"))
	// Output:
	// P2, staff: rule 'P2' (priority only)
	// respond by Tue 1 Jun 08:30
	// resolve by Tue 1 Jun 17:30
}
