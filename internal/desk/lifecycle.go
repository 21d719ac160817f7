package desk

import (
	"fmt"
	"strings"
	"time"
)

// Action names a transition of the call lifecycle.
type Action string

// Actions on a call.
const (
	ActAssign  Action = "assign"   // to a group, optionally an analyst
	ActAccept  Action = "accept"   // the analyst takes it on
	ActPend    Action = "pend"     // waiting on the customer or a third party
	ActHold    Action = "hold"     // on hold until a time, with a reason
	ActOffHold Action = "off_hold" // the system, when the hold time passes
	ActResolve Action = "resolve"  // with a resolution
	ActClose   Action = "close"    // customer confirmed, or N days after resolution
	ActReopen  Action = "reopen"   // from resolved, with a reason
	ActCancel  Action = "cancel"   // with a reason
	ActChange  Action = "change"   // profile or impact/urgency
)

// Transition is one requested change of a call's state.
type Transition struct {
	Action    Action
	GroupID   int64     // assign
	AnalystID int64     // assign (optional), accept (defaults to the actor)
	Until     time.Time // hold
	Reason    string    // hold, reopen, cancel, pend, close
	Text      string    // resolve: the resolution
	ProfileID int64     // change
	Impact    Level     // change
	Urgency   Level     // change
}

// from lists the states each action may start from.
func (a Action) from() []State {
	active := []State{Assigned, Accepted, Pending, OnHold, OffHold}
	switch a {
	case ActAssign:
		return []State{Unassigned, Assigned, Accepted, Pending, OnHold, OffHold}
	case ActAccept:
		return []State{Assigned, Pending, OffHold}
	case ActPend:
		return []State{Accepted, OffHold}
	case ActHold:
		return []State{Assigned, Accepted, Pending, OffHold}
	case ActOffHold:
		return []State{OnHold}
	case ActResolve:
		return active
	case ActClose:
		return []State{Resolved}
	case ActReopen:
		return []State{Resolved}
	case ActCancel:
		return []State{Unassigned, Assigned, Accepted, Pending, OnHold, OffHold}
	case ActChange:
		return []State{Unassigned, Assigned, Accepted, Pending, OnHold, OffHold}
	}
	return nil
}

// Allowed reports whether action a may be applied to a call in state s.
func (a Action) Allowed(s State) bool {
	for _, x := range a.from() {
		if x == s {
			return true
		}
	}
	return false
}

// Actions lists every action, for documentation and tests.
func Actions() []Action {
	return []Action{ActAssign, ActAccept, ActPend, ActHold, ActOffHold, ActResolve, ActClose, ActReopen, ActCancel, ActChange}
}

// Change is what applying a transition did: the diary lines to record.
type Change struct {
	Entries []Entry // Kind and Text set; the store fills the rest
}

// MaxEntryText is the most bytes a diary entry's text may have, and so a transition's reason or
// resolution, which become diary entries.
const MaxEntryText = 100_000

