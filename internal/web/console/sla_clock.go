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

// callSLA is the call page's service level: the rule that applies and why, and both clocks as
// evaluated at the moment the page is drawn.
type callSLA struct {
	Rule   string // the rule's name; "" when none applies (Why says why)
	Why    string
	Clocks []callClock // respond, resolve; none when no target applies
}

// callClock is one clock on the call page.
type callClock struct {
	Name   string // "Respond", "Resolve"
	Target string // the working time allowed, "4h"
	Cell   slaCell
	// State is the clock's state in words ("running", "paused", "overdue (breached)"...).
	State string
	// Used and Left are working time in words ("3h 30m"); Left is "" once the time ran out or
	// the clock stopped.
	Used, Left string
	// Due is the deadline (desk.Zone via when): while it counts, when it ran out, or, once met,
	// the deadline it was met before. Zero while paused (it moves).
	Due time.Time
	// Stopped is when its event happened (met, missed) or the call ended; Margin says by how much
	// it was met or missed ("met with 1h 10m to spare").
	Stopped time.Time
	Margin  string
	Pauses  []sla.Pause
}

// newCallSLA describes a fresh evaluation of a call's service level.
func newCallSLA(l store.CallServiceLevel) callSLA {
	out := callSLA{Rule: l.RuleName, Why: l.Why}
	if l.Evaluation == nil || l.RuleID == 0 {
		return out
	}
	for _, x := range []struct {
		name string
		c    sla.Clock
	}{{"Respond", l.Evaluation.Respond}, {"Resolve", l.Evaluation.Resolve}} {
		c, st := x.c, x.c.State()
		if st == sla.NoTarget {
			out.Clocks = append(out.Clocks, callClock{Name: x.name, Cell: newSLACell(store.ClockNow{State: st}), State: st.Words()})
			continue
		}
		now := store.ClockNow{State: st, Within: c.Within, Elapsed: c.Elapsed, Left: c.Remaining, By: c.By}
		if st == sla.Running || st == sla.Overdue || st == sla.Missed {
			now.Due = c.Deadline
		}
		if st == sla.Running || st == sla.Paused {
			now.AtRisk = c.Elapsed*100 >= c.Within*sla.AtRiskPercent
		}
		cc := callClock{Name: x.name, Target: workTime(c.Within), Cell: newSLACell(now), State: st.Words(), Used: workTime(c.Elapsed),
			Due: now.Due, Pauses: c.Pauses}
		cc.Cell.Due = time.Time{} // the panel writes the deadline on its own line
		if st == sla.Running || st == sla.Paused {
			cc.Left = workTime(c.Remaining)
		}
		switch st {
		case sla.Met:
			cc.Due, cc.Stopped, cc.Margin = c.Deadline, c.StopAt, "met with "+workTime(c.By)+" to spare"
		case sla.Missed:
			cc.Stopped, cc.Margin = c.StopAt, "missed by "+workTime(c.By)
		case sla.Ended:
			cc.Stopped = c.StopAt
		}
		out.Clocks = append(out.Clocks, cc)
	}
	return out
}
