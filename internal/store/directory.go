package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// DirectoryRecord is one person as a directory source lists them, for SyncPeople: the fields the
// source gives ("" for a field it does not give, which is then left alone), with DirectoryKey.
type DirectoryRecord struct {
	Person     desk.Person
	ManagerKey string // the manager's directory key, "" when none
	Line       int    // where the source had it, for reports
}

// SyncOptions say how a source's records are taken into the register.
type SyncOptions struct {
	// Source names the import ("campus-csv", "ad"): people it creates are its own, and a full
	// import makes only its own people leavers.
	Source string
	// Full says the records are the whole of the source: its people it no longer lists leave.
	Full bool
	// MaxLeaverShare and MaxChangeShare are the guard rail: an import that would make more than
	// this share of the source's people leavers (default 0.05), or change more than this share
	// of their records (default 0.25), is held for an administrator instead. Force goes past it
	// (an administrator's confirmation).
	MaxLeaverShare, MaxChangeShare float64
	Force                          bool
	// DryRun works everything out and writes nothing, not even the run's record.
	DryRun bool
	// By is who runs it (an administrator's name, or "nightly schedule"), for the run's record.
	By string
	// Problems are the source's own reports of records it could not read, kept with the run and
	// counted as rejected; ProblemKeys are the directory keys of those records, where known: the
	// source still lists these people, so a full import never makes them leavers.
	Problems    []string
	ProblemKeys []string
}

// SyncResult is what an import did, or would do (DryRun), or why it was held.
type SyncResult struct {
	RunID                                                  int64
	State                                                  string // done, held, or "dry run"
	Reason                                                 string // why it was held
	Read, Created, Updated, Left, Returned, Rejected, Kept int
	// Changes describe each change, one line each (the first 2,000), for --dry-run.
	Changes  []string
	Problems []string
	Duration time.Duration
}

// Import run states.
const (
	RunDone = "done"
	RunHeld = "held"
)

var errDryRun = errors.New("dry run")

// directoryField is a field a directory may own: its column, and where it is in a person.
type directoryField struct {
	col string
	get func(p *desk.Person) *string
}

// directoryFields are the text fields a directory may own (kind and manager are handled apart).
func directoryFields() []directoryField {
	return []directoryField{
		{"first_name", func(p *desk.Person) *string { return &p.FirstName }},
		{"last_name", func(p *desk.Person) *string { return &p.LastName }},
		{"username", func(p *desk.Person) *string { return &p.Username }},
		{"email", func(p *desk.Person) *string { return &p.Email }},
		{"student_number", func(p *desk.Person) *string { return &p.StudentNumber }},
		{"department", func(p *desk.Person) *string { return &p.Department }},
		{"phone", func(p *desk.Person) *string { return &p.Phone }},
		{"job_title", func(p *desk.Person) *string { return &p.JobTitle }},
	}
}

// known is a person of the register as the sync sees them.
type known struct {
	p          desk.Person
	source     string
	restricted bool // their processing is restricted: their data is frozen
}

// plan is one person's change.
type plan struct {
	rec      DirectoryRecord
	old      *known // nil: a new person
	changed  []string
	returned bool
}

