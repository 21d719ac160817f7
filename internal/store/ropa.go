package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// This file keeps the Data Protection Officer's records of processing (UK GDPR article 30, the
// policy's 19.2): one record per processing activity of calldesk. The record keeps what the DPO
// decides (purpose, lawful basis, people, recipients, transfers, security); the categories of
// data, the retention and the location are not stored but derived (package dpo) from the
// register tables the record names, so that they cannot drift from the schema. Every change is a
// new version, kept whole with its reason, and audited.

// LawfulBases are the lawful bases of UK GDPR article 6(1), as a record names them.
func LawfulBases() []string {
	return []string{"consent", "contract", "legal obligation", "vital interests", "public task", "legitimate interests"}
}

// ProcessingActivity is one record of processing.
type ProcessingActivity struct {
	ID   int64
	Code string // short and stable: "call-handling"
	Name string
	// Purpose is why the data is processed; LawfulBasis one of LawfulBases; SpecialCondition the
	// article 9 (or 10) condition where special-category data is processed ("" where none is).
	Purpose, LawfulBasis, SpecialCondition string
	// People are the categories of people whose data it is; Recipients who receives it;
	// Transfers the transfers to third countries and their safeguards ("" for none); Security
	// the technical and organisational measures.
	People, Recipients, Transfers, Security string
	// Obligation says whether people must provide the data (statutory or contractual), and what
	// happens if they do not; Automated any automated decision-making or profiling ("" for none).
	Obligation, Automated string
	// Tables are the register tables (Register) of the data it processes.
	Tables []string
	// Version counts the changes; ReviewedAt/By is the last review, ChangedAt/By the last change.
	Version    int64
	ReviewedAt time.Time
	ReviewedBy string
	ChangedAt  time.Time
	ChangedBy  string
}

// ProcessingVersion is one version of a record of processing, as it was, with why it changed.
type ProcessingVersion struct {
	ActivityID, Version int64
	Record              ProcessingActivity
	Reason, ChangedBy   string
	ChangedAt           time.Time
}

var activityCode = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// Validate checks a record's fields, trimming them, and says every problem at once.
func (a *ProcessingActivity) Validate() error {
	for _, f := range []*string{&a.Code, &a.Name, &a.Purpose, &a.LawfulBasis, &a.SpecialCondition, &a.People,
		&a.Recipients, &a.Transfers, &a.Security, &a.Obligation, &a.Automated} {
		*f = strings.TrimSpace(*f)
	}
	v := map[string]string{}
	if !activityCode.MatchString(a.Code) {
		v["code"] = "must be a short name of lower-case letters, digits and dashes (call-handling)"
	}
	for field, val := range map[string]string{"name": a.Name, "purpose": a.Purpose, "people": a.People} {
		if val == "" {
			v[field] = "is required"
		}
	}
	if !slices.Contains(LawfulBases(), a.LawfulBasis) {
		v["lawful_basis"] = "must be one of the lawful bases of article 6: " + strings.Join(LawfulBases(), ", ")
	}
	known := slices.Concat(RegisterTables("sqlite"), RegisterTables("postgres"))
	var tables []string
	for _, t := range a.Tables {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(tables, t) {
			continue
		}
		if !slices.Contains(known, t) {
			v["tables"] = fmt.Sprintf("names %q, which is not a table of the register of personal data", t)
		}
		tables = append(tables, t)
	}
	if len(tables) == 0 && v["tables"] == "" {
		v["tables"] = "must name at least one table of the register: the data the activity processes"
	}
	a.Tables = tables
	if len(v) > 0 {
		return desk.Invalid("the record of processing cannot be saved", v)
	}
	return nil
}

const activityColumns = `id, code, name, purpose, lawful_basis, special_condition, people, recipients, transfers, security,
	tables, obligation, automated, version, reviewed_at, reviewed_by, changed_by, changed_at`

