package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// This file is the register of processors (issue 19 item 6; data protection policy 18, 21):
// who processes data for the university on calldesk's behalf, under which contract, with which
// article 28 clauses, sub-processors and transfers abroad. Its ids are stable: supplier access
// grants name the processor they are given under.

// Processor is one processor and its contract.
type Processor struct {
	ID int64
	// Name is the company; Service what it does for calldesk (hosting, mail, sign-in...).
	Name, Service string
	// Contact is the processor's contact for data protection (a name, an address).
	Contact string
	// ContractDate is the day the contract was signed (YYYY-MM-DD); ContractMonths its term
	// (0: open-ended).
	ContractDate   string
	ContractMonths int
	// Clauses are the letters (a-h) of the article 28(3) clauses the contract was checked to
	// carry.
	Clauses       string
	SubProcessors string
	Notes         string
	// ReviewDue is the day the record is next to be reviewed (YYYY-MM-DD); RemindedFor the
	// review date a reminder was sent for.
	ReviewDue, RemindedFor string
	Transfers              []Transfer
	EndedAt                time.Time
	CreatedAt, UpdatedAt   time.Time
	Version                int
}

// Transfer is a country the processor takes data to, and the safeguard that makes it lawful
// (UK GDPR chapter V; policy 21).
type Transfer struct {
	Country, Safeguard string
}

// HasClause says whether the contract carries clause letter l.
func (p Processor) HasClause(l string) bool { return l != "" && strings.Contains(p.Clauses, l) }

const processorCols = `p.id, p.name, p.service, p.contact, p.contract_date, p.contract_months, p.clauses, p.sub_processors, p.notes,
	p.review_due, p.reminded_for, p.ended_at, p.created_at, p.updated_at, p.version`

func scanProcessor(r scanner) (Processor, error) {
	var p Processor
	var ended sql.NullInt64
	var created, updated int64
	err := r.Scan(&p.ID, &p.Name, &p.Service, &p.Contact, &p.ContractDate, &p.ContractMonths, &p.Clauses, &p.SubProcessors, &p.Notes,
		&p.ReviewDue, &p.RemindedFor, &ended, &created, &updated, &p.Version)
	p.EndedAt = fromMicros(ended)
	p.CreatedAt, p.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return p, err
}

func processorNameTaken(name string) error {
	return desk.Invalid("the processor cannot be saved", map[string]string{"name": fmt.Sprintf("a processor called %q is already in the register", name)})
}