// Apply applies t to c at time now, on behalf of actor (a person id, 0 for the system). It changes
// c in place and returns the diary entries describing the change, or an error that names the state
// and the action when the transition is not allowed. Membership checks that need the store
// (is the analyst in the group?) are the store's.
func Apply(c *Call, t Transition, actor int64, now time.Time) (Change, error) {
	if !t.Action.Allowed(c.State) {
		if t.Action.from() == nil {
			return Change{}, Errorf(EINVALID, "%q is not an action on a call; actions are %s", t.Action, joinActions())
		}
		return Change{}, Errorf(EINVALID, "cannot %s call %s: it is %s; %s is allowed only when the call is %s",
			t.Action, c.Ref, c.State.Words(), t.Action, statesWords(t.Action.from()))
	}
	t.Reason = strings.TrimSpace(t.Reason)
	t.Text = strings.TrimSpace(t.Text)
	// A reason or a resolution becomes a diary entry: bounded as any entry is (a portal's or
	// console's maxlength is the browser's, not a limit).
	long := map[string]string{}
	if len(t.Reason) > MaxEntryText {
		long["reason"] = "is longer than 100,000 characters"
	}
	if len(t.Text) > MaxEntryText {
		long["resolution"] = "is longer than 100,000 characters"
	}
	if err := Invalid(fmt.Sprintf("cannot %s the call", t.Action), long); err != nil {
		return Change{}, err
	}
	var ch Change
	status := func(format string, args ...any) {
		ch.Entries = append(ch.Entries, Entry{Kind: EntryStatus, Text: fmt.Sprintf(format, args...)})
	}
	switch t.Action {
	case ActAssign:
		if t.GroupID <= 0 {
			return ch, Invalid("cannot assign the call", map[string]string{"group_id": "is required"})
		}
		if c.AssignedAt.IsZero() {
			c.AssignedAt = now
		}
		c.GroupID, c.AnalystID = t.GroupID, t.AnalystID
		c.State, c.Urgent = Assigned, false
		c.HoldUntil, c.HoldReason = time.Time{}, ""
		ch.Entries = append(ch.Entries, Entry{Kind: EntryAssignment, Text: "assigned"})
	case ActAccept:
		if t.AnalystID == 0 {
			t.AnalystID = actor
		}
		if c.AnalystID != 0 && c.AnalystID != t.AnalystID {
			return ch, Errorf(EINVALID, "cannot accept call %s: it is assigned to another analyst; reassign it first", c.Ref)
		}
		if t.AnalystID == 0 {
			return ch, Invalid("cannot accept the call", map[string]string{"analyst_id": "is required"})
		}
		c.AnalystID = t.AnalystID
		if c.AcceptedAt.IsZero() {
			c.AcceptedAt = now
		}
		c.State, c.Urgent = Accepted, false
		status("accepted")
	case ActPend:
		if t.Reason == "" {
			return ch, Invalid("cannot set the call pending", map[string]string{"reason": "is required: say what the call is waiting for"})
		}
		c.State, c.Urgent = Pending, false
		status("pending: %s", t.Reason)
	case ActHold:
		f := map[string]string{}
		if t.Until.IsZero() {
			f["until"] = "is required"
		} else if !t.Until.After(now) {
			f["until"] = "must be in the future"
		}
		if t.Reason == "" {
			f["reason"] = "is required"
		}
		if err := Invalid("cannot put the call on hold", f); err != nil {
			return ch, err
		}
		c.State, c.Urgent = OnHold, false
		c.HoldUntil, c.HoldReason, c.HeldAt = t.Until.UTC(), t.Reason, now
		status("on hold until %s: %s", Instant(c.HoldUntil), t.Reason) // the instant: shown in the reader's zone (Zone.Text)
	case ActOffHold:
		if now.Before(c.HoldUntil) {
			return ch, Errorf(EINVALID, "call %s is on hold until %s", c.Ref, Instant(c.HoldUntil))
		}
		c.State, c.Urgent, c.OffHoldAt = OffHold, true, now
		status("off hold: the hold time passed; flagged urgent")
	case ActResolve:
		if t.Text == "" {
			return ch, Invalid("cannot resolve the call", map[string]string{"resolution": "is required"})
		}
		c.State, c.Urgent, c.Resolution, c.ResolvedAt = Resolved, false, t.Text, now
		c.HoldUntil, c.HoldReason = time.Time{}, ""
		status("resolved: %s", t.Text)
	case ActClose:
		c.State, c.ClosedAt = Closed, now
		if t.Reason == "" {
			t.Reason = "closed"
		}
		status("%s", t.Reason)
	case ActReopen:
		if t.Reason == "" {
			return ch, Invalid("cannot reopen the call", map[string]string{"reason": "is required"})
		}
		c.ReopenedAt, c.ResolvedAt, c.Resolution = now, time.Time{}, ""
		switch {
		case c.AnalystID != 0 && !c.AcceptedAt.IsZero():
			c.State = Accepted
		case c.GroupID != 0:
			c.State = Assigned
		default:
			c.State = Unassigned
		}
		status("reopened: %s", t.Reason)
	case ActCancel:
		if t.Reason == "" {
			return ch, Invalid("cannot cancel the call", map[string]string{"reason": "is required"})
		}
		c.State, c.Urgent, c.CancelNote, c.CancelledAt = Cancelled, false, t.Reason, now
		status("cancelled: %s", t.Reason)
	case ActChange:
		f := map[string]string{}
		if t.ProfileID < 0 {
			f["profile_id"] = "must be a profile id"
		}
		for name, l := range map[string]Level{"impact": t.Impact, "urgency": t.Urgency} {
			if l != "" && l.rank() < 0 {
				f[name] = "must be high, medium or low"
			}
		}
		// Validate everything before touching c: a refused change leaves the call as it was.
		if err := Invalid("cannot change the call", f); err != nil {
			return ch, err
		}
		var parts []string
		if t.ProfileID != 0 && t.ProfileID != c.ProfileID {
			c.ProfileID = t.ProfileID
			parts = append(parts, "profile changed")
		}
		// Impact and urgency are recorded even when the priority stays the same (high/low and
		// medium/medium are both P3).
		if t.Impact != "" && t.Impact != c.Impact {
			parts = append(parts, fmt.Sprintf("impact %s -> %s", c.Impact, t.Impact))
			c.Impact = t.Impact
		}
		if t.Urgency != "" && t.Urgency != c.Urgency {
			parts = append(parts, fmt.Sprintf("urgency %s -> %s", c.Urgency, t.Urgency))
			c.Urgency = t.Urgency
		}
		if p := PriorityOf(c.Impact, c.Urgency); p != c.Priority {
			parts = append(parts, fmt.Sprintf("priority %s -> %s", c.Priority, p))
			c.Priority = p
		}
		if len(parts) == 0 {
			return ch, Errorf(EINVALID, "nothing to change: give a different profile_id, impact or urgency")
		}
		status("%s", strings.Join(parts, "; "))
	}
	c.UpdatedAt = now
	return ch, nil
}

// Words is the state as a person would say it ("on hold").
func (s State) Words() string {
	switch s {
	case OnHold:
		return "on hold"
	case OffHold:
		return "off hold"
	}
	return string(s)
}

func statesWords(ss []State) string {
	w := make([]string, len(ss))
	for i, s := range ss {
		w[i] = s.Words()
	}
	if len(w) == 1 {
		return w[0]
	}
	return strings.Join(w[:len(w)-1], ", ") + " or " + w[len(w)-1]
}

func joinActions() string {
	as := Actions()
	w := make([]string, len(as))
	for i, a := range as {
		w[i] = string(a)
	}
	return strings.Join(w, ", ")
}