func scanActivity(r interface{ Scan(...any) error }) (ProcessingActivity, error) {
	var a ProcessingActivity
	var tables string
	var reviewed sql.NullInt64
	var changed int64
	err := r.Scan(&a.ID, &a.Code, &a.Name, &a.Purpose, &a.LawfulBasis, &a.SpecialCondition, &a.People, &a.Recipients,
		&a.Transfers, &a.Security, &tables, &a.Obligation, &a.Automated, &a.Version, &reviewed, &a.ReviewedBy, &a.ChangedBy, &changed)
	if tables != "" {
		a.Tables = strings.Split(tables, ",")
	}
	a.ReviewedAt, a.ChangedAt = fromMicros(reviewed), time.UnixMicro(changed).UTC()
	return a, err
}

// ProcessingActivities lists the records of processing in the order they were made.
func (s *Store) ProcessingActivities(ctx context.Context) ([]ProcessingActivity, error) {
	rows, err := s.query(ctx, `SELECT `+activityColumns+` FROM processing_activities ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ProcessingActivity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// FindProcessingActivity returns the record id (ENOTFOUND when there is none).
func (s *Store) FindProcessingActivity(ctx context.Context, id int64) (ProcessingActivity, error) {
	a, err := scanActivity(s.queryRow(ctx, `SELECT `+activityColumns+` FROM processing_activities WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return a, notFound("there is no record of processing %d", id)
	}
	return a, err
}

// snapshot is the JSON of a record's fields for processing_versions (who changed it is beside it).
func (a ProcessingActivity) snapshot() string {
	b, _ := json.Marshal(struct {
		Code, Name, Purpose, LawfulBasis, SpecialCondition, People, Recipients, Transfers, Security, Obligation, Automated string
		Tables                                                                                                             []string
	}{a.Code, a.Name, a.Purpose, a.LawfulBasis, a.SpecialCondition, a.People, a.Recipients, a.Transfers, a.Security, a.Obligation, a.Automated, a.Tables})
	return string(b)
}

func needReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", desk.Invalid("a reason is required", map[string]string{"reason": "is required: say why the record is made or changed"})
	}
	return reason, nil
}

// CreateProcessingActivity records a new processing activity as its version 1, with the reason,
// audited (processing.create).
func (s *Store) CreateProcessingActivity(ctx context.Context, actor desk.Actor, a ProcessingActivity, reason string) (ProcessingActivity, error) {
	verr := a.Validate()
	reason, rerr := needReason(reason)
	if err := joinInvalid(verr, rerr); err != nil {
		return a, err
	}
	err := s.inTx(ctx, func(t *Tx) error {
		a.Version, a.ChangedBy, a.ChangedAt = 1, actorName(actor), t.Now
		if err := t.queryRow(ctx, `INSERT INTO processing_activities (code, name, purpose, lawful_basis, special_condition, people,
			recipients, transfers, security, tables, obligation, automated, version, changed_by, changed_at)
			VALUES (`+placeholders(15)+`) RETURNING id`, a.Code, a.Name, a.Purpose, a.LawfulBasis, a.SpecialCondition, a.People,
			a.Recipients, a.Transfers, a.Security, strings.Join(a.Tables, ","), a.Obligation, a.Automated, 1, a.ChangedBy,
			t.Now.UnixMicro()).Scan(&a.ID); err != nil {
			if desk.ErrorCode(t.s.mapErr(err)) == desk.ECONFLICT {
				return desk.Invalid("the record of processing cannot be saved", map[string]string{"code": "is the short name of another record already"})
			}
			return err
		}
		if err := t.processingVersion(ctx, a, reason); err != nil {
			return err
		}
		return t.audit(ctx, actor, "processing.create", "processing", a.ID, nil, fmt.Sprintf("%s (%s): %s", a.Name, a.Code, reason))
	})
	return a, err
}

