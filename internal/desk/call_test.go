package desk_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"calldesk/internal/desk"
)

func TestPriorityOf(t *testing.T) {
	tests := []struct {
		impact, urgency desk.Level
		want            desk.Priority
	}{
		{desk.High, desk.High, 1},
		{desk.High, desk.Medium, 2},
		{desk.Medium, desk.High, 2},
		{desk.High, desk.Low, 3},
		{desk.Medium, desk.Medium, 3},
		{desk.Low, desk.High, 3},
		{desk.Medium, desk.Low, 4},
		{desk.Low, desk.Medium, 4},
		{desk.Low, desk.Low, 4},
		{"", desk.High, 0},
		{desk.High, "critical", 0},
	}
	for _, tt := range tests {
		if got := desk.PriorityOf(tt.impact, tt.urgency); got != tt.want {
			t.Errorf("PriorityOf(%q, %q) = %v, want %v", tt.impact, tt.urgency, got, tt.want)
		}
	}
}

func TestLevelsOfGivesBackThePriority(t *testing.T) {
	for p := desk.Priority(1); p <= 4; p++ {
		i, u := desk.LevelsOf(p)
		if got := desk.PriorityOf(i, u); got != p {
			t.Errorf("LevelsOf(%v) = %s/%s, which is %v", p, i, u, got)
		}
		if p.String() != fmt.Sprintf("P%d", p) || !p.Valid() {
			t.Errorf("priority %d renders %q valid %v", int(p), p.String(), p.Valid())
		}
	}
	for _, p := range []desk.Priority{0, 5, -1} {
		if p.Valid() {
			t.Errorf("priority %d is valid", int(p))
		}
	}
}

func TestReference(t *testing.T) {
	tests := []struct {
		kind   desk.CallKind
		number int64
		ref    string
	}{
		{desk.Fault, 1, "F0000001"},
		{desk.Fault, 12345, "F0012345"},
		{desk.Request, 12345, "R0012345"},
		{desk.Request, 9999999, "R9999999"},
	}
	for _, tt := range tests {
		if got := desk.Reference(tt.kind, tt.number); got != tt.ref {
			t.Errorf("Reference(%s, %d) = %q, want %q", tt.kind, tt.number, got, tt.ref)
		}
		kind, n, err := desk.ParseReference(tt.ref)
		if err != nil || kind != tt.kind || n != tt.number {
			t.Errorf("ParseReference(%q) = %s, %d, %v", tt.ref, kind, n, err)
		}
	}
	// Lower case and surrounding space are forgiven.
	if kind, n, err := desk.ParseReference(" r0012345 "); err != nil || kind != desk.Request || n != 12345 {
		t.Errorf("ParseReference of lower case: %s %d %v", kind, n, err)
	}
}

func TestParseReferenceRejects(t *testing.T) {
	for _, ref := range []string{
		"", "F", "F001234", "F00123456", "X0012345", "FF012345", "F0000000",
		"F-001234", "F+001234", "F 012345", "F00123.4", "F00l2345", "0012345F", "F0x12345", "F0012345\x00",
	} {
		kind, n, err := desk.ParseReference(ref)
		if err == nil {
			t.Errorf("ParseReference(%q) = %s, %d; want an error", ref, kind, n)
			continue
		}
		if desk.ErrorCode(err) != desk.ENOTFOUND || !strings.Contains(err.Error(), "F or R followed by 7 digits") {
			t.Errorf("ParseReference(%q): %v (code %s)", ref, err, desk.ErrorCode(err))
		}
	}
}

func TestConditionOf(t *testing.T) {
	want := map[desk.State]desk.Condition{
		desk.Unassigned: desk.CondUnassigned,
		desk.Assigned:   desk.CondPending,
		desk.Accepted:   desk.CondPending,
		desk.Pending:    desk.CondPending,
		desk.OnHold:     desk.CondOnHold,
		desk.OffHold:    desk.CondOffHold,
		desk.Resolved:   desk.CondResolved,
		desk.Closed:     desk.CondClosed,
		desk.Cancelled:  desk.CondCancelled,
	}
	if len(desk.AllStates()) != len(want) {
		t.Fatalf("%d states, %d expected conditions", len(desk.AllStates()), len(want))
	}
	for _, s := range desk.AllStates() {
		if got := desk.ConditionOf(s); got != want[s] {
			t.Errorf("ConditionOf(%s) = %q, want %q", s, got, want[s])
		}
		if (desk.Call{State: s}).Condition() != want[s] {
			t.Errorf("Call.Condition in %s", s)
		}
		if !s.Valid() {
			t.Errorf("%s is not valid", s)
		}
		open := s != desk.Resolved && s != desk.Closed && s != desk.Cancelled
		if s.Open() != open {
			t.Errorf("%s.Open() = %v", s, s.Open())
		}
	}
	// Every condition's States map back to it, and together cover every state once.
	seen := map[desk.State]bool{}
	for _, c := range desk.AllConditions() {
		for _, s := range c.States() {
			if desk.ConditionOf(s) != c || seen[s] {
				t.Errorf("state %s under condition %s", s, c)
			}
			seen[s] = true
		}
	}
	if len(seen) != len(want) {
		t.Errorf("conditions cover %d states", len(seen))
	}
	if desk.ConditionOf("lost") != "" || desk.State("lost").Valid() || desk.Condition("purple").States() != nil {
		t.Error("an unknown state or condition maps to something")
	}
}

