package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// Disclosure is one entry of the disclosure log (issue 19 item 4; data protection policy 24,
// S15, P16): personal data asked for by a third party (the police on their form, 24.2; a regular
// disclosure under a documented procedure, 24.3), who asked, on what basis, who approved or
// refused it, what was disclosed and about whom. internal/dpo holds its rules.
type Disclosure struct {
	ID           int64
	Kind         string // police, regular, other
	Organisation string
	Requester    string // the person who asked, at the organisation
	Reference    string // their reference
	Form         string // the police form, or the documented procedure, it came under
	Basis        string // the legal basis, or the consent
	Requested    string // what was asked for and disclosed
	State        string // requested, approved, refused
	Approver     string // the University Secretary or the nominee who decided
	Decision     string // the decision's reasons
	DecidedAt    time.Time
	LoggedBy     string
	ReceivedAt   time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64
	People       []LinkedPerson
}

const disclosureCols = `d.id, d.kind, d.organisation, d.requester, d.reference, d.form, d.basis, d.requested, d.state, d.approver,
	d.decision, d.decided_at, d.logged_by, d.received_at, d.created_at, d.updated_at, d.version`

func scanDisclosure(r scanner) (Disclosure, error) {
	var d Disclosure
	var decided sql.NullInt64
	var received, created, updated int64
	err := r.Scan(&d.ID, &d.Kind, &d.Organisation, &d.Requester, &d.Reference, &d.Form, &d.Basis, &d.Requested, &d.State, &d.Approver,
		&d.Decision, &decided, &d.LoggedBy, &received, &created, &updated, &d.Version)
	d.DecidedAt = fromMicros(decided)
	d.ReceivedAt, d.CreatedAt, d.UpdatedAt = time.UnixMicro(received).UTC(), time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return d, err
}

// LogDisclosure records a request for disclosure, with the people it is about, and its audit
// record.
func (s *Store) LogDisclosure(ctx context.Context, actor desk.Actor, d Disclosure, people []int64) (Disclosure, error) {
	var out Disclosure
	err := s.inTx(ctx, func(t *Tx) error {
		var id int64
		if err := t.queryRow(ctx, `INSERT INTO disclosures (kind, organisation, requester, reference, form, basis, requested, state,
			logged_by, received_at, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?, 1) RETURNING id`,
			d.Kind, d.Organisation, d.Requester, d.Reference, d.Form, d.Basis, d.Requested, actorName(actor), d.ReceivedAt.UnixMicro(),
			t.Now.UnixMicro(), t.Now.UnixMicro()).Scan(&id); err != nil {
			return err
		}
		for _, p := range people {
			if _, err := t.findPerson(ctx, p); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `INSERT INTO disclosure_people (disclosure_id, person_id, linked_by, linked_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (disclosure_id, person_id) DO NOTHING`, id, p, actorName(actor), t.Now.UnixMicro()); err != nil {
				return err
			}
		}
		if err := t.audit(ctx, actor, "disclosure.log", "disclosure", id, people, d.Kind+" request for disclosure logged from "+d.Organisation); err != nil {
			return err
		}
		var err error
		out, err = t.disclosure(ctx, id)
		return err
	})
	return out, err
}

func (t *Tx) disclosure(ctx context.Context, id int64) (Disclosure, error) {
	d, err := scanDisclosure(t.queryRow(ctx, `SELECT `+disclosureCols+` FROM disclosures d WHERE d.id = ?`, id))
	if err == sql.ErrNoRows {
		return d, notFound("there is no disclosure %d", id)
	}
	return d, err
}

// FindDisclosure is disclosure id with its people.
func (s *Store) FindDisclosure(ctx context.Context, id int64) (Disclosure, error) {
	d, err := scanDisclosure(s.queryRow(ctx, `SELECT `+disclosureCols+` FROM disclosures d WHERE d.id = ?`, id))
	if err == sql.ErrNoRows {
		return d, notFound("there is no disclosure %d", id)
	} else if err != nil {
		return d, err
	}
	d.People, err = s.linkedPeople(ctx, `SELECT l.person_id, `+linkedName+`, l.exemption, l.linked_by, l.linked_at FROM disclosure_people l
		JOIN people p ON p.id = l.person_id WHERE l.disclosure_id = ? ORDER BY p.last_name, p.first_name, p.id`, id)
	return d, err
}

