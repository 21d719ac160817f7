package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
)

// Service levels of calls (issue 17 points 3-6). Every call has a row in call_sla: the events its
// clocks care about (its history, appended in the transaction that changes the call) and the
// result of evaluating that history against the rule and calendar that apply (internal/sla does
// the maths). Lists sort and filter on the stored deadlines; the call page re-evaluates at the
// moment it is shown; a change to the configuration bumps sla_config.version, and RepairSLA
// re-evaluates the open calls made under an older one.

// slaConfigTTL is how long an instance trusts its copy of the service-level configuration before
// it asks the database whether another instance changed it. A call written in that window by an
// instance whose copy is stale is evaluated under the old version, and its row says so: the
// repair re-evaluates it.
const slaConfigTTL = 2 * time.Second

// slaConfig is one version of the service-level configuration, compiled for evaluation.
type slaConfig struct {
	version   int64
	checked   time.Time // when the version was last confirmed current
	rules     []sla.Rule
	ruleCal   map[int64]int64 // rule id -> its own calendar id (0 none)
	ruleName  map[int64]string
	cals      map[int64]*sla.Calendar
	uses      CalendarUses
	parent    map[int64]int64   // profile id -> parent id (0 at the top)
	path      map[int64]string  // profile id -> its path in words
	calErrors map[int64]string  // calendar id -> why it could not be built
	points    []EscalationPoint // escalation points (sla_escalations.go)
}

// slaCache holds the store's current configuration; mu serialises loading it.
type slaCache struct {
	mu  sync.Mutex
	cur *slaConfig
}

