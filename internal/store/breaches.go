package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// Breach is one entry of the breach register (issue 19 item 3; data protection policy 22, 15.6):
// what a member of staff reported, and the Data Protection Officer's assessment, decision,
// notification of the ICO and actions. The policy (what may be recorded when, the 72-hour
// clock) is internal/dpo's; the store keeps and audits it.
type Breach struct {
	ID         int64
	ReporterID int64 // the person who reported it (0: not a person of the register)
	ReportedBy string
	ReportedAt time.Time
	// AwareAt is when the university became aware: the 72-hour clock runs from it.
	AwareAt time.Time
	Report  string // what the reporter said happened
	State   string // open, closed
	// The assessment.
	Assessment     string
	PeopleCount    int // -1 when not known yet
	DataCategories string
	Risk           string // "", none, risk, high
	// The decision to notify the ICO, its reason and who approved it.
	Notify     string // "", yes, no
	Decision   string
	ApprovedBy string
	NotifiedAt time.Time
	Reference  string // the ICO's reference
	PeopleTold string // "", yes, no, not needed
	Actions    string
	ClosedAt   time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
	// People are the people linked as affected (filled by FindBreach).
	People []LinkedPerson
	// Escalations are the hours of the clock whose email was sent (filled by FindBreach).
	Escalations []int
}

// LinkedPerson is a person linked to a breach or a disclosure.
type LinkedPerson struct {
	PersonID int64
	Name     string
	// Exemption is why a disclosure is not shown in the person's subject access bundle ("": it is).
	Exemption string
	LinkedBy  string
	LinkedAt  time.Time
}

const breachCols = `b.id, b.reporter_id, b.reported_by, b.reported_at, b.aware_at, b.report, b.state, b.assessment, b.people_count,
	b.data_categories, b.risk, b.notify, b.decision, b.approved_by, b.notified_at, b.ico_reference, b.people_told, b.actions,
	b.closed_at, b.created_at, b.updated_at, b.version`

func scanBreach(r scanner) (Breach, error) {
	var b Breach
	var reporter, count, notified, closed sql.NullInt64
	var reported, aware, created, updated int64
	err := r.Scan(&b.ID, &reporter, &b.ReportedBy, &reported, &aware, &b.Report, &b.State, &b.Assessment, &count, &b.DataCategories,
		&b.Risk, &b.Notify, &b.Decision, &b.ApprovedBy, &notified, &b.Reference, &b.PeopleTold, &b.Actions, &closed, &created, &updated, &b.Version)
	b.ReporterID = reporter.Int64
	b.PeopleCount = -1
	if count.Valid {
		b.PeopleCount = int(count.Int64)
	}
	b.ReportedAt, b.AwareAt = time.UnixMicro(reported).UTC(), time.UnixMicro(aware).UTC()
	b.NotifiedAt, b.ClosedAt = fromMicros(notified), fromMicros(closed)
	b.CreatedAt, b.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return b, err
}

// ReportBreach records a breach or suspected breach reported by actor (any member of staff),
// with its audit record, and emails the Data Protection Officer (every active account with the
// dpo role that has an address) in the same transaction: mail renders the email (a notice with
// Hours 0); nil when email is not set up.
func (s *Store) ReportBreach(ctx context.Context, actor desk.Actor, b Breach, mail BreachMail) (Breach, error) {
	var out Breach
	err := s.inTx(ctx, func(t *Tx) error {
		var id int64
		if err := t.queryRow(ctx, `INSERT INTO breaches (reporter_id, reported_by, reported_at, aware_at, report, state, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, 'open', ?, ?, 1) RETURNING id`, nullID(actor.PersonID), actorName(actor), t.Now.UnixMicro(),
			b.AwareAt.UnixMicro(), b.Report, t.Now.UnixMicro(), t.Now.UnixMicro()).Scan(&id); err != nil {
			return err
		}
		did := "the Data Protection Officer was not emailed: email is not set up"
		if mail != nil {
			to, err := t.dpoAddresses(ctx)
			if err != nil {
				return err
			}
			for _, addr := range to {
				m, err := mail(BreachNotice{BreachID: id, Deadline: b.AwareAt.Add(72 * time.Hour), To: addr})
				if err != nil {
					return err
				}
				if err := t.enqueueMail(ctx, m); err != nil {
					return err
				}
			}
			did = fmt.Sprintf("emailed to %d address(es) of the Data Protection Officer", len(to))
		}
		if err := t.audit(ctx, actor, "breach.report", "breach", id, nil, "breach reported: aware since "+b.AwareAt.UTC().Format(time.RFC3339)+"; "+did); err != nil {
			return err
		}
		var err error
		out, err = t.breach(ctx, id)
		return err
	})
	return out, err
}

