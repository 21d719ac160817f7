package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// RetentionPlan is the schedule as it applies at one moment: each class's rule, and Now, from
// which the cutoffs are counted.
type RetentionPlan struct {
	Now   time.Time
	Rules map[string]RetentionRule
}

// NewRetentionPlan is the plan of rules at now.
func NewRetentionPlan(rules []RetentionRule, now time.Time) RetentionPlan {
	p := RetentionPlan{Now: now.UTC(), Rules: map[string]RetentionRule{}}
	for _, r := range rules {
		p.Rules[r.Class] = r
	}
	return p
}

// cut is class's cutoff in Unix microseconds; a class without a rule is never due.
func (p RetentionPlan) cut(class string) int64 {
	r, ok := p.Rules[class]
	if !ok {
		return 0
	}
	return r.Cutoff(p.Now).UnixMicro()
}

// Line starts the report line of class.
func (p RetentionPlan) Line(class string) RetentionLine {
	r := p.Rules[class]
	return RetentionLine{Class: class, Action: r.Action, Months: r.Months, Cutoff: r.Cutoff(p.Now)}
}

// The SQL shared by the classes. callEnd is when a finished call ended; callDue matches the
// partial index calls_retention (special_category is a boolean on PostgreSQL, 0/1 on SQLite: both
// take it bare as a condition); notHeld passes over calls on hold and calls of a customer on hold.
const (
	callEnd  = `COALESCE(c.closed_at, c.cancelled_at)`
	finished = `c.state IN ('closed', 'cancelled')`
	callDue  = `c.anonymised_at IS NULL AND c.state IN ('closed', 'cancelled')`
	notHeld  = `NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.call_id = c.id AND h.lifted_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.person_id = c.customer_id AND h.lifted_at IS NULL)`
	// going is a call this sweep anonymises as a whole (arguments: the closed-calls and the
	// special-category cutoffs). A class whose work the anonymisation does too leaves those calls
	// out, so that a dry run counts what the real sweep will do, class by class.
	going          = `(` + callDue + ` AND (` + callEnd + ` < ? OR (c.special_category AND ` + callEnd + ` < ?)))`
	heldAddress    = `EXISTS (SELECT 1 FROM legal_holds h JOIN people p ON p.id = h.person_id WHERE h.lifted_at IS NULL AND p.email <> '' AND lower(p.email) = lower(%s))`
	retentionBatch = 500
	// auditIDsPerRecord bounds the ids one audit record of a sweep batch lists.
	auditIDsPerRecord = 200
)

// sweepPart is the selection and the action of one record class (or one table of it). list
// selects (id, start, records) of what is due, with %s where a restriction to a set of ids goes;
// act carries out the action in transaction t on the batch's records that are still due: each of
// its statements restricts itself to due (list again, restricted to the batch), so that on
// PostgreSQL's READ COMMITTED a call reopened or a hold placed after an earlier statement of the
// batch is seen by the next one. It returns the ids it acted on (those the last statement
// changed), which alone are counted and audited.
type sweepPart struct {
	list  string
	idCol string
	args  []any
	what  string // the records, in the audit detail
	act   func(ctx context.Context, t *Tx, due dueSet) ([]int64, error)
}

// returningIDs runs query, which returns one id per row changed, and returns them once each,
// in order (never nil).
func (t *Tx) returningIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[int64]bool{}
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, rows.Err()
}

// dueSet is a subquery, for "x IN ...", of the ids of a batch that are still due, evaluated
// afresh by each statement that uses it.
type dueSet struct {
	in   string
	args []any
	ids  []int64 // the batch
}

// dueSet is the batch ids of part, as far as they are still due.
func (s *Store) dueSet(part sweepPart, ids []int64) dueSet {
	return dueSet{in: `(SELECT due.id FROM (` + fmt.Sprintf(part.list, " AND "+part.idCol+" IN "+s.d.idSet()) + `) due)`,
		args: append(append([]any{}, part.args...), s.d.idSetArg(ids)), ids: ids}
}