func TestNewCallValidate(t *testing.T) {
	long := strings.Repeat("é", 201)
	tests := []struct {
		name   string
		call   desk.NewCall
		fields []string
	}{
		{"minimal", desk.NewCall{Summary: "Laptop will not boot", CustomerID: 1}, nil},
		{"everything", desk.NewCall{Kind: desk.Request, Summary: "New starter account", Description: "Starts Monday", CustomerID: 1,
			AltEmail: "jane.home@example.org", AltPhone: "+44 (0)7700 900123", Source: desk.SourcePortal, ProfileID: 3,
			Impact: desk.Low, Urgency: desk.High, GroupID: 2, AnalystID: 5}, nil},
		{"200 characters of summary", desk.NewCall{Summary: strings.Repeat("é", 200), CustomerID: 1}, nil},
		{"missing summary", desk.NewCall{CustomerID: 1}, []string{"summary"}},
		{"blank summary", desk.NewCall{Summary: " \t ", CustomerID: 1}, []string{"summary"}},
		{"summary too long", desk.NewCall{Summary: long, CustomerID: 1}, []string{"summary"}},
		{"description too long", desk.NewCall{Summary: "x", Description: strings.Repeat("x", 100_001), CustomerID: 1}, []string{"description"}},
		{"no customer", desk.NewCall{Summary: "x"}, []string{"customer_id"}},
		{"bad alternate email", desk.NewCall{Summary: "x", CustomerID: 1, AltEmail: "jane at home"}, []string{"alt_email"}},
		{"alternate email with a display name", desk.NewCall{Summary: "x", CustomerID: 1, AltEmail: "Jane <jane@example.org>"}, []string{"alt_email"}},
		{"bad alternate phone", desk.NewCall{Summary: "x", CustomerID: 1, AltPhone: "call me maybe"}, []string{"alt_phone"}},
		{"too few digits", desk.NewCall{Summary: "x", CustomerID: 1, AltPhone: "1234"}, []string{"alt_phone"}},
		{"unknown kind", desk.NewCall{Kind: "incident", Summary: "x", CustomerID: 1}, []string{"kind"}},
		{"unknown source", desk.NewCall{Source: "fax", Summary: "x", CustomerID: 1}, []string{"source"}},
		{"unknown impact and urgency", desk.NewCall{Summary: "x", CustomerID: 1, Impact: "huge", Urgency: "asap"}, []string{"impact", "urgency"}},
		{"analyst without group", desk.NewCall{Summary: "x", CustomerID: 1, AnalystID: 5}, []string{"group_id"}},
		{"several at once", desk.NewCall{Kind: "x", Source: "y"}, []string{"kind", "source", "summary", "customer_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.call
			err := n.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
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
		})
	}
}

func TestNewCallDefaults(t *testing.T) {
	n := desk.NewCall{Summary: "  Printer jam  ", Description: " tray 2\n", CustomerID: 1, AltEmail: " a@b.example "}
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	if n.Kind != desk.Fault || n.Source != desk.SourceAPI || n.Summary != "Printer jam" || n.Description != "tray 2" || n.AltEmail != "a@b.example" {
		t.Errorf("defaults and trimming: %+v", n)
	}
	if desk.Fault.Prefix() != "F" || desk.Request.Prefix() != "R" {
		t.Error("prefixes")
	}
}

func TestErrors(t *testing.T) {
	if desk.Invalid("x", nil) != nil || desk.Invalid("x", map[string]string{}) != nil {
		t.Error("Invalid with no fields is not nil")
	}
	err := desk.Invalid("the call cannot be logged", map[string]string{"summary": "is required", "customer_id": "is required"})
	if got, want := err.Error(), "the call cannot be logged: customer_id is required; summary is required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("create call: %w", desk.Errorf(desk.ECONFLICT, "changed"))
	tests := []struct {
		err  error
		code string
	}{
		{nil, ""},
		{errors.New("disk on fire"), desk.EINTERNAL},
		{err, desk.EINVALID},
		{wrapped, desk.ECONFLICT},
	}
	for _, tt := range tests {
		if got := desk.ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.code)
		}
	}
	if desk.AsError(errors.New("x")) != nil || desk.AsError(wrapped).Message != "changed" {
		t.Error("AsError")
	}
}
