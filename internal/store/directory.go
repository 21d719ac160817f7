package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// DirectoryRecord is one person as a directory source lists them, for SyncPeople: the fields the
// source gives, with DirectoryKey. An empty field is cleared when SyncOptions.Given names it and
// left alone otherwise (the source does not give it, or it is optional).
type DirectoryRecord struct {
	Person desk.Person
	// ManagerKey is the manager's directory key, "" when none; ManagerRef is how the source
	// named a manager it could not resolve to a key (an LDAP DN), reported, the manager left as
	// it was.
	ManagerKey, ManagerRef string
	// KindIfNew is the kind of a new person whose Person.Kind is "" (the source does not say,
	// and a known person's kind stays as it is); desk.Staff when "".
	KindIfNew desk.PersonKind
	Line      int // where the source had it, for reports
}

// SyncOptions say how a source's records are taken into the register.
type SyncOptions struct {
	// Source names the import ("campus-csv", "ad"): people it creates are its own, and a full
	// import makes only its own people leavers.
	Source string
	// Full says the records are the whole of the source: its people it no longer lists leave.
	Full bool
	// MaxLeaverShare, MaxChangeShare and MaxNewShare are the guard rail: an import that would
	// make more than this share of the source's people leavers (default 0.05), change more than
	// this share of their records (default 0.25), or create more than this share of new people
	// (default 0.25; not for a source's first import, when it has no people yet), is held for an
	// administrator instead. Force goes past it (an administrator's confirmation), and past the
	// holding of leavers when rows were rejected: with a Digest, only as the confirmation of the
	// source's latest run, held, that read the same records (ECONFLICT otherwise).
	MaxLeaverShare, MaxChangeShare, MaxNewShare float64
	// ConfirmRun, with Force, is the held run the administrator reviewed and confirms: refused
	// (ECONFLICT) when a later run of the source has been recorded since. 0 confirms the
	// latest run, whichever it is (calldesk import --force, which shows it).
	ConfirmRun int64
	Force      bool
	// Digest identifies the records as the source gave them (package directory: SHA-256, hex),
	// recorded with the run, so that a confirmation applies what was reviewed. "" for records
	// that come from no source (tests): nothing is recorded, and Force is not checked.
	Digest string
	// DryRun works everything out and writes nothing, not even the run's record.
	DryRun bool
	// By is who runs it (an administrator's name, or "nightly schedule"), for the run's record.
	By string
	// Problems are the source's own reports of records it could not read, kept with the run and
	// counted as rejected; ProblemKeys are the directory keys of those records, where known.
	// Any rejected record, the source's or the sync's own, holds the run's leavers (a row that
	// could not be read may be any of them) unless Force.
	Problems    []string
	ProblemKeys []string
	// Given names the fields the source gives for everyone (the columns of directoryFields, and
	// "manager"): an empty value of one of them clears the field (stale personal data). An empty
	// value of any other field leaves it as it is; nil clears nothing.
	Given []string
	// ClaimDay, when set (2006-01-02), makes the import the scheduled one of that day: its
	// transaction first claims (Source, ClaimDay), and the import is refused with ErrImportClaimed,
	// writing nothing, when the day's import was claimed already. The claim commits with the
	// import: an instance that dies mid-import leaves no claim, so another runs the import.
	ClaimDay string
}

// ErrImportClaimed is SyncPeople's answer when the scheduled import of the day (ClaimDay) was
// claimed already, here or by another instance.
var ErrImportClaimed = desk.Errorf(desk.ECONFLICT, "the scheduled import of that day has been run already")

// SyncResult is what an import did, or would do (DryRun), or why it was held.
type SyncResult struct {
	RunID                                                  int64
	State                                                  string // done, held, or "dry run"
	Reason                                                 string // why it was held, or why its leavers were
	Read, Created, Updated, Left, Returned, Rejected, Kept int
	// LeaversHeld is how many people would have become leavers but did not, because records
	// were rejected (Problems says which lines): the rest of the import went in.
	LeaversHeld int
	// Changes describe each change, one line each (the first 2,000, for --dry-run); MoreChanges
	// counts those left out.
	Changes     []string
	MoreChanges int
	// Problems are the records rejected or not taken, with line and reason; Notices are what
	// the desk should know: managers not found, leavers with open calls.
	Problems []string
	Notices  []string
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
	adopted  bool // old is a caller an analyst added, matched by email (adoptable)
}

