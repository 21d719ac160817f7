package desk_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
)

var (
	t0  = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // when the call was logged
	now = t0.Add(3 * time.Hour)                       // when the transition is applied
)

const (
	groupA   = 10
	groupB   = 20
	analystA = 7 // the actor in these tests
	analystB = 8
)

// callIn builds a call that reached state s the ordinary way, with the fields and milestone
// times that state implies.
func callIn(s desk.State) desk.Call {
	c := desk.Call{ID: 42, Ref: "F0000042", Kind: desk.Fault, Summary: "Projector in LT1 has no signal",
		CustomerID: 3, Source: desk.SourcePhone, Impact: desk.Medium, Urgency: desk.Medium, Priority: 3,
		State: s, LoggedAt: t0, UpdatedAt: t0, Version: 5}
	assigned := func() { c.GroupID, c.AssignedAt = groupA, t0.Add(time.Minute) }
	accepted := func() { assigned(); c.AnalystID, c.AcceptedAt = analystA, t0.Add(2*time.Minute) }
	switch s {
	case desk.Assigned:
		assigned()
	case desk.Accepted, desk.Pending:
		accepted()
	case desk.OnHold:
		accepted()
		// The hold time has passed but the timer has not run yet, so off_hold is allowed.
		c.HeldAt, c.HoldUntil, c.HoldReason = t0.Add(3*time.Minute), now.Add(-time.Minute), "waiting for a part"
	case desk.OffHold:
		accepted()
		c.HeldAt, c.HoldUntil, c.HoldReason = t0.Add(3*time.Minute), now.Add(-time.Hour), "waiting for a part"
		c.OffHoldAt, c.Urgent = now.Add(-time.Hour), true
	case desk.Resolved:
		accepted()
		c.ResolvedAt, c.Resolution = t0.Add(time.Hour), "reseated the HDMI cable"
	case desk.Closed:
		accepted()
		c.ResolvedAt, c.Resolution, c.ClosedAt = t0.Add(time.Hour), "reseated the HDMI cable", t0.Add(2*time.Hour)
	case desk.Cancelled:
		c.CancelledAt, c.CancelNote = t0.Add(time.Minute), "duplicate of F0000041"
	}
	return c
}

// validTransition is a well-formed request for each action, so that only the state decides.
func validTransition(a desk.Action) desk.Transition {
	switch a {
	case desk.ActAssign:
		return desk.Transition{Action: a, GroupID: groupB, AnalystID: analystB}
	case desk.ActPend:
		return desk.Transition{Action: a, Reason: "waiting for the customer to reply"}
	case desk.ActHold:
		return desk.Transition{Action: a, Until: now.Add(48 * time.Hour), Reason: "part on order"}
	case desk.ActResolve:
		return desk.Transition{Action: a, Text: "replaced the projector lamp"}
	case desk.ActClose:
		return desk.Transition{Action: a, Reason: "customer confirmed the fix"}
	case desk.ActReopen:
		return desk.Transition{Action: a, Reason: "the fault came back"}
	case desk.ActCancel:
		return desk.Transition{Action: a, Reason: "logged twice"}
	case desk.ActChange:
		return desk.Transition{Action: a, Impact: desk.High, Urgency: desk.High}
	}
	return desk.Transition{Action: a}
}

// allowed is the lifecycle of issue 2, written out independently of lifecycle.go.
var allowed = map[desk.Action][]desk.State{
	desk.ActAssign:  {desk.Unassigned, desk.Assigned, desk.Accepted, desk.Pending, desk.OnHold, desk.OffHold},
	desk.ActAccept:  {desk.Assigned, desk.Pending, desk.OffHold},
	desk.ActPend:    {desk.Accepted, desk.OffHold},
	desk.ActHold:    {desk.Assigned, desk.Accepted, desk.Pending, desk.OffHold},
	desk.ActOffHold: {desk.OnHold},
	desk.ActResolve: {desk.Assigned, desk.Accepted, desk.Pending, desk.OnHold, desk.OffHold},
	desk.ActClose:   {desk.Resolved},
	desk.ActReopen:  {desk.Resolved},
	desk.ActCancel:  {desk.Unassigned, desk.Assigned, desk.Accepted, desk.Pending, desk.OnHold, desk.OffHold},
	desk.ActChange:  {desk.Unassigned, desk.Assigned, desk.Accepted, desk.Pending, desk.OnHold, desk.OffHold},
}

