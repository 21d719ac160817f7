package web

import (
	"context"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
	"calldesk/internal/store"
)

// slaJSON is a call's service level as the API shows it (issue 17): the rule that applies and
// why, and each target's clock at the moment of the answer. Durations are whole seconds of
// working time (the calendar's hours, not the wall clock's).
type slaJSON struct {
	RuleID  int64      `json:"rule_id,omitzero"`
	Rule    string     `json:"rule,omitzero"`
	Why     string     `json:"why"`
	Respond targetJSON `json:"respond"`
	Resolve targetJSON `json:"resolve"`
	// AtRisk: a clock counting has used 75% of its time and none has run out; Breached: a
	// clock's time has run out (overdue or missed).
	AtRisk   bool `json:"at_risk"`
	Breached bool `json:"breached"`
}

// targetJSON is one clock of a call's service level.
type targetJSON struct {
	// State is none, running, paused, overdue, met, missed or ended.
	State   sla.ClockState `json:"state"`
	Within  int64          `json:"within,omitzero"`
	Elapsed int64          `json:"elapsed"`
	// Due is the deadline while the clock counts, and when its time ran out once overdue or
	// missed; absent while paused (it moves) and once met or ended.
	Due      time.Time `json:"due,omitzero"`
	Breached bool      `json:"breached"`
	// MetBy is the working time to spare when met; MissedBy the overrun when overdue or missed.
	MetBy    int64 `json:"met_by,omitzero"`
	MissedBy int64 `json:"missed_by,omitzero"`
}

func targetOf(c store.ClockNow) targetJSON {
	t := targetJSON{State: c.State, Within: seconds(c.Within), Elapsed: seconds(c.Elapsed), Due: c.Due.UTC(), Breached: c.Breached()}
	switch c.State {
	case sla.Met:
		t.MetBy = seconds(c.By)
	case sla.Missed:
		t.MissedBy = seconds(c.By)
	case sla.Overdue:
		t.MissedBy = seconds(-c.Left) // still growing while the clock counts
	}
	return t
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// slaOf is the service level of l (the stored level of a call, or a fresh one) at now.
func slaOf(l *desk.ServiceLevel, now store.LevelNow) *slaJSON {
	out := &slaJSON{Respond: targetOf(now.Respond), Resolve: targetOf(now.Resolve), AtRisk: now.AtRisk(), Breached: now.Breached()}
	if l != nil {
		out.RuleID, out.Rule, out.Why = l.RuleID, l.RuleName, l.Why
	}
	return out
}

// serviceLevels sets the sla of each of out (a page of calls) from the calls' stored levels
// carried forward to now: no query per call.
func (s *Server) serviceLevels(ctx context.Context, calls []desk.Call, out []callJSON) error {
	levels, err := s.Store.ServiceLevelsNow(ctx, calls, s.now())
	if err != nil {
		return err
	}
	for i := range out {
		out[i].SLA = slaOf(calls[i].SLA, levels[i])
	}
	return nil
}

// serviceLevel is call's service level evaluated afresh now (one call: its history is read).
func (s *Server) serviceLevel(ctx context.Context, call desk.Call) (*slaJSON, error) {
	l, err := s.Store.ServiceLevelOf(ctx, call)
	if err != nil {
		return nil, err
	}
	call.SLA = &l.ServiceLevel
	now, err := s.Store.ServiceLevelNow(ctx, call, l.EvaluatedAt)
	if err != nil {
		return nil, err
	}
	return slaOf(call.SLA, now), nil
}
