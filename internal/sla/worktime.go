package sla

import (
	"fmt"
	"sort"
	"time"

	"calldesk/internal/desk"
)

// weekdayOf is the weekday of day number n (day 0, 1970-01-01, was a Thursday).
func weekdayOf(n int64) time.Weekday { return time.Weekday((n%7 + 11) % 7) }

// days walks the days of a calendar from a first day, giving each day's working intervals as
// instants. It remembers when the zone's current offset ends, so on a day with no clock change a
// span is midnight plus its offset (one time.Date a day), and only clock change days read each
// span end as a wall time.
type days struct {
	c     *Calendar
	first Date  // the date of day n0
	n0    int64 // the first day's number
	// The bounds of the zone offset last read: zero start means since forever, zero end until
	// forever; known says they have been read.
	zoneStart, zoneEnd time.Time
	known              bool
	sbuf               [8]Span
	ibuf               [8]interval
}

func (c *Calendar) daysFrom(n0 int64) *days {
	return &days{c: c, first: dateOf(n0), n0: n0}
}

// midnight is the instant wall-clock midnight starts day n.
func (w *days) midnight(n int64) time.Time {
	return time.Date(w.first.Year, w.first.Month, w.first.Day+int(n-w.n0), 0, 0, 0, 0, w.c.loc)
}

// stable reports whether the zone's offset stays the same from the instant t before day
// starts (t is a midnight, so the offset must have started strictly before it: a zone that changes
// at midnight makes that day's "midnight" 01:00) until after t+length. It reads the zone only
// when t has passed the last bounds read (days are walked in order).
func (w *days) stable(t time.Time, length time.Duration) bool {
	if !w.known || (!w.zoneEnd.IsZero() && !t.Before(w.zoneEnd)) {
		w.zoneStart, w.zoneEnd = t.ZoneBounds()
		w.known = true
	}
	return (w.zoneStart.IsZero() || w.zoneStart.Before(t)) && (w.zoneEnd.IsZero() || w.zoneEnd.After(t.Add(length)))
}

// intervals returns the working intervals of day n, in order and not overlapping (a span whose
// ends a clock change folds together is dropped). The slice is reused by the next call.
func (w *days) intervals(n int64) []interval {
	c := w.c
	spans := c.daySpans(n, w.sbuf[:0])
	out := w.ibuf[:0]
	if len(spans) == 0 {
		return out
	}
	t := w.midnight(n)
	if w.stable(t, 24*time.Hour) {
		for _, s := range spans {
			out = append(out, interval{t.Add(s.Start), t.Add(s.End)})
		}
		return out
	}
	// A clock change day: read each span end as a wall time, and keep the intervals inside the
	// day's real bounds (a wall time the change skips may be read into the day before).
	d := dateOf(n)
	last, dayEnd := c.dayStart(d), c.dayStart(d.AddDays(1))
	for _, s := range spans {
		a := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(s.Start), c.loc)
		b := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(s.End), c.loc)
		if a.Before(last) {
			a = last
		}
		if b.After(dayEnd) {
			b = dayEnd
		}
		if !a.Before(b) {
			continue
		}
		out = append(out, interval{a, b})
		last = b
	}
	return out
}

// dayStart is the first instant whose local date is d: its midnight, or, when a clock change
// skips midnight, the instant of the change.
func (c *Calendar) dayStart(d Date) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, c.loc)
	lt := t.In(c.loc)
	y, m, dd := lt.Date()
	got := Date{y, m, dd}
	h, mi, sec := lt.Clock()
	switch {
	case got == d && h == 0 && mi == 0 && sec == 0:
		return t
	case got.num() < d.num():
		_, end := t.ZoneBounds()
		return end
	default:
		start, _ := t.ZoneBounds()
		return start
	}
}

// cleanWeeks is how many whole weeks from day n (at most max) have no closure and no clock
// change: each of them is exactly the calendar's nominal week of working time.
func (w *days) cleanWeeks(n int64, max int64) int64 {
	if max <= 0 || w.c.weekWork == 0 {
		return 0
	}
	limit := n + 7*max
	cd := w.c.closedDays
	if i := sort.Search(len(cd), func(i int) bool { return cd[i] >= n }); i < len(cd) && cd[i] < limit {
		limit = cd[i]
	}
	if limit <= n {
		return 0
	}
	t := w.midnight(n)
	if !w.stable(t, 0) {
		return 0
	}
	if !w.zoneEnd.IsZero() {
		// Step the day the offset changes and the day before it (whose end may be the change).
		if m := w.c.dayOf(w.zoneEnd) - 1; m < limit {
			limit = m
		}
	}
	if limit <= n {
		return 0
	}
	return (limit - n) / 7
}