func (t *Tx) breach(ctx context.Context, id int64) (Breach, error) {
	b, err := scanBreach(t.queryRow(ctx, `SELECT `+breachCols+` FROM breaches b WHERE b.id = ?`, id))
	if err == sql.ErrNoRows {
		return b, notFound("there is no breach %d", id)
	}
	return b, err
}

// FindBreach is breach id with its linked people and the escalations sent.
func (s *Store) FindBreach(ctx context.Context, id int64) (Breach, error) {
	b, err := scanBreach(s.queryRow(ctx, `SELECT `+breachCols+` FROM breaches b WHERE b.id = ?`, id))
	if err == sql.ErrNoRows {
		return b, notFound("there is no breach %d", id)
	} else if err != nil {
		return b, err
	}
	if b.People, err = s.linkedPeople(ctx, `SELECT l.person_id, `+linkedName+`, '', l.linked_by, l.linked_at FROM breach_people l
		JOIN people p ON p.id = l.person_id WHERE l.breach_id = ? ORDER BY p.last_name, p.first_name, p.id`, id); err != nil {
		return b, err
	}
	rows, err := s.query(ctx, `SELECT hours FROM breach_escalations WHERE breach_id = ? ORDER BY hours`, id)
	if err != nil {
		return b, err
	}
	defer rows.Close()
	for rows.Next() {
		var h int
		if err := rows.Scan(&h); err != nil {
			return b, err
		}
		b.Escalations = append(b.Escalations, h)
	}
	return b, rows.Err()
}

// linkedName is a linked person's name: their pseudonym once erased.
const linkedName = `COALESCE(trim(p.first_name || ' ' || p.last_name), '')`

