package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// The record classes of the retention schedule (retention_rules.class), in the order a sweep
// takes them: the classes that anonymise whole calls come first, so the later ones only count
// what is left to them.
const (
	ClassSpecialCategory = "special_category" // the text of closed calls marked special-category
	ClassClosedCalls     = "closed_calls"     // closed and cancelled calls
	ClassAttachments     = "attachments"      // files attached to closed calls
	ClassDiaryEntries    = "diary_entries"    // the diary of closed calls
	ClassEmails          = "emails"           // stored emails, in and out
	ClassSubjectRequests = "subject_requests" // closed subject requests and their files
	ClassLeavers         = "leavers"          // people who left, with no open call
	// ClassImportReports are directory import runs' reports (import_runs), the latest of each
	// source kept whatever its age.
	ClassImportReports = "import_reports"
	ClassLiftedHolds   = "lifted_holds" // legal holds since lifted, from their lifting
	// ClassErasureDecisions are the words of an erasure's decision and who decided; the record
	// that the person was erased (pseudonym, date, basis, ground, counts) stays.
	ClassErasureDecisions = "erasure_decisions"
	ClassAuditRecords     = "audit_records" // the oldest links of the audit trail
	// ClassBreaches are closed breaches of the breach register, from their closing, with their
	// links to the people affected; ClassDisclosures the disclosure log's entries, from the request.
	ClassBreaches    = "breaches"
	ClassDisclosures = "disclosures"
	// ClassConsents are withdrawn consents, from their withdrawal (the details they covered went
	// at once).
	ClassConsents = "consents"
	// ClassProcessors are the records of processors whose contract ended, from its end.
	ClassProcessors = "processors"
	// ClassDPIAs are DPIAs and legitimate-interest assessments retired, from their retirement.
	ClassDPIAs = "dpias"
)

// RetentionClasses lists every record class in sweep order.
func RetentionClasses() []string {
	return []string{ClassSpecialCategory, ClassClosedCalls, ClassAttachments, ClassDiaryEntries, ClassEmails,
		ClassSubjectRequests, ClassLeavers, ClassImportReports, ClassLiftedHolds, ClassErasureDecisions, ClassBreaches, ClassDisclosures, ClassConsents, ClassProcessors, ClassDPIAs, ClassAuditRecords}
}

// Retention actions and starts.
const (
	Anonymise = "anonymise"
	Delete    = "delete"
)

// RetentionRule is one row of the retention schedule: records of Class are dealt with by Action
// Months after their Start (closed, left, created, lifted or erased).
type RetentionRule struct {
	Class     string
	Months    int
	Start     string
	Action    string
	Reason    string
	ChangedBy string
	ChangedAt time.Time // zero for the shipped default
}

// Cutoff is the time before which a record's start makes it due at now.
func (r RetentionRule) Cutoff(now time.Time) time.Time { return now.AddDate(0, -r.Months, 0) }

// Actions lists the actions the schedule allows for the rule's class.
func (r RetentionRule) Actions() []string {
	switch r.Class {
	case ClassDiaryEntries, ClassEmails:
		return []string{Anonymise, Delete}
	case ClassClosedCalls, ClassSpecialCategory, ClassLeavers, ClassErasureDecisions:
		return []string{Anonymise}
	}
	return []string{Delete}
}

