package sla

import (
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// EncodeHistory writes events in the compact text the store keeps them in: one event a line,
// "<unix micros> <kind> <state>" (state "-" when the event sets none).
func EncodeHistory(h []Event) string {
	var b strings.Builder
	for _, e := range h {
		b.WriteString(AppendEvent("", e))
	}
	return b.String()
}

// AppendEvent is history with e written on a line of its own at the end.
func AppendEvent(history string, e Event) string {
	st := string(e.State)
	if st == "" {
		st = "-"
	}
	return history + strconv.FormatInt(e.At.UnixMicro(), 10) + " " + string(e.Kind) + " " + st + "\n"
}

// DecodeHistory reads what EncodeHistory wrote; a line it cannot read is an error naming it.
func DecodeHistory(s string) ([]Event, error) {
	var out []Event
	for i, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, desk.Errorf(desk.EINVALID, "service-level history line %d %q: want \"<micros> <kind> <state>\"", i+1, line)
		}
		us, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil, desk.Errorf(desk.EINVALID, "service-level history line %d: %q is not an instant", i+1, f[0])
		}
		k := EventKind(f[1])
		if !k.valid() {
			return nil, desk.Errorf(desk.EINVALID, "service-level history line %d: %q is not an event", i+1, f[1])
		}
		e := Event{At: time.UnixMicro(us).UTC(), Kind: k}
		if f[2] != "-" {
			e.State = desk.State(f[2])
			if !e.State.Valid() {
				return nil, desk.Errorf(desk.EINVALID, "service-level history line %d: %q is not a call state", i+1, f[2])
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (k EventKind) valid() bool {
	switch k {
	case Logged, StateChanged, Accepted, PublicResponse, Resolved, Reopened, PriorityChanged, ProfileChanged:
		return true
	}
	return false
}

// ClockState is a clock's state in a word, as the store keeps it and the API returns it.
type ClockState string

// Clock states.
const (
	NoTarget ClockState = "none"    // no rule applies (or no calendar to count in)
	Running  ClockState = "running" // counting, within its time
	Paused   ClockState = "paused"  // stopped by a pause state (on hold, pending), within its time
	Overdue  ClockState = "overdue" // its time ran out and its event has not happened yet
	Met      ClockState = "met"     // its event happened within its time
	Missed   ClockState = "missed"  // its event happened after its time ran out
	Ended    ClockState = "ended"   // the call was closed or cancelled before its event, within time
)

// State is c's state in a word.
func (c Clock) State() ClockState {
	switch {
	case c.Within == 0:
		return NoTarget
	case c.Breached && c.Stopped:
		return Missed
	case c.Breached:
		return Overdue
	case c.Running:
		return Running
	case c.Paused:
		return Paused
	case c.Stopped && c.Ended:
		return Ended
	case c.Stopped:
		return Met
	}
	return NoTarget
}

// AtRiskPercent is the share of a clock's time after which its call is "at risk".
const AtRiskPercent = 75

// Live reports whether the clock can still change: counting, paused or overdue.
func (s ClockState) Live() bool { return s == Running || s == Paused || s == Overdue }

// Words is the state for people: "running", "paused", "overdue", "met", "missed", "ended".
func (s ClockState) Words() string {
	switch s {
	case NoTarget:
		return "no target"
	case Missed:
		return "missed (breached)"
	case Overdue:
		return "overdue (breached)"
	}
	return string(s)
}

// Valid reports whether s is a clock state.
func (s ClockState) Valid() bool {
	switch s {
	case NoTarget, Running, Paused, Overdue, Met, Missed, Ended:
		return true
	}
	return false
}