// SaveProcessor creates p (p.ID 0) or replaces processor p.ID's record, with its transfers, audited
// with reason. p.Version is the version the form showed: a record changed since is ECONFLICT.
func (s *Store) SaveProcessor(ctx context.Context, actor desk.Actor, p Processor, reason string) (Processor, error) {
	err := s.inTx(ctx, func(t *Tx) error {
		now := t.Now.UnixMicro()
		action, detail := "processor.update", "changed the record of the processor "+p.Name
		if p.ID == 0 {
			action, detail = "processor.create", "added the processor "+p.Name
			err := t.queryRow(ctx, `INSERT INTO processors (name, service, contact, contract_date, contract_months, clauses, sub_processors, notes,
				review_due, ended_at, created_at, updated_at) VALUES (`+placeholders(12)+`) RETURNING id`,
				p.Name, p.Service, p.Contact, p.ContractDate, p.ContractMonths, p.Clauses, p.SubProcessors, p.Notes, p.ReviewDue,
				micros(p.EndedAt), now, now).Scan(&p.ID)
			if t.s.d.constraint(err) == constraintUnique {
				return processorNameTaken(p.Name)
			}
			if err != nil {
				return err
			}
			p.Version = 1
		} else {
			res, err := t.exec(ctx, `UPDATE processors SET name = ?, service = ?, contact = ?, contract_date = ?, contract_months = ?, clauses = ?,
				sub_processors = ?, notes = ?, review_due = ?, ended_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
				p.Name, p.Service, p.Contact, p.ContractDate, p.ContractMonths, p.Clauses, p.SubProcessors, p.Notes, p.ReviewDue,
				micros(p.EndedAt), now, p.ID, p.Version)
			if t.s.d.constraint(err) == constraintUnique {
				return processorNameTaken(p.Name)
			}
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				if _, err := t.processor(ctx, p.ID); err != nil {
					return err
				}
				return desk.Errorf(desk.ECONFLICT, "the record of %s was changed by someone else after you opened it: look at it again", p.Name)
			}
			p.Version++
			if _, err := t.exec(ctx, `DELETE FROM processor_transfers WHERE processor_id = ?`, p.ID); err != nil {
				return err
			}
		}
		for _, tr := range p.Transfers {
			if _, err := t.exec(ctx, `INSERT INTO processor_transfers (processor_id, country, safeguard) VALUES (?, ?, ?)`, p.ID, tr.Country, tr.Safeguard); err != nil {
				return err
			}
		}
		return t.audit(ctx, actor, action, "processor", p.ID, nil, detail+": "+reason)
	})
	return p, err
}

func (t *Tx) processor(ctx context.Context, id int64) (Processor, error) {
	p, err := scanProcessor(t.queryRow(ctx, `SELECT `+processorCols+` FROM processors p WHERE p.id = ?`, id))
	if err == sql.ErrNoRows {
		return p, notFound("there is no processor %d", id)
	}
	return p, err
}

// FindProcessor returns processor id with its transfers.
func (s *Store) FindProcessor(ctx context.Context, id int64) (Processor, error) {
	p, err := scanProcessor(s.queryRow(ctx, `SELECT `+processorCols+` FROM processors p WHERE p.id = ?`, id))
	if err == sql.ErrNoRows {
		return p, notFound("there is no processor %d", id)
	} else if err != nil {
		return p, err
	}
	ps := []Processor{p}
	if err := s.addTransfers(ctx, ps); err != nil {
		return p, err
	}
	return ps[0], nil
}

// Processors lists the register, by name, with transfers; ended ones last.
func (s *Store) Processors(ctx context.Context) ([]Processor, error) {
	return s.processors(ctx, `SELECT `+processorCols+` FROM processors p ORDER BY CASE WHEN p.ended_at IS NULL THEN 0 ELSE 1 END, lower(p.name), p.id`)
}

// ProcessorsDueForReview lists the processors still in use whose review date is on or before
// day (YYYY-MM-DD), soonest first: for the compliance page and the reminders.
func (s *Store) ProcessorsDueForReview(ctx context.Context, day string) ([]Processor, error) {
	return s.processors(ctx, `SELECT `+processorCols+` FROM processors p WHERE p.ended_at IS NULL AND p.review_due <= ?
		ORDER BY p.review_due, p.id`, day)
}

func (s *Store) processors(ctx context.Context, q string, args ...any) ([]Processor, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []Processor
	for rows.Next() {
		p, err := scanProcessor(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.addTransfers(ctx, out)
}

func (s *Store) addTransfers(ctx context.Context, ps []Processor) error {
	if len(ps) == 0 {
		return nil
	}
	at := map[int64]int{}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		at[p.ID], ids[i] = i, p.ID
	}
	rows, err := s.query(ctx, `SELECT processor_id, country, safeguard FROM processor_transfers WHERE processor_id IN `+s.d.idSet()+` ORDER BY id`, s.d.idSetArg(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tr Transfer
		if err := rows.Scan(&id, &tr.Country, &tr.Safeguard); err != nil {
			return err
		}
		ps[at[id]].Transfers = append(ps[at[id]].Transfers, tr)
	}
	return rows.Err()
}

// Review is a processor or an assessment whose review has fallen due, for the reminder.
type Review struct {
	Kind  string // "processor" or "dpia"
	ID    int64
	Title string
	Due   string
}

// DueReviews lists the processors and assessments in use whose review date is on or before day
// and whose reminder for that date has not been sent.
func (s *Store) DueReviews(ctx context.Context, day string) ([]Review, error) {
	rows, err := s.query(ctx, `SELECT 'processor', id, name, review_due FROM processors WHERE ended_at IS NULL AND review_due <= ? AND reminded_for <> review_due
		UNION ALL SELECT 'dpia', id, title, review_due FROM dpias WHERE retired_at IS NULL AND review_due <= ? AND reminded_for <> review_due
		ORDER BY 4, 1, 2`, day, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var r Review
		if err := rows.Scan(&r.Kind, &r.ID, &r.Title, &r.Due); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SendReviewReminder marks r's reminder sent for its review date and queues mails, in one
// transaction that goes ahead only while the reminder is still unsent (compare and set on
// reminded_for): on several instances one sends it and the others return false.
func (s *Store) SendReviewReminder(ctx context.Context, r Review, mails []desk.OutMail) (bool, error) {
	table := "processors"
	if r.Kind == "dpia" {
		table = "dpias"
	}
	sent := false
	err := s.inTx(ctx, func(t *Tx) error {
		sent = false
		res, err := t.exec(ctx, `UPDATE `+table+` SET reminded_for = review_due WHERE id = ? AND review_due = ? AND reminded_for <> review_due`, r.ID, r.Due)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		for _, m := range mails {
			if err := t.enqueueMail(ctx, m); err != nil {
				return err
			}
		}
		sent = true
		return t.audit(ctx, desk.System("review reminders"), "review.remind", r.Kind, r.ID, nil,
			fmt.Sprintf("reminded the Data Protection Officer (%d addresses) that the review of %q was due on %s", len(mails), r.Title, r.Due))
	})
	return sent, err
}