func (t *Tx) processingVersion(ctx context.Context, a ProcessingActivity, reason string) error {
	_, err := t.exec(ctx, `INSERT INTO processing_versions (activity_id, version, record, reason, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, a.Version, a.snapshot(), reason, a.ChangedBy, t.Now.UnixMicro())
	return err
}

// joinInvalid merges EINVALID errors' fields into one; another error wins.
func joinInvalid(errs ...error) error {
	fields := map[string]string{}
	msg := ""
	for _, err := range errs {
		if err == nil {
			continue
		}
		de := desk.AsError(err)
		if de == nil || de.Code != desk.EINVALID {
			return err
		}
		if msg == "" {
			msg = de.Message
		}
		for k, v := range de.Fields {
			fields[k] = v
		}
	}
	if msg == "" {
		return nil
	}
	return desk.Invalid(msg, fields)
}

// ProcessingChange is what UpdateProcessingActivity did: the fields that changed, and whether
// the purpose is one of them (policy 14.6: the people must be told before processing for it).
type ProcessingChange struct {
	Record         ProcessingActivity
	Fields         []string
	PurposeChanged bool
}

// UpdateProcessingActivity saves a as the next version of its record, with the reason, audited
// (processing.change, naming the fields changed). a.Version must be the version the DPO edited:
// a record changed meanwhile is ECONFLICT.
func (s *Store) UpdateProcessingActivity(ctx context.Context, actor desk.Actor, a ProcessingActivity, reason string) (ProcessingChange, error) {
	verr := a.Validate()
	reason, rerr := needReason(reason)
	if err := joinInvalid(verr, rerr); err != nil {
		return ProcessingChange{Record: a}, err
	}
	var ch ProcessingChange
	err := s.inTx(ctx, func(t *Tx) error {
		old, err := scanActivity(t.queryRow(ctx, `SELECT `+activityColumns+` FROM processing_activities WHERE id = ?`+s.d.forUpdate(), a.ID))
		if err == sql.ErrNoRows {
			return notFound("there is no record of processing %d", a.ID)
		} else if err != nil {
			return err
		}
		if old.Version != a.Version {
			return desk.Errorf(desk.ECONFLICT, "the record of processing was changed by %s since you opened it (version %d, you edited %d): open it again to see the change", old.ChangedBy, old.Version, a.Version)
		}
		ch = ProcessingChange{}
		for _, f := range []struct {
			name     string
			old, new string
		}{{"code", old.Code, a.Code}, {"name", old.Name, a.Name}, {"purpose", old.Purpose, a.Purpose}, {"lawful basis", old.LawfulBasis, a.LawfulBasis},
			{"special-category condition", old.SpecialCondition, a.SpecialCondition}, {"people", old.People, a.People},
			{"recipients", old.Recipients, a.Recipients}, {"transfers", old.Transfers, a.Transfers}, {"security", old.Security, a.Security},
			{"obligation", old.Obligation, a.Obligation}, {"automated decisions", old.Automated, a.Automated},
			{"tables", strings.Join(old.Tables, ","), strings.Join(a.Tables, ",")}} {
			if f.old != f.new {
				ch.Fields = append(ch.Fields, f.name)
			}
		}
		if len(ch.Fields) == 0 {
			return desk.Invalid("nothing changed", map[string]string{"reason": "the record is as it was: change a field, or mark it reviewed"})
		}
		ch.PurposeChanged = old.Purpose != a.Purpose
		rec := a
		rec.Version, rec.ChangedBy, rec.ChangedAt, rec.ReviewedAt, rec.ReviewedBy = old.Version+1, actorName(actor), t.Now, old.ReviewedAt, old.ReviewedBy
		if _, err := t.exec(ctx, `UPDATE processing_activities SET code = ?, name = ?, purpose = ?, lawful_basis = ?, special_condition = ?,
			people = ?, recipients = ?, transfers = ?, security = ?, tables = ?, obligation = ?, automated = ?, version = ?, changed_by = ?,
			changed_at = ? WHERE id = ?`, rec.Code, rec.Name, rec.Purpose, rec.LawfulBasis, rec.SpecialCondition, rec.People, rec.Recipients,
			rec.Transfers, rec.Security, strings.Join(rec.Tables, ","), rec.Obligation, rec.Automated, rec.Version, rec.ChangedBy,
			t.Now.UnixMicro(), rec.ID); err != nil {
			if desk.ErrorCode(t.s.mapErr(err)) == desk.ECONFLICT {
				return desk.Invalid("the record of processing cannot be saved", map[string]string{"code": "is the short name of another record already"})
			}
			return err
		}
		if err := t.processingVersion(ctx, rec, reason); err != nil {
			return err
		}
		ch.Record = rec
		return t.audit(ctx, actor, "processing.change", "processing", rec.ID, nil,
			fmt.Sprintf("%s, version %d: changed %s: %s", rec.Name, rec.Version, strings.Join(ch.Fields, ", "), reason))
	})
	return ch, err
}

// ReviewProcessingActivity records that the DPO reviewed the record and found it right, with a
// note, audited (processing.review).
func (s *Store) ReviewProcessingActivity(ctx context.Context, actor desk.Actor, id int64, note string) error {
	note, err := needReason(note)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *Tx) error {
		var name string
		if err := t.queryRow(ctx, `SELECT name FROM processing_activities WHERE id = ?`, id).Scan(&name); err == sql.ErrNoRows {
			return notFound("there is no record of processing %d", id)
		} else if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE processing_activities SET reviewed_at = ?, reviewed_by = ? WHERE id = ?`, t.Now.UnixMicro(), actorName(actor), id); err != nil {
			return err
		}
		return t.audit(ctx, actor, "processing.review", "processing", id, nil, name+": reviewed: "+note)
	})
}

