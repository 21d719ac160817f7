package sla

import (
	"fmt"
	"slices"
	"time"

	"calldesk/internal/desk"
)

// EventKind is what happened to a call, as far as its clocks care.
type EventKind string

// Kinds of event.
const (
	Logged          EventKind = "logged"           // the call was logged; both clocks start
	StateChanged    EventKind = "state_changed"    // State is the new state (on hold, pending, resumed...)
	Accepted        EventKind = "accepted"         // an analyst accepted it (state accepted)
	PublicResponse  EventKind = "public_response"  // the first (or a later) action the customer sees
	Resolved        EventKind = "resolved"         // state resolved: the resolve clock stops
	Reopened        EventKind = "reopened"         // back open (State, default assigned): the resolve clock continues
	PriorityChanged EventKind = "priority_changed" // informational: the current Facts decide the rule
	ProfileChanged  EventKind = "profile_changed"  // informational, likewise
)

// Event is one entry of a call's history with its instant. State is the call's state after the
// event where the event changes it (StateChanged needs it; Accepted, Resolved and Reopened have
// defaults).
type Event struct {
	At    time.Time
	Kind  EventKind
	State desk.State
}

// Pause is a stretch during which a clock did not count; To is zero while it lasts.
type Pause struct {
	From, To time.Time
	State    desk.State
}

// Clock is the evaluation of one target of a call at an instant.
type Clock struct {
	Within  time.Duration // the working time allowed
	Elapsed time.Duration // working time counted so far (pauses excluded)
	// Remaining is Within-Elapsed; negative once breached.
	Remaining time.Duration
	// PercentUsed is Elapsed as a percentage of Within (over 100 once breached).
	PercentUsed float64
	// Deadline is when the target falls due: the fixed instant while the clock runs or once it has
	// passed; while paused, the deadline if the clock resumed now (it moves while the pause lasts).
	Deadline time.Time
	Running  bool // counting now
	Paused   bool // stopped by a pause state, will resume
	Stopped  bool // the target's event happened (responded, resolved) or the call ended
	// Ended is true when the clock stopped because the call was closed or cancelled before the
	// target's event: such a clock is neither met nor (unless it had already run out) breached.
	Ended  bool
	StopAt time.Time
	// Met is true once stopped by its event within Within; Breached once Elapsed exceeds Within
	// (stopped or not). By is the margin: time to spare when met, the overrun when breached.
	Met, Breached bool
	By            time.Duration
	// BreachedAt is the instant the allowed time ran out (zero when not breached).
	BreachedAt time.Time
	Pauses     []Pause
	// runs are the stretches the clock counted; the last has a zero end while it runs.
	runs []run
}

// run is a stretch a clock counted: from, to (zero while it runs) and the working time counted
// before it, so thresholds need no second walk.
type run struct {
	from, to time.Time
	before   time.Duration
}

// Evaluation is a call's service level at an instant.
type Evaluation struct {
	Choice  Choice
	Respond Clock
	Resolve Clock
}

// Evaluate replays history (any order; sorted here by instant, stable) and reports both clocks at
// now under the rule chosen for f. Both clocks start at the Logged event (the first event if
// there is none). The respond clock stops at the first PublicResponse or Accepted event (the
// rule's RespondOn), or at a resolution, which the customer sees. The resolve clock stops at
// Resolved and continues from where it stopped at Reopened; a closed or cancelled call stops both.
// Each clock counts only while the call is open and not in one of its target's pause states.
func Evaluate(cal *Calendar, rules []Rule, f Facts, history []Event, now time.Time) (Evaluation, error) {
	ch, err := Choose(rules, f)
	if err != nil {
		return Evaluation{}, err
	}
	if len(history) == 0 {
		return Evaluation{}, desk.Errorf(desk.EINVALID, "a call's history needs at least its logged event")
	}
	byTime := func(a, b Event) int { return a.At.Compare(b.At) }
	h := history
	if !slices.IsSortedFunc(h, byTime) {
		h = slices.Clone(history)
		slices.SortStableFunc(h, byTime)
	}
	ev := Evaluation{Choice: ch}
	r := ch.Rule
	respondStop := PublicResponse
	if r.RespondOn == Acceptance {
		respondStop = Accepted
	}
	ev.Respond, err = clock(cal, r.Respond, h, now, func(e Event) bool { return e.Kind == respondStop || e.Kind == Resolved }, false)
	if err != nil {
		return Evaluation{}, fmt.Errorf("respond clock: %w", err)
	}
	ev.Resolve, err = clock(cal, r.Resolve, h, now, func(e Event) bool { return e.Kind == Resolved }, true)
	if err != nil {
		return Evaluation{}, fmt.Errorf("resolve clock: %w", err)
	}
	return ev, nil
}

