package desk

import "time"

// ServiceLevel is a call's service level as last evaluated (issue 17): the rule that applies and
// why, and the state of its respond and resolve clocks. Lists, the call page and the API show it;
// the call page re-evaluates at the moment it is shown for the clocks' pauses.
type ServiceLevel struct {
	RuleID     int64  // 0: no rule applies (Why says why)
	RuleName   string // the rule's name when it still exists
	CalendarID int64
	Why        string
	Respond    TargetLevel
	Resolve    TargetLevel
	// DueAt is the earliest deadline of the clocks still counting or overdue (zero: none is);
	// RiskAt when such a clock used 75% of its time.
	DueAt, RiskAt time.Time
	EvaluatedAt   time.Time
}

// TargetLevel is one clock of a call's service level.
type TargetLevel struct {
	// State is none, running, paused, overdue, met, missed or ended (sla.ClockState).
	State   string
	Within  time.Duration // working time allowed
	Elapsed time.Duration // working time counted when evaluated
	// Due is the deadline while the clock counts, and the instant its time ran out once overdue or
	// missed; zero while paused (it moves) and once met or ended.
	Due        time.Time
	StopAt     time.Time     // when the target's event happened (met or missed) or the call ended
	By         time.Duration // spare time when met, the overrun when overdue or missed
	BreachedAt time.Time
}

// Breached reports whether the clock's time ran out (overdue or missed).
func (t TargetLevel) Breached() bool { return t.State == "overdue" || t.State == "missed" }

// AtRisk reports whether the call is at risk at now: a clock still counting has used 75% of its
// time, and none has run out yet.
func (s *ServiceLevel) AtRisk(now time.Time) bool {
	return s != nil && !s.RiskAt.IsZero() && !s.RiskAt.After(now) && !s.Overdue(now)
}

// Overdue reports whether a clock still counting (or paused after running out) has passed its
// deadline at now.
func (s *ServiceLevel) Overdue(now time.Time) bool {
	return s != nil && !s.DueAt.IsZero() && !s.DueAt.After(now)
}