func (s *Store) sweepParts(p RetentionPlan, class string) ([]sweepPart, error) {
	rule, ok := p.Rules[class]
	if !ok {
		return nil, notFound("there is no retention rule for %q", class)
	}
	cut, cutCalls, cutSpecial := p.cut(class), p.cut(ClassClosedCalls), p.cut(ClassSpecialCategory)
	// exec runs query (ending "... col") on the records still due and returns the ids of those
	// it changed, read from RETURNING col.
	exec := func(ctx context.Context, t *Tx, query string, due dueSet, col string) ([]int64, error) {
		return t.returningIDs(ctx, query+" IN "+due.in+" RETURNING "+col, due.args...)
	}
	switch class {
	case ClassSpecialCategory, ClassClosedCalls:
		q := `SELECT c.id AS id, ` + callEnd + `, 1 FROM calls c WHERE ` + callDue + ` AND ` + callEnd + ` < ? AND ` + notHeld
		args := []any{cut}
		if class == ClassSpecialCategory {
			q += ` AND c.special_category`
		} else {
			q += ` AND NOT (c.special_category AND ` + callEnd + ` < ?)`
			args = append(args, cutSpecial)
		}
		return []sweepPart{{list: q + `%s`, idCol: "c.id", args: args, what: "calls", act: s.anonymiseCalls}}, nil
	case ClassAttachments:
		q := `SELECT c.id AS id, ` + callEnd + `, COUNT(a.id) FROM attachments a JOIN calls c ON c.id = a.call_id
			WHERE ` + finished + ` AND ` + callEnd + ` < ? AND NOT ` + going + ` AND ` + notHeld + `%s GROUP BY c.id`
		return []sweepPart{{list: q, idCol: "c.id", args: []any{cut, cutCalls, cutSpecial}, what: "attachments of calls",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				return exec(ctx, t, `DELETE FROM attachments WHERE call_id`, due, "call_id")
			}}}, nil
	case ClassDiaryEntries:
		if rule.Action == Anonymise {
			q := `SELECT c.id AS id, ` + callEnd + `, COUNT(d.id) FROM calls c JOIN diary_entries d ON d.call_id = c.id
				WHERE ` + callDue + ` AND ` + callEnd + ` < ? AND d.body <> '' AND NOT ` + going + ` AND ` + notHeld + `%s GROUP BY c.id`
			return []sweepPart{{list: q, idCol: "c.id", args: []any{cut, cutCalls, cutSpecial}, what: "diary entries of calls",
				act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
					done, err := exec(ctx, t, `UPDATE diary_entries SET body = '' WHERE body <> '' AND call_id`, due, "call_id")
					if err != nil {
						return nil, err
					}
					for _, id := range done {
						t.indexLater(id, false)
					}
					return done, nil
				}}}, nil
		}
		q := `SELECT c.id AS id, ` + callEnd + `, COUNT(d.id) FROM calls c JOIN diary_entries d ON d.call_id = c.id
			WHERE ` + finished + ` AND ` + callEnd + ` < ? AND ` + notHeld + `%s GROUP BY c.id`
		return []sweepPart{{list: q, idCol: "c.id", args: []any{cut}, what: "diary entries of calls",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				entries := `(SELECT id FROM diary_entries WHERE call_id IN ` + due.in + `)`
				for _, q := range []string{`UPDATE mail_messages SET entry_id = NULL WHERE entry_id IN ` + entries,
					`DELETE FROM attachments WHERE entry_id IN ` + entries} {
					if _, err := t.exec(ctx, q, due.args...); err != nil {
						return nil, err
					}
				}
				done, err := exec(ctx, t, `DELETE FROM diary_entries WHERE call_id`, due, "call_id")
				if err != nil {
					return nil, err
				}
				for _, id := range done {
					t.indexLater(id, false)
				}
				return done, nil
			}}}, nil
	case ClassEmails:
		callOK := `(c.id IS NULL OR (` + notHeld + `))`
		args := []any{cut}
		msgLeft := `(m.raw IS NOT NULL OR m.sender <> '' OR m.subject <> '')`
		outLeft := `(o.recipient <> '' OR o.subject <> '' OR o.text_body <> '' OR o.html_body <> '')`
		msgAct := `UPDATE mail_messages SET raw = NULL, raw_text = NULL, sender = '', subject = '', reason = '' WHERE id`
		outAct := `UPDATE mail_outbox SET recipient = '', subject = '', text_body = '', html_body = '', last_error = '' WHERE id`
		if rule.Action == Anonymise {
			callOK = `(c.id IS NULL OR (NOT ` + going + ` AND ` + notHeld + `))`
			args = append(args, cutCalls, cutSpecial)
		} else {
			msgLeft, outLeft = "1 = 1", "1 = 1"
			msgAct, outAct = `DELETE FROM mail_messages WHERE id`, `DELETE FROM mail_outbox WHERE id`
		}
		msgs := `SELECT m.id AS id, m.created_at, 1 FROM mail_messages m LEFT JOIN calls c ON c.id = m.call_id
			WHERE m.created_at < ? AND ` + msgLeft + ` AND ` + callOK + ` AND NOT ` + fmt.Sprintf(heldAddress, "m.sender") + `%s`
		outs := `SELECT o.id AS id, o.created_at, 1 FROM mail_outbox o LEFT JOIN calls c ON c.id = o.call_id
			WHERE o.created_at < ? AND o.state <> 'pending' AND ` + outLeft + ` AND ` + callOK + ` AND NOT ` + fmt.Sprintf(heldAddress, "o.recipient") + `%s`
		return []sweepPart{
			{list: msgs, idCol: "m.id", args: args, what: "emails received",
				act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
					// Their To and Cc addresses go with them (first: the messages blanked are no
					// longer due).
					if _, err := t.exec(ctx, `DELETE FROM mail_recipients WHERE mail_id IN `+due.in, due.args...); err != nil {
						return nil, err
					}
					return exec(ctx, t, msgAct, due, "id")
				}},
			{list: outs, idCol: "o.id", args: args, what: "emails sent",
				act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) { return exec(ctx, t, outAct, due, "id") }},
		}, nil
	case ClassImportReports:
		// The latest run of each source stays: a held run waits for its confirmation, and the
		// next run's guard rail compares with it.
		q := `SELECT r.id AS id, r.started_at, 1 FROM import_runs r WHERE r.started_at < ?
			AND r.id <> (SELECT MAX(x.id) FROM import_runs x WHERE x.source = r.source)%s`
		return []sweepPart{{list: q, idCol: "r.id", args: []any{cut}, what: "import reports",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				return exec(ctx, t, `DELETE FROM import_runs WHERE id`, due, "id")
			}}}, nil
	case ClassLiftedHolds:
		q := `SELECT h.id AS id, h.lifted_at, 1 FROM legal_holds h WHERE h.lifted_at IS NOT NULL AND h.lifted_at < ?%s`
		return []sweepPart{{list: q, idCol: "h.id", args: []any{cut}, what: "lifted legal holds",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				return exec(ctx, t, `DELETE FROM legal_holds WHERE lifted_at IS NOT NULL AND id`, due, "id")
			}}}, nil
	case ClassErasureDecisions:
		q := `SELECT e.id AS id, e.erased_at, 1 FROM erasures e WHERE e.erased_at < ? AND (e.decision <> '' OR e.decided_by <> '')%s`
		return []sweepPart{{list: q, idCol: "e.id", args: []any{cut}, what: "erasure decisions",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				return exec(ctx, t, `UPDATE erasures SET decision = '', decided_by = '' WHERE id`, due, "id")
			}}}, nil
	case ClassBreaches:
		q := `SELECT b.id AS id, b.closed_at, 1 FROM breaches b WHERE b.state = 'closed' AND b.closed_at IS NOT NULL AND b.closed_at < ?
			AND NOT EXISTS (SELECT 1 FROM breach_people l JOIN legal_holds h ON h.person_id = l.person_id AND h.lifted_at IS NULL WHERE l.breach_id = b.id)%s`
		return []sweepPart{{list: q, idCol: "b.id", args: []any{cut}, what: "closed breaches",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				for _, q := range []string{`DELETE FROM breach_people WHERE breach_id IN ` + due.in, `DELETE FROM breach_escalations WHERE breach_id IN ` + due.in} {
					if _, err := t.exec(ctx, q, due.args...); err != nil {
						return nil, err
					}
				}
				return exec(ctx, t, `DELETE FROM breaches WHERE state = 'closed' AND id`, due, "id")
			}}}, nil
	case ClassDisclosures:
		q := `SELECT d.id AS id, d.received_at, 1 FROM disclosures d WHERE d.received_at < ?
			AND NOT EXISTS (SELECT 1 FROM disclosure_people l JOIN legal_holds h ON h.person_id = l.person_id AND h.lifted_at IS NULL WHERE l.disclosure_id = d.id)%s`
		return []sweepPart{{list: q, idCol: "d.id", args: []any{cut}, what: "disclosures",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				if _, err := t.exec(ctx, `DELETE FROM disclosure_people WHERE disclosure_id IN `+due.in, due.args...); err != nil {
					return nil, err
				}
				return exec(ctx, t, `DELETE FROM disclosures WHERE id`, due, "id")
			}}}, nil
	case ClassConsents:
		q := `SELECT c.id AS id, c.withdrawn_at, 1 FROM consents c WHERE c.withdrawn_at IS NOT NULL AND c.withdrawn_at < ?
			AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.person_id = c.person_id AND h.lifted_at IS NULL)%s`
		return []sweepPart{{list: q, idCol: "c.id", args: []any{cut}, what: "withdrawn consents",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				return exec(ctx, t, `DELETE FROM consents WHERE withdrawn_at IS NOT NULL AND id`, due, "id")
			}}}, nil
	case ClassProcessors:
		q := `SELECT p.id AS id, p.ended_at, 1 FROM processors p WHERE p.ended_at IS NOT NULL AND p.ended_at < ?%s`
		return []sweepPart{{list: q, idCol: "p.id", args: []any{cut}, what: "records of processors",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				if _, err := t.exec(ctx, `DELETE FROM processor_transfers WHERE processor_id IN `+due.in, due.args...); err != nil {
					return nil, err
				}
				return exec(ctx, t, `DELETE FROM processors WHERE ended_at IS NOT NULL AND id`, due, "id")
			}}}, nil
	case ClassDPIAs:
		q := `SELECT d.id AS id, d.retired_at, 1 FROM dpias d WHERE d.retired_at IS NOT NULL AND d.retired_at < ?%s`
		return []sweepPart{{list: q, idCol: "d.id", args: []any{cut}, what: "assessments",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				for _, q := range []string{`DELETE FROM dpia_risks WHERE dpia_id IN `, `DELETE FROM dpia_files WHERE dpia_id IN `} {
					if _, err := t.exec(ctx, q+due.in, due.args...); err != nil {
						return nil, err
					}
				}
				return exec(ctx, t, `DELETE FROM dpias WHERE retired_at IS NOT NULL AND id`, due, "id")
			}}}, nil
	case ClassSubjectRequests:
		q := `SELECT r.id AS id, r.updated_at, 1 FROM subject_requests r WHERE r.state IN ('done', 'refused', 'withdrawn') AND r.updated_at < ?
			AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.person_id = r.person_id AND h.lifted_at IS NULL)%s`
		return []sweepPart{{list: q, idCol: "r.id", args: []any{cut}, what: "subject requests",
			act: func(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
				if err := t.deleteSubjectRequestFiles(ctx, due); err != nil {
					return nil, err
				}
				return exec(ctx, t, `DELETE FROM subject_requests WHERE id`, due, "id")
			}}}, nil
	}
	return nil, desk.Errorf(desk.EINVALID, "the record class %q is not swept record by record", class)
}