func isAllowed(a desk.Action, s desk.State) bool {
	for _, x := range allowed[a] {
		if x == s {
			return true
		}
	}
	return false
}

// stateWords is how a refusal names a state.
var stateWords = map[desk.State]string{
	desk.Unassigned: "unassigned", desk.Assigned: "assigned", desk.Accepted: "accepted", desk.Pending: "pending",
	desk.OnHold: "on hold", desk.OffHold: "off hold", desk.Resolved: "resolved", desk.Closed: "closed", desk.Cancelled: "cancelled",
}

// wantAfter says what an allowed transition must do to the call in state `from`: the expected call
// is built by hand from the before-image.
func wantAfter(t *testing.T, a desk.Action, before desk.Call) (desk.Call, desk.EntryKind, string) {
	t.Helper()
	w := before
	w.UpdatedAt = now
	switch a {
	case desk.ActAssign:
		w.State, w.GroupID, w.AnalystID, w.Urgent = desk.Assigned, groupB, analystB, false
		w.HoldUntil, w.HoldReason = time.Time{}, ""
		if before.AssignedAt.IsZero() {
			w.AssignedAt = now
		}
		return w, desk.EntryAssignment, "assigned"
	case desk.ActAccept:
		w.State, w.AnalystID, w.Urgent = desk.Accepted, analystA, false
		if before.AcceptedAt.IsZero() {
			w.AcceptedAt = now
		}
		return w, desk.EntryStatus, "accepted"
	case desk.ActPend:
		w.State, w.Urgent = desk.Pending, false
		return w, desk.EntryStatus, "pending: waiting for the customer to reply"
	case desk.ActHold:
		w.State, w.Urgent, w.HeldAt = desk.OnHold, false, now
		w.HoldUntil, w.HoldReason = now.Add(48*time.Hour), "part on order"
		return w, desk.EntryStatus, "on hold until 2026-03-04T12:00:00Z: part on order"
	case desk.ActOffHold:
		w.State, w.Urgent, w.OffHoldAt = desk.OffHold, true, now
		return w, desk.EntryStatus, "off hold: the hold time passed; flagged urgent"
	case desk.ActResolve:
		w.State, w.Urgent, w.ResolvedAt, w.Resolution = desk.Resolved, false, now, "replaced the projector lamp"
		w.HoldUntil, w.HoldReason = time.Time{}, ""
		return w, desk.EntryStatus, "resolved: replaced the projector lamp"
	case desk.ActClose:
		w.State, w.ClosedAt = desk.Closed, now
		return w, desk.EntryStatus, "customer confirmed the fix"
	case desk.ActReopen:
		// callIn(Resolved) was accepted by analystA, so it goes back to accepted.
		w.State, w.ReopenedAt, w.ResolvedAt, w.Resolution = desk.Accepted, now, time.Time{}, ""
		return w, desk.EntryStatus, "reopened: the fault came back"
	case desk.ActCancel:
		w.State, w.Urgent, w.CancelledAt, w.CancelNote = desk.Cancelled, false, now, "logged twice"
		return w, desk.EntryStatus, "cancelled: logged twice"
	case desk.ActChange:
		w.Impact, w.Urgency, w.Priority = desk.High, desk.High, 1
		return w, desk.EntryStatus, "impact medium -> high; urgency medium -> high; priority P3 -> P1"
	}
	t.Fatalf("no expectation for %s", a)
	return w, "", ""
}