// SyncPeople takes a source's records into the person register, in one transaction with an
// audit record for each person it changes and the run's record: people are matched by their
// directory key only; a new key is a new person; fields the source gives are updated (each
// recording its source and when), fields it does not give are never touched; with Full, the
// source's people it no longer lists become leavers (inactive, date left recorded, never deleted)
// and a leaver listed again returns. Records it cannot take (no key, no name, a bad email, a
// username another person holds, a key listed twice) are rejected with their line and reason, and
// the rest still go in. An import past the guard rail writes nothing but its run's record (held).
func (s *Store) SyncPeople(ctx context.Context, recs []DirectoryRecord, opt SyncOptions) (SyncResult, error) {
	began := time.Now()
	if opt.Source == "" {
		return SyncResult{}, desk.Errorf(desk.EINVALID, "an import needs a source name")
	}
	if opt.MaxLeaverShare <= 0 {
		opt.MaxLeaverShare = 0.05
	}
	if opt.MaxChangeShare <= 0 {
		opt.MaxChangeShare = 0.25
	}
	var res SyncResult
	err := s.inTx(ctx, func(t *Tx) error {
		res = SyncResult{Read: len(recs) + len(opt.Problems), Rejected: len(opt.Problems), Problems: append([]string(nil), opt.Problems...)}
		plans, leavers, err := t.planSync(ctx, recs, opt, &res)
		if err != nil {
			return err
		}
		if reason := guard(res, leavers, opt); reason != "" {
			res.State, res.Reason = RunHeld, reason
			res.Duration = time.Since(began)
			if opt.DryRun {
				return errDryRun
			}
			return t.recordRun(ctx, opt, &res)
		}
		if err := t.applySync(ctx, plans, leavers, opt, &res); err != nil {
			return err
		}
		res.State, res.Duration = RunDone, time.Since(began)
		if opt.DryRun {
			res.State = "dry run"
			return errDryRun
		}
		return t.recordRun(ctx, opt, &res)
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return res, err
}

// guard says why an import must wait for an administrator, or "".
func guard(res SyncResult, leavers []known, opt SyncOptions) string {
	if opt.Force || res.Kept+res.Updated+len(leavers) == 0 {
		return ""
	}
	base := float64(res.Kept + res.Updated + len(leavers)) // the source's people before the run, listed or not
	if share := float64(len(leavers)) / base; share > opt.MaxLeaverShare {
		return fmt.Sprintf("it would make %d of the source's %d people leavers (%.1f%%, more than the %.1f%% allowed): a truncated export? Check it, then confirm the import",
			len(leavers), int(base), 100*share, 100*opt.MaxLeaverShare)
	}
	if share := float64(res.Updated) / base; share > opt.MaxChangeShare {
		return fmt.Sprintf("it would change %d of the source's %d people's records (%.1f%%, more than the %.1f%% allowed): a changed export format? Check it, then confirm the import",
			res.Updated, int(base), 100*share, 100*opt.MaxChangeShare)
	}
	return ""
}

// planSync works out each record's change, and the leavers, without writing.
func (t *Tx) planSync(ctx context.Context, recs []DirectoryRecord, opt SyncOptions, res *SyncResult) ([]plan, []known, error) {
	byKey := map[string]*known{}
	keyOf := map[int64]string{}
	usernames := map[string]string{} // lower-case username -> directory key ("" for a person typed in by hand)
	rows, err := t.query(ctx, `SELECT `+personCols+`, p.directory_source, p.restricted_at IS NOT NULL FROM people p`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var k known
		var mgr sql.NullInt64
		var created, updated int64
		var kind, source string
		var left sql.NullInt64
		if err := rows.Scan(&k.p.ID, &k.p.FirstName, &k.p.LastName, &k.p.Username, &k.p.Email, &k.p.StudentNumber, &k.p.Department,
			&k.p.Phone, &k.p.JobTitle, &mgr, &kind, &k.p.Active, &source, &k.p.DirectoryKey, &created, &updated, &k.p.Version, &left, &k.source, &k.restricted); err != nil {
			rows.Close()
			return nil, nil, err
		}
		k.p.ManagerID, k.p.Kind, k.p.Source, k.p.LeftAt = mgr.Int64, desk.PersonKind(kind), desk.Source(source), fromMicros(left)
		if k.p.Username != "" {
			usernames[strings.ToLower(k.p.Username)] = k.p.DirectoryKey
		}
		if k.p.DirectoryKey != "" {
			kk := k
			byKey[k.p.DirectoryKey] = &kk
			keyOf[k.p.ID] = k.p.DirectoryKey
		}
	}
	if err := rows.Close(); err != nil {
		return nil, nil, err
	}
	reject := func(r DirectoryRecord, why string) {
		res.Rejected++
		res.Problems = append(res.Problems, fmt.Sprintf("line %d (key %q): %s", r.Line, r.Person.DirectoryKey, why))
	}
	listed := map[string]bool{}
	for _, k := range opt.ProblemKeys {
		listed[strings.TrimSpace(k)] = true
	}
	var plans []plan
	for _, r := range recs {
		key := strings.TrimSpace(r.Person.DirectoryKey)
		r.Person.DirectoryKey = key
		switch {
		case key == "":
			reject(r, "it has no directory key")
			continue
		case listed[key]:
			reject(r, "its directory key is listed twice; the first was taken")
			continue
		}
		listed[key] = true
		if r.Person.Email != "" && !desk.ValidEmail(strings.TrimSpace(r.Person.Email)) {
			reject(r, fmt.Sprintf("the email address %q is not valid", r.Person.Email))
			continue
		}
		old := byKey[key]
		if u := strings.ToLower(strings.TrimSpace(r.Person.Username)); u != "" {
			if holder, ok := usernames[u]; ok && holder != key {
				reject(r, fmt.Sprintf("the username %q belongs to another person", r.Person.Username))
				continue
			}
			usernames[u] = key
		}
		pl := plan{rec: r, old: old}
		if old == nil {
			p := r.Person
			p.Source, p.Active = desk.FromDirectory, true
			if p.Kind == "" {
				p.Kind = desk.Staff
			}
			if err := p.Validate(); err != nil {
				reject(r, desk.MessageWithFields(err))
				continue
			}
			pl.rec.Person = p
			res.Created++
			res.change("new: %s (%s)", p.Name(), key)
		} else {
			merged := old.p
			for _, f := range directoryFields() {
				v := strings.TrimSpace(*f.get(&r.Person))
				if v != "" && v != *f.get(&merged) {
					*f.get(&merged) = v
					pl.changed = append(pl.changed, f.col)
				}
			}
			if r.Person.Kind != "" && r.Person.Kind != merged.Kind {
				merged.Kind = r.Person.Kind
				pl.changed = append(pl.changed, "kind")
			}
			if r.ManagerKey != "" && r.ManagerKey != keyOf[old.p.ManagerID] {
				pl.changed = append(pl.changed, "manager")
			}
			if err := merged.Validate(); err != nil {
				reject(r, desk.MessageWithFields(err))
				continue
			}
			pl.rec.Person = merged
			pl.returned = !old.p.Active
			if old.restricted && (pl.returned || len(pl.changed) > 0) {
				res.Kept++
				res.Problems = append(res.Problems, fmt.Sprintf("line %d (key %q): not changed: the person's processing is restricted", r.Line, key))
				continue
			}
			switch {
			case pl.returned:
				res.Returned++
				res.change("returns: %s (%s)", merged.Name(), key)
			case len(pl.changed) > 0:
				res.Updated++
				res.change("changed: %s (%s): %s", merged.Name(), key, strings.Join(pl.changed, ", "))
			default:
				res.Kept++
			}
		}
		plans = append(plans, pl)
	}
	var leavers []known
	if opt.Full {
		for key, k := range byKey {
			if !listed[key] && k.source == opt.Source && k.p.Active {
				if k.restricted {
					res.Problems = append(res.Problems, fmt.Sprintf("key %q: no longer listed, but not made a leaver: the person's processing is restricted", key))
					continue
				}
				leavers = append(leavers, *k)
				res.change("leaves: %s (%s)", k.p.Name(), key)
			}
		}
	}
	res.Left = len(leavers)
	return plans, leavers, nil
}

func (res *SyncResult) change(format string, args ...any) {
	if len(res.Changes) < 2000 {
		res.Changes = append(res.Changes, fmt.Sprintf(format, args...))
	}
}

// applySync writes the planned changes.
func (t *Tx) applySync(ctx context.Context, plans []plan, leavers []known, opt SyncOptions, res *SyncResult) error {
	actor := desk.Actor{Name: "directory import (" + opt.Source + ")"}
	now := t.Now.UnixMicro()
	ids := map[string]int64{}
	for i := range plans {
		pl := &plans[i]
		p := &pl.rec.Person
		if pl.old == nil || len(pl.changed) > 0 || pl.returned || pl.old.source != opt.Source {
			if err := t.writeDirectoryPerson(ctx, actor, opt.Source, p, pl.old == nil, pl.changed, pl.returned); err != nil {
				return fmt.Errorf("import %s, line %d: %w", opt.Source, pl.rec.Line, err)
			}
		}
		ids[p.DirectoryKey] = p.ID
	}
	// Managers, once everyone is in.
	for _, pl := range plans {
		if pl.rec.ManagerKey == "" || (pl.old != nil && !contains(pl.changed, "manager")) {
			continue
		}
		mid, ok := ids[pl.rec.ManagerKey]
		if !ok {
			err := t.queryRow(ctx, `SELECT id FROM people WHERE directory_key = ?`, pl.rec.ManagerKey).Scan(&mid)
			if err == sql.ErrNoRows {
				res.Problems = append(res.Problems, fmt.Sprintf("line %d (key %q): the manager %q is not in the register; the manager was left as it was",
					pl.rec.Line, pl.rec.Person.DirectoryKey, pl.rec.ManagerKey))
				continue
			}
			if err != nil {
				return err
			}
		}
		if mid == pl.rec.Person.ID {
			continue
		}
		if _, err := t.exec(ctx, `UPDATE people SET manager_id = ? WHERE id = ?`, mid, pl.rec.Person.ID); err != nil {
			return err
		}
		if err := t.fieldSources(ctx, pl.rec.Person.ID, []string{"manager"}, opt.Source); err != nil {
			return err
		}
	}
	// Everyone listed was synced now.
	if _, err := t.exec(ctx, `UPDATE people SET synced_at = ? WHERE directory_source = ? AND active = 1`, now, opt.Source); err != nil {
		return err
	}
	for _, k := range leavers {
		if _, err := t.exec(ctx, `UPDATE people SET active = 0, left_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			now, now, k.p.ID); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, "person.leave", "person", k.p.ID, []int64{k.p.ID},
			"no longer listed by the directory ("+opt.Source+"): a leaver from today, kept, not deleted"); err != nil {
			return err
		}
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// writeDirectoryPerson writes person p as directory source gives them: a new person (isNew), or
// the changed fields of one the register holds (made active again when returned), with where
// the fields came from and the audit record.
func (t *Tx) writeDirectoryPerson(ctx context.Context, actor desk.Actor, source string, p *desk.Person, isNew bool, changed []string, returned bool) error {
	now := t.Now.UnixMicro()
	if isNew {
		err := t.queryRow(ctx, `INSERT INTO people (first_name, last_name, username, email, student_number, department,
			phone, job_title, kind, active, source, directory_key, directory_source, synced_at, created_at, updated_at, version)
			VALUES (`+placeholders(17)+`) RETURNING id`,
			p.FirstName, p.LastName, p.Username, p.Email, p.StudentNumber, p.Department, p.Phone, p.JobTitle,
			string(p.Kind), 1, string(desk.FromDirectory), p.DirectoryKey, source, now, now, now, 1).Scan(&p.ID)
		if err != nil {
			return t.s.mapErr(err)
		}
		var given []string
		for _, f := range directoryFields() {
			if *f.get(p) != "" {
				given = append(given, f.col)
			}
		}
		if err := t.fieldSources(ctx, p.ID, given, source); err != nil {
			return err
		}
		return t.audit(ctx, actor, "person.sync", "person", p.ID, []int64{p.ID}, "created from the directory ("+source+")")
	}
	_, err := t.exec(ctx, `UPDATE people SET first_name = ?, last_name = ?, username = ?, email = ?, student_number = ?,
		department = ?, phone = ?, job_title = ?, kind = ?, active = 1, left_at = NULL, source = ?, directory_source = ?,
		synced_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		p.FirstName, p.LastName, p.Username, p.Email, p.StudentNumber, p.Department, p.Phone, p.JobTitle, string(p.Kind),
		string(desk.FromDirectory), source, now, now, p.ID)
	if err != nil {
		return t.s.mapErr(err)
	}
	if err := t.fieldSources(ctx, p.ID, changed, source); err != nil {
		return err
	}
	what := "changed by the directory (" + source + "): " + strings.Join(changed, ", ")
	if returned {
		what = "listed by the directory (" + source + ") again: active again"
	}
	return t.audit(ctx, actor, "person.sync", "person", p.ID, []int64{p.ID}, what)
}

// fieldSources records that source set fields of person id now.
func (t *Tx) fieldSources(ctx context.Context, id int64, fields []string, source string) error {
	if len(fields) == 0 {
		return nil
	}
	args := make([]any, 0, 4*len(fields))
	vals := make([]string, len(fields))
	for i, f := range fields {
		vals[i] = "(?, ?, ?, ?)"
		args = append(args, id, f, source, t.Now.UnixMicro())
	}
	_, err := t.exec(ctx, `INSERT INTO person_field_sources (person_id, field, source, set_at) VALUES `+strings.Join(vals, ", ")+`
		ON CONFLICT (person_id, field) DO UPDATE SET source = excluded.source, set_at = excluded.set_at`, args...)
	return err
}

// recordRun writes the run's record and audits it.
func (t *Tx) recordRun(ctx context.Context, opt SyncOptions, res *SyncResult) error {
	problems := strings.Join(res.Problems, "\n")
	if len(problems) > 200_000 {
		problems = problems[:200_000] + "\n…"
	}
	err := t.queryRow(ctx, `INSERT INTO import_runs (source, state, full_import, started_at, duration_ms, read_count, created, updated,
		left_count, returned, rejected, reason, problems, by_whom) VALUES (`+placeholders(14)+`) RETURNING id`,
		opt.Source, res.State, b2i(opt.Full), t.Now.UnixMicro(), res.Duration.Milliseconds(), res.Read, res.Created, res.Updated,
		res.Left, res.Returned, res.Rejected, res.Reason, problems, opt.By).Scan(&res.RunID)
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("%s: %d read, %d created, %d updated, %d left, %d returned, %d rejected", opt.Source, res.Read, res.Created,
		res.Updated, res.Left, res.Returned, res.Rejected)
	if res.Reason != "" {
		detail += "; held: " + res.Reason
	}
	return t.audit(ctx, desk.Actor{Name: opt.By}, "import."+res.State, "import", res.RunID, nil, detail)
}

// FieldSource is where a field of a person came from: the directory source that set it, and
// when.
type FieldSource struct {
	Source string
	SetAt  time.Time
}

// Provenance is where the person register's fields of person id came from (S17): the directory
// source of each field a directory set (a field without one was typed in by hand, or predates
// the sync), when a directory last listed them (zero: never) and when they left (zero: not).
func (s *Store) Provenance(ctx context.Context, id int64) (map[string]FieldSource, time.Time, time.Time, error) {
	var synced, left sql.NullInt64
	if err := s.queryRow(ctx, `SELECT synced_at, left_at FROM people WHERE id = ?`, id).Scan(&synced, &left); err == sql.ErrNoRows {
		return nil, time.Time{}, time.Time{}, notFound("there is no person %d", id)
	} else if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	rows, err := s.query(ctx, `SELECT field, source, set_at FROM person_field_sources WHERE person_id = ?`, id)
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	defer rows.Close()
	out := map[string]FieldSource{}
	for rows.Next() {
		var f string
		var fs FieldSource
		var at int64
		if err := rows.Scan(&f, &fs.Source, &at); err != nil {
			return nil, time.Time{}, time.Time{}, err
		}
		fs.SetAt = time.UnixMicro(at).UTC()
		out[f] = fs
	}
	return out, fromMicros(synced), fromMicros(left), rows.Err()
}

// ClaimImport claims source's scheduled import for day (as 2006-01-02): true for the one caller,
// of any number of instances, that claims it first.
func (s *Store) ClaimImport(ctx context.Context, source, day string) (bool, error) {
	won := false
	err := s.inTx(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, `INSERT INTO import_claims (source, day, claimed_at) VALUES (?, ?, ?) ON CONFLICT (source, day) DO NOTHING`,
			source, day, t.Now.UnixMicro())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	return won, err
}

// ImportRun is one recorded import.
type ImportRun struct {
	ID                                               int64
	Source, State, Reason, Problems, By              string
	Full                                             bool
	StartedAt                                        time.Time
	Duration                                         time.Duration
	Read, Created, Updated, Left, Returned, Rejected int
}

// ImportRuns lists the latest recorded imports, newest first.
func (s *Store) ImportRuns(ctx context.Context, limit int) ([]ImportRun, error) {
	rows, err := s.query(ctx, `SELECT id, source, state, reason, problems, by_whom, full_import, started_at, duration_ms, read_count,
		created, updated, left_count, returned, rejected FROM import_runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ImportRun
	for rows.Next() {
		var r ImportRun
		var at, ms int64
		if err := rows.Scan(&r.ID, &r.Source, &r.State, &r.Reason, &r.Problems, &r.By, &r.Full, &at, &ms, &r.Read, &r.Created,
			&r.Updated, &r.Left, &r.Returned, &r.Rejected); err != nil {
			return nil, err
		}
		r.StartedAt, r.Duration = time.UnixMicro(at).UTC(), time.Duration(ms)*time.Millisecond
		out = append(out, r)
	}
	return out, rows.Err()
}
