package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
)

// Breach warnings and escalations (issue 17 point 4). Administrators set escalation points: when
// a call's respond or resolve clock has used so much of its allowed time (50%, 75%, 100%, or
// more), optionally only for calls of one priority, do something: email the call's analyst, its
// group's leads or the service-level managers (the reference and a link, nothing else: P18),
// raise its priority one step, or reassign it to another group.
//
// Every evaluation of a call (sla_calls.go) sets call_sla.escalate_at to when the job must next
// look at it: the earliest instant a point that applies will be crossed, or the instant one was
// crossed when it may not have fired yet. Escalate reads only the rows that are due (the partial
// index call_sla_escalate), re-evaluates each call and fires each crossed point once per call: the
// row of sla_escalations_fired, the action, the diary line and the audit record are one
// transaction, and an instance whose insert of that row did nothing (another fired it first)
// does nothing.

// EscalationTarget is the clock an escalation point watches.
type EscalationTarget string

// The clocks.
const (
	RespondTarget EscalationTarget = "respond"
	ResolveTarget EscalationTarget = "resolve"
)

// EscalationAction is what a point does when a call crosses it.
type EscalationAction string

// The actions.
const (
	NotifyAnalyst  EscalationAction = "notify_analyst"  // email the call's analyst (else its group's mailbox)
	NotifyLeads    EscalationAction = "notify_leads"    // email the leads of the call's group
	NotifyManagers EscalationAction = "notify_managers" // email the people with the service_manager role
	RaisePriority  EscalationAction = "raise_priority"  // one step: P4 to P3, P3 to P2, P2 to P1
	Reassign       EscalationAction = "reassign"        // to the point's group
)

// EscalationActions lists every action, in the order forms offer them.
func EscalationActions() []EscalationAction {
	return []EscalationAction{NotifyAnalyst, NotifyLeads, NotifyManagers, RaisePriority, Reassign}
}

// Words is the action as a form offers it.
func (a EscalationAction) Words() string {
	switch a {
	case NotifyAnalyst:
		return "Email the assigned analyst (or the group's mailbox when no analyst is assigned)"
	case NotifyLeads:
		return "Email the leads of the call's group"
	case NotifyManagers:
		return "Email the service-level managers"
	case RaisePriority:
		return "Raise the priority one step"
	case Reassign:
		return "Reassign the call to another group"
	}
	return string(a)
}

// MaxEscalationPercent bounds a point's percentage: ten times the allowed time.
const MaxEscalationPercent = 1000

// EscalationPoint is one configured point.
type EscalationPoint struct {
	ID       int64
	Target   EscalationTarget
	Percent  int
	Priority desk.Priority // 0: calls of any priority
	Action   EscalationAction
	GroupID  int64 // Reassign: the group calls go to
	// CreatedAt: a point fires for crossings from then on, not for those before it existed.
	CreatedAt, UpdatedAt time.Time
}

// Used is what crossing the point means, in words: "75% of the resolve time used".
func (p EscalationPoint) Used() string {
	return fmt.Sprintf("%d%% of the %s time used", p.Percent, p.Target)
}

func (p EscalationPoint) summary(group string) string {
	s := p.Used()
	if p.Priority != 0 {
		s += ", " + p.Priority.String() + " calls only"
	}
	s += ": " + strings.ToLower(p.Action.Words()[:1]) + p.Action.Words()[1:]
	if p.Action == Reassign {
		s += " " + group
	}
	return s
}

func (p *EscalationPoint) validate(reason string) (string, map[string]string) {
	f := map[string]string{}
	if p.Target != RespondTarget && p.Target != ResolveTarget {
		f["target"] = "must be respond or resolve"
	}
	if p.Percent < 1 || p.Percent > MaxEscalationPercent {
		f["percent"] = fmt.Sprintf("must be a whole number from 1 to %d (100 is the deadline; 150 is half the allowed time again past it)", MaxEscalationPercent)
	}
	if p.Priority != 0 && !p.Priority.Valid() {
		f["priority"] = "must be P1 to P4, or any"
	}
	if !slices.Contains(EscalationActions(), p.Action) {
		f["action"] = "must be one of notify_analyst, notify_leads, notify_managers, raise_priority, reassign"
	}
	switch {
	case p.Action == Reassign && p.GroupID <= 0:
		f["group_id"] = "is required: the group to reassign calls to"
	case p.Action != Reassign:
		p.GroupID = 0
	}
	return checkReason(reason, f), f
}

