package desk_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
)

func london(t *testing.T) desk.Zone {
	t.Helper()
	z, err := desk.LoadZone("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// TestZoneWhenAcrossTheClockChanges: the one formatter writes each instant in the desk's zone
// with the abbreviation of that instant, across both of 2027's clock changes (28 March: 01:00
// GMT becomes 02:00 BST; 31 October: 02:00 BST becomes 01:00 GMT, so 01:xx happens twice).
func TestZoneWhenAcrossTheClockChanges(t *testing.T) {
	t.Parallel()
	z := london(t)
	utc := func(mo time.Month, d, h, mi, s int) time.Time { return time.Date(2027, mo, d, h, mi, s, 0, time.UTC) }
	for _, tc := range []struct {
		at        time.Time
		when, day string
	}{
		{utc(1, 15, 10, 0, 0), "Fri 15 Jan 2027 10:00 GMT", "15 Jan 2027"},
		{utc(3, 28, 0, 59, 59), "Sun 28 Mar 2027 00:59 GMT", "28 Mar 2027"},
		{utc(3, 28, 1, 0, 0), "Sun 28 Mar 2027 02:00 BST", "28 Mar 2027"}, // 01:00-01:59 is skipped
		{utc(3, 28, 1, 30, 0), "Sun 28 Mar 2027 02:30 BST", "28 Mar 2027"},
		{utc(6, 30, 23, 30, 0), "Thu 1 Jul 2027 00:30 BST", "1 Jul 2027"}, // the next day in the desk's zone
		{utc(7, 1, 9, 0, 0), "Thu 1 Jul 2027 10:00 BST", "1 Jul 2027"},
		{utc(10, 31, 0, 30, 0), "Sun 31 Oct 2027 01:30 BST", "31 Oct 2027"}, // the first 01:30
		{utc(10, 31, 0, 59, 59), "Sun 31 Oct 2027 01:59 BST", "31 Oct 2027"},
		{utc(10, 31, 1, 0, 0), "Sun 31 Oct 2027 01:00 GMT", "31 Oct 2027"},
		{utc(10, 31, 1, 30, 0), "Sun 31 Oct 2027 01:30 GMT", "31 Oct 2027"}, // the second 01:30
		{utc(11, 1, 10, 0, 0), "Mon 1 Nov 2027 10:00 GMT", "1 Nov 2027"},
		{time.Date(2027, 7, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600)), "Thu 1 Jul 2027 11:00 BST", "1 Jul 2027"},
	} {
		if got := z.When(tc.at); got != tc.when {
			t.Errorf("When(%s) = %q, want %q", tc.at, got, tc.when)
		}
		if got := z.Day(tc.at); got != tc.day {
			t.Errorf("Day(%s) = %q, want %q", tc.at, got, tc.day)
		}
		if got, want := z.Clock(tc.at), tc.when[len(tc.when)-9:]; got != want {
			t.Errorf("Clock(%s) = %q, want %q", tc.at, got, want)
		}
	}
	if got := z.When(time.Time{}); got != "" {
		t.Errorf("When(zero) = %q, want nothing", got)
	}
	if got := (desk.Zone{}).When(utc(7, 1, 9, 0, 0)); got != "Thu 1 Jul 2027 09:00 UTC" {
		t.Errorf("the zero Zone writes %q, want UTC", got)
	}
}

// TestZoneParseLocal: a time typed on the desk's clock is read in its zone; the hour skipped in
// March is refused, saying why, and the hour passed twice in October is its first (BST) reading.
func TestZoneParseLocal(t *testing.T) {
	t.Parallel()
	z := london(t)
	for _, tc := range []struct {
		in   string
		want time.Time // zero: refused
		err  string
	}{
		{in: "2027-07-01T10:00", want: time.Date(2027, 7, 1, 9, 0, 0, 0, time.UTC)},
		{in: "2027-07-01T10:00:30", want: time.Date(2027, 7, 1, 9, 0, 30, 0, time.UTC)},
		{in: "2027-12-01T10:00", want: time.Date(2027, 12, 1, 10, 0, 0, 0, time.UTC)},
		{in: "2027-03-28T00:59", want: time.Date(2027, 3, 28, 0, 59, 0, 0, time.UTC)},
		{in: "2027-03-28T01:00", err: "the clocks go forward"},
		{in: "2027-03-28T01:30", err: "the clocks go forward"},
		{in: "2027-03-28T02:00", want: time.Date(2027, 3, 28, 1, 0, 0, 0, time.UTC)},
		{in: "2027-10-31T00:59", want: time.Date(2027, 10, 30, 23, 59, 0, 0, time.UTC)},
		{in: "2027-10-31T01:30", want: time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC)}, // 01:30 BST, not GMT
		{in: "2027-10-31T02:00", want: time.Date(2027, 10, 31, 2, 0, 0, 0, time.UTC)},
		{in: "tomorrow", err: "is not a date and time"},
	} {
		got, err := z.ParseLocal(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseLocal(%q) = %s, %v; want an error saying %q", tc.in, got, err, tc.err)
		case tc.err == "" && (err != nil || !got.Equal(tc.want)):
			t.Errorf("ParseLocal(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// TestZoneText: instants kept in stored texts, as Instant writes them and as diary entries were
// written before it ("... 09:00 UTC"), are shown in the reader's zone, summer and winter.
func TestZoneText(t *testing.T) {
	t.Parallel()
	z := london(t)
	summer, winter := time.Date(2027, 7, 1, 9, 0, 0, 0, time.UTC), time.Date(2027, 11, 1, 10, 0, 0, 0, time.UTC)
	if got := desk.Instant(summer.Add(300 * time.Millisecond)); got != "2027-07-01T09:00:00Z" {
		t.Errorf("Instant = %q", got)
	}
	for in, want := range map[string]string{
		"on hold until " + desk.Instant(summer) + ": waiting for a part":                       "on hold until Thu 1 Jul 2027 10:00 BST: waiting for a part",
		"on hold until " + desk.Instant(winter) + ": waiting for a part":                       "on hold until Mon 1 Nov 2027 10:00 GMT: waiting for a part",
		"on hold until 2027-07-01 09:00 UTC: old row":                                          "on hold until Thu 1 Jul 2027 10:00 BST: old row",
		"accepted by Ann at 2027-10-31 01:30:00 UTC":                                           "accepted by Ann at Sun 31 Oct 2027 01:30 GMT",
		"on hold until 2027-07-01T09:00:00Z: since 2027-06-30T23:30:00.5Z, and ref 2027-07-01": "on hold until Thu 1 Jul 2027 10:00 BST: since Thu 1 Jul 2027 00:30 BST, and ref 2027-07-01",
		"nothing to see at 10:00":                                                              "nothing to see at 10:00",
	} {
		if got := z.Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestZoneEntryText: the instants of calldesk's own diary entries are shown in the zone; what a
// person wrote is shown as they wrote it, even if it looks like an instant.
func TestZoneEntryText(t *testing.T) {
	t.Parallel()
	z := london(t)
	text := "on hold until 2027-07-01T09:00:00Z: waiting for a part"
	for kind, want := range map[desk.EntryKind]string{
		desk.EntryStatus: "on hold until Thu 1 Jul 2027 10:00 BST: waiting for a part",
		desk.EntryUpdate: text,
		desk.EntryNote:   text,
		desk.EntryEmail:  text,
	} {
		if got := z.EntryText(kind, text); got != want {
			t.Errorf("EntryText(%s) = %q, want %q", kind, got, want)
		}
	}
}

// TestZoneTravelsAsItsName: a zone kept in a stored model (a bundle in review) comes back the
// same zone.
func TestZoneTravelsAsItsName(t *testing.T) {
	t.Parallel()
	type model struct{ Zone desk.Zone }
	b, err := json.Marshal(model{london(t)})
	if err != nil || string(b) != `{"Zone":"Europe/London"}` {
		t.Fatalf("marshalled as %s, %v", b, err)
	}
	var back model
	if err := json.Unmarshal(b, &back); err != nil || back.Zone.String() != "Europe/London" {
		t.Fatalf("read back as %v, %v", back.Zone, err)
	}
	if err := json.Unmarshal([]byte(`{"Zone":"Mars/Olympus"}`), &back); err == nil {
		t.Error("an unknown zone was read")
	}
}
