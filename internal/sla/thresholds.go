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
		var cum time.Duration
		for _, r := range c.runs {
			if r.to.IsZero() {
				at, err := cal.Add(r.from, amount-cum)
				if err != nil {
					return nil, err
				}
				x.At, x.Crossed = at, !at.After(now)
				break
			}
			d, err := cal.Elapsed(r.from, r.to)
			if err != nil {
				return nil, err
			}
			if cum+d >= amount {
				at, err := cal.Add(r.from, amount-cum)
				if err != nil {
					return nil, err
				}
				x.At, x.Crossed = at, true
				break
			}
			cum += d
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