// ProcessingVersions lists the versions of record id, the newest first.
func (s *Store) ProcessingVersions(ctx context.Context, id int64) ([]ProcessingVersion, error) {
	rows, err := s.query(ctx, `SELECT version, record, reason, changed_by, changed_at FROM processing_versions WHERE activity_id = ? ORDER BY version DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ProcessingVersion
	for rows.Next() {
		v := ProcessingVersion{ActivityID: id}
		var rec string
		var at int64
		if err := rows.Scan(&v.Version, &rec, &v.Reason, &v.ChangedBy, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(rec), &v.Record); err != nil {
			return nil, fmt.Errorf("version %d of record of processing %d: %w", v.Version, id, err)
		}
		v.ChangedAt = time.UnixMicro(at).UTC()
		v.Record.ID, v.Record.Version, v.Record.ChangedBy, v.Record.ChangedAt = id, v.Version, v.ChangedBy, v.ChangedAt
		out = append(out, v)
	}
	return out, rows.Err()
}

// PeopleUnder counts the people whose data is in the register tables: those a row of the tables
// links to directly (Register's Whose.Links without Through), and every person of the people
// table when it is one of them. Erased people (pseudonyms) are not counted: nothing about them
// can be told to them.
func (s *Store) PeopleUnder(ctx context.Context, tables []string) (int, error) {
	var parts []string
	seen := map[string]bool{}
	for _, c := range Register() {
		if !slices.Contains(tables, c.Table) {
			continue
		}
		if c.Table == "people" && !seen["people.id"] {
			seen["people.id"] = true
			parts = append(parts, `SELECT id AS p FROM people`)
		}
		for _, l := range c.Whose.Links {
			if l.Through != "" || seen[c.Table+"."+l.Column] {
				continue
			}
			seen[c.Table+"."+l.Column] = true
			parts = append(parts, `SELECT `+l.Column+` AS p FROM `+c.Table)
		}
	}
	if len(parts) == 0 {
		return 0, nil
	}
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM (`+strings.Join(parts, " UNION ")+`) u WHERE p IS NOT NULL
		AND p NOT IN (SELECT person_id FROM erasures)`).Scan(&n)
	return n, err
}