func (c *slaCache) get() *slaConfig {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

func (c *slaCache) set(v *slaConfig) {
	c.mu.Lock()
	c.cur = v
	c.mu.Unlock()
}

// slaConfigTx runs fn, a change to the service-level configuration, in a transaction that also
// bumps the configuration's version, and drops this instance's copy once it commits. The open
// calls are re-evaluated under the new version by RepairSLA.
func (s *Store) slaConfigTx(ctx context.Context, fn func(*Tx) error) error {
	err := s.inTx(ctx, func(t *Tx) error {
		if err := fn(t); err != nil {
			return err
		}
		_, err := t.exec(ctx, `UPDATE sla_config SET version = version + 1, repair_after = 0 WHERE id = 1`)
		return err
	})
	if err == nil {
		s.sla.set(nil)
	}
	return err
}

// slaVersion reads the configuration's version through q.
func slaVersion(ctx context.Context, q querier) (int64, error) {
	rows, err := q.query(ctx, `SELECT version FROM sla_config WHERE id = 1`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var v int64
	if !rows.Next() {
		return 0, fmt.Errorf("sla_config has no row: %w", rows.Err())
	}
	if err := rows.Scan(&v); err != nil {
		return 0, err
	}
	return v, rows.Err()
}

// slaConfigNow returns the current configuration, loading it when this instance has none or
// another instance has changed it. q is what reads: the transaction when there is one (a
// transaction must not wait for a second connection of a pool its peers may have exhausted).
func (s *Store) slaConfigNow(ctx context.Context, q querier) (*slaConfig, error) {
	now := s.now()
	cur := s.sla.get()
	if cur != nil && now.Sub(cur.checked) < slaConfigTTL && !now.Before(cur.checked) {
		return cur, nil
	}
	v, err := slaVersion(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("service-level configuration version: %w", err)
	}
	if cur != nil && cur.version == v {
		next := *cur
		next.checked = now
		s.sla.set(&next)
		return &next, nil
	}
	cf, err := loadSLAConfig(ctx, q, v)
	if err != nil {
		return nil, err
	}
	cf.checked = now
	s.sla.set(cf)
	return cf, nil
}

// loadSLAConfig reads through q and compiles the configuration (its version v read just before).
func loadSLAConfig(ctx context.Context, q querier, v int64) (*slaConfig, error) {
	cf := &slaConfig{version: v, ruleCal: map[int64]int64{}, ruleName: map[int64]string{}, cals: map[int64]*sla.Calendar{},
		parent: map[int64]int64{}, path: map[int64]string{}, calErrors: map[int64]string{}}
	rules, err := rules(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("service-level rules: %w", err)
	}
	for _, r := range rules {
		cf.rules = append(cf.rules, r.Rule)
		cf.ruleCal[r.ID] = r.CalendarID
		cf.ruleName[r.ID] = r.Name
	}
	cals, err := calendars(ctx, q, "")
	if err != nil {
		return nil, fmt.Errorf("service-level calendars: %w", err)
	}
	for _, c := range cals {
		cal, err := c.Calendar()
		if err != nil {
			cf.calErrors[c.ID] = err.Error()
			continue
		}
		cf.cals[c.ID] = cal
	}
	if cf.uses, err = calendarUses(ctx, q); err != nil {
		return nil, fmt.Errorf("calendars of groups and profiles: %w", err)
	}
	if cf.points, err = escalationPoints(ctx, q); err != nil {
		return nil, fmt.Errorf("escalation points: %w", err)
	}
	rows, err := q.query(ctx, `SELECT id, parent_id, path FROM profiles`)
	if err != nil {
		return nil, fmt.Errorf("profiles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var parent sql.NullInt64
		var path string
		if err := rows.Scan(&id, &parent, &path); err != nil {
			return nil, err
		}
		cf.parent[id], cf.path[id] = parent.Int64, path
	}
	return cf, rows.Err()
}

// facts are what a rule is chosen by for call c. A profile made after cf was loaded has no path
// or ancestors yet: a rule naming its parent will apply once the repair re-evaluates the call.
func (cf *slaConfig) facts(c desk.Call) sla.Facts {
	f := sla.Facts{Priority: c.Priority, ProfileID: c.ProfileID, CustomerKind: desk.PersonKind(c.Customer.Kind),
		ProfilePath: cf.path[c.ProfileID]}
	for p, n := cf.parent[c.ProfileID], 0; p != 0 && n < 64; p, n = cf.parent[p], n+1 {
		f.Ancestors = append(f.Ancestors, p)
	}
	return f
}

// slaRow is a call's row of call_sla.
type slaRow struct {
	callID     int64
	groupID    int64
	priority   desk.Priority // the call's, kept beside its clocks for the service-level reports (0057)
	history    string
	config     int64
	level      desk.ServiceLevel
	escalateAt time.Time // when the escalation job must look (sla_escalations.go)
	live       bool
	evaluation *sla.Evaluation // the full evaluation (pauses included), when just made
}

// evaluate evaluates the history of call c at now under cf. A call no rule or calendar applies
// to has no targets, and Why says what is missing; a history that cannot be read or evaluated is
// an error.
func (cf *slaConfig) evaluate(c desk.Call, history string, now time.Time) (slaRow, error) {
	r := slaRow{callID: c.ID, groupID: c.GroupID, priority: c.Priority, history: history, config: cf.version, live: c.State.Open()}
	r.level.EvaluatedAt = now
	r.level.Respond.State, r.level.Resolve.State = string(sla.NoTarget), string(sla.NoTarget)
	h, err := sla.DecodeHistory(history)
	if err != nil {
		return r, fmt.Errorf("call %s: %w", c.Ref, err)
	}
	f := cf.facts(c)
	ch, err := sla.Choose(cf.rules, f)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		r.level.Why = desk.Message(err)
		return r, nil
	} else if err != nil {
		return r, err
	}
	r.level.RuleID, r.level.RuleName = ch.Rule.ID, ch.Rule.Name
	profiles := append([]int64{c.ProfileID}, f.Ancestors...)
	if c.ProfileID == 0 {
		profiles = nil
	}
	calID, calWhy := cf.uses.CalendarFor(SLARule{Rule: ch.Rule, CalendarID: cf.ruleCal[ch.Rule.ID]}, profiles, c.GroupID)
	r.level.CalendarID = calID
	cal := cf.cals[calID]
	switch {
	case calID == 0:
		r.level.Why = ch.Why + "; no working-time calendar: " + calWhy + ", so no deadline can be set"
		return r, nil
	case cal == nil:
		r.level.Why = ch.Why + fmt.Sprintf("; calendar %d cannot be used (%s), so no deadline can be set", calID, cf.calErrors[calID])
		return r, nil
	}
	r.level.Why = ch.Why + "; counted in calendar '" + cal.Name() + "' (" + calWhy + ")"
	if len(h) == 0 {
		h = []sla.Event{{At: c.LoggedAt, Kind: sla.Logged}}
	}
	ev, err := sla.Evaluate(cal, []sla.Rule{ch.Rule}, f, h, now)
	if err != nil {
		return r, fmt.Errorf("service level of call %s: %w", c.Ref, err)
	}
	ev.Choice = ch
	r.evaluation = &ev
	for _, x := range []struct {
		c  sla.Clock
		to *desk.TargetLevel
	}{{ev.Respond, &r.level.Respond}, {ev.Resolve, &r.level.Resolve}} {
		st := x.c.State()
		*x.to = desk.TargetLevel{State: string(st), Within: x.c.Within, Elapsed: x.c.Elapsed, StopAt: x.c.StopAt,
			BreachedAt: x.c.BreachedAt}
		if st == sla.Met || st == sla.Missed || st == sla.Overdue {
			x.to.By = x.c.By
		}
		if st == sla.Running || st == sla.Overdue || st == sla.Missed {
			x.to.Due = x.c.Deadline
		}
		if st == sla.Running || st == sla.Overdue {
			if r.level.DueAt.IsZero() || x.c.Deadline.Before(r.level.DueAt) {
				r.level.DueAt = x.c.Deadline
			}
		}
		if st.Live() {
			xs, err := sla.Crossings(cal, x.c, []int{sla.AtRiskPercent}, now)
			if err != nil {
				return r, err
			}
			if at := xs[0].At; !at.IsZero() && (r.level.RiskAt.IsZero() || at.Before(r.level.RiskAt)) {
				r.level.RiskAt = at
			}
		}
	}
	// When the escalation job must look at the call (escalate_at, sla_escalations.go): which
	// points have fired is not known here, so a crossed one counts as due at its crossing.
	xs, err := cf.crossings(c, r)
	if err != nil {
		return r, err
	}
	r.escalateAt = earliest(nextCheck(xs, nil), r.bandChange())
	return r, nil
}

// bandChange is when r's band next changes, a counting clock reaching 75% of its time or running
// out (zero: it will not without an event): the escalation job re-evaluates the call then
// (escalate_at), so the band is at most the job's interval behind.
func (r slaRow) bandChange() time.Time {
	var next time.Time
	if r.live {
		for _, at := range []time.Time{r.level.RiskAt, r.level.DueAt} {
			if at.After(r.level.EvaluatedAt) {
				next = earliest(next, at)
			}
		}
	}
	return next
}

// earliest is the earlier of two instants, a zero one counting as none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// band is r's band at its evaluation (see the migration 0041): nil once the call is not live.
func (r slaRow) band() any {
	l, now := r.level, r.level.EvaluatedAt
	switch {
	case !r.live:
		return nil
	case !l.DueAt.IsZero() && !l.DueAt.After(now):
		return "overdue"
	case !l.RiskAt.IsZero() && !l.RiskAt.After(now):
		return "at_risk"
	}
	return "ok"
}

// slaCols are call_sla's columns as scanSLARow reads them.
const slaCols = `s.call_id, s.history, s.config, s.rule_id, s.calendar_id, s.why, s.respond_within, s.respond_state,
	s.respond_due, s.respond_elapsed, s.respond_stop_at, s.respond_by, s.respond_breached_at, s.resolve_within,
	s.resolve_state, s.resolve_due, s.resolve_elapsed, s.resolve_stop_at, s.resolve_by, s.resolve_breached_at,
	s.due_at, s.risk_at, s.live, s.queue_key, s.group_id, s.band, s.evaluated_at, s.escalate_at, s.priority`

func scanSLARow(sc scanner) (slaRow, error) {
	var r slaRow
	var rule, cal, rw, rd, re, rs, rb, rbr, sw, sd, se, ss, sb, sbr, due, risk sql.NullInt64
	var live, evaluated int64
	var queueKey, group, escalate, priority sql.NullInt64
	var band sql.NullString
	err := sc.Scan(&r.callID, &r.history, &r.config, &rule, &cal, &r.level.Why, &rw, &r.level.Respond.State, &rd, &re, &rs, &rb, &rbr,
		&sw, &r.level.Resolve.State, &sd, &se, &ss, &sb, &sbr, &due, &risk, &live, &queueKey, &group, &band, &evaluated, &escalate, &priority)
	r.groupID, r.escalateAt, r.priority = group.Int64, fromMicros(escalate), desk.Priority(priority.Int64)
	if err != nil {
		return r, err
	}
	r.level.RuleID, r.level.CalendarID = rule.Int64, cal.Int64
	us := func(v sql.NullInt64) time.Duration { return time.Duration(v.Int64) * time.Microsecond }
	r.level.Respond.Within, r.level.Respond.Due, r.level.Respond.Elapsed = us(rw), fromMicros(rd), us(re)
	r.level.Respond.StopAt, r.level.Respond.By, r.level.Respond.BreachedAt = fromMicros(rs), us(rb), fromMicros(rbr)
	r.level.Resolve.Within, r.level.Resolve.Due, r.level.Resolve.Elapsed = us(sw), fromMicros(sd), us(se)
	r.level.Resolve.StopAt, r.level.Resolve.By, r.level.Resolve.BreachedAt = fromMicros(ss), us(sb), fromMicros(sbr)
	r.level.DueAt, r.level.RiskAt = fromMicros(due), fromMicros(risk)
	r.live, r.level.EvaluatedAt = live != 0, time.UnixMicro(evaluated).UTC()
	return r, nil
}

// args are r's values in the order of slaCols.
func (r slaRow) args() []any {
	l := r.level
	dur := func(d time.Duration, set bool) any {
		if !set {
			return nil
		}
		return d.Microseconds()
	}
	has := func(t desk.TargetLevel) bool { return t.State != string(sla.NoTarget) }
	return []any{r.callID, r.history, r.config, nullID(l.RuleID), nullID(l.CalendarID), l.Why,
		dur(l.Respond.Within, has(l.Respond)), l.Respond.State, micros(l.Respond.Due), dur(l.Respond.Elapsed, has(l.Respond)),
		micros(l.Respond.StopAt), dur(l.Respond.By, has(l.Respond)), micros(l.Respond.BreachedAt),
		dur(l.Resolve.Within, has(l.Resolve)), l.Resolve.State, micros(l.Resolve.Due), dur(l.Resolve.Elapsed, has(l.Resolve)),
		micros(l.Resolve.StopAt), dur(l.Resolve.By, has(l.Resolve)), micros(l.Resolve.BreachedAt),
		micros(l.DueAt), micros(l.RiskAt), b2i(r.live), r.queueKey(), nullID(r.groupID), r.band(), l.EvaluatedAt.UnixMicro(), micros(r.escalateAt), int64(r.priority)}
}

// Queue keys past every deadline: paused calls by the working time left, then calls with no target.
const (
	pausedKey   = int64(1) << 62
	noTargetKey = pausedKey + int64(1)<<60
)

// queueKey is r's place in a queue sorted by deadline (see the migration 0041): nil once the call
// is not live.
func (r slaRow) queueKey() any {
	l := r.level
	switch {
	case !r.live:
		return nil
	case !l.DueAt.IsZero():
		return l.DueAt.UnixMicro()
	}
	left := int64(-1)
	for _, t := range []desk.TargetLevel{l.Respond, l.Resolve} {
		if t.State == string(sla.Paused) {
			if rem := (t.Within - t.Elapsed).Microseconds(); left < 0 || rem < left {
				left = rem
			}
		}
	}
	if left >= 0 {
		return pausedKey + min(left, int64(1)<<59)
	}
	return noTargetKey
}

// writeSLA inserts or replaces r.
func (t *Tx) writeSLA(ctx context.Context, r slaRow, insert bool) error {
	if insert {
		_, err := t.exec(ctx, `INSERT INTO call_sla (`+strings.ReplaceAll(slaCols, "s.", "")+`) VALUES (`+placeholders(29)+`)`, r.args()...)
		return err
	}
	a := r.args()
	_, err := t.exec(ctx, `UPDATE call_sla SET history = ?, config = ?, rule_id = ?, calendar_id = ?, why = ?, respond_within = ?,
		respond_state = ?, respond_due = ?, respond_elapsed = ?, respond_stop_at = ?, respond_by = ?, respond_breached_at = ?,
		resolve_within = ?, resolve_state = ?, resolve_due = ?, resolve_elapsed = ?, resolve_stop_at = ?, resolve_by = ?,
		resolve_breached_at = ?, due_at = ?, risk_at = ?, live = ?, queue_key = ?, group_id = ?, band = ?, evaluated_at = ?,
		escalate_at = ?, priority = ? WHERE call_id = ?`,
		append(a[1:], r.callID)...)
	return err
}

// slaCreated starts the clocks of call c, just logged in t.
func (t *Tx) slaCreated(ctx context.Context, c desk.Call) error {
	cf, err := t.s.slaConfigNow(ctx, t)
	if err != nil {
		return err
	}
	state := desk.State("")
	if c.State != desk.Unassigned {
		state = c.State
	}
	r, err := cf.evaluate(c, sla.AppendEvent("", sla.Event{At: c.LoggedAt, Kind: sla.Logged, State: state}), t.Now)
	if err != nil {
		return err
	}
	return t.writeSLA(ctx, r, true)
}

// slaChanged records what happened to call c (its state after the change; ev nil when nothing
// the clocks care about happened, as a reassignment within the same state) and re-evaluates it:
// its group, profile or priority may have changed the rule or calendar. A call with no row (one
// logged before service levels were kept) gets one from its timestamps first.
func (t *Tx) slaChanged(ctx context.Context, c desk.Call, events ...sla.Event) error {
	cf, err := t.s.slaConfigNow(ctx, t)
	if err != nil {
		return err
	}
	var history string
	insert := false
	err = t.queryRow(ctx, `SELECT history FROM call_sla WHERE call_id = ?`, c.ID).Scan(&history)
	if err == sql.ErrNoRows {
		insert, history = true, HistoryFromTimestamps(c)
	} else if err != nil {
		return fmt.Errorf("service level of call %s: %w", c.Ref, err)
	}
	for _, e := range events {
		history = sla.AppendEvent(history, e)
	}
	r, err := cf.evaluate(c, history, t.Now)
	if err != nil {
		return err
	}
	return t.writeSLA(ctx, r, insert)
}

// slaEvents are the clock events of a transition of call c from state `from` at now.
func slaEvents(tr desk.Transition, from desk.State, before, after desk.Call, now time.Time) []sla.Event {
	var out []sla.Event
	switch tr.Action {
	case desk.ActAccept:
		out = append(out, sla.Event{At: now, Kind: sla.Accepted, State: after.State})
	case desk.ActResolve:
		out = append(out, sla.Event{At: now, Kind: sla.Resolved, State: after.State})
	case desk.ActReopen:
		out = append(out, sla.Event{At: now, Kind: sla.Reopened, State: after.State})
	default:
		if after.State != from {
			out = append(out, sla.Event{At: now, Kind: sla.StateChanged, State: after.State})
		}
	}
	if before.Priority != after.Priority {
		out = append(out, sla.Event{At: now, Kind: sla.PriorityChanged})
	}
	if before.ProfileID != after.ProfileID {
		out = append(out, sla.Event{At: now, Kind: sla.ProfileChanged})
	}
	return out
}

// HistoryFromTimestamps rebuilds, as well as a call's own columns allow, the clock history of a
// call logged before calldesk kept one: logged, then the last acceptance, hold, release,
// resolution, reopening, closing and cancelling in the order they happened. Earlier holds and
// reopenings are not in the columns; the history says only what is known.
func HistoryFromTimestamps(c desk.Call) string {
	h := []sla.Event{{At: c.LoggedAt, Kind: sla.Logged}}
	add := func(at time.Time, k sla.EventKind, s desk.State) {
		if !at.IsZero() && !at.Before(c.LoggedAt) {
			h = append(h, sla.Event{At: at, Kind: k, State: s})
		}
	}
	if !c.AssignedAt.IsZero() && c.AssignedAt.Equal(c.LoggedAt) {
		h[0].State = desk.Assigned
	} else {
		add(c.AssignedAt, sla.StateChanged, desk.Assigned)
	}
	add(c.AcceptedAt, sla.Accepted, desk.Accepted)
	add(c.HeldAt, sla.StateChanged, desk.OnHold)
	add(c.OffHoldAt, sla.StateChanged, desk.OffHold)
	add(c.ResolvedAt, sla.Resolved, desk.Resolved)
	if !c.ReopenedAt.IsZero() && c.ReopenedAt.After(c.ResolvedAt) {
		add(c.ReopenedAt, sla.Reopened, desk.Assigned)
	}
	add(c.ClosedAt, sla.StateChanged, desk.Closed)
	add(c.CancelledAt, sla.StateChanged, desk.Cancelled)
	// A call's current state is the truth: if the rebuilt history ends elsewhere (a hold released
	// before the last acceptance, say), end it in the current state at the last known instant.
	sortEvents(h)
	last := h[len(h)-1]
	if st := replayState(h); st != c.State && !c.UpdatedAt.IsZero() {
		at := last.At
		if c.UpdatedAt.After(at) {
			at = c.UpdatedAt
		}
		h = append(h, sla.Event{At: at, Kind: sla.StateChanged, State: c.State})
	}
	return sla.EncodeHistory(h)
}

func sortEvents(h []sla.Event) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].At.Before(h[j-1].At); j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

// replayState is the state a history leaves a call in.
func replayState(h []sla.Event) desk.State {
	st := desk.Unassigned
	for _, e := range h {
		switch {
		case e.State != "":
			st = e.State
		case e.Kind == sla.Accepted:
			st = desk.Accepted
		case e.Kind == sla.Resolved:
			st = desk.Resolved
		case e.Kind == sla.Reopened:
			st = desk.Assigned
		}
	}
	return st
}

// slaPublicResponse records that the customer of call c saw an analyst act on it at t.Now (a
// public update or an email out): the respond clock's event. Only the first counts, but each is
// kept (a reopened call's clocks read the whole history).
func (t *Tx) slaPublicResponse(ctx context.Context, actor desk.Actor, c desk.Call) error {
	if actor.PersonID == 0 || actor.PersonID == c.CustomerID {
		return nil
	}
	return t.slaChanged(ctx, c, sla.Event{At: t.Now, Kind: sla.PublicResponse})
}

// CallServiceLevel is a call's service level as the call page shows it: the stored row and a
// fresh evaluation at now, with the clocks' pauses.
type CallServiceLevel struct {
	desk.ServiceLevel
	// Evaluation is the fresh evaluation (nil when no rule or calendar applies); History the
	// clock events it was made from.
	Evaluation *sla.Evaluation
	History    []sla.Event
	Calendar   *sla.Calendar
}

// ServiceLevelOf evaluates call c's service level now (for the call page and the API).
func (s *Store) ServiceLevelOf(ctx context.Context, c desk.Call) (CallServiceLevel, error) {
	cf, err := s.slaConfigNow(ctx, s)
	if err != nil {
		return CallServiceLevel{}, err
	}
	var history string
	err = s.queryRow(ctx, `SELECT history FROM call_sla WHERE call_id = ?`, c.ID).Scan(&history)
	if err == sql.ErrNoRows {
		history = HistoryFromTimestamps(c)
	} else if err != nil {
		return CallServiceLevel{}, err
	}
	r, err := cf.evaluate(c, history, s.now())
	if err != nil {
		return CallServiceLevel{}, err
	}
	h, _ := sla.DecodeHistory(history)
	out := CallServiceLevel{ServiceLevel: r.level, Evaluation: r.evaluation, History: h, Calendar: cf.cals[r.level.CalendarID]}
	return out, nil
}

// attachServiceLevels reads the stored service levels of calls (a page of a list) into them.
func (s *Store) attachServiceLevels(ctx context.Context, calls []desk.Call) error {
	if len(calls) == 0 {
		return nil
	}
	ids := make([]int64, len(calls))
	at := make(map[int64]int, len(calls))
	for i, c := range calls {
		ids[i], at[c.ID] = c.ID, i
	}
	rows, err := s.query(ctx, `SELECT `+slaCols+` FROM call_sla s WHERE s.call_id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...)
	if err != nil {
		return fmt.Errorf("service levels: %w", err)
	}
	defer rows.Close()
	cf := s.sla.get()
	for rows.Next() {
		r, err := scanSLARow(rows)
		if err != nil {
			return err
		}
		if cf != nil {
			r.level.RuleName = cf.ruleName[r.level.RuleID]
		}
		l := r.level
		calls[at[r.callID]].SLA = &l
	}
	return rows.Err()
}
