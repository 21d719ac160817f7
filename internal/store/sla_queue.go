package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
)

// Service levels as the queues show them (issue 17 point 5): how many live calls are at risk or
// have run out of time (the console's "At risk" and "Breached" queues), and each listed call's
// clocks brought forward from their last evaluation to the moment the page is drawn, in working
// time, with the calendars this store already holds compiled. Neither reads a call's history:
// the counts are two range scans of call_sla's indexes, and a page of calls costs no query.

// SLACounts is how many live calls are at risk (a clock counting has used 75% of its time and
// none has run out) and how many are breached (a clock has run out and its event has not
// happened): the counts of the lists CallFilter.SLA "at_risk" and "breached" give, with no other
// filter.
type SLACounts struct {
	AtRisk, Breached int
	// AtRiskMore and BreachedMore say the count stopped at SLAListCountLimit: more calls match.
	AtRiskMore, BreachedMore bool
}

// CountSLA counts the live calls at risk and breached at the store's now, by the conditions the
// lists use (findCalls, levelList). It reads only call_sla's indexes: the at-risk count
// call_sla_band's 'ok' and 'at_risk' rows up to now, the breached count call_sla_queue up to now,
// each counting up to SLAListCountLimit as the lists do (beyond it, "more than"): a desk with
// 200,000 calls breached would otherwise count them all on every queue page.
func (s *Store) CountSLA(ctx context.Context) (SLACounts, error) {
	var n SLACounts
	for _, c := range []struct {
		level, what string
		n           *int
	}{{"at_risk", "calls at risk", &n.AtRisk}, {"breached", "breached calls", &n.Breached}} {
		q, err := s.levelQuery(CallFilter{SLA: c.level})
		if err != nil {
			return SLACounts{}, err
		}
		if *c.n, err = s.countUpTo(ctx, q.count(), q.args, SLAListCountLimit+1); err != nil {
			return SLACounts{}, fmt.Errorf("count %s: %w", c.what, err)
		}
	}
	if n.AtRisk > SLAListCountLimit {
		n.AtRisk, n.AtRiskMore = SLAListCountLimit, true
	}
	if n.Breached > SLAListCountLimit {
		n.Breached, n.BreachedMore = SLAListCountLimit, true
	}
	return n, nil
}

// ClockNow is one clock of a call's stored service level at an instant: the stored evaluation
// carried forward in working time. A clock stored as running whose deadline has since passed is
// overdue; one stored as overdue keeps counting unless the call is in one of its pause states.
type ClockNow struct {
	State   sla.ClockState
	Within  time.Duration // working time allowed (0: no target)
	Elapsed time.Duration // working time used at the instant
	// Left is the working time left at the instant: negative once overdue or missed (by that
	// much), Within-Elapsed once met or ended.
	Left time.Duration
	// Due is the wall-clock deadline while the clock counts, and the instant its time ran out
	// once overdue or missed; zero while paused (it moves) and once met or ended.
	Due time.Time
	// By is the margin once the clock stopped: spare time when met, the overrun when missed.
	By time.Duration
	// AtRisk is true while the clock counts or is paused within its time, having used at least
	// sla.AtRiskPercent of it.
	AtRisk bool
}

// Breached reports whether the clock's time has run out (overdue or missed).
func (c ClockNow) Breached() bool { return c.State == sla.Overdue || c.State == sla.Missed }

// LevelNow is a call's service level at an instant, as a queue row or the API's list shows it.
type LevelNow struct {
	Respond, Resolve ClockNow
	// Exact is false when the calendar the call was evaluated in could not be used (deleted or
	// broken since): the clocks are then as last evaluated, not carried forward.
	Exact bool
}

// AtRisk reports whether a clock is at risk and none has run out.
func (l LevelNow) AtRisk() bool {
	return (l.Respond.AtRisk || l.Resolve.AtRisk) && !l.Respond.Breached() && !l.Resolve.Breached()
}

// Breached reports whether a clock has run out.
func (l LevelNow) Breached() bool { return l.Respond.Breached() || l.Resolve.Breached() }

