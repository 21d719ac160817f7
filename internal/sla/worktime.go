package sla

import (
	"fmt"
	"time"

	"calldesk/internal/desk"
)

// weekdayOf is the weekday of day number n (day 0, 1970-01-01, was a Thursday).
func weekdayOf(n int64) time.Weekday { return time.Weekday((n%7 + 11) % 7) }

// dayStart is the instant of wall-clock midnight starting day n in the calendar's zone.
func (c *Calendar) dayStart(n int64) time.Time {
	d := dateOf(n)
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, c.loc)
}

// intervals appends to buf the working intervals of day n as instants, in order and not
// overlapping (a span whose ends the clock change folds together is dropped).
func (c *Calendar) intervals(n int64, spans []Span, buf []interval) []interval {
	buf = buf[:0]
	d := dateOf(n)
	var last time.Time
	for _, s := range spans {
		a := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(s.Start), c.loc)
		b := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(s.End), c.loc)
		if a.Before(last) {
			a = last
		}
		if !a.Before(b) {
			continue
		}
		buf = append(buf, interval{a, b})
		last = b
	}
	return buf
}

type interval struct{ from, to time.Time }

// dayOf is the day number of instant t in the calendar's zone.
func (c *Calendar) dayOf(t time.Time) int64 {
	y, m, d := t.In(c.loc).Date()
	return Date{y, m, d}.num()
}

// cleanWeek reports whether the 7 days from day n can be skipped in one step: no closures and the
// same UTC offset at each midnight (no clock change inside).
func (c *Calendar) cleanWeek(n int64) bool {
	_, off := c.dayStart(n).Zone()
	for i := int64(0); i < 7; i++ {
		if _, ok := c.closed[n+i]; ok {
			return false
		}
		if _, o := c.dayStart(n + i + 1).Zone(); o != off {
			return false
		}
	}
	return true
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
	var sbuf [8]Span
	var ibuf [8]interval
	n0 := c.dayOf(start)
	left := d
	for n := n0; n <= n0+Horizon; n++ {
		if n > n0 && left > c.weekWork && c.cleanWeek(n) {
			left -= c.weekWork
			n += 6
			continue
		}
		for _, iv := range c.intervals(n, c.daySpans(n, sbuf[:0]), ibuf[:0]) {
			if !iv.to.After(start) {
				continue
			}
			from := iv.from
			if from.Before(start) {
				from = start
			}
			if avail := iv.to.Sub(from); left <= avail {
				return from.Add(left), nil
			} else {
				left -= avail
			}
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
	var sbuf [8]Span
	var ibuf [8]interval
	n0, n1 := c.dayOf(from), c.dayOf(to)
	var sum time.Duration
	for n := n0; n <= n1; n++ {
		if n > n0 && n+7 <= n1 && c.cleanWeek(n) {
			sum += c.weekWork
			n += 6
			continue
		}
		for _, iv := range c.intervals(n, c.daySpans(n, sbuf[:0]), ibuf[:0]) {
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
