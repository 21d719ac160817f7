package portal

import (
	"fmt"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
	"calldesk/internal/store"
)

// expectations say, in the customer's words, when to expect a reply and a resolution of their
// open call (issue 17 point 5): the deadlines of the service level that applies, in the desk's
// zone, with no service-level jargon, no percentages and never "breached". A clock stopped
// while the desk waits for the customer says so; a clock whose time ran out says the desk is
// late and sorry. Nothing when no target applies or the call is finished.
func (p *Portal) expectations(l store.CallServiceLevel, c desk.Call) []string {
	if l.Evaluation == nil || !c.State.Open() {
		return nil
	}
	var out []string
	paused := false
	for _, x := range []struct {
		c          sla.Clock
		aim, aimed string
	}{
		{l.Evaluation.Respond, "We aim to reply by %s.", "We aimed to reply by %s and are running late: we are sorry for the wait."},
		{l.Evaluation.Resolve, "We aim to resolve this by %s.", "We aimed to resolve this by %s and are running late: we are sorry for the wait."},
	} {
		switch st := x.c.State(); {
		case x.c.Paused && st.Live():
			paused = true // its time may have run out, but nothing counts while the desk waits
		case st == sla.Running:
			out = append(out, fmt.Sprintf(x.aim, p.promise(x.c.Deadline)))
		case st == sla.Overdue:
			out = append(out, fmt.Sprintf(x.aimed, p.promise(x.c.BreachedAt)))
		}
	}
	if paused {
		out = append(out, "While we wait for you, the clock is stopped.")
	}
	return out
}

// promise writes a deadline for a customer: the day and time in the desk's zone, "Tuesday 3
// March, 13:00".
func (p *Portal) promise(t time.Time) string {
	return t.In(p.zone().Location()).Format("Monday 2 January, 15:04")
}