// CheckEscalationPoint checks p and the reason as the store would, without saving: the console
// uses it to list every problem of a form at once.
func CheckEscalationPoint(p EscalationPoint, reason string) error {
	_, f := p.validate(reason)
	return desk.Invalid("the escalation point cannot be saved", f)
}

// checkPointRefs checks, in t, that p's group exists and that no other point is the same.
func (t *Tx) checkPointRefs(ctx context.Context, p EscalationPoint, f map[string]string) (string, error) {
	var group string
	if p.Action == Reassign {
		name, err := t.groupName(ctx, p.GroupID)
		if isNotFound(err) {
			f["group_id"] = fmt.Sprintf("no support group with id %d", p.GroupID)
		} else if err != nil {
			return "", err
		}
		group = name
	}
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM sla_escalation_points WHERE target = ? AND percent = ? AND COALESCE(priority, 0) = ?
		AND action = ? AND COALESCE(group_id, 0) = ? AND id <> ?`, string(p.Target), p.Percent, int(p.Priority), string(p.Action), p.GroupID, p.ID).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		f["percent"] = "the same point (clock, percentage, priority and action) exists already"
	}
	return group, nil
}

func pointArgs(p EscalationPoint) []any {
	var prio any
	if p.Priority != 0 {
		prio = int(p.Priority)
	}
	return []any{string(p.Target), p.Percent, prio, string(p.Action), nullID(p.GroupID)}
}

// CreateEscalationPoint adds a point, audited with the reason; it bumps the service-level
// configuration's version (slaConfigTx), so every instance uses it at once.
func (s *Store) CreateEscalationPoint(ctx context.Context, actor desk.Actor, p EscalationPoint, reason string) (EscalationPoint, error) {
	p.ID = 0
	reason, f := p.validate(reason)
	if err := desk.Invalid("the escalation point cannot be saved", f); err != nil {
		return p, err
	}
	err := s.slaConfigTx(ctx, func(t *Tx) error {
		group, err := t.checkPointRefs(ctx, p, f)
		if err != nil {
			return err
		}
		if err := desk.Invalid("the escalation point cannot be saved", f); err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = t.Now, t.Now
		if err := t.queryRow(ctx, `INSERT INTO sla_escalation_points (target, percent, priority, action, group_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, append(pointArgs(p), t.Now.UnixMicro(), t.Now.UnixMicro())...).Scan(&p.ID); err != nil {
			return s.mapErr(err)
		}
		return t.audit(ctx, withReason(actor, reason), "sla.escalation.create", "sla_escalation", p.ID, nil,
			"added the escalation point "+p.summary(group)+": "+reason)
	})
	return p, err
}

// UpdateEscalationPoint changes point p.ID, audited with the reason. The calls it fired for
// keep their record: a changed point does not fire again for them.
func (s *Store) UpdateEscalationPoint(ctx context.Context, actor desk.Actor, p EscalationPoint, reason string) (EscalationPoint, error) {
	reason, f := p.validate(reason)
	if err := desk.Invalid("the escalation point cannot be saved", f); err != nil {
		return p, err
	}
	err := s.slaConfigTx(ctx, func(t *Tx) error {
		old, err := escalationPoint(ctx, t, p.ID)
		if err != nil {
			return err
		}
		group, err := t.checkPointRefs(ctx, p, f)
		if err != nil {
			return err
		}
		if err := desk.Invalid("the escalation point cannot be saved", f); err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = old.CreatedAt, t.Now
		if _, err := t.exec(ctx, `UPDATE sla_escalation_points SET target = ?, percent = ?, priority = ?, action = ?, group_id = ?, updated_at = ?
			WHERE id = ?`, append(pointArgs(p), t.Now.UnixMicro(), p.ID)...); err != nil {
			return s.mapErr(err)
		}
		return t.audit(ctx, withReason(actor, reason), "sla.escalation.update", "sla_escalation", p.ID, nil,
			"changed the escalation point "+fmt.Sprint(p.ID)+" to "+p.summary(group)+": "+reason)
	})
	return p, err
}