// Disclosures lists the log, the most recent first.
func (s *Store) Disclosures(ctx context.Context, limit int) ([]Disclosure, error) {
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	rows, err := s.query(ctx, `SELECT `+disclosureCols+` FROM disclosures d ORDER BY d.received_at DESC, d.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Disclosure
	for rows.Next() {
		d, err := scanDisclosure(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DisclosurePeople are the ids of the people linked to disclosures ids, for the read audit.
func (s *Store) DisclosurePeople(ctx context.Context, ids []int64) ([]int64, error) {
	return s.peopleOf(ctx, "disclosure_people", "disclosure_id", ids)
}

// DecideDisclosure records the decision on disclosure d.ID (at d.Version): approved or refused by
// the named approver, with its reasons; actor records it.
func (s *Store) DecideDisclosure(ctx context.Context, actor desk.Actor, d Disclosure) (Disclosure, error) {
	var out Disclosure
	err := s.inTx(ctx, func(t *Tx) error {
		old, err := t.disclosure(ctx, d.ID)
		if err != nil {
			return err
		}
		if old.Version != d.Version {
			return desk.Errorf(desk.ECONFLICT, "the disclosure was changed by someone else meanwhile: reload it")
		}
		if old.State != "requested" {
			return desk.Errorf(desk.EINVALID, "the disclosure was %s already", old.State)
		}
		if _, err := t.exec(ctx, `UPDATE disclosures SET state = ?, approver = ?, decision = ?, decided_at = ?, updated_at = ?, version = version + 1
			WHERE id = ?`, d.State, d.Approver, d.Decision, t.Now.UnixMicro(), t.Now.UnixMicro(), d.ID); err != nil {
			return err
		}
		persons, err := t.linked(ctx, "disclosure_people", "disclosure_id", d.ID)
		if err != nil {
			return err
		}
		if err := t.audit(ctx, actor, "disclosure.decide", "disclosure", d.ID, persons, d.State+" by "+d.Approver+": "+d.Decision); err != nil {
			return err
		}
		out, err = t.disclosure(ctx, d.ID)
		return err
	})
	return out, err
}

// SetDisclosureExemption records why disclosure id is not shown in person's subject access
// bundle (exemption "": it is shown again), with its audit record.
func (s *Store) SetDisclosureExemption(ctx context.Context, actor desk.Actor, id, person int64, exemption string) error {
	return s.inTx(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, `UPDATE disclosure_people SET exemption = ? WHERE disclosure_id = ? AND person_id = ?`, exemption, id, person)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("person %d is not linked to disclosure %d", person, id)
		}
		detail := "shown in the person's subject access bundle"
		if strings.TrimSpace(exemption) != "" {
			detail = "withheld from the person's subject access bundle: " + exemption
		}
		return t.audit(ctx, actor, "disclosure.exempt", "disclosure", id, []int64{person}, detail)
	})
}

// AuditDisclosureDownload records that the data of disclosure id's people was downloaded to be
// handed to the third party.
func (s *Store) AuditDisclosureDownload(ctx context.Context, actor desk.Actor, id int64, persons []int64) error {
	return s.inTx(ctx, func(t *Tx) error {
		return t.audit(ctx, actor, "disclosure.download", "disclosure", id, persons, "the disclosed data downloaded for the third party")
	})
}

// SARDisclosure is a disclosure as the subject access bundle of one of its people shows it.
type SARDisclosure struct {
	Disclosure
	Exemption string
}

// SARDisclosures are the disclosures person is linked to, oldest first, each with its exemption.
func (s *Store) SARDisclosures(ctx context.Context, person int64) ([]SARDisclosure, error) {
	rows, err := s.query(ctx, `SELECT `+disclosureCols+`, l.exemption FROM disclosures d JOIN disclosure_people l ON l.disclosure_id = d.id
		WHERE l.person_id = ? ORDER BY d.id`, person)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SARDisclosure
	for rows.Next() {
		var x SARDisclosure
		var ex string
		d, err := scanDisclosure(prefixless{rows, &ex})
		if err != nil {
			return nil, err
		}
		x.Disclosure, x.Exemption = d, ex
		out = append(out, x)
	}
	return out, rows.Err()
}

// prefixless scans a row's columns then one more into extra.
type prefixless struct {
	r     scanner
	extra any
}

// Scan scans dest then the extra column.
func (p prefixless) Scan(dest ...any) error { return p.r.Scan(append(dest, p.extra)...) }

// unlinkBreachesDisclosures takes the erased person's links to breaches and disclosures away (the records
// stay, scrubbed of their identifiers by the mention finder): their SAR bundle no longer exists
// to show them, and the register no longer names them as affected.
func (x *erasing) unlinkBreachesDisclosures(ctx context.Context) error {
	for _, q := range []string{`DELETE FROM breach_people WHERE person_id = ?`, `DELETE FROM disclosure_people WHERE person_id = ?`} {
		if _, err := x.t.exec(ctx, q, x.id); err != nil {
			return err
		}
	}
	return nil
}

// ExportBasis checks that person's data may leave calldesk whole (the offline export, calldesk
// sar): as the answer to their own subject request (request, an access or portability request
// of theirs), or as an approved disclosure that links them (disclosure). Exporting a person's
// data to a third party is possible only through the disclosure log (issue 19 item 4).
func (s *Store) ExportBasis(ctx context.Context, person, request, disclosure int64) error {
	switch {
	case request != 0 && disclosure != 0:
		return desk.Errorf(desk.EINVALID, "give either the subject request or the disclosure the export answers, not both")
	case request != 0:
		var pid int64
		var kind string
		err := s.queryRow(ctx, `SELECT person_id, kind FROM subject_requests WHERE id = ?`, request).Scan(&pid, &kind)
		if err == sql.ErrNoRows || (err == nil && pid != person) {
			return desk.Errorf(desk.EINVALID, "subject request %d is not a request of person %d", request, person)
		} else if err != nil {
			return err
		}
		if desk.RequestKind(kind) != desk.RequestAccess && desk.RequestKind(kind) != desk.RequestPortability {
			return desk.Errorf(desk.EINVALID, "subject request %d is a request for %s, not for a copy of the data", request, kind)
		}
		return nil
	case disclosure != 0:
		var state string
		err := s.queryRow(ctx, `SELECT d.state FROM disclosures d JOIN disclosure_people l ON l.disclosure_id = d.id
			WHERE d.id = ? AND l.person_id = ?`, disclosure, person).Scan(&state)
		if err == sql.ErrNoRows {
			return desk.Errorf(desk.EINVALID, "disclosure %d does not name person %d", disclosure, person)
		} else if err != nil {
			return err
		}
		if state != "approved" {
			return desk.Errorf(desk.EINVALID, "disclosure %d is %s: only an approved disclosure lets the data go", disclosure, state)
		}
		return nil
	}
	return desk.Errorf(desk.EINVALID, "say what the export answers: the person's own subject request (--request ID), "+
		"or an approved disclosure to a third party in the disclosure log (--disclosure ID)")
}