// RetentionRules returns the schedule in sweep order.
func (s *Store) RetentionRules(ctx context.Context) ([]RetentionRule, error) {
	rows, err := s.query(ctx, `SELECT class, months, start, action, reason, changed_by, changed_at FROM retention_rules`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byClass := map[string]RetentionRule{}
	for rows.Next() {
		var r RetentionRule
		var at int64
		if err := rows.Scan(&r.Class, &r.Months, &r.Start, &r.Action, &r.Reason, &r.ChangedBy, &at); err != nil {
			return nil, err
		}
		if at != 0 {
			r.ChangedAt = time.UnixMicro(at).UTC()
		}
		byClass[r.Class] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []RetentionRule
	for _, c := range RetentionClasses() {
		if r, ok := byClass[c]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// MinAuditMonths is the shortest period the audit_records rule may have: the trail must outlive
// a year's review of who did what, including who changed the schedule.
const MinAuditMonths = 12

// SetRetentionRule changes the period and action of class's rule, with the reason, audited. The
// audit_records period is at least MinAuditMonths.
func (s *Store) SetRetentionRule(ctx context.Context, actor desk.Actor, class string, months int, action, reason string) error {
	reason = strings.TrimSpace(reason)
	v := map[string]string{}
	if reason == "" {
		v["reason"] = "is required"
	}
	if months < 1 || months > 1200 {
		v["months"] = "must be between 1 and 1200"
	} else if class == ClassAuditRecords && months < MinAuditMonths {
		v["months"] = fmt.Sprintf("must be at least %d months for audit records: a shorter period would let the next sweep delete "+
			"the trail of recent actions, among them the change of this rule, before anyone could review them", MinAuditMonths)
	}
	ok := false
	for _, a := range (RetentionRule{Class: class}).Actions() {
		ok = ok || a == action
	}
	if !ok {
		v["action"] = "is not possible for this record class"
	}
	if len(v) > 0 {
		return desk.Invalid("the retention rule cannot be changed", v)
	}
	return s.inTx(ctx, func(t *Tx) error {
		var old RetentionRule
		err := t.queryRow(ctx, `SELECT months, action FROM retention_rules WHERE class = ?`+s.d.forUpdate(), class).Scan(&old.Months, &old.Action)
		if err == sql.ErrNoRows {
			return notFound("there is no retention rule for %q", class)
		} else if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE retention_rules SET months = ?, action = ?, reason = ?, changed_by = ?, changed_at = ? WHERE class = ?`,
			months, action, reason, actorName(actor), t.Now.UnixMicro(), class); err != nil {
			return err
		}
		return t.audit(ctx, actor, "retention.rule", "retention_rule", class, nil,
			fmt.Sprintf("%s: %d months, %s (was %d months, %s): %s", class, months, action, old.Months, old.Action, reason))
	})
}

// LegalHold exempts a call, or a person and their calls as customer, from the retention schedule.
type LegalHold struct {
	ID         int64
	CallID     int64 // one of CallID and PersonID is set
	CallRef    string
	PersonID   int64
	PersonName string
	// CustomerID is the customer of a held call (0 for a person's hold).
	CustomerID int64
	Reason     string
	PlacedBy   string
	PlacedAt   time.Time
	LiftedBy   string
	LiftedAt   time.Time
	LiftReason string
}

// Active reports whether the hold is in force.
func (h LegalHold) Active() bool { return h.ID != 0 && h.LiftedAt.IsZero() }

const holdCols = `h.id, COALESCE(h.call_id, 0), COALESCE(c.kind, ''), COALESCE(c.number, 0), COALESCE(h.person_id, 0),
	COALESCE(p.first_name, ''), COALESCE(p.last_name, ''), COALESCE(c.customer_id, 0), h.reason, h.placed_by, h.placed_at, h.lifted_by, h.lifted_at, h.lift_reason
	FROM legal_holds h LEFT JOIN calls c ON c.id = h.call_id LEFT JOIN people p ON p.id = h.person_id`

func scanHold(r interface{ Scan(...any) error }) (LegalHold, error) {
	var h LegalHold
	var kind, first, last string
	var number, placed int64
	var lifted sql.NullInt64
	if err := r.Scan(&h.ID, &h.CallID, &kind, &number, &h.PersonID, &first, &last, &h.CustomerID, &h.Reason, &h.PlacedBy, &placed,
		&h.LiftedBy, &lifted, &h.LiftReason); err != nil {
		return h, err
	}
	if h.CallID != 0 {
		h.CallRef = desk.Reference(desk.CallKind(kind), number)
	}
	h.PersonName = strings.TrimSpace(first + " " + last)
	h.PlacedAt = time.UnixMicro(placed).UTC()
	h.LiftedAt = fromMicros(lifted)
	return h, nil
}

// PlaceLegalHold puts call callID, or person personID (exactly one of them non-zero), on legal
// hold with the reason, audited (against the person for a person's hold, and the customer for a
// call's), and returns the hold's id. An object has at most one active hold.
func (s *Store) PlaceLegalHold(ctx context.Context, actor desk.Actor, callID, personID int64, reason string) (int64, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return 0, desk.Invalid("the legal hold cannot be placed", map[string]string{"reason": "is required"})
	}
	if (callID == 0) == (personID == 0) {
		return 0, desk.Errorf(desk.EINVALID, "a legal hold is on a call or on a person")
	}
	var id int64
	err := s.inTx(ctx, func(t *Tx) error {
		objType, objID, persons := "person", any(personID), []int64{personID}
		if callID != 0 {
			var kind string
			var number, customer int64
			if err := t.queryRow(ctx, `SELECT kind, number, customer_id FROM calls WHERE id = ?`, callID).Scan(&kind, &number, &customer); err == sql.ErrNoRows {
				return notFound("there is no call %d", callID)
			} else if err != nil {
				return err
			}
			objType, objID, persons = "call", desk.Reference(desk.CallKind(kind), number), []int64{customer}
		} else {
			var one int
			if err := t.queryRow(ctx, `SELECT 1 FROM people WHERE id = ?`, personID).Scan(&one); err == sql.ErrNoRows {
				return notFound("there is no person %d", personID)
			} else if err != nil {
				return err
			}
		}
		err := t.queryRow(ctx, `INSERT INTO legal_holds (call_id, person_id, reason, placed_by, placed_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			nullID(callID), nullID(personID), reason, actorName(actor), t.Now.UnixMicro()).Scan(&id)
		if s.d.constraint(err) == constraintUnique {
			return desk.Errorf(desk.ECONFLICT, "the %s is on legal hold already", objType)
		} else if err != nil {
			return err
		}
		return t.audit(ctx, actor, "legal_hold.place", objType, objID, persons, "legal hold placed: "+reason)
	})
	return id, err
}

// LiftLegalHold ends hold id with the reason, audited.
func (s *Store) LiftLegalHold(ctx context.Context, actor desk.Actor, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return desk.Invalid("the legal hold cannot be lifted", map[string]string{"reason": "is required"})
	}
	return s.inTx(ctx, func(t *Tx) error {
		h, err := scanHold(t.queryRow(ctx, `SELECT `+holdCols+` WHERE h.id = ?`, id))
		if err == sql.ErrNoRows {
			return notFound("there is no legal hold %d", id)
		} else if err != nil {
			return err
		}
		if !h.Active() {
			return desk.Errorf(desk.EINVALID, "the legal hold was lifted already")
		}
		if _, err := t.exec(ctx, `UPDATE legal_holds SET lifted_by = ?, lifted_at = ?, lift_reason = ? WHERE id = ? AND lifted_at IS NULL`,
			actorName(actor), t.Now.UnixMicro(), reason, id); err != nil {
			return err
		}
		if h.CallID != 0 {
			var customer int64
			if err := t.queryRow(ctx, `SELECT customer_id FROM calls WHERE id = ?`, h.CallID).Scan(&customer); err != nil {
				return err
			}
			return t.audit(ctx, actor, "legal_hold.lift", "call", h.CallRef, []int64{customer}, "legal hold lifted: "+reason)
		}
		return t.audit(ctx, actor, "legal_hold.lift", "person", h.PersonID, []int64{h.PersonID}, "legal hold lifted: "+reason)
	})
}

// ActiveHold is the active legal hold on call callID or person personID (one of them non-zero);
// its ID is 0 when there is none.
func (s *Store) ActiveHold(ctx context.Context, callID, personID int64) (LegalHold, error) {
	cond := `h.call_id = ?`
	arg := callID
	if callID == 0 {
		cond, arg = `h.person_id = ?`, personID
	}
	h, err := scanHold(s.queryRow(ctx, `SELECT `+holdCols+` WHERE `+cond+` AND h.lifted_at IS NULL`, arg))
	if err == sql.ErrNoRows {
		return LegalHold{}, nil
	}
	return h, err
}

// ActiveHolds lists the legal holds in force, newest first.
func (s *Store) ActiveHolds(ctx context.Context) ([]LegalHold, error) {
	rows, err := s.query(ctx, `SELECT `+holdCols+` WHERE h.lifted_at IS NULL ORDER BY h.id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LegalHold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// RetentionLine is what a sweep did, or would do, to one record class: how many records, and the
// oldest and newest start (the date the period ran from) among them.
type RetentionLine struct {
	Class  string
	Action string
	Months int
	Cutoff time.Time
	Count  int
	Oldest time.Time
	Newest time.Time
	Note   string // not stored: e.g. why a class was only counted
}

func (l *RetentionLine) add(n int, start int64) {
	l.Count += n
	if n == 0 {
		return
	}
	t := time.UnixMicro(start).UTC()
	if l.Oldest.IsZero() || t.Before(l.Oldest) {
		l.Oldest = t
	}
	if t.After(l.Newest) {
		l.Newest = t
	}
}

// RetentionRun is one sweep as recorded.
type RetentionRun struct {
	ID         int64
	DryRun     bool
	By         string
	State      string // running, done, failed
	StartedAt  time.Time
	FinishedAt time.Time
	Error      string
	Lines      []RetentionLine
}

// SweepLease is how long a real sweep may go without its heartbeat (RetentionAlive) before it is
// taken for dead: its instance stopped without finishing it. The heartbeat of the one real sweep
// that may run at a time is the maintenance row "retention_alive" (when it last beat; a sweep
// started by a binary without it counts from its start).
const SweepLease = 10 * time.Minute

// sweepAlive is the heartbeat of the running real sweep: when it last beat.
const sweepAlive = `COALESCE((SELECT due FROM maintenance WHERE name = 'retention_alive'), 0)`

// StartRetentionRun records the start of a sweep by whom and returns its id. A real sweep
// (dry false) with every > 0 is the daily one: it starts only when no real sweep is running and
// the last one that finished started at least every ago, and ok is false otherwise; a real sweep
// whose heartbeat (RetentionAlive) has stopped for lease (SweepLease when 0: its instance died)
// is marked failed first, so that the sweep runs again. Several instances may ask at once: the
// dialect's lock lets one of them in.
func (s *Store) StartRetentionRun(ctx context.Context, by string, dry bool, every, lease time.Duration) (id int64, ok bool, err error) {
	if lease <= 0 {
		lease = SweepLease
	}
	err = s.inTx(ctx, func(t *Tx) error {
		if !dry {
			if err := s.d.lock(ctx, t, lockRetention); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `UPDATE retention_runs SET state = 'failed', finished_at = ?, error = 'the sweep stopped without finishing'
				WHERE state = 'running' AND dry_run = 0 AND started_at < ? AND `+sweepAlive+` < ?`,
				t.Now.UnixMicro(), t.Now.Add(-lease).UnixMicro(), t.Now.Add(-lease).UnixMicro()); err != nil {
				return err
			}
			var running int
			if err := t.queryRow(ctx, `SELECT COUNT(*) FROM retention_runs WHERE state = 'running' AND dry_run = 0`).Scan(&running); err != nil {
				return err
			}
			if running > 0 {
				if every > 0 {
					return nil
				}
				return desk.Errorf(desk.ECONFLICT, "a retention sweep is running already")
			}
			if every > 0 {
				var last sql.NullInt64
				if err := t.queryRow(ctx, `SELECT MAX(started_at) FROM retention_runs WHERE state = 'done' AND dry_run = 0`).Scan(&last); err != nil {
					return err
				}
				if last.Valid && time.UnixMicro(last.Int64).After(t.Now.Add(-every)) {
					return nil
				}
			}
		}
		err := t.queryRow(ctx, `INSERT INTO retention_runs (dry_run, by_whom, state, started_at) VALUES (?, ?, 'running', ?) RETURNING id`,
			b2i(dry), by, t.Now.UnixMicro()).Scan(&id)
		if s.d.constraint(err) == constraintUnique {
			return desk.Errorf(desk.ECONFLICT, "a retention sweep is running already")
		}
		ok = err == nil
		if ok && !dry {
			if err := t.beatSweep(ctx); err != nil {
				return err
			}
			// FinishRetentionRun resumes the merges; so does search compaction, should the sweep die.
			return s.d.pauseSearchMerges(ctx, t)
		}
		return err
	})
	return id, ok, err
}

// RetentionAlive renews the heartbeat of running sweep id, and says whether it is still running:
// false when another instance took it for dead (its heartbeat stopped for the lease) and marked
// it failed.
func (s *Store) RetentionAlive(ctx context.Context, id int64) (bool, error) {
	alive := false
	err := s.inTx(ctx, func(t *Tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT id FROM retention_runs WHERE id = ? AND state = 'running'`+s.d.forUpdate()+`) r`, id).Scan(&n); err != nil {
			return err
		}
		if alive = n == 1; !alive {
			return nil
		}
		return t.beatSweep(ctx)
	})
	return alive, err
}

// beatSweep records the running real sweep's heartbeat, now.
func (t *Tx) beatSweep(ctx context.Context) error {
	_, err := t.exec(ctx, `INSERT INTO maintenance (name, due) VALUES ('retention_alive', ?)
		ON CONFLICT (name) DO UPDATE SET due = excluded.due`, t.Now.UnixMicro())
	return err
}

// FinishRetentionRun records the end of sweep id with its report; failure, when not nil, is why
// it stopped (the lines then say what it did before).
func (s *Store) FinishRetentionRun(ctx context.Context, id int64, lines []RetentionLine, failure error) error {
	return s.inTx(ctx, func(t *Tx) error {
		state, msg := "done", ""
		if failure != nil {
			state, msg = "failed", failure.Error()
		}
		if _, err := t.exec(ctx, `UPDATE retention_runs SET state = ?, finished_at = ?, error = ? WHERE id = ?`,
			state, t.Now.UnixMicro(), msg, id); err != nil {
			return err
		}
		var dry bool
		if err := t.queryRow(ctx, `SELECT dry_run FROM retention_runs WHERE id = ?`, id).Scan(&dry); err != nil {
			return err
		}
		if !dry {
			// The search index merges again, and the compaction job merges what the sweep left.
			if err := t.s.d.resumeSearchMerges(ctx, t); err != nil {
				return err
			}
			changed := 0
			for _, l := range lines {
				changed += l.Count
			}
			if changed > 0 {
				if err := t.compactSearchLater(ctx); err != nil {
					return err
				}
			}
		}
		for _, l := range lines {
			if _, err := t.exec(ctx, `INSERT INTO retention_run_classes (run_id, class, action, months, cutoff, count, oldest, newest)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, l.Class, l.Action, l.Months, l.Cutoff.UnixMicro(), l.Count,
				micros(l.Oldest), micros(l.Newest)); err != nil {
				return err
			}
		}
		return nil
	})
}

// RetentionRuns lists the latest limit sweeps, newest first, with their reports.
func (s *Store) RetentionRuns(ctx context.Context, limit int) ([]RetentionRun, error) {
	rows, err := s.query(ctx, `SELECT id, dry_run, by_whom, state, started_at, finished_at, error FROM retention_runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	var out []RetentionRun
	for rows.Next() {
		var r RetentionRun
		var dry int
		var started int64
		var finished sql.NullInt64
		if err := rows.Scan(&r.ID, &dry, &r.By, &r.State, &started, &finished, &r.Error); err != nil {
			rows.Close()
			return nil, err
		}
		r.DryRun, r.StartedAt, r.FinishedAt = dry == 1, time.UnixMicro(started).UTC(), fromMicros(finished)
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		lines, err := s.query(ctx, `SELECT class, action, months, cutoff, count, oldest, newest FROM retention_run_classes WHERE run_id = ?`, out[i].ID)
		if err != nil {
			return nil, err
		}
		byClass := map[string]RetentionLine{}
		for lines.Next() {
			var l RetentionLine
			var cut int64
			var oldest, newest sql.NullInt64
			if err := lines.Scan(&l.Class, &l.Action, &l.Months, &cut, &l.Count, &oldest, &newest); err != nil {
				lines.Close()
				return nil, err
			}
			l.Cutoff, l.Oldest, l.Newest = time.UnixMicro(cut).UTC(), fromMicros(oldest), fromMicros(newest)
			byClass[l.Class] = l
		}
		lines.Close()
		if err := lines.Err(); err != nil {
			return nil, err
		}
		for _, c := range RetentionClasses() {
			if l, ok := byClass[c]; ok {
				out[i].Lines = append(out[i].Lines, l)
			}
		}
	}
	return out, nil
}
