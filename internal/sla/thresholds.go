package sla

import (
	"time"

	"calldesk/internal/desk"
)

// Crossing is a warning threshold of a clock: a percentage of its allowed time.
type Crossing struct {
	Percent int
	// Crossed is true once the clock has counted Percent% of its allowed time (reaching it
	// exactly counts: 100% is "due now").
	Crossed bool
	// At is when it was crossed, or, while the clock runs, when it will be; zero when it has not
	// been crossed and the clock is paused or stopped (no time can be promised).
	At time.Time
}

// Crossings reports, for each percentage, whether c has crossed it by now and when it was or will
// be crossed. A job fires the crossed ones it has not fired yet and sleeps until [Next].
func Crossings(cal *Calendar, c Clock, percents []int, now time.Time) ([]Crossing, error) {
	out := make([]Crossing, 0, len(percents))
	for _, p := range percents {
		if p <= 0 {
			return nil, desk.Errorf(desk.EINVALID, "a threshold must be a positive percentage, not %d", p)
		}
		amount := time.Duration(int64(c.Within) / 100 * int64(p))
		if int64(c.Within)%100 != 0 {
			amount = time.Duration(float64(c.Within) * float64(p) / 100)
		}
		x := Crossing{Percent: p}
		// The run during which the clock reached amount: the last one that started below it.
		i := len(c.runs) - 1
		for i >= 0 && c.runs[i].before >= amount {
			i--
		}
		if i >= 0 {
			r := c.runs[i]
			var reached bool
			if r.to.IsZero() {
				reached = true // still running: it will get there
			} else {
				next := c.Elapsed // the working time counted by the end of this run
				if i+1 < len(c.runs) {
					next = c.runs[i+1].before
				}
				reached = next >= amount
			}
			if reached {
				at, err := cal.Add(r.from, amount-r.before)
				if err != nil {
					return nil, err
				}
				x.At, x.Crossed = at, !at.After(now)
			}
		}
		out = append(out, x)
	}
	return out, nil
}

// Next is the earliest instant at which one of xs not yet crossed will be crossed, and false when
// none will be (all crossed, or the clock is paused or stopped).
func Next(xs []Crossing) (time.Time, bool) {
	var best time.Time
	for _, x := range xs {
		if !x.Crossed && !x.At.IsZero() && (best.IsZero() || x.At.Before(best)) {
			best = x.At
		}
	}
	return best, !best.IsZero()
}