func (s *Store) linkedPeople(ctx context.Context, q string, id int64) ([]LinkedPerson, error) {
	rows, err := s.query(ctx, q, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LinkedPerson
	for rows.Next() {
		var l LinkedPerson
		var at int64
		if err := rows.Scan(&l.PersonID, &l.Name, &l.Exemption, &l.LinkedBy, &at); err != nil {
			return nil, err
		}
		l.LinkedAt = time.UnixMicro(at).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// BreachFilter selects breaches: ReporterID one reporter's (0: everyone's); From and To a
// period of AwareAt (zero: unbounded); Open only those still open.
type BreachFilter struct {
	ReporterID int64
	From, To   time.Time
	Open       bool
	Limit      int
}

// Breaches lists breaches, the most recent first.
func (s *Store) Breaches(ctx context.Context, f BreachFilter) ([]Breach, error) {
	var where []string
	var args []any
	if f.ReporterID != 0 {
		where, args = append(where, "b.reporter_id = ?"), append(args, f.ReporterID)
	}
	if !f.From.IsZero() {
		where, args = append(where, "b.aware_at >= ?"), append(args, f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		where, args = append(where, "b.aware_at < ?"), append(args, f.To.UnixMicro())
	}
	if f.Open {
		where = append(where, "b.state = 'open'")
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	return s.breaches(ctx, `SELECT `+breachCols+` FROM breaches b`+w+` ORDER BY b.aware_at DESC, b.id DESC LIMIT ?`, append(args, limit)...)
}

// breaches runs q, a query of breachCols, and scans its rows.
func (s *Store) breaches(ctx context.Context, q string, args ...any) ([]Breach, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Breach
	for rows.Next() {
		b, err := scanBreach(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BreachPeople are the ids of the people linked to breaches ids, for the read audit.
func (s *Store) BreachPeople(ctx context.Context, ids []int64) ([]int64, error) {
	return s.peopleOf(ctx, "breach_people", "breach_id", ids)
}

func (s *Store) peopleOf(ctx context.Context, table, key string, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.query(ctx, `SELECT DISTINCT person_id FROM `+table+` WHERE `+key+` IN (`+placeholders(len(ids))+`) ORDER BY person_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// AssessBreach writes the DPO's record of breach b (at b.Version): assessment, decision,
// approval, notification and its reference, whether the people were told, actions, and whether
// it is closed; actor.Reason is the reason audited with the change. What changed is listed in
// the audit record.
func (s *Store) AssessBreach(ctx context.Context, actor desk.Actor, b Breach) (Breach, error) {
	var out Breach
	err := s.inTx(ctx, func(t *Tx) error {
		old, err := t.breach(ctx, b.ID)
		if err != nil {
			return err
		}
		if old.Version != b.Version {
			return desk.Errorf(desk.ECONFLICT, "the breach was changed by someone else meanwhile: reload it")
		}
		var changed []string
		for _, c := range []struct {
			name     string
			was, now any
		}{{"assessment", old.Assessment, b.Assessment}, {"people affected", old.PeopleCount, b.PeopleCount},
			{"data categories", old.DataCategories, b.DataCategories}, {"risk", old.Risk, b.Risk}, {"decision to notify", old.Notify, b.Notify},
			{"reason for the decision", old.Decision, b.Decision}, {"approved by", old.ApprovedBy, b.ApprovedBy},
			{"notified at", old.NotifiedAt.UnixMicro(), b.NotifiedAt.UnixMicro()}, {"ICO reference", old.Reference, b.Reference},
			{"people told", old.PeopleTold, b.PeopleTold}, {"actions", old.Actions, b.Actions}, {"state", old.State, b.State}} {
			if c.was != c.now {
				changed = append(changed, c.name)
			}
		}
		if len(changed) == 0 {
			return desk.Errorf(desk.EINVALID, "nothing was changed")
		}
		closed := old.ClosedAt
		if b.State == "closed" && old.State != "closed" {
			closed = t.Now
		} else if b.State == "open" {
			closed = time.Time{}
		}
		var count any
		if b.PeopleCount >= 0 {
			count = b.PeopleCount
		}
		if _, err := t.exec(ctx, `UPDATE breaches SET assessment = ?, people_count = ?, data_categories = ?, risk = ?, notify = ?, decision = ?,
			approved_by = ?, notified_at = ?, ico_reference = ?, people_told = ?, actions = ?, state = ?, closed_at = ?, updated_at = ?,
			version = version + 1 WHERE id = ?`, b.Assessment, count, b.DataCategories, b.Risk, b.Notify, b.Decision, b.ApprovedBy,
			micros(b.NotifiedAt), b.Reference, b.PeopleTold, b.Actions, b.State, micros(closed), t.Now.UnixMicro(), b.ID); err != nil {
			return err
		}
		persons, err := t.linked(ctx, "breach_people", "breach_id", b.ID)
		if err != nil {
			return err
		}
		if err := t.audit(ctx, actor, "breach.assess", "breach", b.ID, persons, "changed: "+strings.Join(changed, ", ")); err != nil {
			return err
		}
		out, err = t.breach(ctx, b.ID)
		return err
	})
	return out, err
}

func (t *Tx) linked(ctx context.Context, table, key string, id int64) ([]int64, error) {
	rows, err := t.query(ctx, `SELECT person_id FROM `+table+` WHERE `+key+` = ? ORDER BY person_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// LinkBreachPerson links person to breach id as affected (link true) or takes the link away,
// with its audit record (actor.Reason its reason).
func (s *Store) LinkBreachPerson(ctx context.Context, actor desk.Actor, id, person int64, link bool) error {
	return s.inTx(ctx, func(t *Tx) error {
		if _, err := t.breach(ctx, id); err != nil {
			return err
		}
		p, err := t.findPerson(ctx, person)
		if err != nil {
			return err
		}
		if !link {
			res, err := t.exec(ctx, `DELETE FROM breach_people WHERE breach_id = ? AND person_id = ?`, id, person)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return desk.Errorf(desk.EINVALID, "%s is not linked to breach %d", p.Name(), id)
			}
			return t.audit(ctx, actor, "breach.unlink", "breach", id, []int64{person}, "no longer linked as affected")
		}
		res, err := t.exec(ctx, `INSERT INTO breach_people (breach_id, person_id, linked_by, linked_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (breach_id, person_id) DO NOTHING`, id, person, actorName(actor), t.Now.UnixMicro())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.Errorf(desk.EINVALID, "%s is linked to breach %d already", p.Name(), id)
		}
		if _, err := t.exec(ctx, `UPDATE breaches SET updated_at = ?, version = version + 1 WHERE id = ?`, t.Now.UnixMicro(), id); err != nil {
			return err
		}
		return t.audit(ctx, actor, "breach.link", "breach", id, []int64{person}, "linked as affected by the breach")
	})
}

// BreachNotice is one escalation email of a breach's 72-hour clock: to one address.
type BreachNotice struct {
	BreachID int64
	Hours    int       // the mark crossed: 24, 48, 60
	Deadline time.Time // AwareAt + 72 hours
	To       string
}

// BreachMail renders the email of a notice (internal/dpo writes it).
type BreachMail func(BreachNotice) (desk.OutMail, error)

// EscalateBreaches sends, for every open breach not yet notified to the ICO whose clock (from
// aware_at, at now) has passed a mark (hours), the mark's email to every active account with the
// dpo role that has an address, and records the mark as sent in the same transaction
// (breach_escalations), so each mark is sent once whatever the number of instances running the
// job: a second instance's insert of the same mark does nothing and sends nothing. Marks already
// passed when a breach is reported are sent at once, the highest only (one email, not three).
// It returns how many marks it sent.
func (s *Store) EscalateBreaches(ctx context.Context, marks []int, mail BreachMail) (int, error) {
	if len(marks) == 0 {
		return 0, nil
	}
	now := s.Now()
	first := marks[0]
	for _, m := range marks {
		first = min(first, m)
	}
	rows, err := s.query(ctx, `SELECT b.id, b.aware_at FROM breaches b WHERE b.state = 'open' AND b.notified_at IS NULL AND b.aware_at <= ? ORDER BY b.id`,
		now.Add(-time.Duration(first)*time.Hour).UnixMicro())
	if err != nil {
		return 0, err
	}
	type due struct {
		id    int64
		aware time.Time
	}
	var dues []due
	for rows.Next() {
		var d due
		var at int64
		if err := rows.Scan(&d.id, &at); err != nil {
			rows.Close()
			return 0, err
		}
		d.aware = time.UnixMicro(at).UTC()
		dues = append(dues, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range dues {
		n := 0
		err := s.inTx(ctx, func(t *Tx) error {
			n = 0
			crossed := 0
			for _, m := range marks {
				if !t.Now.Before(d.aware.Add(time.Duration(m)*time.Hour)) && m > crossed {
					crossed = m
				}
			}
			if crossed == 0 {
				return nil
			}
			var open int
			if err := t.queryRow(ctx, `SELECT COUNT(*) FROM breaches WHERE id = ? AND state = 'open' AND notified_at IS NULL`, d.id).Scan(&open); err != nil || open == 0 {
				return err
			}
			var done int
			if err := t.queryRow(ctx, `SELECT COUNT(*) FROM breach_escalations WHERE breach_id = ? AND hours >= ?`, d.id, crossed).Scan(&done); err != nil || done > 0 {
				return err
			}
			to, err := t.dpoAddresses(ctx)
			if err != nil {
				return err
			}
			res, err := t.exec(ctx, `INSERT INTO breach_escalations (breach_id, hours, sent_at, recipients) VALUES (?, ?, ?, ?)
				ON CONFLICT (breach_id, hours) DO NOTHING`, d.id, crossed, t.Now.UnixMicro(), len(to))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // another instance sent it
			}
			did := "nobody emailed: no active account with the dpo role has an email address"
			switch {
			case len(to) == 0:
			case mail == nil:
				did = "not emailed: email is not set up"
			default:
				for _, addr := range to {
					m, err := mail(BreachNotice{BreachID: d.id, Hours: crossed, Deadline: d.aware.Add(72 * time.Hour), To: addr})
					if err != nil {
						return err
					}
					if err := t.enqueueMail(ctx, m); err != nil {
						return err
					}
				}
				did = fmt.Sprintf("emailed to %d address(es) of the Data Protection Officer", len(to))
			}
			n = 1
			return t.audit(ctx, desk.System("breach clock"), "breach.escalate", "breach", d.id, nil,
				fmt.Sprintf("%d hours since the university became aware, not yet notified to the ICO: %s", crossed, did))
		})
		if err != nil {
			return sent, fmt.Errorf("breach %d: %w", d.id, err)
		}
		sent += n
	}
	return sent, nil
}

// dpoAddresses are the addresses of the active accounts with the dpo role whose person may be
// written to.
func (t *Tx) dpoAddresses(ctx context.Context) ([]string, error) {
	rows, err := t.query(ctx, `SELECT DISTINCT p.email FROM accounts a JOIN people p ON p.id = a.person_id
		WHERE a.active = 1 AND (',' || a.roles || ',') LIKE ? AND p.email <> '' AND p.restricted_at IS NULL ORDER BY p.email`, "%,"+string(desk.RoleDPO)+",%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// BreachSummary is what the compliance page shows of a period's breaches: how many the
// university became aware of, how many were notified to the ICO, and how many of those within 72
// hours of becoming aware.
type BreachSummary struct {
	Breaches, Notified, NotifiedInTime, NotNotified int
}

// BreachesInPeriod counts the breaches the university became aware of in [from, to).
func (s *Store) BreachesInPeriod(ctx context.Context, from, to time.Time) (BreachSummary, error) {
	var b BreachSummary
	err := s.queryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN notified_at IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN notified_at IS NOT NULL AND notified_at <= aware_at + ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN notify = 'no' THEN 1 ELSE 0 END), 0)
		FROM breaches WHERE aware_at >= ? AND aware_at < ?`, (72*time.Hour).Microseconds(), from.UnixMicro(), to.UnixMicro()).
		Scan(&b.Breaches, &b.Notified, &b.NotifiedInTime, &b.NotNotified)
	return b, err
}

// SARBreaches are the breaches person is linked to, oldest first.
func (s *Store) SARBreaches(ctx context.Context, person int64) ([]Breach, error) {
	return s.breaches(ctx, `SELECT `+breachCols+` FROM breaches b JOIN breach_people l ON l.breach_id = b.id WHERE l.person_id = ? ORDER BY b.id`, person)
}