// DeleteEscalationPoint removes a point and the record of the calls it fired for, audited with
// the reason (the audit trail keeps each firing).
func (s *Store) DeleteEscalationPoint(ctx context.Context, actor desk.Actor, id int64, reason string) error {
	reason, err := reasonOnly(reason, "the escalation point cannot be deleted")
	if err != nil {
		return err
	}
	return s.slaConfigTx(ctx, func(t *Tx) error {
		p, err := escalationPoint(ctx, t, id)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM sla_escalations_fired WHERE point_id = ?`, id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM sla_escalation_points WHERE id = ?`, id); err != nil {
			return err
		}
		return t.audit(ctx, withReason(actor, reason), "sla.escalation.delete", "sla_escalation", id, nil,
			"deleted the escalation point "+p.Used()+" ("+string(p.Action)+"): "+reason)
	})
}

const pointCols = `id, target, percent, priority, action, group_id, created_at, updated_at`

func scanPoint(sc scanner) (EscalationPoint, error) {
	var p EscalationPoint
	var target, action string
	var prio, group sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&p.ID, &target, &p.Percent, &prio, &action, &group, &created, &updated); err != nil {
		return p, err
	}
	p.Target, p.Action, p.Priority, p.GroupID = EscalationTarget(target), EscalationAction(action), desk.Priority(prio.Int64), group.Int64
	p.CreatedAt, p.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return p, nil
}

// rowQuerier is a Store or a Tx, for a read of one row.
type rowQuerier interface {
	queryRow(ctx context.Context, q string, args ...any) row
}

