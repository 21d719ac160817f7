package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"calldesk/internal/desk"
)

// This file holds the records of consent (issue 19 item 5; data protection policy 19.3): the
// versioned wordings people agree to, each person's consents and their withdrawal, and the
// optional contact details that rest on one. What may be consented to, and how a form is
// checked, is the dpo package's; this file stores it.

// The purposes that rest on consent.
const (
	// PurposeContactDetails is the optional contact details a customer adds on the portal (S9):
	// an alternate email address and a mobile or home phone number.
	PurposeContactDetails = "contact_details"
	// PurposeSurveys is being asked to answer satisfaction surveys.
	PurposeSurveys = "surveys"
)

// ConsentPurposes lists the purposes in the order pages show them.
func ConsentPurposes() []string { return []string{PurposeContactDetails, PurposeSurveys} }

// ConsentWording is one version of the words a person agrees to for a purpose. A change of
// words is a new version: a consent keeps the wording it was given through.
type ConsentWording struct {
	ID        int64
	Purpose   string
	Version   int
	Body      string
	Reason    string
	CreatedBy string
	CreatedAt time.Time
	// Live and Withdrawn count the consents given through this version: still in force, and
	// withdrawn (filled by ConsentWordings).
	Live, Withdrawn int
}

// Consent is one person's consent for a purpose: when given, through which wording, and when
// withdrawn (zero while in force).
type Consent struct {
	ID          int64
	PersonID    int64
	Purpose     string
	WordingID   int64
	Version     int
	Wording     string
	GivenAt     time.Time
	WithdrawnAt time.Time
}

// Live says the consent is in force.
func (c Consent) Live() bool { return c.WithdrawnAt.IsZero() }

// OptionalContacts are the optional contact details a person gave with their consent.
type OptionalContacts struct {
	PersonID           int64
	ConsentID          int64
	AltEmail, AltPhone string
	UpdatedAt          time.Time
}

// AddConsentWording adds a new version of purpose's wording, audited with the reason.
func (s *Store) AddConsentWording(ctx context.Context, actor desk.Actor, purpose, body, reason string) (ConsentWording, error) {
	w := ConsentWording{Purpose: purpose, Body: body, Reason: reason, CreatedBy: actorName(actor)}
	err := s.inTx(ctx, func(t *Tx) error {
		if err := t.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM consent_wordings WHERE purpose = ?`, purpose).Scan(&w.Version); err != nil {
			return err
		}
		w.CreatedAt = t.Now
		err := t.queryRow(ctx, `INSERT INTO consent_wordings (purpose, version, body, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			purpose, w.Version, body, reason, w.CreatedBy, t.Now.UnixMicro()).Scan(&w.ID)
		if t.s.d.constraint(err) == constraintUnique {
			return desk.Errorf(desk.ECONFLICT, "someone else changed this wording at the same time: look at it again")
		}
		if err != nil {
			return err
		}
		return t.audit(ctx, actor, "consent.wording", "consent_wording", w.ID, nil,
			fmt.Sprintf("new wording of %s, version %d: %s", purpose, w.Version, reason))
	})
	return w, err
}

const wordingCols = `w.id, w.purpose, w.version, w.body, w.reason, w.created_by, w.created_at`

func scanWording(r scanner, extra ...any) (ConsentWording, error) {
	var w ConsentWording
	var at int64
	err := r.Scan(append([]any{&w.ID, &w.Purpose, &w.Version, &w.Body, &w.Reason, &w.CreatedBy, &at}, extra...)...)
	w.CreatedAt = time.UnixMicro(at).UTC()
	return w, err
}