// adoptable reports whether the register's person p is a caller an analyst added while logging
// their call (a visitor, a partner not yet imported) whom a directory record giving email is:
// no directory key yet, the same address (an erased person has none) in any letter case. The directory adopts
// such a record (its key, its fields, its source from now) rather than refusing the person
// because the address is taken, so the calls logged for them stay theirs.
func adoptable(p desk.Person, email string) bool {
	email = strings.TrimSpace(email)
	return email != "" && p.Source == desk.FromAnalyst && p.DirectoryKey == "" && strings.EqualFold(p.Email, email)
}

// SyncPeople takes a source's records into the person register, in one transaction with an
// audit record for each person it changes and the run's record: people are matched by their
// directory key only; a new key is a new person; fields the source gives are updated (each
// recording its source and when), fields it does not give are never touched; with Full, the
// source's people it no longer lists become leavers (inactive, date left recorded, never deleted)
// and a leaver listed again returns, unless an administrator marked them as left (reported: only
// an administrator brings them back). A person whose processing is restricted keeps their
// fields frozen, but leaves when no longer listed (markLeft says why). Records it cannot take
// (no key, no name, a bad email, a username another person holds, a key listed twice) are
// rejected with their line and reason, and the rest still go in. An import past the guard rail
// writes nothing but its run's record (held).
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
	if opt.MaxNewShare <= 0 {
		opt.MaxNewShare = 0.25
	}
	var res SyncResult
	err := s.inTx(ctx, func(t *Tx) error {
		res = SyncResult{Read: len(recs) + len(opt.Problems), Rejected: len(opt.Problems), Problems: append([]string(nil), opt.Problems...)}
		if opt.ClaimDay != "" && !opt.DryRun {
			// On PostgreSQL a claim another instance's import holds, not yet committed, makes
			// this insert wait for that import: done, this one is refused; rolled back (its
			// instance died), this one claims the day and runs.
			if won, err := t.claimImport(ctx, opt.Source, opt.ClaimDay); err != nil {
				return err
			} else if !won {
				return ErrImportClaimed
			}
		}
		if opt.Force && opt.Digest != "" && !opt.DryRun {
			if err := t.checkConfirmation(ctx, opt); err != nil {
				return err
			}
		}
		plans, leavers, sourcePeople, err := t.planSync(ctx, recs, opt, &res)
		if err != nil {
			return err
		}
		if reason := guard(res, leavers, sourcePeople, opt); reason != "" {
			res.State, res.Reason = RunHeld, reason
			res.Duration = time.Since(began)
			if opt.DryRun {
				return errDryRun
			}
			return t.recordRun(ctx, opt, &res)
		}
		if len(leavers) > 0 && res.Rejected > 0 && !opt.Force {
			res.LeaversHeld, res.Left = len(leavers), 0
			res.Reason = fmt.Sprintf("%d people no longer listed were not made leavers, because %d records were rejected (a row that could not be read may be any of them): fix the export, or confirm the import",
				len(leavers), res.Rejected)
			leavers = nil
			for i, c := range res.Changes {
				if rest, ok := strings.CutPrefix(c, "leaves: "); ok {
					res.Changes[i] = "would leave, held: " + rest
				}
			}
		}
		if err := t.leaversWithCalls(ctx, leavers, &res); err != nil {
			return err
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

// guard says why an import must wait for an administrator, or "". sourcePeople is how many
// people of the register the source held before the run.
func guard(res SyncResult, leavers []known, sourcePeople int, opt SyncOptions) string {
	if opt.Force {
		return ""
	}
	if base := res.Kept + res.Updated + len(leavers); base > 0 {
		fbase := float64(base) // the source's people before the run, listed or not
		if share := float64(len(leavers)) / fbase; share > opt.MaxLeaverShare {
			return fmt.Sprintf("it would make %d of the source's %d people leavers (%.1f%%, more than the %.1f%% allowed): a truncated export? Check it, then confirm the import",
				len(leavers), base, 100*share, 100*opt.MaxLeaverShare)
		}
		if share := float64(res.Updated) / fbase; share > opt.MaxChangeShare {
			return fmt.Sprintf("it would change %d of the source's %d people's records (%.1f%%, more than the %.1f%% allowed): a changed export format? Check it, then confirm the import",
				res.Updated, base, 100*share, 100*opt.MaxChangeShare)
		}
	}
	if base := max(sourcePeople, res.Kept+res.Updated+res.Returned); base > 0 {
		if share := float64(res.Created) / float64(base); share > opt.MaxNewShare {
			return fmt.Sprintf("it would add %d new people to the source's %d (%.1f%%, more than the %.1f%% allowed): changed directory keys? Check it, then confirm the import",
				res.Created, base, 100*share, 100*opt.MaxNewShare)
		}
	}
	return ""
}

// planSync works out each record's change, and the leavers, without writing; sourcePeople is
// how many people of the register opt.Source held.
func (t *Tx) planSync(ctx context.Context, recs []DirectoryRecord, opt SyncOptions, res *SyncResult) ([]plan, []known, int, error) {
	byKey := map[string]*known{}
	keyOf := map[int64]string{}
	var register []*known // everyone, for who holds which username and email
	sourcePeople := 0
	rows, err := t.query(ctx, `SELECT `+personCols+`, p.directory_source, p.restricted_at IS NOT NULL FROM people p`)
	if err != nil {
		return nil, nil, 0, err
	}
	for rows.Next() {
		k := &known{}
		var mgr sql.NullInt64
		var created, updated int64
		var kind, source, leftBy string
		var left sql.NullInt64
		if err := rows.Scan(&k.p.ID, &k.p.FirstName, &k.p.LastName, &k.p.Username, &k.p.Email, &k.p.StudentNumber, &k.p.Department,
			&k.p.Phone, &k.p.JobTitle, &mgr, &kind, &k.p.Active, &source, &k.p.DirectoryKey, &created, &updated, &k.p.Version, &left, &leftBy,
			&k.source, &k.restricted); err != nil {
			rows.Close()
			return nil, nil, 0, err
		}
		k.p.ManagerID, k.p.Kind, k.p.Source, k.p.LeftAt, k.p.LeftBy = mgr.Int64, desk.PersonKind(kind), desk.Source(source), fromMicros(left), desk.LeftBy(leftBy)
		register = append(register, k)
		if k.source == opt.Source {
			sourcePeople++
		}
		if k.p.DirectoryKey != "" {
			byKey[k.p.DirectoryKey] = k
			keyOf[k.p.ID] = k.p.DirectoryKey
		}
	}
	if err := rows.Close(); err != nil {
		return nil, nil, 0, err
	}
	reject := func(r DirectoryRecord, why string) {
		res.Rejected++
		res.Problems = append(res.Problems, fmt.Sprintf("line %d (key %q): %s", r.Line, r.Person.DirectoryKey, why))
	}
	given := map[string]bool{}
	for _, f := range opt.Given {
		given[f] = true
	}
	inExport := map[string]bool{}
	for _, r := range recs {
		inExport[strings.TrimSpace(r.Person.DirectoryKey)] = true
	}
	listed := map[string]bool{}
	for _, k := range opt.ProblemKeys {
		listed[strings.TrimSpace(k)] = true
	}
	var plans []plan
	adopted := map[int64]bool{} // analyst-added callers adopted by this run's records
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
		if why := recordTextProblem(r); why != "" {
			reject(r, why) // rather than fail the whole import where the text is written
			continue
		}
		if r.Person.Email != "" && !desk.ValidEmail(strings.TrimSpace(r.Person.Email)) {
			reject(r, fmt.Sprintf("the email address %q is not valid", r.Person.Email))
			continue
		}
		old := byKey[key]
		pl := plan{rec: r, old: old}
		if old == nil {
			for _, k := range register {
				if adoptable(k.p, r.Person.Email) && !adopted[k.p.ID] {
					old, pl.old, pl.adopted = k, k, true
					adopted[k.p.ID] = true
					break
				}
			}
		}
		// The manager: named by a key this run or the register knows, or not at all.
		mk := strings.TrimSpace(r.ManagerKey)
		manager := true // the record says who the manager is (or that there is none)
		switch {
		case mk == "" && r.ManagerRef != "":
			res.notice("line %d (key %q): the manager %q is not among the people read; the manager was left as it was", r.Line, key, r.ManagerRef)
			manager = false
		case mk == "":
			manager = given["manager"]
		case mk == key:
			res.notice("line %d (key %q): the person is named as their own manager; the manager was left as it was", r.Line, key)
			manager, mk = false, ""
		case byKey[mk] == nil && !inExport[mk]:
			res.notice("line %d (key %q): the manager %q is not in the register or the export; the manager was left as it was", r.Line, key, mk)
			manager, mk = false, ""
		}
		pl.rec.ManagerKey = mk
		if old == nil {
			p := r.Person
			p.Source, p.Active = desk.FromDirectory, true
			if p.Kind == "" {
				p.Kind = r.KindIfNew
			}
			if p.Kind == "" {
				p.Kind = desk.Staff
			}
			for _, f := range directoryFields() {
				*f.get(&p) = strings.TrimSpace(*f.get(&p))
			}
			if err := p.Validate(); err != nil {
				reject(r, desk.MessageWithFields(err))
				continue
			}
			pl.rec.Person = p
		} else {
			merged := old.p
			for _, f := range directoryFields() {
				v := strings.TrimSpace(*f.get(&r.Person))
				if v != *f.get(&merged) && (v != "" || given[f.col]) {
					*f.get(&merged) = v
					pl.changed = append(pl.changed, f.col)
				}
			}
			if r.Person.Kind != "" && r.Person.Kind != merged.Kind {
				merged.Kind = r.Person.Kind
				pl.changed = append(pl.changed, "kind")
			}
			if manager && mk != keyOf[old.p.ManagerID] && (mk != "" || old.p.ManagerID != 0) {
				pl.changed = append(pl.changed, "manager")
			}
			if err := merged.Validate(); err != nil {
				reject(r, desk.MessageWithFields(err))
				continue
			}
			if pl.adopted {
				merged.DirectoryKey = key
			}
			pl.rec.Person = merged
			pl.returned = !old.p.Active
			if pl.returned && old.p.LeftBy == desk.LeftByAdmin {
				// An administrator's decision sticks: only an administrator brings them back
				// (BringBack). The directory still keeps the fields it gives.
				pl.returned = false
				res.notice("line %d (key %q): listed by the directory but marked as left by an administrator on %s: not brought back",
					r.Line, key, old.p.LeftAt.Format("2 January 2006"))
			}
			if old.restricted && (pl.returned || len(pl.changed) > 0) {
				res.Kept++
				res.Problems = append(res.Problems, fmt.Sprintf("line %d (key %q): not changed: the person's processing is restricted", r.Line, key))
				continue
			}
		}
		plans = append(plans, pl)
	}
	plans = uniqueIdentities(plans, register, reject)
	for _, pl := range plans {
		p, key := pl.rec.Person, pl.rec.Person.DirectoryKey
		switch {
		case pl.old == nil:
			res.Created++
			res.change("new: %s (%s)", p.Name(), key)
		case pl.adopted:
			res.Updated++
			res.change("adopted: %s (%s): the caller an analyst added with the same email address", p.Name(), key)
		case pl.returned:
			res.Returned++
			res.change("returns: %s (%s)", p.Name(), key)
		case len(pl.changed) > 0:
			res.Updated++
			res.change("changed: %s (%s): %s", p.Name(), key, strings.Join(pl.changed, ", "))
		default:
			res.Kept++
		}
	}
	var leavers []known
	if opt.Full {
		for _, k := range register {
			key := k.p.DirectoryKey
			if key == "" || listed[key] || k.source != opt.Source || !k.p.Active {
				continue
			}
			// A restricted person leaves too: leaving changes nothing of their frozen data
			// (markLeft says why).
			leavers = append(leavers, *k)
			res.change("leaves: %s (%s)", k.p.Name(), key)
		}
	}
	res.Left = len(leavers)
	return plans, leavers, sourcePeople, nil
}

// uniqueIdentities rejects the plans that would give a person a username or an email address
// (either matched without regard to case, as sign-in and mail matching do) that another person
// holds when the import is done: the register's people keep theirs unless their own plan gives
// them up in the same import, so a swap of usernames, or one handed from a person to another,
// goes through in one run. Of two claimants, the one already holding the value keeps it, else
// the first in the export; a person whose value does not change is never rejected for it (a
// clash the register already had, typed in by hand, is for an administrator to resolve).
// Rejecting a plan leaves its person's values as they were, which may clash again: it repeats
// until nothing new clashes.
func uniqueIdentities(plans []plan, register []*known, reject func(DirectoryRecord, string)) []plan {
	type holder struct {
		plan  int // index into plans, -1 for a person of the register without a plan
		keeps bool
		who   string
	}
	describe := func(p desk.Person) string {
		if p.DirectoryKey != "" {
			return fmt.Sprintf("key %q", p.DirectoryKey)
		}
		return fmt.Sprintf("person %d, typed in by hand", p.ID)
	}
	fields := []struct {
		what string
		get  func(p *desk.Person) string
	}{
		{"username", func(p *desk.Person) string { return p.Username }},
		{"email address", func(p *desk.Person) string { return p.Email }},
	}
	for {
		planned := map[int64]bool{}
		for _, pl := range plans {
			if pl.old != nil {
				planned[pl.old.p.ID] = true
			}
		}
		out := plans[:0:0]
		rejected := map[int]bool{}
		for _, f := range fields {
			first := map[string]holder{}
			for _, k := range register {
				if v := strings.ToLower(f.get(&k.p)); v != "" && !planned[k.p.ID] {
					if _, ok := first[v]; !ok {
						first[v] = holder{plan: -1, keeps: true, who: describe(k.p)}
					}
				}
			}
			for _, keeping := range []bool{true, false} { // those keeping theirs first, then the first in the export
				for i := range plans {
					pl := &plans[i]
					v := strings.ToLower(f.get(&pl.rec.Person))
					keeps := pl.old != nil && strings.ToLower(f.get(&pl.old.p)) == v
					if v == "" || keeps != keeping {
						continue
					}
					if _, ok := first[v]; !ok {
						first[v] = holder{plan: i, keeps: keeps, who: describe(pl.rec.Person)}
					}
				}
			}
			for i := range plans {
				pl := &plans[i]
				v := strings.ToLower(f.get(&pl.rec.Person))
				if pl.old != nil && strings.ToLower(f.get(&pl.old.p)) == v {
					continue // a clash the register already had is not the import's to refuse
				}
				if h, ok := first[v]; ok && v != "" && h.plan != i && !rejected[i] {
					rejected[i] = true
					what := "its " + f.what
					if f.what == "username" {
						what = fmt.Sprintf("the username %q", f.get(&pl.rec.Person))
					}
					reject(pl.rec, fmt.Sprintf("%s belongs to another person (%s): two people may not share one", what, h.who))
				}
			}
		}
		for i, pl := range plans {
			if !rejected[i] {
				out = append(out, pl)
			}
		}
		if len(rejected) == 0 {
			return out
		}
		plans = out
	}
}

// changesListed is how many changes a result describes; the rest are counted.
const changesListed = 2000

func (res *SyncResult) change(format string, args ...any) {
	if len(res.Changes) < changesListed {
		res.Changes = append(res.Changes, fmt.Sprintf(format, args...))
	} else {
		res.MoreChanges++
	}
}

func (res *SyncResult) notice(format string, args ...any) {
	res.Notices = append(res.Notices, fmt.Sprintf(format, args...))
}

// applySync writes the planned changes.
func (t *Tx) applySync(ctx context.Context, plans []plan, leavers []known, opt SyncOptions, res *SyncResult) error {
	actor := desk.Actor{Name: "directory import (" + opt.Source + ")"}
	now := t.Now.UnixMicro()
	ids := map[string]int64{}
	// Usernames and email addresses handed from one person to another (a swap, or one given up
	// and taken) go in one step: the moving ones are cleared first, so the unique indexes (of
	// lower(username) and lower(email)) never see two holders.
	for _, pl := range plans {
		if pl.old != nil && pl.old.p.Username != "" && pl.old.p.Username != pl.rec.Person.Username {
			if _, err := t.exec(ctx, `UPDATE people SET username = '' WHERE id = ?`, pl.old.p.ID); err != nil {
				return err
			}
		}
		if pl.old != nil && pl.old.p.Email != "" && pl.old.p.Email != pl.rec.Person.Email {
			if _, err := t.exec(ctx, `UPDATE people SET email = '' WHERE id = ?`, pl.old.p.ID); err != nil {
				return err
			}
		}
	}
	for i := range plans {
		pl := &plans[i]
		p := &pl.rec.Person
		if pl.old == nil || len(pl.changed) > 0 || pl.returned || pl.old.source != opt.Source {
			var was string
			if pl.old != nil {
				was = pl.old.source
			}
			if err := t.writeDirectoryPersonFrom(ctx, actor, opt.Source, p, pl.old == nil, pl.changed, pl.returned, was); err != nil {
				return fmt.Errorf("import %s, line %d: %w", opt.Source, pl.rec.Line, err)
			}
			if pl.adopted {
				if err := t.adoptAddedCaller(ctx, actor, opt.Source, p.ID, p.DirectoryKey); err != nil {
					return fmt.Errorf("import %s, line %d: %w", opt.Source, pl.rec.Line, err)
				}
			}
		}
		ids[p.DirectoryKey] = p.ID
	}
	// Managers, once everyone is in.
	for _, pl := range plans {
		if pl.old == nil && pl.rec.ManagerKey == "" || pl.old != nil && !slices.Contains(pl.changed, "manager") {
			continue
		}
		var mid sql.NullInt64
		if mk := pl.rec.ManagerKey; mk != "" {
			id, ok := ids[mk]
			if !ok {
				err := t.queryRow(ctx, `SELECT id FROM people WHERE directory_key = ?`, mk).Scan(&id)
				if err == sql.ErrNoRows {
					// Named in the export, but rejected there.
					res.notice("line %d (key %q): the manager %q was not taken from the export; the manager was left as it was",
						pl.rec.Line, pl.rec.Person.DirectoryKey, mk)
					continue
				}
				if err != nil {
					return err
				}
			}
			mid = sql.NullInt64{Int64: id, Valid: true}
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
		// ECONFLICT: they left meanwhile (a SCIM push or an administrator, between this run's
		// reading and its writing): what the run wanted holds, so it goes on.
		if err := t.markLeft(ctx, actor, k.p.ID, desk.LeftByDirectory,
			"no longer listed by the directory ("+opt.Source+"): a leaver from today, kept, not deleted"); err != nil && desk.ErrorCode(err) != desk.ECONFLICT {
			return err
		}
	}
	return nil
}

// leaversWithCalls adds a notice for each leaver with open calls, logged by them or assigned to
// them, so that the desk can reassign or close those calls.
func (t *Tx) leaversWithCalls(ctx context.Context, leavers []known, res *SyncResult) error {
	if len(leavers) == 0 {
		return nil
	}
	type counts struct{ customer, analyst int }
	open := map[int64]*counts{}
	rows, err := t.query(ctx, `SELECT customer_id, analyst_id FROM calls WHERE state NOT IN ('resolved', 'closed', 'cancelled')`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var customer int64
		var analyst sql.NullInt64
		if err := rows.Scan(&customer, &analyst); err != nil {
			rows.Close()
			return err
		}
		for id, n := range map[int64]func(*counts) *int{customer: func(c *counts) *int { return &c.customer }, analyst.Int64: func(c *counts) *int { return &c.analyst }} {
			if id == 0 {
				continue
			}
			if open[id] == nil {
				open[id] = &counts{}
			}
			*n(open[id])++
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, k := range leavers {
		c := open[k.p.ID]
		if c == nil {
			continue
		}
		var what []string
		if c.analyst > 0 {
			what = append(what, fmt.Sprintf("%d assigned to them", c.analyst))
		}
		if c.customer > 0 {
			what = append(what, fmt.Sprintf("%d logged for them", c.customer))
		}
		res.notice("key %q: %s leaves with open calls (%s): reassign or close them", k.p.DirectoryKey, k.p.Name(), strings.Join(what, ", "))
	}
	return nil
}

func contains(ss []string, s string) bool {
	return slices.Contains(ss, s)
}

// writeDirectoryPerson writes person p as directory source gives them: a new person (isNew), or
// the changed fields of one the register holds (made active again when returned, and only
// then: a leaver's fields are kept current without bringing them back), with where
// the fields came from and the audit record.
func (t *Tx) writeDirectoryPerson(ctx context.Context, actor desk.Actor, source string, p *desk.Person, isNew bool, changed []string, returned bool) error {
	return t.writeDirectoryPersonFrom(ctx, actor, source, p, isNew, changed, returned, source)
}

// writeDirectoryPersonFrom is writeDirectoryPerson for a person wasSource held before ("" for
// one typed in by hand): a person matched by key who was another source's, or nobody's, is this
// source's from now, which its audit record says when no field changed.
func (t *Tx) writeDirectoryPersonFrom(ctx context.Context, actor desk.Actor, source string, p *desk.Person, isNew bool, changed []string, returned bool, wasSource string) error {
	now := t.Now.UnixMicro()
	if isNew {
		err := t.queryRow(ctx, `INSERT INTO people (first_name, last_name, username, email, student_number, department,
			phone, job_title, kind, active, source, directory_key, directory_source, synced_at, created_at, updated_at, version)
			VALUES (`+placeholders(17)+`) RETURNING id`,
			p.FirstName, p.LastName, p.Username, p.Email, p.StudentNumber, p.Department, p.Phone, p.JobTitle,
			string(p.Kind), 1, string(desk.FromDirectory), p.DirectoryKey, source, now, now, now, 1).Scan(&p.ID)
		if v := t.identityViolation(err, *p); v != nil {
			return v
		} else if err != nil {
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
		department = ?, phone = ?, job_title = ?, kind = ?, source = ?, directory_source = ?,
		synced_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		p.FirstName, p.LastName, p.Username, p.Email, p.StudentNumber, p.Department, p.Phone, p.JobTitle, string(p.Kind),
		string(desk.FromDirectory), source, now, now, p.ID)
	if v := t.identityViolation(err, *p); v != nil {
		return v
	} else if err != nil {
		return t.s.mapErr(err)
	}
	if returned {
		if _, err := t.exec(ctx, `UPDATE people SET active = 1, left_at = NULL, left_by = '' WHERE id = ?`, p.ID); err != nil {
			return err
		}
		p.Active, p.LeftAt, p.LeftBy = true, time.Time{}, ""
	}
	if err := t.fieldSources(ctx, p.ID, changed, source); err != nil {
		return err
	}
	var what string
	switch {
	case returned:
		what = "listed by the directory (" + source + ") again: active again"
		if len(changed) > 0 {
			what += "; changed: " + strings.Join(changed, ", ")
		}
	case len(changed) > 0:
		what = "changed by the directory (" + source + "): " + strings.Join(changed, ", ")
	case wasSource == "":
		what = "matched by directory key: kept by the directory (" + source + ") from now; no field changed"
	default:
		what = "kept by the directory (" + source + ") from now, was " + wasSource + "; no field changed"
	}
	return t.audit(ctx, actor, "person.sync", "person", p.ID, []int64{p.ID}, what)
}

// adoptAddedCaller gives the analyst-added caller id the directory key key (writeDirectoryPerson
// has written the directory's fields and source), with its audit record.
func (t *Tx) adoptAddedCaller(ctx context.Context, actor desk.Actor, source string, id int64, key string) error {
	if _, err := t.exec(ctx, `UPDATE people SET directory_key = ? WHERE id = ? AND directory_key = ''`, key, id); err != nil {
		return t.s.mapErr(err)
	}
	return t.audit(ctx, actor, "person.sync", "person", id, []int64{id},
		"adopted by the directory ("+source+") under key "+key+": a caller an analyst added while logging a call, with the same email address")
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
	problems := strings.Join(append(slices.Clip(res.Problems), res.Notices...), "\n")
	if len(problems) > 200_000 {
		problems = problems[:200_000] + "\n…"
	}
	err := t.queryRow(ctx, `INSERT INTO import_runs (source, state, full_import, started_at, duration_ms, read_count, created, updated,
		left_count, returned, rejected, leavers_held, reason, problems, by_whom, digest) VALUES (`+placeholders(16)+`) RETURNING id`,
		opt.Source, res.State, b2i(opt.Full), t.Now.UnixMicro(), res.Duration.Milliseconds(), res.Read, res.Created, res.Updated,
		res.Left, res.Returned, res.Rejected, res.LeaversHeld, res.Reason, problems, opt.By, opt.Digest).Scan(&res.RunID)
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("%s: %d read, %d created, %d updated, %d left, %d returned, %d rejected", opt.Source, res.Read, res.Created,
		res.Updated, res.Left, res.Returned, res.Rejected)
	if res.LeaversHeld > 0 {
		detail += fmt.Sprintf(", %d leavers held", res.LeaversHeld)
	}
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
// The scheduler records a failed import's claim with it, so that the import is not tried again
// that day; a successful one claims the day inside its own transaction (SyncOptions.ClaimDay).
func (s *Store) ClaimImport(ctx context.Context, source, day string) (bool, error) {
	won := false
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		won, err = t.claimImport(ctx, source, day)
		return err
	})
	return won, err
}

func (t *Tx) claimImport(ctx context.Context, source, day string) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO import_claims (source, day, claimed_at) VALUES (?, ?, ?) ON CONFLICT (source, day) DO NOTHING`,
		source, day, t.Now.UnixMicro())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ImportClaimed says whether source's scheduled import for day has been claimed (run, or failed).
func (s *Store) ImportClaimed(ctx context.Context, source, day string) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM import_claims WHERE source = ? AND day = ?`, source, day).Scan(&n)
	return n > 0, err
}

// ImportRun is one recorded import.
type ImportRun struct {
	ID                                               int64
	Source, State, Reason, Problems, By              string
	Full                                             bool
	StartedAt                                        time.Time
	Duration                                         time.Duration
	Read, Created, Updated, Left, Returned, Rejected int
	// LeaversHeld is how many people a done run did not make leavers because it rejected
	// records: an administrator's confirmation (or a clean export) makes them leavers.
	LeaversHeld int
}

// ImportRuns lists the latest recorded imports, newest first.
func (s *Store) ImportRuns(ctx context.Context, limit int) ([]ImportRun, error) {
	rows, err := s.query(ctx, `SELECT id, source, state, reason, problems, by_whom, full_import, started_at, duration_ms, read_count,
		created, updated, left_count, returned, rejected, leavers_held FROM import_runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ImportRun
	for rows.Next() {
		var r ImportRun
		var at, ms int64
		if err := rows.Scan(&r.ID, &r.Source, &r.State, &r.Reason, &r.Problems, &r.By, &r.Full, &at, &ms, &r.Read, &r.Created,
			&r.Updated, &r.Left, &r.Returned, &r.Rejected, &r.LeaversHeld); err != nil {
			return nil, err
		}
		r.StartedAt, r.Duration = time.UnixMicro(at).UTC(), time.Duration(ms)*time.Millisecond
		out = append(out, r)
	}
	return out, rows.Err()
}