func escalationPoint(ctx context.Context, q rowQuerier, id int64) (EscalationPoint, error) {
	p, err := scanPoint(q.queryRow(ctx, `SELECT `+pointCols+` FROM sla_escalation_points WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("no escalation point with id %d", id)
	}
	return p, err
}

// FindEscalationPoint returns the point with id, or ENOTFOUND.
func (s *Store) FindEscalationPoint(ctx context.Context, id int64) (EscalationPoint, error) {
	return escalationPoint(ctx, s, id)
}

// EscalationPoints lists every point: respond before resolve, then by percentage.
func (s *Store) EscalationPoints(ctx context.Context) ([]EscalationPoint, error) {
	return escalationPoints(ctx, s)
}

// escalationPoints reads every point through q (a transaction loading the configuration reads
// through itself).
func escalationPoints(ctx context.Context, q querier) ([]EscalationPoint, error) {
	rows, err := q.query(ctx, `SELECT `+pointCols+` FROM sla_escalation_points ORDER BY target, percent, COALESCE(priority, 0), action, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EscalationPoint
	for rows.Next() {
		p, err := scanPoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetGroupLead makes a member of a group one of its leads (lead true) or not, audited. The leads
// are who a notify_leads point emails. A person who is not a member is EINVALID naming
// person_id. It reports whether anything changed.
func (s *Store) SetGroupLead(ctx context.Context, actor desk.Actor, groupID, personID int64, lead bool) (bool, error) {
	changed := false
	err := s.inTx(ctx, func(t *Tx) error {
		name, err := t.groupName(ctx, groupID)
		if err != nil {
			return err
		}
		var was int
		err = t.queryRow(ctx, `SELECT lead FROM group_members WHERE group_id = ? AND person_id = ?`+t.s.d.forUpdate(), groupID, personID).Scan(&was)
		if errors.Is(err, sql.ErrNoRows) {
			return desk.Invalid("the group's leads were not changed", map[string]string{"person_id": fmt.Sprintf("person %d is not a member of %s", personID, name)})
		} else if err != nil {
			return err
		}
		if (was != 0) == lead {
			return nil
		}
		p, err := t.findPerson(ctx, personID)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE group_members SET lead = ? WHERE group_id = ? AND person_id = ?`, b2i(lead), groupID, personID); err != nil {
			return err
		}
		changed = true
		detail := "made " + p.Name() + " a lead of " + name
		if !lead {
			detail = p.Name() + " is no longer a lead of " + name
		}
		return t.audit(ctx, actor, "group.lead", "group", groupID, []int64{personID}, detail)
	})
	return changed, err
}

// GroupLeads lists the person ids of a group's leads.
func (s *Store) GroupLeads(ctx context.Context, groupID int64) ([]int64, error) {
	return s.queryIDs(ctx, `SELECT person_id FROM group_members WHERE group_id = ? AND lead = 1 ORDER BY person_id`, groupID)
}

// pointCrossing is a point that applies to a call and when its clock crosses (or crossed) it.
type pointCrossing struct {
	point   EscalationPoint
	at      time.Time
	crossed bool
}

// crossings are the points of cf that apply to call c, evaluated as r, with the instant each is
// or will be crossed, earliest first. Only live clocks count (running, paused or overdue: a met
// or ended target escalates nothing), and a point crossed before it was made is left out, as is
// one the calendar cannot place (beyond its horizon).
func (cf *slaConfig) crossings(c desk.Call, r slaRow) ([]pointCrossing, error) {
	if len(cf.points) == 0 || r.evaluation == nil || !r.live {
		return nil, nil
	}
	cal := cf.cals[r.level.CalendarID]
	if cal == nil {
		return nil, nil
	}
	var out []pointCrossing
	for _, tg := range []struct {
		name  EscalationTarget
		clock sla.Clock
	}{{RespondTarget, r.evaluation.Respond}, {ResolveTarget, r.evaluation.Resolve}} {
		if !tg.clock.State().Live() {
			continue
		}
		var pts []EscalationPoint
		var pcts []int
		for _, p := range cf.points {
			if p.Target == tg.name && (p.Priority == 0 || p.Priority == c.Priority) {
				pts, pcts = append(pts, p), append(pcts, p.Percent)
			}
		}
		if len(pts) == 0 {
			continue
		}
		xs, err := sla.Crossings(cal, tg.clock, pcts, r.level.EvaluatedAt)
		if err != nil {
			// A point too far ahead for the calendar (past its horizon) must not stop the call
			// being evaluated: such a point is left out, the others kept.
			xs = make([]sla.Crossing, len(pcts))
			for i, pc := range pcts {
				if one, err := sla.Crossings(cal, tg.clock, []int{pc}, r.level.EvaluatedAt); err == nil {
					xs[i] = one[0]
				}
			}
		}
		for i, x := range xs {
			if x.At.IsZero() || (x.Crossed && x.At.Before(pts[i].CreatedAt)) {
				continue
			}
			out = append(out, pointCrossing{point: pts[i], at: x.At, crossed: x.Crossed})
		}
	}
	slices.SortStableFunc(out, func(a, b pointCrossing) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.point.ID, b.point.ID))
	})
	return out, nil
}

// nextCheck is when the escalation job must next look at a call with crossings xs: the earliest
// crossing of a point not crossed yet, or of one crossed but not fired. fired nil means not
// known (an evaluation outside the job): every crossed point counts as possibly not fired.
// Zero: nothing to do.
func nextCheck(xs []pointCrossing, fired map[int64]bool) time.Time {
	var best time.Time
	for _, x := range xs {
		if x.crossed && fired != nil && fired[x.point.ID] {
			continue
		}
		if best.IsZero() || x.at.Before(best) {
			best = x.at
		}
	}
	return best
}

// EscalationNotice is one escalation email to write: to whom, about which call, which point.
// It carries nothing else (P18: the reference and a link, no summary, no personal data).
type EscalationNotice struct {
	CallID int64
	Ref    string
	To     string // the address
	Point  EscalationPoint
}

// EscalationMail renders the email of a notice (internal/mail writes them from its templates).
type EscalationMail func(EscalationNotice) (desk.OutMail, error)

// EscalationPass says what one Escalate did.
type EscalationPass struct {
	Calls int // due calls looked at
	Fired int // points fired
}

// escalateBatch is how many due rows one read takes, and escalateTx how many due calls one
// transaction handles (a commit per call would cost more than the call).
const (
	escalateBatch = 500
	escalateTx    = 50
	// escalateWorkers is how many transactions a pass runs at once on PostgreSQL.
	escalateWorkers = 4
)

// Escalate looks at up to limit calls whose escalate_at has come (the due rows only, earliest
// first, in batches, through the partial index call_sla_escalate), and fires each crossed point
// not fired yet for the call: once per call and point, on any number of instances. mail renders
// the emails of the notify actions; nil when email is not set up (the diary line says nobody
// was emailed). Calls of a customer whose processing is restricted are left until it is lifted.
// An error on one call does not stop the others; the first is returned with the pass.
func (s *Store) Escalate(ctx context.Context, limit int, mail EscalationMail) (EscalationPass, error) {
	return s.escalate(ctx, limit, escalateBatch, mail)
}

// escalate is Escalate reading batch due rows at a time.
func (s *Store) escalate(ctx context.Context, limit, batch int, mail EscalationMail) (EscalationPass, error) {
	var pass EscalationPass
	if limit <= 0 {
		return pass, nil
	}
	now := s.Now().UnixMicro()
	var firstErr error
	var afterAt, afterID int64 = -1 << 62, 0
	for pass.Calls < limit {
		n := min(batch, limit-pass.Calls)
		rows, err := s.query(ctx, `SELECT s.call_id, s.escalate_at FROM call_sla s WHERE s.escalate_at IS NOT NULL AND s.escalate_at <= ?
			AND (s.escalate_at > ? OR (s.escalate_at = ? AND s.call_id > ?))
			AND NOT EXISTS (SELECT 1 FROM calls c JOIN people rp ON rp.id = c.customer_id WHERE c.id = s.call_id AND rp.restricted_at IS NOT NULL)
			ORDER BY s.escalate_at, s.call_id LIMIT ?`, now, afterAt, afterAt, afterID, n)
		if err != nil {
			return pass, err
		}
		var ids []int64
		for rows.Next() {
			var id, at int64
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return pass, err
			}
			ids, afterAt, afterID = append(ids, id), at, id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return pass, err
		}
		read := len(ids)
		var chunks [][]int64
		for len(ids) > 0 {
			chunk := ids[:min(escalateTx, len(ids))]
			ids = ids[len(chunk):]
			chunks = append(chunks, chunk)
		}
		// SQLite has one writer; PostgreSQL takes several transactions at once.
		workers := 1
		if s.w == nil {
			workers = escalateWorkers
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		next := make(chan []int64)
		for range min(workers, len(chunks)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for chunk := range next {
					fired, err := s.escalateChunk(ctx, chunk, mail)
					mu.Lock()
					pass.Calls += len(chunk)
					pass.Fired += fired
					if err != nil && firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}()
		}
		for _, c := range chunks {
			next <- c
		}
		close(next)
		wg.Wait()
		if read < n {
			break
		}
	}
	return pass, firstErr
}

// escalationActor is who the job's changes are by.
func escalationActor() desk.Actor { return desk.System("service levels") }

// escalateChunk is escalateCalls, and when one call's failure rolled back its neighbours, each
// of them again by itself.
func (s *Store) escalateChunk(ctx context.Context, chunk []int64, mail EscalationMail) (int, error) {
	fired, err := s.escalateCalls(ctx, chunk, mail)
	if err == nil || len(chunk) == 1 {
		return fired, err
	}
	fired, err = 0, nil
	for _, id := range chunk {
		f, cerr := s.escalateCalls(ctx, []int64{id}, mail)
		fired += f
		if cerr != nil && err == nil {
			err = cerr
		}
	}
	return fired, err
}

// escalateCalls re-evaluates due calls and fires their crossed points not fired yet, and sets
// their escalate_at, in one transaction. It returns how many points this instance fired. On
// PostgreSQL a call another instance holds is passed over (SKIP LOCKED): that one handles it.
func (s *Store) escalateCalls(ctx context.Context, ids []int64, mail EscalationMail) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *Tx) error {
		n = 0
		for _, id := range ids {
			f, err := t.escalateCall(ctx, id, mail)
			if err != nil {
				return fmt.Errorf("escalations of call %d: %w", id, err)
			}
			n += f
		}
		return nil
	})
	return n, err
}

// escalateCall re-evaluates one due call in t and fires its crossed points not fired yet, then
// sets its escalate_at. It returns how many points it fired.
func (t *Tx) escalateCall(ctx context.Context, callID int64, mail EscalationMail) (int, error) {
	var history string
	var restricted sql.NullInt64
	c, err := t.s.scanCall(ctx, t)(prefixScanner{t.queryRow(ctx, `SELECT s.history, rp.restricted_at, `+callCols+` FROM calls c
		JOIN call_sla s ON s.call_id = c.id LEFT JOIN people rp ON rp.id = c.customer_id WHERE c.id = ?`+t.s.d.skipLocked("c"), callID),
		[]any{&history, &restricted}})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // another instance holds it
	} else if err != nil {
		return 0, err
	}
	if restricted.Valid {
		return 0, nil // frozen while the customer's processing is restricted
	}
	cf, err := t.s.slaConfigNow(ctx, t)
	if err != nil {
		return 0, err
	}
	r, err := cf.evaluate(c, history, t.Now)
	if err != nil {
		return 0, err
	}
	xs, err := cf.crossings(c, r)
	if err != nil {
		return 0, err
	}
	// Every crossed point has fired once this is done: by this instance when its insert of the
	// fired row takes, else already (by this or another instance).
	fired := map[int64]bool{}
	n := 0
	changed := false
	for _, x := range xs {
		if !x.crossed || fired[x.point.ID] {
			continue
		}
		fired[x.point.ID] = true
		res, err := t.exec(ctx, `INSERT INTO sla_escalations_fired (call_id, point_id, fired_at) VALUES (?, ?, ?)
			ON CONFLICT (call_id, point_id) DO NOTHING`, c.ID, x.point.ID, t.Now.UnixMicro())
		if err != nil {
			return 0, err
		}
		if won, err := res.RowsAffected(); err != nil {
			return 0, err
		} else if won == 0 {
			continue // fired before
		}
		before := c.Version
		if c, err = t.fire(ctx, c, x.point, mail); err != nil {
			return 0, err
		}
		changed = changed || c.Version != before
		n++
	}
	if changed { // the rule, the calendar or the points that apply may have changed with the call
		if r, xs, err = t.slaCrossings(ctx, cf, c); err != nil {
			return 0, err
		}
		for _, x := range xs {
			if x.crossed && !fired[x.point.ID] {
				// Crossed under the call's new rule or priority: due at once, on the next pass.
				if ok, err := t.wasFired(ctx, c.ID, x.point.ID); err != nil {
					return 0, err
				} else {
					fired[x.point.ID] = ok
				}
			}
		}
	}
	r.escalateAt = earliest(nextCheck(xs, fired), r.bandChange())
	return n, t.writeSLA(ctx, r, false)
}

// slaCrossings evaluates call c now from its stored history, with the points that apply.
func (t *Tx) slaCrossings(ctx context.Context, cf *slaConfig, c desk.Call) (slaRow, []pointCrossing, error) {
	var history string
	if err := t.queryRow(ctx, `SELECT history FROM call_sla WHERE call_id = ?`, c.ID).Scan(&history); err != nil {
		return slaRow{}, nil, err
	}
	r, err := cf.evaluate(c, history, t.Now)
	if err != nil {
		return r, nil, err
	}
	xs, err := cf.crossings(c, r)
	return r, xs, err
}

func (t *Tx) wasFired(ctx context.Context, callID, pointID int64) (bool, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM sla_escalations_fired WHERE call_id = ? AND point_id = ?`, callID, pointID).Scan(&n)
	return n > 0, err
}

// fire does point p's action on call c (locked in t), writes the diary line and the audit record,
// and returns the call as the action left it.
func (t *Tx) fire(ctx context.Context, c desk.Call, p EscalationPoint, mail EscalationMail) (desk.Call, error) {
	actor := escalationActor()
	var did string
	persons := []int64{c.CustomerID}
	switch p.Action {
	case NotifyAnalyst, NotifyLeads, NotifyManagers:
		to, who, err := t.escalationRecipients(ctx, c, p.Action)
		if err != nil {
			return c, err
		}
		switch {
		case len(to) == 0:
			did = "nobody emailed: " + who
		case mail == nil:
			did = who + ": not emailed, email is not set up"
		default:
			for _, r := range to {
				m, err := mail(EscalationNotice{CallID: c.ID, Ref: c.Ref, To: r.email, Point: p})
				if err != nil {
					return c, err
				}
				m.CallID = c.ID
				if err := t.enqueueMail(ctx, m); err != nil {
					return c, err
				}
				if r.id != 0 {
					persons = append(persons, r.id)
				}
			}
			did = "notified " + who
		}
	case RaisePriority:
		if c.Priority <= 1 {
			did = "the priority is already P1, so it was not raised"
			break
		}
		imp, urg := raisedLevels(c.Impact, c.Urgency, c.Priority)
		nc, err := t.updateCall(ctx, actor, c.Ref, 0, desk.Transition{Action: desk.ActChange, Impact: imp, Urgency: urg})
		if err != nil {
			return c, err
		}
		c, did = nc, "raised the priority to "+nc.Priority.String()
	case Reassign:
		name, err := t.groupName(ctx, p.GroupID)
		if err != nil {
			return c, err
		}
		if c.GroupID == p.GroupID {
			did = "the call is already with " + name + ", so it was not reassigned"
			break
		}
		nc, err := t.updateCall(ctx, actor, c.Ref, 0, desk.Transition{Action: desk.ActAssign, GroupID: p.GroupID})
		if err != nil {
			return c, err
		}
		c, did = nc, "reassigned to "+name
	default:
		return c, fmt.Errorf("escalation point %d has an unknown action %q", p.ID, p.Action)
	}
	line := "service level: " + p.Used() + "; " + did
	// An internal status line: the customer is told deadlines in words, not escalations.
	key, body, err := t.sealEntry(ctx, c, line)
	if err != nil {
		return c, err
	}
	if _, err := t.exec(ctx, `INSERT INTO diary_entries (call_id, kind, public, body, key_id, author_id, created_at, call_version) VALUES (?, ?, 0, ?, ?, NULL, ?, ?)`,
		c.ID, string(desk.EntryStatus), body, key, t.Now.UnixMicro(), c.Version); err != nil {
		return c, fmt.Errorf("diary of %s: %w", c.Ref, err)
	}
	detail := fmt.Sprintf("escalation point %d (%s, %s", p.ID, p.Used(), string(p.Action))
	if p.Priority != 0 {
		detail += ", " + p.Priority.String() + " calls only"
	}
	return c, t.audit(ctx, actor, "call.escalate", "call", c.Ref, persons, detail+"): "+did)
}

// escalationRecipient is someone an escalation email goes to (id 0: a group's mailbox).
type escalationRecipient struct {
	id    int64
	email string
}

// escalationRecipients are who a notify action emails for call c, and who they are in words, or,
// when there is nobody, why. People who have left, have no address or whose processing is
// restricted are sent nothing.
func (t *Tx) escalationRecipients(ctx context.Context, c desk.Call, a EscalationAction) ([]escalationRecipient, string, error) {
	const reachable = ` AND p.active = 1 AND p.email <> '' AND p.restricted_at IS NULL`
	var q, none string
	var args []any
	who := ""
	switch a {
	case NotifyAnalyst:
		if c.AnalystID == 0 {
			if c.GroupID == 0 {
				return nil, "no analyst or group is assigned", nil
			}
			var box string
			if err := t.queryRow(ctx, `SELECT mailbox FROM support_groups WHERE id = ?`, c.GroupID).Scan(&box); err != nil {
				return nil, "", err
			}
			if box == "" {
				return nil, "no analyst is assigned and the group has no mailbox", nil
			}
			return []escalationRecipient{{email: box}}, "the group's mailbox (no analyst is assigned)", nil
		}
		q, args, who = `SELECT p.id, p.email FROM people p WHERE p.id = ?`+reachable, []any{c.AnalystID}, "the assigned analyst"
		none = "the assigned analyst has no email address or has left"
	case NotifyLeads:
		if c.GroupID == 0 {
			return nil, "no group is assigned", nil
		}
		q = `SELECT p.id, p.email FROM group_members m JOIN people p ON p.id = m.person_id WHERE m.group_id = ? AND m.lead = 1` + reachable + ` ORDER BY p.id`
		args, who = []any{c.GroupID}, "the group's leads"
		none = "the group has no leads with an email address"
	case NotifyManagers:
		q = `SELECT DISTINCT p.id, p.email FROM accounts a JOIN people p ON p.id = a.person_id
			WHERE a.active = 1 AND (',' || a.roles || ',') LIKE ?` + reachable + ` ORDER BY p.id`
		args, who = []any{"%," + string(desk.RoleServiceManager) + ",%"}, "the service-level managers"
		none = "nobody with an email address has the service_manager role"
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []escalationRecipient
	for rows.Next() {
		var r escalationRecipient
		if err := rows.Scan(&r.id, &r.email); err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		who = none
	}
	return out, who, rows.Err()
}

// raisedLevels are the impact and urgency that raise priority p one step: urgency first, then
// impact, one level at a time, until the matrix (desk.PriorityOf) gives p-1 or higher.
func raisedLevels(impact, urgency desk.Level, p desk.Priority) (desk.Level, desk.Level) {
	if desk.PriorityOf(impact, urgency) == 0 {
		return desk.LevelsOf(p - 1)
	}
	up := func(l desk.Level) desk.Level {
		if l == desk.Low {
			return desk.Medium
		}
		return desk.High
	}
	for desk.PriorityOf(impact, urgency) > p-1 {
		if urgency != desk.High {
			urgency = up(urgency)
		} else {
			impact = up(impact)
		}
	}
	return impact, urgency
}