// ConsentWordings lists every version of every wording, newest version of each purpose first,
// with how many consents each carries (live and withdrawn).
func (s *Store) ConsentWordings(ctx context.Context) ([]ConsentWording, error) {
	rows, err := s.query(ctx, `SELECT `+wordingCols+`,
		(SELECT COUNT(*) FROM consents c WHERE c.wording_id = w.id AND c.withdrawn_at IS NULL),
		(SELECT COUNT(*) FROM consents c WHERE c.wording_id = w.id AND c.withdrawn_at IS NOT NULL)
		FROM consent_wordings w ORDER BY w.purpose, w.version DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ConsentWording
	for rows.Next() {
		var live, gone int
		w, err := scanWording(rows, &live, &gone)
		if err != nil {
			return nil, err
		}
		w.Live, w.Withdrawn = live, gone
		out = append(out, w)
	}
	return out, rows.Err()
}

// CurrentWording is purpose's newest wording; ENOTFOUND when it has none.
func (s *Store) CurrentWording(ctx context.Context, purpose string) (ConsentWording, error) {
	w, err := scanWording(s.queryRow(ctx, `SELECT `+wordingCols+` FROM consent_wordings w WHERE w.purpose = ? ORDER BY w.version DESC LIMIT 1`, purpose))
	if err == sql.ErrNoRows {
		return w, notFound("there is no wording for %s yet: the Data Protection Officer writes it first", purpose)
	}
	return w, err
}

const consentCols = `c.id, c.person_id, c.purpose, c.wording_id, w.version, w.body, c.given_at, c.withdrawn_at`

func scanConsent(r scanner) (Consent, error) {
	var c Consent
	var given int64
	var gone sql.NullInt64
	err := r.Scan(&c.ID, &c.PersonID, &c.Purpose, &c.WordingID, &c.Version, &c.Wording, &given, &gone)
	c.GivenAt, c.WithdrawnAt = time.UnixMicro(given).UTC(), fromMicros(gone)
	return c, err
}

// Consents lists person's consents, live and withdrawn, newest first.
func (s *Store) Consents(ctx context.Context, person int64) ([]Consent, error) {
	rows, err := s.query(ctx, `SELECT `+consentCols+` FROM consents c JOIN consent_wordings w ON w.id = c.wording_id
		WHERE c.person_id = ? ORDER BY c.given_at DESC, c.id DESC`, person)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// HasConsent says whether person's consent for purpose is in force now: what every use of data
// resting on it asks first.
func (s *Store) HasConsent(ctx context.Context, person int64, purpose string) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM consents WHERE person_id = ? AND purpose = ? AND withdrawn_at IS NULL`, person, purpose).Scan(&n)
	return n > 0, err
}

// SurveyRecipients lists the people whose consent to satisfaction surveys is in force and who are
// active with an email address: the only people a survey may be sent to.
func (s *Store) SurveyRecipients(ctx context.Context) ([]int64, error) {
	return s.queryIDs(ctx, `SELECT p.id FROM consents c JOIN people p ON p.id = c.person_id
		WHERE c.purpose = ? AND c.withdrawn_at IS NULL AND p.active = 1 AND p.email <> '' ORDER BY p.id`, PurposeSurveys)
}

// GiveConsent records person's consent to purpose through wording wordingID (which must be the
// purpose's current wording, as the page showed it), and for PurposeContactDetails stores the
// details given with it; a consent already in force is replaced (withdrawn and given again
// through the wording shown). Audited, naming the person.
func (s *Store) GiveConsent(ctx context.Context, actor desk.Actor, person int64, purpose string, wordingID int64, details OptionalContacts) (Consent, error) {
	var c Consent
	err := s.inTx(ctx, func(t *Tx) error {
		var current int64
		var version int
		var body string
		err := t.queryRow(ctx, `SELECT id, version, body FROM consent_wordings WHERE purpose = ? ORDER BY version DESC LIMIT 1`, purpose).Scan(&current, &version, &body)
		if err == sql.ErrNoRows {
			return notFound("there is no wording for %s yet", purpose)
		} else if err != nil {
			return err
		}
		if current != wordingID {
			return desk.Errorf(desk.ECONFLICT, "the words you agreed to have just been changed by the Data Protection Officer: read the new words and agree again")
		}
		if purpose == PurposeContactDetails {
			if _, err := t.exec(ctx, `DELETE FROM person_contacts WHERE person_id = ?`, person); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `UPDATE consents SET withdrawn_at = ? WHERE person_id = ? AND purpose = ? AND withdrawn_at IS NULL`,
			t.Now.UnixMicro(), person, purpose); err != nil {
			return err
		}
		c = Consent{PersonID: person, Purpose: purpose, WordingID: wordingID, Version: version, Wording: body, GivenAt: t.Now}
		if err := t.queryRow(ctx, `INSERT INTO consents (person_id, wording_id, purpose, given_at) VALUES (?, ?, ?, ?) RETURNING id`,
			person, wordingID, purpose, t.Now.UnixMicro()).Scan(&c.ID); err != nil {
			return err
		}
		detail := fmt.Sprintf("consent to %s given through wording version %d", purpose, version)
		if purpose == PurposeContactDetails {
			if _, err := t.exec(ctx, `INSERT INTO person_contacts (person_id, consent_id, alt_email, alt_phone, updated_at) VALUES (?, ?, ?, ?, ?)`,
				person, c.ID, details.AltEmail, details.AltPhone, t.Now.UnixMicro()); err != nil {
				return err
			}
			detail += ", with optional contact details"
		}
		return t.audit(ctx, actor, "consent.give", "consent", c.ID, []int64{person}, detail)
	})
	return c, err
}