// TestApplyMatrix tries every action in every state: allowed ones give the right state, fields,
// milestone times and diary line; every other one is refused with EINVALID, a message naming
// the state and the action, and the call untouched.
func TestApplyMatrix(t *testing.T) {
	if got := len(desk.Actions()); got != len(allowed) {
		t.Fatalf("desk.Actions() has %d actions, the matrix %d: a new action needs its row here", got, len(allowed))
	}
	for _, a := range desk.Actions() {
		for _, s := range desk.AllStates() {
			t.Run(string(a)+"/"+string(s), func(t *testing.T) {
				before := callIn(s)
				c := before
				ch, err := desk.Apply(&c, validTransition(a), analystA, now)
				if !isAllowed(a, s) {
					if err == nil {
						t.Fatalf("%s from %s was allowed; the call became %s", a, s, c.State)
					}
					e := desk.AsError(err)
					if e == nil || e.Code != desk.EINVALID {
						t.Fatalf("error %v: want code %s", err, desk.EINVALID)
					}
					for _, word := range []string{string(a), stateWords[s], before.Ref} {
						if !strings.Contains(e.Message, word) {
							t.Errorf("message %q does not name %q", e.Message, word)
						}
					}
					if !reflect.DeepEqual(c, before) {
						t.Errorf("a refused transition changed the call:\n got %+v\nwant %+v", c, before)
					}
					if len(ch.Entries) != 0 {
						t.Errorf("a refused transition produced diary entries %+v", ch.Entries)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s from %s refused: %v", a, s, err)
				}
				want, kind, text := wantAfter(t, a, before)
				if !reflect.DeepEqual(c, want) {
					t.Errorf("after %s from %s:\n got %+v\nwant %+v", a, s, c, want)
				}
				if len(ch.Entries) != 1 || ch.Entries[0].Kind != kind || ch.Entries[0].Text != text {
					t.Errorf("diary entries %+v, want one %s entry %q", ch.Entries, kind, text)
				}
			})
		}
	}
}

func TestApplyUnknownAction(t *testing.T) {
	c := callIn(desk.Accepted)
	_, err := desk.Apply(&c, desk.Transition{Action: "escalate"}, analystA, now)
	e := desk.AsError(err)
	if e == nil || e.Code != desk.EINVALID || !strings.Contains(e.Message, `"escalate"`) || !strings.Contains(e.Message, "resolve") {
		t.Fatalf("got %v, want EINVALID naming the bad action and listing the real ones", err)
	}
	if c.State != desk.Accepted {
		t.Errorf("state changed to %s", c.State)
	}
}

// TestApplyRequiredFields checks that an allowed action with missing or bad input is refused with
// the right field errors and leaves the call as it was.
func TestApplyRequiredFields(t *testing.T) {
	tests := []struct {
		name   string
		from   desk.State
		tr     desk.Transition
		fields []string // the field errors expected; nil for a plain message
		msg    string   // part of the message
	}{
		{"assign without group", desk.Unassigned, desk.Transition{Action: desk.ActAssign, AnalystID: analystA}, []string{"group_id"}, "cannot assign"},
		{"hold without until or reason", desk.Accepted, desk.Transition{Action: desk.ActHold}, []string{"reason", "until"}, "on hold"},
		{"hold until now", desk.Accepted, desk.Transition{Action: desk.ActHold, Until: now, Reason: "part on order"}, []string{"until"}, "on hold"},
		{"hold until the past", desk.Accepted, desk.Transition{Action: desk.ActHold, Until: now.Add(-time.Hour), Reason: "part on order"}, []string{"until"}, "on hold"},
		{"hold with a blank reason", desk.Accepted, desk.Transition{Action: desk.ActHold, Until: now.Add(time.Hour), Reason: "   "}, []string{"reason"}, "on hold"},
		{"resolve without resolution", desk.Accepted, desk.Transition{Action: desk.ActResolve, Text: " \n"}, []string{"resolution"}, "resolve"},
		{"cancel without reason", desk.Assigned, desk.Transition{Action: desk.ActCancel}, []string{"reason"}, "cancel"},
		{"reopen without reason", desk.Resolved, desk.Transition{Action: desk.ActReopen}, []string{"reason"}, "reopen"},
		{"pend without reason", desk.Accepted, desk.Transition{Action: desk.ActPend}, []string{"reason"}, "pending"},
		{"cancel with a reason too long", desk.Assigned, desk.Transition{Action: desk.ActCancel, Reason: strings.Repeat("x", desk.MaxEntryText+1)}, []string{"reason"}, "cancel"},
		{"reopen with a reason too long", desk.Resolved, desk.Transition{Action: desk.ActReopen, Reason: strings.Repeat("é", desk.MaxEntryText/2+1)}, []string{"reason"}, "reopen"},
		{"resolve with a resolution too long", desk.Accepted, desk.Transition{Action: desk.ActResolve, Text: strings.Repeat("x", desk.MaxEntryText+1)}, []string{"resolution"}, "resolve"},
		{"change with a bad impact and a new profile", desk.Accepted, desk.Transition{Action: desk.ActChange, ProfileID: 99, Impact: "huge"}, []string{"impact"}, "cannot change"},
		{"change with a bad urgency", desk.Accepted, desk.Transition{Action: desk.ActChange, Urgency: "now!"}, []string{"urgency"}, "cannot change"},
		{"change with a negative profile", desk.Accepted, desk.Transition{Action: desk.ActChange, ProfileID: -1}, []string{"profile_id"}, "cannot change"},
		{"change to what it already is", desk.Accepted, desk.Transition{Action: desk.ActChange, Impact: desk.Medium, Urgency: desk.Medium}, nil, "nothing to change"},
		{"accept a call assigned to someone else", desk.Assigned, desk.Transition{Action: desk.ActAccept, AnalystID: analystA}, nil, "another analyst"},
		{"off hold before the hold time", desk.OnHold, desk.Transition{Action: desk.ActOffHold}, nil, "on hold until"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := callIn(tt.from)
			switch tt.name {
			case "accept a call assigned to someone else":
				c.AnalystID = analystB
			case "off hold before the hold time":
				c.HoldUntil = now.Add(time.Minute)
			}
			before := c
			_, err := desk.Apply(&c, tt.tr, analystA, now)
			e := desk.AsError(err)
			if e == nil || e.Code != desk.EINVALID {
				t.Fatalf("got %v, want EINVALID", err)
			}
			var got []string
			for k := range e.Fields {
				got = append(got, k)
			}
			if !sameSet(got, tt.fields) {
				t.Errorf("field errors %v, want %v", e.Fields, tt.fields)
			}
			if !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", e.Error(), tt.msg)
			}
			if !reflect.DeepEqual(c, before) {
				t.Errorf("a refused transition changed the call:\n got %+v\nwant %+v", c, before)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestApplyDetails covers the branches the matrix does not: where reopen goes, assignment keeping
// the first assigned time, accept defaulting to the actor, change of profile only.
func TestApplyDetails(t *testing.T) {
	t.Run("reopen without acceptance goes back to assigned", func(t *testing.T) {
		c := callIn(desk.Assigned)
		if _, err := desk.Apply(&c, desk.Transition{Action: desk.ActResolve, Text: "fixed remotely"}, analystA, now); err != nil {
			t.Fatal(err)
		}
		if _, err := desk.Apply(&c, desk.Transition{Action: desk.ActReopen, Reason: "no it is not"}, analystA, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if c.State != desk.Assigned || !c.ReopenedAt.Equal(now.Add(time.Hour)) || !c.ResolvedAt.IsZero() || c.Resolution != "" {
			t.Errorf("got state %s reopened %v resolved %v %q", c.State, c.ReopenedAt, c.ResolvedAt, c.Resolution)
		}
	})
	t.Run("reassignment keeps the first assigned time and clears the analyst", func(t *testing.T) {
		c := callIn(desk.Accepted)
		first := c.AssignedAt
		if _, err := desk.Apply(&c, desk.Transition{Action: desk.ActAssign, GroupID: groupB}, analystA, now); err != nil {
			t.Fatal(err)
		}
		if !c.AssignedAt.Equal(first) || c.GroupID != groupB || c.AnalystID != 0 || c.State != desk.Assigned {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("accept defaults to the actor", func(t *testing.T) {
		c := callIn(desk.Assigned)
		if _, err := desk.Apply(&c, desk.Transition{Action: desk.ActAccept}, analystB, now); err != nil {
			t.Fatal(err)
		}
		if c.AnalystID != analystB || !c.AcceptedAt.Equal(now) {
			t.Errorf("analyst %d accepted %v", c.AnalystID, c.AcceptedAt)
		}
	})
	t.Run("accept by the system needs an analyst", func(t *testing.T) {
		c := callIn(desk.Assigned)
		_, err := desk.Apply(&c, desk.Transition{Action: desk.ActAccept}, 0, now)
		if e := desk.AsError(err); e == nil || e.Fields["analyst_id"] == "" {
			t.Fatalf("got %v, want a field error on analyst_id", err)
		}
	})
	t.Run("change of profile only", func(t *testing.T) {
		c := callIn(desk.Unassigned)
		ch, err := desk.Apply(&c, desk.Transition{Action: desk.ActChange, ProfileID: 12}, analystA, now)
		if err != nil {
			t.Fatal(err)
		}
		if c.ProfileID != 12 || c.Priority != 3 || len(ch.Entries) != 1 || ch.Entries[0].Text != "profile changed" {
			t.Errorf("profile %d priority %s entries %+v", c.ProfileID, c.Priority, ch.Entries)
		}
	})
	t.Run("change of impact and urgency keeping the priority", func(t *testing.T) {
		c := callIn(desk.Accepted) // medium/medium, P3
		ch, err := desk.Apply(&c, desk.Transition{Action: desk.ActChange, Impact: desk.High, Urgency: desk.Low}, analystA, now)
		if err != nil {
			t.Fatal(err)
		}
		if c.Impact != desk.High || c.Urgency != desk.Low || c.Priority != 3 {
			t.Errorf("impact %s urgency %s priority %s", c.Impact, c.Urgency, c.Priority)
		}
		if len(ch.Entries) != 1 || ch.Entries[0].Text != "impact medium -> high; urgency medium -> low" {
			t.Errorf("entries %+v", ch.Entries)
		}
	})
	t.Run("off hold exactly at the hold time", func(t *testing.T) {
		c := callIn(desk.OnHold)
		c.HoldUntil = now
		if _, err := desk.Apply(&c, desk.Transition{Action: desk.ActOffHold}, 0, now); err != nil {
			t.Fatal(err)
		}
		if c.State != desk.OffHold || !c.Urgent || c.Condition() != desk.CondOffHold {
			t.Errorf("state %s urgent %v condition %s", c.State, c.Urgent, c.Condition())
		}
	})
	t.Run("hold stores the time in UTC", func(t *testing.T) {
		c := callIn(desk.Accepted)
		until := now.Add(time.Hour).In(time.FixedZone("BST", 3600))
		if _, err := desk.Apply(&c, desk.Transition{Action: desk.ActHold, Until: until, Reason: "x"}, analystA, now); err != nil {
			t.Fatal(err)
		}
		if c.HoldUntil.Location() != time.UTC || !c.HoldUntil.Equal(until) {
			t.Errorf("hold until %v", c.HoldUntil)
		}
	})
}