// clock walks the sorted history up to now. stops says which event stops it; reopens says whether
// a Reopened event starts it again (the resolve clock) or it stays stopped (the respond clock).
func clock(cal *Calendar, t Target, h []Event, now time.Time, stops func(Event) bool, reopens bool) (Clock, error) {
	c := Clock{Within: t.Within}
	state := desk.Unassigned
	started, stopped := false, false
	var segFrom time.Time // start of the current stretch of one (state, stopped)
	var elapsed time.Duration
	counting := func() bool { return started && !stopped && state.Open() && !t.pausedIn(state) }
	paused := func() bool { return started && !stopped && state.Open() && t.pausedIn(state) }
	// count adds the working time from segFrom to at (a stretch the clock ran), noting the breach.
	count := func(at time.Time) error {
		d, err := cal.Elapsed(segFrom, at)
		if err != nil {
			return err
		}
		if !c.Breached && elapsed+d > t.Within {
			if c.BreachedAt, err = cal.Add(segFrom, t.Within-elapsed); err != nil {
				return err
			}
			c.Breached = true
		}
		elapsed += d
		return nil
	}
	for _, e := range h {
		if e.At.After(now) {
			break
		}
		if !started {
			started, segFrom = true, e.At // the Logged event, or the first one if it is missing
		}
		next, nextStopped := state, stopped
		switch e.Kind {
		case StateChanged:
			next = orState(e.State, state)
		case Accepted:
			next = orState(e.State, desk.Accepted)
		case Resolved:
			next = orState(e.State, desk.Resolved)
		case Reopened:
			next = orState(e.State, desk.Assigned)
			if reopens {
				nextStopped = false
			}
		}
		nextEnded := c.Ended && nextStopped
		switch {
		case stops(e):
			nextStopped, nextEnded = true, false
		case (next == desk.Closed || next == desk.Cancelled) && !nextStopped:
			nextStopped, nextEnded = true, true
		}
		c.Ended = nextEnded
		if next == state && nextStopped == stopped {
			continue
		}
		if e.At.After(segFrom) {
			switch {
			case counting():
				before := elapsed
				if err := count(e.At); err != nil {
					return Clock{}, err
				}
				c.runs = append(c.runs, run{segFrom, e.At, before})
			case paused():
				c.Pauses = append(c.Pauses, Pause{From: segFrom, To: e.At, State: state})
			}
		}
		if nextStopped && !stopped {
			c.StopAt = e.At
		}
		state, stopped, segFrom = next, nextStopped, e.At
	}
	switch {
	case counting():
		c.Running = true
		before := elapsed
		if now.After(segFrom) {
			if err := count(now); err != nil {
				return Clock{}, err
			}
		}
		if !c.Breached {
			d, err := cal.Add(segFrom, t.Within-before)
			if err != nil {
				return Clock{}, err
			}
			c.Deadline = d
		}
		c.runs = append(c.runs, run{segFrom, time.Time{}, before})
	case paused():
		c.Paused = true
		c.Pauses = append(c.Pauses, Pause{From: segFrom, State: state})
	}
	c.Stopped = stopped
	if !stopped {
		c.StopAt = time.Time{}
	}
	c.Elapsed = elapsed
	c.Remaining = t.Within - elapsed
	if t.Within > 0 {
		c.PercentUsed = float64(elapsed) * 100 / float64(t.Within)
	}
	var err error
	switch {
	case c.Breached:
		c.Deadline, c.By = c.BreachedAt, -c.Remaining
	case c.Running:
		// Deadline set above.
	case c.Paused:
		c.Deadline, err = cal.Add(now, c.Remaining)
	case c.Stopped && c.Ended:
		// Neither met nor breached: no deadline to report.
	case c.Stopped:
		c.Met, c.By = true, c.Remaining
		c.Deadline, err = cal.Add(c.StopAt, c.Remaining)
	}
	if err != nil {
		return Clock{}, err
	}
	return c, nil
}

func orState(s, def desk.State) desk.State {
	if s == "" {
		return def
	}
	return s
}
