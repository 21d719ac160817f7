package desk

import (
	"errors"
	"fmt"
	"regexp"
	"time"
	_ "time/tzdata" // the desk's zone is found without the system's zoneinfo (a minimal container)
)

// Zone is the desk's time zone, and the one way calldesk writes a time for a person: every page,
// email, diary text and report a person reads goes through When (or Day), so a time is in the
// desk's zone with the abbreviation right for that instant ("Thu 1 Jul 2027 10:00 BST",
// "Mon 1 Nov 2027 10:00 GMT"), whatever the date it is read on. Machines get RFC 3339 in UTC
// instead (the JSON API, CSV files, the audit trail), untouched by Zone.
//
// Texts that are stored and read later (a diary entry's "on hold until ...") keep the instant,
// written by Instant; Text renders those instants in the reader's zone when the text is shown.
//
// The zero Zone is UTC; serve configures Europe/London unless told otherwise (--timezone).
type Zone struct{ loc *time.Location }

// ZoneOf is the zone loc; UTC when loc is nil.
func ZoneOf(loc *time.Location) Zone { return Zone{loc: loc} }

// LoadZone is the zone of an IANA name (Europe/London, UTC).
func LoadZone(name string) (Zone, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return Zone{}, fmt.Errorf("%q is not a time zone name like Europe/London", name)
	}
	return Zone{loc: loc}, nil
}

// Location is the zone's location, UTC for the zero Zone.
func (z Zone) Location() *time.Location {
	if z.loc == nil {
		return time.UTC
	}
	return z.loc
}

// String is the zone's IANA name ("Europe/London").
func (z Zone) String() string { return z.Location().String() }

// MarshalText writes the zone as its IANA name, so a model that is stored and rendered later (a
// subject access bundle in review) renders in the zone it was made for.
func (z Zone) MarshalText() ([]byte, error) { return []byte(z.String()), nil }

// UnmarshalText reads a zone's IANA name.
func (z *Zone) UnmarshalText(b []byte) error {
	l, err := LoadZone(string(b))
	if err != nil {
		return err
	}
	*z = l
	return nil
}

// When writes t for a person: day, date, minute and the zone's abbreviation at t, in the desk's
// zone ("Thu 1 Jul 2027 10:00 BST"); "" for the zero time.
func (z Zone) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(z.Location()).Format("Mon 2 Jan 2006 15:04 MST")
}

// Day writes the date of t in the desk's zone ("1 Jul 2027"); "" for the zero time.
func (z Zone) Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(z.Location()).Format("2 Jan 2006")
}

// Clock writes the time of day of t in the desk's zone with its abbreviation ("10:00 BST").
func (z Zone) Clock(t time.Time) string { return t.In(z.Location()).Format("15:04 MST") }

// Instant writes t into a text that is stored and shown later (a diary entry, a conflict's list
// of changes, an error message): RFC 3339 in UTC to the second ("2027-07-01T09:00:00Z"), which a
// machine reads as it is and Zone.Text shows a person in their zone.
func Instant(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// instantsInText finds the instants Text renders: Instant's RFC 3339 in UTC, and the
// "2026-03-02 10:30 UTC" that diary entries were written with before Instant (old rows).
var instantsInText = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z| \d{2}:\d{2}(?::\d{2})? UTC)\b`)

// Text is s with each instant written in it (Instant, or an older "2026-03-02 10:30 UTC")
// written as When writes it, in the desk's zone.
func (z Zone) Text(s string) string {
	return instantsInText.ReplaceAllStringFunc(s, func(m string) string {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05 MST", "2006-01-02 15:04 MST"} {
			if t, err := time.Parse(layout, m); err == nil {
				return z.When(t.UTC())
			}
		}
		return m
	})
}

// EntryText is a diary entry's text as a person reads it: the instants calldesk's own entries
// keep (a status change's "on hold until ...") in the desk's zone; what people wrote (updates,
// notes, emails) as they wrote it.
func (z Zone) EntryText(kind EntryKind, text string) string {
	if kind == EntryStatus || kind == EntryAssignment {
		return z.Text(text)
	}
	return text
}

// ErrNotATime is ParseLocal's error for a text that is not a date and time at all.
var ErrNotATime = errors.New("is not a date and time")

// ParseLocal reads a date and time typed on the desk's clock ("2027-07-01T10:00", as a
// datetime-local field sends it, with or without seconds). A time the clocks skip when they go
// forward does not exist and is refused; one they pass twice when they go back is the first
// (the summer one: 01:30 BST, not 01:30 GMT), which When then shows with its abbreviation.
// Its errors complete a sentence about the field ("until is not a date and time").
func (z Zone) ParseLocal(s string) (time.Time, error) {
	var wall time.Time
	var err error
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if wall, err = time.Parse(layout, s); err == nil {
			break
		}
	}
	if err != nil {
		return time.Time{}, ErrNotATime
	}
	loc := z.Location()
	// The zone's offsets around that wall clock time; each that gives it back is a reading.
	var found []time.Time
	seen := map[int]bool{}
	for _, near := range []time.Duration{-24 * time.Hour, 0, 24 * time.Hour} {
		_, off := wall.Add(near).In(loc).Zone()
		if seen[off] {
			continue
		}
		seen[off] = true
		t := wall.Add(-time.Duration(off) * time.Second)
		if l := t.In(loc); l.Year() == wall.Year() && l.YearDay() == wall.YearDay() && l.Hour() == wall.Hour() && l.Minute() == wall.Minute() && l.Second() == wall.Second() {
			found = append(found, t.UTC())
		}
	}
	if len(found) == 0 {
		return time.Time{}, fmt.Errorf("is not a time on the desk's clock (%s): the clocks go forward then and skip it; pick a time an hour later", loc)
	}
	first := found[0]
	for _, t := range found[1:] {
		if t.Before(first) {
			first = t
		}
	}
	return first, nil
}