// deleteSubjectRequestFiles deletes what hangs on the closed subject requests due before they go:
// their SAR bundles (a copy of everything held about the person) with their redaction lists; an
// erasure that answered one keeps its record (which names only the pseudonym) without the link.
func (t *Tx) deleteSubjectRequestFiles(ctx context.Context, due dueSet) error {
	// The bundles' keys go with them (crypto-shredding their copies in backups).
	if err := t.shredBundleKeys(ctx, `request_id IN `+due.in, due.args...); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM sar_redactions WHERE bundle_id IN (SELECT id FROM sar_bundles WHERE request_id IN ` + due.in + `)`,
		`DELETE FROM sar_bundles WHERE request_id IN ` + due.in,
		`UPDATE erasures SET request_id = NULL WHERE request_id IN ` + due.in,
	} {
		if _, err := t.exec(ctx, q, due.args...); err != nil {
			return err
		}
	}
	return nil
}

// anonymiseCalls removes the personal data of calls ids and keeps what statistics need (S18,
// P19): summary "Anonymised call"; description, resolution, hold reason, cancel note, extra
// contact details and diary bodies blanked; the customer snapshot reduced to department and
// kind; attachments deleted; stored emails emptied (their To and Cc addresses deleted); the search documents removed. Times, state,
// categories, priority, group, analyst and the customer link stay. Only the calls of the batch
// that are still due are anonymised (the UPDATE repeats the conditions); the rest of the work
// follows those, read back, and they are returned.
func (s *Store) anonymiseCalls(ctx context.Context, t *Tx, due dueSet) ([]int64, error) {
	now := t.Now.UnixMicro()
	if _, err := t.exec(ctx, `UPDATE calls SET summary = 'Anonymised call', description = '', resolution = '', hold_reason = '',
		cancel_note = '', key_id = NULL, alt_email = '', alt_phone = '', customer_snapshot = `+s.d.reducedSnapshot()+`, anonymised_at = ?,
		version = version + 1 WHERE id IN `+due.in, append([]any{now}, due.args...)...); err != nil {
		return nil, err
	}
	set := s.d.idSet()
	rows, err := t.query(ctx, `SELECT id FROM calls WHERE anonymised_at = ? AND id IN `+set+` ORDER BY id`, now, s.d.idSetArg(due.ids))
	if err != nil {
		return nil, err
	}
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return ids, nil
	}
	arg := s.d.idSetArg(ids)
	for _, q := range []string{
		`UPDATE diary_entries SET body = '' WHERE body <> '' AND call_id IN ` + set,
		`DELETE FROM attachments WHERE call_id IN ` + set,
		`DELETE FROM mail_recipients WHERE mail_id IN (SELECT id FROM mail_messages WHERE call_id IN ` + set + `)`,
		`UPDATE mail_messages SET raw = NULL, raw_text = NULL, sender = '', subject = '', reason = '' WHERE call_id IN ` + set,
		`UPDATE mail_outbox SET recipient = '', subject = '', text_body = '', html_body = '', last_error = ''
			WHERE state <> 'pending' AND call_id IN ` + set,
	} {
		if _, err := t.exec(ctx, q, arg); err != nil {
			return nil, err
		}
	}
	return ids, s.d.unindexCalls(ctx, t, ids)
}

// retentionItem is one due record: its id, its start and how many records it stands for.
type retentionItem struct {
	id, start int64
	n         int
}

func (s *Store) listDue(ctx context.Context, part sweepPart) ([]retentionItem, error) {
	rows, err := s.query(ctx, fmt.Sprintf(part.list, ""), part.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []retentionItem
	for rows.Next() {
		var it retentionItem
		if err := rows.Scan(&it.id, &it.start, &it.n); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, rows.Err()
}

// SweepClass finds what class's rule makes due at p.Now, passing over legal holds, and adds it to
// the report line; unless dry, it carries the rule out, a batch of a few hundred records per
// transaction (so that SQLite's one writer is never held for long), each batch re-checked
// inside its transaction and audited with the count and the ids of the records it changed
// (listed, auditIDsPerRecord to a record). Leavers
// are listed by DueLeavers and audit records swept by SweepAudit instead.
func (s *Store) SweepClass(ctx context.Context, actor desk.Actor, p RetentionPlan, class string, dry bool) (RetentionLine, error) {
	line := p.Line(class)
	parts, err := s.sweepParts(p, class)
	if err != nil {
		return line, err
	}
	for _, part := range parts {
		due, err := s.listDue(ctx, part)
		if err != nil {
			return line, fmt.Errorf("retention %s: %w", class, err)
		}
		if dry {
			for _, it := range due {
				line.add(it.n, it.start)
			}
			continue
		}
		for len(due) > 0 {
			n := min(retentionBatch, len(due))
			batch := due[:n]
			due = due[n:]
			if err := s.sweepBatch(ctx, actor, class, line.Action, part, batch, &line); err != nil {
				return line, fmt.Errorf("retention %s: %w", class, err)
			}
		}
	}
	return line, nil
}

func (s *Store) sweepBatch(ctx context.Context, actor desk.Actor, class, action string, part sweepPart, batch []retentionItem, line *RetentionLine) error {
	ids := make([]int64, len(batch))
	for i, it := range batch {
		ids[i] = it.id
	}
	return s.inTx(ctx, func(t *Tx) error {
		ids := slices.Clone(ids) // narrowed below: a second run (runTx) re-checks the whole batch again
		// Re-check in the transaction: a hold placed, or a call reopened, since the list was made wins.
		args := append(append([]any{}, part.args...), s.d.idSetArg(ids))
		rows, err := t.query(ctx, fmt.Sprintf(part.list, " AND "+part.idCol+" IN "+s.d.idSet()), args...)
		if err != nil {
			return err
		}
		var still []retentionItem
		for rows.Next() {
			var it retentionItem
			if err := rows.Scan(&it.id, &it.start, &it.n); err != nil {
				rows.Close()
				return err
			}
			still = append(still, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(still) == 0 {
			return nil
		}
		sort.Slice(still, func(i, j int) bool { return still[i].id < still[j].id })
		ids = ids[:0]
		for _, it := range still {
			ids = append(ids, it.id)
		}
		if s.afterRecheck != nil {
			s.afterRecheck(ctx, class, ids, func(query string, args ...any) error {
				_, err := t.exec(ctx, query, args...)
				return err
			})
		}
		done, err := part.act(ctx, t, s.dueSet(part, ids))
		if err != nil {
			return err
		}
		// Count what the act did: a record reopened or held since the re-check was left.
		kept := map[int64]bool{}
		for _, id := range done {
			kept[id] = true
		}
		still = slices.DeleteFunc(still, func(it retentionItem) bool { return !kept[it.id] })
		if len(still) == 0 {
			return nil
		}
		// The audit record lists the records changed, by id, so that one kept in the batch (held,
		// reopened) is never within what it names; a long batch is several records.
		for part_, chunk := range slices.Collect(slices.Chunk(still, auditIDsPerRecord)) {
			count := 0
			ids := make([]string, len(chunk))
			for i, it := range chunk {
				ids[i] = strconv.FormatInt(it.id, 10)
				count += it.n
			}
			detail := fmt.Sprintf("%s %d %s, ids %s", pastTense(action), count, part.what, strings.Join(ids, ", "))
			if len(still) > auditIDsPerRecord {
				detail += fmt.Sprintf(" (part %d of %d of one batch)", part_+1, (len(still)+auditIDsPerRecord-1)/auditIDsPerRecord)
			}
			if err := t.audit(ctx, actor, "retention."+action, "retention", class, nil, detail); err != nil {
				return err
			}
		}
		// Counted once the transaction is sure to commit its part.
		for _, it := range still {
			line.add(it.n, it.start)
		}
		return nil
	})
}

func pastTense(action string) string {
	if action == Anonymise {
		return "anonymised"
	}
	return "deleted"
}

// DueLeaver is a person whose record the leavers rule makes due for erasure.
type DueLeaver struct {
	ID     int64
	LeftAt time.Time
	// Caller marks a caller added by an analyst while logging their call (desk.FromAnalyst),
	// who never leaves as the directory's people do: LeftAt is when their last call last
	// changed (or, with no call, when they were added), from which the leavers' period runs.
	Caller bool
}

// lastCallChange is when an analyst-added caller was last in touch: their calls' last change, or
// their record's creation when they have none.
const lastCallChange = `COALESCE((SELECT MAX(c.updated_at) FROM calls c WHERE c.customer_id = p.id), p.created_at)`

// DueLeavers lists the people who left before the leavers cutoff of p and have no open call as
// customer, passing over people on legal hold or whose call is (ErasePerson refuses them until
// it is lifted), oldest leaver first. Callers added by an analyst
// while logging (issue 16), with no account, count as having left when their last call last
// changed: a visitor is not kept for ever because no directory ever says they left.
func (s *Store) DueLeavers(ctx context.Context, p RetentionPlan) ([]DueLeaver, error) {
	cut := p.cut(ClassLeavers)
	rows, err := s.query(ctx, `SELECT p.id, p.left_at, 0 FROM people p WHERE p.left_at IS NOT NULL AND p.left_at < ? AND p.erased_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.customer_id = p.id AND `+openCond+`)
		AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.person_id = p.id AND h.lifted_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM legal_holds h JOIN calls hc ON hc.id = h.call_id WHERE hc.customer_id = p.id AND h.lifted_at IS NULL)
		UNION ALL
		SELECT p.id, `+lastCallChange+`, 1 FROM people p WHERE p.source = 'analyst' AND p.left_at IS NULL AND p.erased_at IS NULL
		AND `+lastCallChange+` < ?
		AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.customer_id = p.id AND `+openCond+`)
		AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.person_id = p.id AND h.lifted_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM legal_holds h JOIN calls hc ON hc.id = h.call_id WHERE hc.customer_id = p.id AND h.lifted_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = p.id)
		ORDER BY 2, 1`, cut, cut)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueLeaver
	for rows.Next() {
		var l DueLeaver
		var at, caller int64
		if err := rows.Scan(&l.ID, &at, &caller); err != nil {
			return nil, err
		}
		l.Caller = caller == 1
		l.LeftAt = time.UnixMicro(at).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// AddLeaver counts one leaver on a report line.
func (l *RetentionLine) AddLeaver(d DueLeaver) { l.add(1, d.LeftAt.UnixMicro()) }

// AuditAnchor is where the audit chain starts once its oldest links were deleted: the seq and
// hash of the last deleted link (zero and "" while nothing was).
func (s *Store) AuditAnchor(ctx context.Context) (seq int64, hash string, err error) {
	err = s.queryRow(ctx, `SELECT seq, hash FROM audit_anchor WHERE id = 1`).Scan(&seq, &hash)
	if err == sql.ErrNoRows {
		return 0, "", nil
	}
	return seq, hash, err
}

// SweepAudit deletes (unless dry: counts) the oldest audit records created before the audit
// cutoff of p: always a whole prefix of the sealed chain, so that the rest still verifies from
// the anchor it leaves (the seq and hash of the last link deleted). The prefix stops at the
// first record concerning a person or a call on legal hold. Unsealed records are never touched.
func (s *Store) SweepAudit(ctx context.Context, actor desk.Actor, p RetentionPlan, dry bool) (RetentionLine, error) {
	line := p.Line(ClassAuditRecords)
	cut := p.cut(ClassAuditRecords)
	after, _, err := s.AuditAnchor(ctx)
	if err != nil {
		return line, err
	}
	held, err := s.heldAuditObjects(ctx)
	if err != nil {
		return line, err
	}
	for {
		links, err := s.AuditChain(ctx, after, retentionBatch)
		if err != nil {
			return line, err
		}
		var prefix []ChainLink
		stop := false
		for _, l := range links {
			if l.Missing || !l.Record.At.Before(time.UnixMicro(cut)) || held.concerns(l.Record) {
				stop = true
				break
			}
			prefix = append(prefix, l)
		}
		if len(prefix) > 0 {
			if !dry {
				if err := s.deleteAuditPrefix(ctx, actor, p.Rules[ClassAuditRecords].Months, prefix); err != nil {
					return line, fmt.Errorf("retention audit records: %w", err)
				}
			}
			for _, l := range prefix {
				line.add(1, l.Record.At.UnixMicro())
			}
			after = prefix[len(prefix)-1].Seq
		}
		if stop || len(links) < retentionBatch {
			return line, nil
		}
	}
}

type heldObjects struct {
	persons map[int64]bool
	calls   map[string]bool
}

func (h heldObjects) concerns(r desk.AuditRecord) bool {
	if r.ObjectType == "call" && h.calls[r.ObjectID] {
		return true
	}
	if r.ObjectType == "person" && h.persons[parseID(r.ObjectID)] {
		return true
	}
	for _, p := range r.Persons {
		if h.persons[p] {
			return true
		}
	}
	return false
}

func parseID(s string) int64 {
	var id int64
	_, _ = fmt.Sscan(strings.TrimSpace(s), &id)
	return id
}

func (s *Store) heldAuditObjects(ctx context.Context) (heldObjects, error) {
	h := heldObjects{persons: map[int64]bool{}, calls: map[string]bool{}}
	holds, err := s.ActiveHolds(ctx)
	if err != nil {
		return h, err
	}
	for _, x := range holds {
		if x.CallID != 0 {
			h.calls[x.CallRef] = true
		} else {
			h.persons[x.PersonID] = true
		}
	}
	return h, nil
}

// deleteAuditPrefix deletes the links of prefix (the oldest of the chain, in order) and their
// records, moves the anchor to the last of them, and audits that, in one transaction. The
// transaction first checks that prefix still starts right after the anchor. Its record seals
// months (the audit_records period in force) and the last link deleted in full (AnchorProof),
// which verify checks: the anchor's record was older than months before the record's time.
func (s *Store) deleteAuditPrefix(ctx context.Context, actor desk.Actor, months int, prefix []ChainLink) error {
	first, last := prefix[0], prefix[len(prefix)-1]
	prev, _, err := s.LastAuditDeletion(ctx)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *Tx) error {
		if err := s.d.lock(ctx, t, lockSeal); err != nil {
			return err
		}
		var anchor int64
		if err := t.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_anchor`).Scan(&anchor); err != nil {
			return err
		}
		if first.Seq <= anchor {
			return desk.Errorf(desk.ECONFLICT, "the audit trail was swept meanwhile")
		}
		ids := make([]int64, len(prefix))
		for i, l := range prefix {
			ids[i] = l.AuditID
		}
		set, arg := s.d.idSet(), s.d.idSetArg(ids)
		for _, q := range []string{`DELETE FROM audit_persons WHERE audit_id IN ` + set, `DELETE FROM audit_chain WHERE audit_id IN ` + set,
			`DELETE FROM audit_log WHERE id IN ` + set} {
			if _, err := t.exec(ctx, q, arg); err != nil {
				return err
			}
		}
		res, err := t.exec(ctx, `UPDATE audit_anchor SET seq = ?, hash = ?, deleted_at = ? WHERE id = 1`, last.Seq, last.Hash, t.Now.UnixMicro())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := t.exec(ctx, `INSERT INTO audit_anchor (id, seq, hash, deleted_at) VALUES (1, ?, ?, ?)`, last.Seq, last.Hash, t.Now.UnixMicro()); err != nil {
				return err
			}
		}
		// The record of the deletion names the new anchor, and is itself sealed into the chain
		// after it: an anchor changed later no longer matches what the chain says.
		// Its object id names the anchor in a form verify reads (AnchorObjectID).
		return t.audit(ctx, actor, "retention.delete", AnchorObjectType, AnchorObjectID(last.Seq, last.Hash), nil,
			anchorDetail(len(prefix), first.Seq, last.Seq, ids, last.Hash, newAnchorProof(months, last, rewrittenLines(prev.Proof, prefix, ids))))
	})
}