type interval struct{ from, to time.Time }

// dayOf is the day number of instant t in the calendar's zone.
func (c *Calendar) dayOf(t time.Time) int64 {
	y, m, d := t.In(c.loc).Date()
	return Date{y, m, d}.num()
}

func (c *Calendar) inRange(t time.Time) error {
	y := t.In(c.loc).Year()
	if y < FirstYear || y > LastYear {
		return desk.Errorf(desk.EINVALID, "%s is outside the years %d-%d that calendar %q covers", t.Format(time.RFC3339), FirstYear, LastYear, c.name)
	}
	return nil
}

// Add returns the instant that is d of working time after start: the deadline of a target of d
// started at start. A start outside working hours counts from the next working moment; a deadline
// that falls exactly at the end of a span is that end (18:00, not 08:00 the next working day).
// Add(start, 0) is start. It is an error (EINVALID) for d to be negative, for start to be outside
// the calendar's years, or for the calendar to have no working time within [Horizon] days.
func (c *Calendar) Add(start time.Time, d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, desk.Errorf(desk.EINVALID, "a working duration to add cannot be negative (%s)", d)
	}
	if err := c.inRange(start); err != nil {
		return time.Time{}, err
	}
	if d == 0 {
		return start, nil
	}
	n0 := c.dayOf(start)
	w := c.daysFrom(n0)
	left := d
	for n := n0; n <= n0+Horizon; n++ {
		if n > n0 {
			if k := w.cleanWeeks(n, min(int64(left-1)/int64(c.weekWork), (n0+Horizon-n)/7)); k > 0 {
				left -= time.Duration(k) * c.weekWork
				n += 7*k - 1
				continue
			}
		}
		for _, iv := range w.intervals(n) {
			if !iv.to.After(start) {
				continue
			}
			from := iv.from
			if from.Before(start) {
				from = start
			}
			avail := iv.to.Sub(from)
			if left <= avail {
				return from.Add(left), nil
			}
			left -= avail
		}
	}
	return time.Time{}, desk.Errorf(desk.EINVALID, "calendar %q has no %s of working time within %d days of %s: check its working hours and closures",
		c.name, fmtDur(d), Horizon, start.In(c.loc).Format("2 Jan 2006 15:04"))
}

// Elapsed returns the working time between from and to (negative when to is before from).
func (c *Calendar) Elapsed(from, to time.Time) (time.Duration, error) {
	if to.Before(from) {
		d, err := c.Elapsed(to, from)
		return -d, err
	}
	if err := c.inRange(from); err != nil {
		return 0, err
	}
	if err := c.inRange(to); err != nil {
		return 0, err
	}
	n0, n1 := c.dayOf(from), c.dayOf(to)
	w := c.daysFrom(n0)
	var sum time.Duration
	for n := n0; n <= n1; n++ {
		if n > n0 {
			if k := w.cleanWeeks(n, (n1-n)/7); k > 0 {
				sum += time.Duration(k) * c.weekWork
				n += 7*k - 1
				continue
			}
		}
		for _, iv := range w.intervals(n) {
			a, b := iv.from, iv.to
			if a.Before(from) {
				a = from
			}
			if b.After(to) {
				b = to
			}
			if a.Before(b) {
				sum += b.Sub(a)
			}
		}
	}
	return sum, nil
}

// fmtDur writes a working duration as people say it: "10h", "1h30m", "45m".
func fmtDur(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	var s string
	switch {
	case h > 0 && m > 0:
		s = fmt.Sprintf("%dh%02dm", h, m)
	case h > 0:
		s = fmt.Sprintf("%dh", h)
	case m > 0 || d == 0:
		s = fmt.Sprintf("%dm", m)
	default:
		s = d.String()
	}
	if neg {
		return "-" + s
	}
	return s
}