// WithdrawConsent ends person's consent to purpose at once: the consent is marked withdrawn and,
// for PurposeContactDetails, the details it covered are deleted in the same transaction.
// Withdrawing what is not in force is ENOTFOUND.
func (s *Store) WithdrawConsent(ctx context.Context, actor desk.Actor, person int64, purpose string) error {
	return s.inTx(ctx, func(t *Tx) error {
		var id int64
		err := t.queryRow(ctx, `SELECT id FROM consents WHERE person_id = ? AND purpose = ? AND withdrawn_at IS NULL`, person, purpose).Scan(&id)
		if err == sql.ErrNoRows {
			return notFound("there is no consent to withdraw: it was already withdrawn")
		} else if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE consents SET withdrawn_at = ? WHERE id = ?`, t.Now.UnixMicro(), id); err != nil {
			return err
		}
		detail := "consent to " + purpose + " withdrawn"
		if purpose == PurposeContactDetails {
			res, err := t.exec(ctx, `DELETE FROM person_contacts WHERE person_id = ?`, person)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				detail += "; the optional contact details were deleted"
			}
		}
		return t.audit(ctx, actor, "consent.withdraw", "consent", id, []int64{person}, detail)
	})
}

// FindOptionalContacts returns person's optional contact details; ENOTFOUND when there are none
// (never given, or their consent withdrawn).
func (s *Store) FindOptionalContacts(ctx context.Context, person int64) (OptionalContacts, error) {
	var o OptionalContacts
	var at int64
	err := s.queryRow(ctx, `SELECT pc.person_id, pc.consent_id, pc.alt_email, pc.alt_phone, pc.updated_at FROM person_contacts pc
		JOIN consents c ON c.id = pc.consent_id WHERE pc.person_id = ? AND c.withdrawn_at IS NULL`, person).Scan(&o.PersonID, &o.ConsentID, &o.AltEmail, &o.AltPhone, &at)
	if err == sql.ErrNoRows {
		return o, notFound("person %d has no optional contact details", person)
	}
	o.UpdatedAt = time.UnixMicro(at).UTC()
	return o, err
}

// ConsentPeople lists the people with any consent record, for the DPO's list: id, name and how
// many consents are in force.
type ConsentPerson struct {
	PersonID int64
	Name     string
	Live     int
	Total    int
}

// ConsentPeople lists up to limit people with consent records, by name.
func (s *Store) ConsentPeople(ctx context.Context, limit int) ([]ConsentPerson, error) {
	rows, err := s.query(ctx, `SELECT p.id, p.first_name, p.last_name,
		SUM(CASE WHEN c.withdrawn_at IS NULL THEN 1 ELSE 0 END), COUNT(*)
		FROM consents c JOIN people p ON p.id = c.person_id GROUP BY p.id, p.first_name, p.last_name
		ORDER BY p.last_name, p.first_name, p.id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ConsentPerson
	for rows.Next() {
		var c ConsentPerson
		var first, last string
		if err := rows.Scan(&c.PersonID, &first, &last, &c.Live, &c.Total); err != nil {
			return nil, err
		}
		c.Name = (desk.Person{FirstName: first, LastName: last}).Name()
		out = append(out, c)
	}
	return out, rows.Err()
}