// ServiceLevelsNow carries the stored service level of each of calls (desk.Call.SLA, as the
// lists fill it) forward to now, in the working time of the call's calendar, from this store's
// cached compiled configuration: no query per call, and none at all while the configuration's
// copy is fresh (one to confirm its version otherwise). The result is in the order of calls; a
// call with no stored level has no targets.
func (s *Store) ServiceLevelsNow(ctx context.Context, calls []desk.Call, now time.Time) ([]LevelNow, error) {
	out := make([]LevelNow, len(calls))
	if len(calls) == 0 {
		return out, nil
	}
	cf, err := s.slaConfigNow(ctx, s)
	if err != nil {
		return nil, err
	}
	for i, c := range calls {
		out[i] = cf.levelNow(c, now)
	}
	return out, nil
}

// ServiceLevelNow is ServiceLevelsNow for one call.
func (s *Store) ServiceLevelNow(ctx context.Context, c desk.Call, now time.Time) (LevelNow, error) {
	l, err := s.ServiceLevelsNow(ctx, []desk.Call{c}, now)
	if err != nil {
		return LevelNow{}, err
	}
	return l[0], nil
}

// levelNow is c's stored level carried forward to now under cf.
func (cf *slaConfig) levelNow(c desk.Call, now time.Time) LevelNow {
	none := ClockNow{State: sla.NoTarget}
	l := c.SLA
	if l == nil {
		return LevelNow{Respond: none, Resolve: none, Exact: true}
	}
	cal := cf.cals[l.CalendarID]
	var rule *sla.Rule
	for i := range cf.rules {
		if cf.rules[i].ID == l.RuleID {
			rule = &cf.rules[i]
		}
	}
	out := LevelNow{Exact: true}
	for _, x := range []struct {
		t      desk.TargetLevel
		pauses func(sla.Rule) []desk.State
		to     *ClockNow
	}{
		{l.Respond, func(r sla.Rule) []desk.State { return r.Respond.PauseIn }, &out.Respond},
		{l.Resolve, func(r sla.Rule) []desk.State { return r.Resolve.PauseIn }, &out.Resolve},
	} {
		paused := rule != nil && slices.Contains(x.pauses(*rule), c.State)
		cl, exact := clockNow(cal, x.t, l.EvaluatedAt, now, paused)
		*x.to = cl
		out.Exact = out.Exact && exact
	}
	return out
}

// clockNow carries the stored target t, evaluated at `at`, forward to now in cal. pausedNow says
// whether the call is in one of the target's pause states (an overdue clock then stands still).
// Without a calendar (nil), the clock is as stored and exact is false.
func clockNow(cal *sla.Calendar, t desk.TargetLevel, at, now time.Time, pausedNow bool) (c ClockNow, exact bool) {
	c = ClockNow{State: sla.ClockState(t.State), Within: t.Within, Elapsed: t.Elapsed, Due: t.Due, By: t.By}
	if !c.State.Valid() || c.State == sla.NoTarget || t.Within <= 0 {
		return ClockNow{State: sla.NoTarget}, true
	}
	exact = true
	counting := c.State == sla.Running || (c.State == sla.Overdue && !pausedNow)
	if counting && now.After(at) {
		if cal == nil {
			exact = false
		} else if d, err := cal.Elapsed(at, now); err != nil {
			exact = false // outside the calendar's years: as last evaluated
		} else {
			c.Elapsed += d
		}
	}
	c.Left = c.Within - c.Elapsed
	switch c.State {
	case sla.Running:
		if c.Left < 0 || (c.Left == 0 && !now.Before(c.Due)) {
			c.State = sla.Overdue // its deadline (Due, the instant it runs out) has passed
		}
	case sla.Missed:
		c.Left = -c.By
	case sla.Met, sla.Ended:
		c.Due = time.Time{}
	}
	if c.State == sla.Running || c.State == sla.Paused {
		c.AtRisk = c.Elapsed*100 >= c.Within*sla.AtRiskPercent
	}
	return c, exact
}
