package console

import (
	"fmt"
	"time"

	"calldesk/internal/sla"
	"calldesk/internal/store"
)

// slaCell is one clock of a call's service level as a queue row shows it: the working time left
// in words, a word for its risk (never the colour alone: "at risk", "overdue" are written, so a
// greyscale screen or a screen reader says the same), the class that colours it, and the
// wall-clock deadline, shown on hover (title), to screen readers and when the row has the
// keyboard's focus (the sla-due text).
type slaCell struct {
	// Words: "2h 10m left", "35m overdue", "paused, 3h left", "met", "missed by 20m", "ended",
	// "no target".
	Words string
	// Flag is "at risk" while the clock counts and has used 75% of its time; "" otherwise (an
	// overdue clock says so in Words).
	Flag string
	// Class is sla-ok, sla-risk, sla-over, sla-paused, sla-done or sla-none.
	Class string
	// Due is the deadline (zero when there is none to show); DueWord introduces it: "due" while
	// it is ahead, "ran out" once passed.
	Due     time.Time
	DueWord string
}

// newSLACell describes clock c.
func newSLACell(c store.ClockNow) slaCell {
	switch c.State {
	case sla.Running:
		s := slaCell{Words: workTime(c.Left) + " left", Class: "sla-ok", Due: c.Due, DueWord: "due"}
		if c.AtRisk {
			s.Flag, s.Class = "at risk", "sla-risk"
		}
		return s
	case sla.Overdue:
		return slaCell{Words: workTime(-c.Left) + " overdue", Class: "sla-over", Due: c.Due, DueWord: "ran out"}
	case sla.Paused:
		s := slaCell{Words: "paused, " + workTime(c.Left) + " left", Class: "sla-paused"}
		if c.AtRisk {
			s.Flag = "at risk"
		}
		return s
	case sla.Met:
		return slaCell{Words: "met", Class: "sla-done"}
	case sla.Missed:
		return slaCell{Words: "missed by " + workTime(c.By), Class: "sla-done"}
	case sla.Ended:
		return slaCell{Words: "ended", Class: "sla-done"}
	}
	return slaCell{Words: "no target", Class: "sla-none"}
}

// workTime writes an amount of working time briefly, in hours and minutes (working hours, not
// days: a working day's length depends on the calendar): "2h 10m", "35m", "30h", "under 1m".
func workTime(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Truncate(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0 && m == 0:
		return "under 1m"
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh %dm", h, m)
}
