package desk_test

import (
	"testing"

	"calldesk/internal/desk"
)

// TestZoneKeepsWhatPeopleTyped: a reason, resolution or close note that holds something looking
// like an instant (a log line, a file name) is shown as the person typed it, in the diary, in a
// conflict's changes and in a SAR report's fields; only the instants calldesk wrote (a hold's end,
// when a change was made, record_created) are shown in the desk's zone.
func TestZoneKeepsWhatPeopleTyped(t *testing.T) {
	t.Parallel()
	z := london(t)
	typed := "the log says 2027-07-01T09:00:00Z and backup-2027-07-01 09:00 UTC failed"
	for _, c := range []struct {
		kind     desk.EntryKind
		in, want string
	}{
		{desk.EntryStatus, "resolved: " + typed, "resolved: " + typed},
		{desk.EntryStatus, "cancelled: " + typed, "cancelled: " + typed},
		{desk.EntryStatus, "pending: " + typed, "pending: " + typed},
		{desk.EntryStatus, "reopened: " + typed, "reopened: " + typed},
		{desk.EntryStatus, typed, typed}, // a close note is the whole text
		{desk.EntryStatus, "on hold until 2027-11-01T10:00:00Z: " + typed, "on hold until Mon 1 Nov 2027 10:00 GMT: " + typed},
		{desk.EntryStatus, "on hold until 2027-07-01 09:00 UTC: old row", "on hold until Thu 1 Jul 2027 10:00 BST: old row"},
		{desk.EntryAssignment, "assigned to 2027-07-01T09:00:00Z team", "assigned to 2027-07-01T09:00:00Z team"},
	} {
		if got := z.EntryText(c.kind, c.in); got != c.want {
			t.Errorf("EntryText(%s, %q) =\n %q, want\n %q", c.kind, c.in, got, c.want)
		}
	}
	change := "resolved: " + typed + " by Ann Smith at 2027-03-28T00:59:59Z"
	if got, want := z.ChangeText(change), "resolved: "+typed+" by Ann Smith at Sun 28 Mar 2027 00:59 GMT"; got != want {
		t.Errorf("ChangeText =\n %q, want\n %q", got, want)
	}
	hold := "on hold until 2027-03-28T01:00:00Z: " + typed + " by Ann Smith at 2027-10-31T01:30:00Z"
	if got, want := z.ChangeText(hold), "on hold until Sun 28 Mar 2027 02:00 BST: "+typed+" by Ann Smith at Sun 31 Oct 2027 01:30 GMT"; got != want {
		t.Errorf("ChangeText =\n %q, want\n %q", got, want)
	}
	for in, want := range map[string]string{
		"2027-07-01T09:00:00Z": "Thu 1 Jul 2027 10:00 BST",
		typed:                  typed,
		"Ann":                  "Ann",
	} {
		if got := z.ValueText(in); got != want {
			t.Errorf("ValueText(%q) = %q, want %q", in, got, want)
		}
	}
}
