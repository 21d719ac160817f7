package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"calldesk/internal/desk"
)

const callCols = `c.id, c.number, c.kind, c.summary, c.description, c.customer_id, c.customer_snapshot, c.alt_email, c.alt_phone,
	c.source, c.profile_id, c.impact, c.urgency, c.priority, c.group_id, c.analyst_id, c.state, c.urgent, c.hold_until,
	c.hold_reason, c.resolution, c.cancel_note, c.logged_at, c.logged_by, c.assigned_at, c.accepted_at, c.held_at,
	c.off_hold_at, c.resolved_at, c.closed_at, c.cancelled_at, c.reopened_at, c.updated_at, c.version, c.special_category, c.triage_pending, c.key_id`

// briefCols are the columns of a brief call (CallFilter.Brief), scanned by scanBriefCall.
const briefCols = `c.id, c.number, c.kind, c.summary, c.customer_id, c.priority, c.group_id, c.analyst_id, c.state, c.urgent,
	c.logged_at, c.updated_at, c.version, c.special_category, c.triage_pending, c.hold_until, c.key_id`

// scanBriefCall reads a row of briefCols, its summary opened through q.
func (s *Store) scanBriefCall(ctx context.Context, q rowQuerier) func(scanner) (desk.Call, error) {
	return func(r scanner) (desk.Call, error) {
		c, key, err := scanBriefRow(r)
		if err != nil {
			return c, err
		}
		return c, s.openCallTexts(ctx, q, key, &c)
	}
}

func scanBriefRow(r scanner) (desk.Call, sql.NullInt64, error) {
	var c desk.Call
	var number, logged, updated int64
	var kind, state string
	var group, analyst, hold, key sql.NullInt64
	var prio int
	if err := r.Scan(&c.ID, &number, &kind, &c.Summary, &c.CustomerID, &prio, &group, &analyst, &state, &c.Urgent,
		&logged, &updated, &c.Version, &c.SpecialCategory, &c.TriagePending, &hold, &key); err != nil {
		return c, key, err
	}
	c.HoldUntil = fromMicros(hold)
	c.Kind, c.State, c.Priority = desk.CallKind(kind), desk.State(state), desk.Priority(prio)
	c.Ref = desk.Reference(c.Kind, number)
	c.GroupID, c.AnalystID = group.Int64, analyst.Int64
	c.LoggedAt, c.UpdatedAt = time.UnixMicro(logged).UTC(), time.UnixMicro(updated).UTC()
	return c, key, nil
}

// openCond matches the partial indexes calls_group_open_logged, calls_analyst_open_logged and
// calls_open_*: keep them in step.
const openCond = "c.state NOT IN ('resolved','closed','cancelled')"

// scanCallRow reads a row of callCols, its text as stored, and the row's key.
func scanCallRow(r scanner) (desk.Call, sql.NullInt64, error) {
	var c desk.Call
	var number int64
	var kind, snap, source, impact, urgency, state string
	var profile, group, analyst, loggedBy, key sql.NullInt64
	var holdUntil, assigned, accepted, held, offHold, resolved, closed, cancelled, reopened sql.NullInt64
	var logged, updated int64
	var prio int
	err := r.Scan(&c.ID, &number, &kind, &c.Summary, &c.Description, &c.CustomerID, &snap, &c.AltEmail, &c.AltPhone,
		&source, &profile, &impact, &urgency, &prio, &group, &analyst, &state, &c.Urgent, &holdUntil,
		&c.HoldReason, &c.Resolution, &c.CancelNote, &logged, &loggedBy, &assigned, &accepted, &held,
		&offHold, &resolved, &closed, &cancelled, &reopened, &updated, &c.Version, &c.SpecialCategory, &c.TriagePending, &key)
	if err != nil {
		return c, key, err
	}
	c.Kind = desk.CallKind(kind)
	c.Ref = desk.Reference(c.Kind, number)
	if err := json.Unmarshal([]byte(snap), &c.Customer); err != nil {
		return c, key, fmt.Errorf("call %s: customer snapshot: %w", c.Ref, err)
	}
	c.Source, c.Impact, c.Urgency, c.Priority, c.State = desk.CallSource(source), desk.Level(impact), desk.Level(urgency), desk.Priority(prio), desk.State(state)
	c.ProfileID, c.GroupID, c.AnalystID, c.LoggedBy = profile.Int64, group.Int64, analyst.Int64, loggedBy.Int64
	c.HoldUntil, c.AssignedAt, c.AcceptedAt, c.HeldAt = fromMicros(holdUntil), fromMicros(assigned), fromMicros(accepted), fromMicros(held)
	c.OffHoldAt, c.ResolvedAt, c.ClosedAt, c.CancelledAt = fromMicros(offHold), fromMicros(resolved), fromMicros(closed), fromMicros(cancelled)
	c.ReopenedAt = fromMicros(reopened)
	c.LoggedAt, c.UpdatedAt = time.UnixMicro(logged).UTC(), time.UnixMicro(updated).UTC()
	return c, key, nil
}

// CreateCall logs a call for a customer (S1, S5): it takes the snapshot of the customer's details,
// fills impact and urgency from the profile's default priority when not given, hands out the next
// reference, indexes the text and audits, all in one transaction.
func (s *Store) CreateCall(ctx context.Context, actor desk.Actor, n desk.NewCall) (desk.Call, error) {
	if err := n.Validate(); err != nil {
		return desk.Call{}, err
	}
	var c desk.Call
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		c, err = t.createCall(ctx, actor, n)
		return err
	})
	return c, err
}

// CreateCallWithAttachments logs a call as CreateCall does, with the files sent with it attached
// to a first public update reading text (the customer's own, so it shows with what was sent). The
// call, the update, the files and their audit records are one transaction: a call whose files
// could not be saved is not logged at all. With no files it is CreateCall.
func (s *Store) CreateCallWithAttachments(ctx context.Context, actor desk.Actor, n desk.NewCall, text string,
	files []desk.Upload, rules desk.AttachmentRules) (desk.Call, error) {
	if len(files) == 0 {
		return s.CreateCall(ctx, actor, n)
	}
	if err := n.Validate(); err != nil {
		return desk.Call{}, err
	}
	text, atts, err := checkEntry(desk.EntryUpdate, text, files, rules)
	if err != nil {
		return desk.Call{}, desk.Invalid("the call cannot be logged", desk.AsError(err).Fields)
	}
	var c desk.Call
	err = s.inTx(ctx, func(t *Tx) error {
		var err error
		if c, err = t.createCall(ctx, actor, n); err != nil {
			return err
		}
		_, err = t.addEntry(ctx, actor, c, desk.EntryUpdate, text, slices.Clone(atts))
		return err
	})
	return c, err
}

// formKeyLife is how long a form's key is kept after it logged a call: longer than any form stays
// open, or is kept across a sign-in.
const formKeyLife = 30 * 24 * time.Hour

// useFormKey records that the form with key logged call c; the key having logged a call already
// is ECONFLICT. Keys past formKeyLife are swept on the way.
func (t *Tx) useFormKey(ctx context.Context, actor desk.Actor, key string, c desk.Call) error {
	if _, err := t.exec(ctx, `DELETE FROM form_keys WHERE used_at < ?`, t.Now.Add(-formKeyLife).UnixMicro()); err != nil {
		return fmt.Errorf("sweep form keys: %w", err)
	}
	_, err := t.exec(ctx, `INSERT INTO form_keys (form_key, account_id, call_ref, used_at) VALUES (?, ?, ?, ?)`,
		key, actor.AccountID, c.Ref, t.Now.UnixMicro())
	if t.s.d.constraint(err) == constraintUnique {
		return &desk.Error{Code: desk.ECONFLICT, Message: "this form was sent already, and logged its call then; nothing more was logged",
			Fields: map[string]string{"form_key": "was used already"}}
	}
	if err != nil {
		return fmt.Errorf("record form key: %w", err)
	}
	return nil
}

// FormKeyCall finds the call that the form with key logged when account sent it: the answer to a
// form sent twice. A key unknown, or used by another account, is ENOTFOUND.
func (s *Store) FormKeyCall(ctx context.Context, accountID int64, key string) (desk.Call, error) {
	var ref string
	err := s.queryRow(ctx, `SELECT call_ref FROM form_keys WHERE form_key = ? AND account_id = ?`, key, accountID).Scan(&ref)
	if errors.Is(err, sql.ErrNoRows) {
		return desk.Call{}, notFound("no call was logged from that form")
	} else if err != nil {
		return desk.Call{}, err
	}
	return s.FindCallByRef(ctx, ref)
}

// restrictedCustomer is the refusal of a new call for cust, whose processing is restricted.
func restrictedCustomer(cust desk.Person) error {
	return desk.Invalid(fmt.Sprintf("no call can be logged for %s: their processing is restricted (UK GDPR article 18), "+
		"and the Data Protection Officer must lift the restriction first", cust.Name()),
		map[string]string{"customer_id": fmt.Sprintf("is %s, whose processing is restricted: the Data Protection Officer must lift the restriction before a call can be logged for them", cust.Name())})
}

func (t *Tx) createCall(ctx context.Context, actor desk.Actor, n desk.NewCall) (desk.Call, error) {
	bad := func(field, format string, args ...any) error {
		return desk.Invalid("the call cannot be logged", map[string]string{field: fmt.Sprintf(format, args...)})
	}
	// The customer, whether they were erased or their processing is restricted (as isErased and
	// frozen would ask), and the profile's default priority, in one read.
	var erased, restricted bool
	var profilePriority sql.NullInt64
	cust, err := scanPerson(alsoScan{t.queryRow(ctx, `SELECT `+personCols+`, p.erased_at IS NOT NULL, p.restricted_at IS NOT NULL,
		(SELECT pr.default_priority FROM profiles pr WHERE pr.id = ?)
		FROM people p WHERE p.id = ?`+t.s.d.forShare(), n.ProfileID, n.CustomerID), []any{&erased, &restricted, &profilePriority}})
	if err == sql.ErrNoRows {
		return desk.Call{}, bad("customer_id", "no person with id %d", n.CustomerID)
	} else if err != nil {
		return desk.Call{}, err
	}
	if erased {
		return desk.Call{}, bad("customer_id", "%s was erased: no new call can be logged for them", cust.Name())
	}
	// Article 18: while a person's processing is restricted nothing new is done with their data,
	// a new call included, by whatever way it comes (API, console, portal, email).
	if restricted {
		return desk.Call{}, restrictedCustomer(cust)
	}
	c := desk.Call{Kind: n.Kind, Summary: n.Summary, Description: n.Description, CustomerID: cust.ID,
		Customer: desk.SnapshotOf(cust), AltEmail: n.AltEmail, AltPhone: n.AltPhone, Source: n.Source,
		ProfileID: n.ProfileID, Impact: n.Impact, Urgency: n.Urgency, State: desk.Unassigned,
		LoggedAt: t.Now, LoggedBy: actor.PersonID, UpdatedAt: t.Now, Version: 1, SpecialCategory: n.SpecialCategory,
		TriagePending: n.TriagePending}
	defImpact, defUrgency := desk.Medium, desk.Medium
	if n.ProfileID != 0 {
		if !profilePriority.Valid {
			return c, bad("profile_id", "no problem profile with id %d", n.ProfileID)
		}
		defImpact, defUrgency = desk.LevelsOf(desk.Priority(profilePriority.Int64))
	}
	if c.Impact == "" {
		c.Impact = defImpact
	}
	if c.Urgency == "" {
		c.Urgency = defUrgency
	}
	c.Priority = desk.PriorityOf(c.Impact, c.Urgency)
	var assignText string
	if n.GroupID != 0 {
		assignText, err = t.assignmentText(ctx, n.GroupID, n.AnalystID)
		if err != nil {
			return c, err
		}
		c.GroupID, c.AnalystID, c.State, c.AssignedAt = n.GroupID, n.AnalystID, desk.Assigned, t.Now
	}
	numberExpr, numberArgs, err := t.s.d.callNumber(ctx, t)
	if err != nil {
		return c, fmt.Errorf("next call number: %w", err)
	}
	snap, _ := json.Marshal(c.Customer)
	var number int64
	// Where the engine keeps the search document in the row (PostgreSQL), a call logged without a
	// diary line gets it in the INSERT: updating the new row at once would write it twice.
	searchCol, searchVal, searchArgs := "", "", []any(nil)
	if col, expr := t.s.d.newCallSearch(); col != "" && assignText == "" && !c.SpecialCategory && !c.TriagePending {
		searchCol, searchVal, searchArgs = ", "+col, ", "+expr, []any{c.Summary, c.Description}
	}
	// A special-category call's text is sealed under its data key, which needs its id: the id is
	// taken first, the key made and the text sealed, and the row written once, sealed (the plain
	// text never reaches the database).
	sealText := c.SpecialCategory && t.s.Encrypting()
	var summary, description any = c.Summary, c.Description
	idCols, idVals, idArgs := "", "", []any(nil)
	if sealText {
		if err := t.queryRow(ctx, t.s.d.nextCallID()).Scan(&c.ID); err != nil {
			return c, fmt.Errorf("next call id: %w", err)
		}
		if err := t.newOwnerKey(ctx, KeyOwnerCall, c.ID); err != nil {
			return c, err
		}
		key, vals, err := t.storedCallTexts(ctx, c)
		if err != nil {
			return c, err
		}
		summary, description = vals[0], vals[1]
		idCols, idVals, idArgs = ", id, key_id", ", ?, ?", []any{c.ID, key}
	}
	args := append(numberArgs, string(c.Kind), summary, description, c.CustomerID, string(snap), c.AltEmail, c.AltPhone,
		string(c.Source), nullID(c.ProfileID), string(c.Impact), string(c.Urgency), int(c.Priority), nullID(c.GroupID),
		nullID(c.AnalystID), string(c.State), 0, t.Now.UnixMicro(), nullID(actor.PersonID), micros(c.AssignedAt),
		t.Now.UnixMicro(), c.Version, c.SpecialCategory, c.TriagePending, nullID(int64(n.NoticeVersion)))
	err = t.queryRow(ctx, `INSERT INTO calls (number, kind, summary, description, customer_id, customer_snapshot, alt_email, alt_phone,
		source, profile_id, impact, urgency, priority, group_id, analyst_id, state, urgent, logged_at, logged_by, assigned_at,
		updated_at, version, special_category, triage_pending, notice_version`+searchCol+idCols+`) VALUES (`+numberExpr+`, `+placeholders(24)+searchVal+idVals+`) RETURNING id, number`,
		append(append(args, searchArgs...), idArgs...)...).Scan(&c.ID, &number)
	if err != nil {
		return c, t.s.mapErr(fmt.Errorf("insert call: %w", err))
	}
	c.Ref = desk.Reference(c.Kind, number)
	t.wroteCalls = true
	if assignText != "" {
		if err := t.addEntries(ctx, actor, c, []desk.Entry{{Kind: desk.EntryAssignment, Text: assignText}}); err != nil {
			return c, err
		}
	}
	if searchCol == "" {
		t.indexLater(c.ID, true)
	}
	if assignText == "" {
		// No diary yet: what the search document and the overflow check need is known (Tx.fresh).
		fc := freshCall{descLen: len(c.Description)}
		if sealText {
			fc.summary, fc.description, fc.triage, fc.special, fc.sealed = c.Summary, c.Description, c.TriagePending, true, true
		}
		t.remember(c.ID, fc)
	}
	if n.FormKey != "" {
		if err := t.useFormKey(ctx, actor, n.FormKey, c); err != nil {
			return c, err
		}
	}
	if err := t.slaCreated(ctx, c); err != nil {
		return c, err
	}
	return c, t.audit(ctx, actor, "call.create", "call", c.Ref, []int64{c.CustomerID},
		fmt.Sprintf("logged %s (%s, %s) via %s for %s", c.Ref, c.Kind, c.Priority, c.Source, c.Customer.Name))
}

// isNotFound reports whether a lookup found no row. Only that is the caller's mistake; any other
// error is the database's and must not be reported as "no such group".
func isNotFound(err error) bool { return desk.ErrorCode(err) == desk.ENOTFOUND }

// assignmentText checks that the group exists and the analyst (if any) is a member, and describes
// the assignment for the diary.
func (t *Tx) assignmentText(ctx context.Context, groupID, analystID int64) (string, error) {
	bad := func(field, format string, args ...any) error {
		return desk.Invalid("the call cannot be assigned", map[string]string{field: fmt.Sprintf(format, args...)})
	}
	gname, err := t.groupName(ctx, groupID)
	if isNotFound(err) {
		return "", bad("group_id", "no support group with id %d", groupID)
	} else if err != nil {
		return "", err
	}
	if analystID == 0 {
		return "assigned to " + gname, nil
	}
	a, err := t.findPerson(ctx, analystID)
	if isNotFound(err) {
		return "", bad("analyst_id", "no person with id %d", analystID)
	} else if err != nil {
		return "", err
	}
	ok, err := t.isMember(ctx, groupID, analystID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", bad("analyst_id", "%s is not a member of %s", a.Name(), gname)
	}
	return "assigned to " + gname + " / " + a.Name(), nil
}

// FindCallByRef returns the call with this reference, or ENOTFOUND.
func (s *Store) FindCallByRef(ctx context.Context, ref string) (desk.Call, error) {
	kind, number, err := desk.ParseReference(ref)
	if err != nil {
		return desk.Call{}, err
	}
	c, err := s.scanCall(ctx, s)(s.queryRow(ctx, `SELECT `+callCols+` FROM calls c WHERE c.number = ? AND c.kind = ?`, number, string(kind)))
	if err == sql.ErrNoRows {
		return c, notFound("there is no call %s", strings.ToUpper(ref))
	}
	return c, err
}

func (t *Tx) lockCall(ctx context.Context, ref string) (desk.Call, error) {
	kind, number, err := desk.ParseReference(ref)
	if err != nil {
		return desk.Call{}, err
	}
	c, err := t.s.scanCall(ctx, t)(t.queryRow(ctx, `SELECT `+callCols+` FROM calls c WHERE c.number = ? AND c.kind = ?`+t.s.d.forUpdate(), number, string(kind)))
	if err == sql.ErrNoRows {
		return c, notFound("there is no call %s", strings.ToUpper(ref))
	}
	return c, err
}

// UpdateCall applies a lifecycle transition to the call ref. When version is not 0 it must be the
// call's current version, or the update fails with ECONFLICT listing what changed since; nothing is
// overwritten silently. The diary entries, the new search text and the audit record are written in
// the same transaction.
func (s *Store) UpdateCall(ctx context.Context, actor desk.Actor, ref string, version int64, tr desk.Transition) (desk.Call, error) {
	var c desk.Call
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		c, err = t.updateCall(ctx, actor, ref, version, tr)
		return err
	})
	return c, err
}

// UpdateCallSteps applies several transitions to the call ref in order, in one transaction: all
// of them or none. version is checked as UpdateCall checks it, before the first step; each later
// step starts from the version the step before it left. The console's "take it" is an assign
// followed by an accept, which must not leave the call assigned but not accepted.
func (s *Store) UpdateCallSteps(ctx context.Context, actor desk.Actor, ref string, version int64, steps ...desk.Transition) (desk.Call, error) {
	if len(steps) == 0 {
		return desk.Call{}, desk.Errorf(desk.EINVALID, "no change to make to call %s", ref)
	}
	var c desk.Call
	err := s.inTx(ctx, func(t *Tx) error {
		v := version
		for _, tr := range steps {
			var err error
			if c, err = t.updateCall(ctx, actor, ref, v, tr); err != nil {
				return err
			}
			v = c.Version
		}
		return nil
	})
	return c, err
}

// notRestricted leaves out, from the periodic sweeps, calls whose customer's processing is
// restricted: their calls are frozen.
const notRestricted = ` AND NOT EXISTS (SELECT 1 FROM people rp WHERE rp.id = c.customer_id AND rp.restricted_at IS NOT NULL)`

func (t *Tx) updateCall(ctx context.Context, actor desk.Actor, ref string, version int64, tr desk.Transition) (desk.Call, error) {
	c, err := t.lockCall(ctx, ref)
	if err != nil {
		return c, err
	}
	if err := t.frozen(ctx, c.CustomerID, "call "+c.Ref+" cannot change"); err != nil {
		return c, err
	}
	if version != 0 && version != c.Version {
		return c, t.conflict(ctx, c, version)
	}
	if !tr.Action.Allowed(c.State) {
		// Refuse for the state first, so the error names the state and the action rather than
		// whichever store-side check (group membership, profile) would have failed.
		probe := c
		_, err := desk.Apply(&probe, tr, actor.PersonID, t.Now)
		return c, err
	}
	var assignText string
	switch tr.Action {
	case desk.ActAssign:
		if tr.GroupID == 0 && c.ProfileID != 0 {
			p, err := t.findProfile(ctx, c.ProfileID)
			if err != nil && !isNotFound(err) {
				return c, err
			}
			tr.GroupID = p.DefaultGroupID
		}
		if tr.GroupID != 0 {
			if assignText, err = t.assignmentText(ctx, tr.GroupID, tr.AnalystID); err != nil {
				return c, err
			}
		}
	case desk.ActAccept:
		analyst := tr.AnalystID
		if analyst == 0 {
			analyst = actor.PersonID
		}
		if analyst != 0 && c.GroupID != 0 {
			ok, err := t.isMember(ctx, c.GroupID, analyst)
			if err != nil {
				return c, err
			}
			if !ok {
				g, _ := t.groupName(ctx, c.GroupID)
				return c, desk.Errorf(desk.EINVALID, "cannot accept call %s: the analyst is not a member of %s, the group it is assigned to", c.Ref, g)
			}
		}
	case desk.ActChange:
		if tr.ProfileID > 0 {
			if _, err := t.findProfile(ctx, tr.ProfileID); isNotFound(err) {
				return c, desk.Invalid("cannot change the call", map[string]string{"profile_id": fmt.Sprintf("no problem profile with id %d", tr.ProfileID)})
			} else if err != nil {
				return c, err
			}
		}
	}
	old, before := c.Version, c
	ch, err := desk.Apply(&c, tr, actor.PersonID, t.Now)
	if err != nil {
		return c, err
	}
	for i := range ch.Entries {
		if ch.Entries[i].Kind == desk.EntryAssignment && assignText != "" {
			ch.Entries[i].Text = assignText
		}
	}
	// The text is written whole, sealed while the call is special category (storedCallTexts).
	key, stored, err := t.storedCallTexts(ctx, c)
	if err != nil {
		return c, err
	}
	res, err := t.exec(ctx, `UPDATE calls SET profile_id = ?, impact = ?, urgency = ?, priority = ?, group_id = ?, analyst_id = ?,
		state = ?, urgent = ?, hold_until = ?, summary = ?, description = ?, resolution = ?, hold_reason = ?, cancel_note = ?, key_id = ?,
		assigned_at = ?, accepted_at = ?,
		held_at = ?, off_hold_at = ?, resolved_at = ?, closed_at = ?, cancelled_at = ?, reopened_at = ?, updated_at = ?,
		reassigned = reassigned + ?, `+resolvedBySet+`, version = version + 1 WHERE id = ? AND version = ?`,
		nullID(c.ProfileID), string(c.Impact), string(c.Urgency), int(c.Priority), nullID(c.GroupID), nullID(c.AnalystID),
		string(c.State), b2i(c.Urgent), micros(c.HoldUntil), stored[0], stored[1], stored[2], stored[3], stored[4], key, micros(c.AssignedAt),
		micros(c.AcceptedAt), micros(c.HeldAt), micros(c.OffHoldAt), micros(c.ResolvedAt), micros(c.ClosedAt),
		micros(c.CancelledAt), micros(c.ReopenedAt), t.Now.UnixMicro(), regrouped(before, c), resolvedByMode(tr, c),
		actor.PersonID, c.ID, old)
	if err != nil {
		return c, t.s.mapErr(fmt.Errorf("update call %s: %w", c.Ref, err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return c, t.conflict(ctx, c, old)
	}
	c.Version = old + 1
	t.wroteCalls = true
	if err := t.addEntries(ctx, actor, c, ch.Entries); err != nil {
		return c, err
	}
	t.indexLater(c.ID, false)
	if err := t.slaChanged(ctx, c, slaEvents(tr, before.State, before, c, t.Now)...); err != nil {
		return c, err
	}
	texts := make([]string, len(ch.Entries))
	for i, e := range ch.Entries {
		texts[i] = e.Text
		if c.SpecialCategory && e.Kind == desk.EntryStatus {
			// The audit log is not sealed: a special call's status lines (a hold reason, a
			// resolution) stay in its sealed diary, and the record says only what changed.
			texts[i] = "status changed: " + string(c.State) + " (its words are in the call's diary)"
		}
	}
	return c, t.audit(ctx, actor, "call."+string(tr.Action), "call", c.Ref, []int64{c.CustomerID}, strings.Join(texts, "; "))
}

// conflict builds the ECONFLICT error for a caller who had version `had` of c: it lists the
// diary lines written since, so the caller can see what changed. Those of a special-category
// call are listed without their texts (a resolution, a hold reason may hold its special data):
// the error with the texts is its Unmasked, for the readers who may read the call
// (access.ConflictFor).
func (t *Tx) conflict(ctx context.Context, c desk.Call, had int64) error {
	rows, err := t.query(ctx, `SELECT d.kind, d.body, d.key_id, d.created_at, COALESCE(trim(p.first_name || ' ' || p.last_name), 'calldesk')
		FROM diary_entries d LEFT JOIN people p ON p.id = d.author_id
		WHERE d.call_id = ? AND d.call_version > ? AND d.kind IN ('status', 'assignment') ORDER BY d.id`, c.ID, had)
	if err != nil {
		return err
	}
	type line struct {
		kind, body, who string
		key             sql.NullInt64
		at              int64
	}
	var lines []line
	for rows.Next() {
		var l line
		if err := rows.Scan(&l.kind, &l.body, &l.key, &l.at, &l.who); err != nil {
			rows.Close()
			return err
		}
		lines = append(lines, l)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	var full, masked []string
	for _, l := range lines {
		body, err := t.s.openEntry(ctx, t, l.key, c.ID, l.body)
		if err != nil {
			return err
		}
		when := desk.Instant(time.UnixMicro(l.at)) // shown in the reader's zone (desk.Zone.Text)
		full = append(full, fmt.Sprintf("%s by %s at %s", body, l.who, when))
		what := "A change of status"
		if l.kind == string(desk.EntryAssignment) {
			what = "A change of assignment"
		}
		masked = append(masked, fmt.Sprintf("%s by %s at %s", what, l.who, when))
	}
	build := func(changes []string) *desk.Error {
		e := &desk.Error{Code: desk.ECONFLICT, Changes: changes}
		e.Message = fmt.Sprintf("call %s was changed by someone else since you opened it (your version %d, now %d); nothing was saved: check the changes and try again",
			c.Ref, had, c.Version)
		if len(changes) > 0 {
			e.Message += ". Changes: " + strings.Join(changes, "; ")
		}
		return e
	}
	if !c.SpecialCategory {
		return build(full)
	}
	e := build(masked)
	e.Unmasked = build(full)
	return e
}

// CallFilter selects calls. Zero fields do not filter.
type CallFilter struct {
	GroupIDs   []int64
	AnalystID  int64
	Unassigned bool // no analyst
	CustomerID int64
	ProfileID  int64 // this profile and everything below it
	Conditions []desk.Condition
	OpenOnly   bool
	// Unfinished keeps calls that are neither closed nor cancelled (open, or resolved and waiting
	// for the customer's confirmation); Finished keeps only closed and cancelled ones.
	Unfinished, Finished bool
	Priority             desk.Priority
	Text                 string // full-text: every word must appear in the summary, description or diary
	// Reader, when set, is who searches: Text then matches only what they may read (emails for
	// the support role, special-category calls for their group and the DPO: access.ReaderOf).
	// Unset, Text matches every call's whole text (the portal's own calls, internal callers).
	Reader   *desk.Reader
	From, To time.Time
	Sort     string // "newest" (default), "oldest", "priority", "updated", "due" (deadline first)
	// SLA keeps calls by their service level now: "at_risk" (a clock counting has used 75% of its
	// time, none has run out) or "breached" (a clock has run out and its event has not happened);
	// such a list is sorted by deadline unless Sort says otherwise.
	SLA    string
	Limit  int // default 25, at most 500
	Offset int // rows to skip: page numbers; a long list pages by Cursor instead
	// Cursor is a page's Next or Prev (CallPage): the page after, or before, the row it names, in
	// the same order, read from the index without skipping rows. It is refused with an Offset.
	Cursor  string
	NoTotal bool // skip counting
	// Brief reads only what a list of calls shows, to read a long list fast: ID, Ref, Kind,
	// Summary, CustomerID, Priority, GroupID, AnalystID, State, Urgent, LoggedAt, UpdatedAt,
	// Version, SpecialCategory and TriagePending (what masking needs), and HoldUntil (My calls says
	// until when a call is on hold); every other field is empty. (Reading 200 whole calls, their long texts and the
	// customer's snapshot, was most of the portal's My calls page.)
	Brief bool
}

// CallPage is a page of calls with how many match in all.
type CallPage struct {
	Calls []desk.Call
	Total int // -1 when not counted (NoTotal)
	// TotalExact is false when Total is the database's estimate: a full-text search matching more
	// than SearchExactLimit calls on PostgreSQL, where counting them exactly takes too long; or a
	// lower bound (TotalAtLeast): a list of more than ListCountLimit calls.
	TotalExact   bool
	TotalAtLeast bool
	// Next and Prev are the cursors (CallFilter.Cursor) of the pages after and before this one,
	// "" where there is none. A full-text search with no other filter pages by Offset only.
	Next, Prev string
}

// SearchExactLimit is how many hits a search may have and still be counted exactly on every engine.
const SearchExactLimit = 1000

// FindCalls returns a page of calls matching f and how many match in all (see FindCallsPage for
// whether that count is exact).
func (s *Store) FindCalls(ctx context.Context, f CallFilter) ([]desk.Call, int, error) {
	p, err := s.FindCallsPage(ctx, f)
	return p.Calls, p.Total, err
}

// FindCallsPage returns a page of calls matching f, how many match in all, and whether that is an
// exact count.
func (s *Store) FindCallsPage(ctx context.Context, f CallFilter) (CallPage, error) {
	if f.Cursor != "" && f.Offset != 0 {
		return CallPage{}, badCursor("cannot be given with an offset: a cursor names where its page starts")
	}
	return s.findCalls(ctx, f)
}

func (s *Store) findCalls(ctx context.Context, f CallFilter) (CallPage, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	byLevel := f.SLA != "" || f.Sort == "due"
	if levelOnly(f) {
		return s.levelList(ctx, f)
	}
	if len(f.GroupIDs) > 0 {
		col := "c.group_id"
		if byLevel {
			// call_sla keeps the group (call_sla_group_queue): a group's queue by deadline is read
			// in order from the index, not sorted from every open call of the group.
			col = "s.group_id"
		}
		add(col+" IN ("+placeholders(len(f.GroupIDs))+")", idArgs(f.GroupIDs)...)
	}
	if f.AnalystID != 0 {
		add("c.analyst_id = ?", f.AnalystID)
	}
	if f.Unassigned {
		add("c.analyst_id IS NULL")
	}
	if f.CustomerID != 0 {
		add("c.customer_id = ?", f.CustomerID)
	}
	if f.ProfileID != 0 {
		// A prefix comparison, not LIKE: profile names may hold LIKE's wildcards (Print_Queue, 100%).
		add(`c.profile_id IN (SELECT p.id FROM profiles p, profiles r WHERE r.id = ?
			AND (p.id = r.id OR substr(p.path, 1, length(r.path) + 3) = r.path || ' > '))`, f.ProfileID)
	}
	from := ` FROM calls c`
	switch f.SLA {
	case "", "at_risk", "breached":
	default:
		return CallPage{}, desk.Invalid("the filter is not valid", map[string]string{"sla": "must be at_risk or breached"})
	}
	if byLevel {
		// Only live calls have a queue key: the order of a queue by deadline (sla_calls.go). A
		// list by level or a group's queue is read from call_sla's indexes: calls is joined to the
		// left (every row of call_sla has its call), so a count that asks nothing of calls does not
		// read it at all. A list narrowed by what only calls knows (an analyst's, a customer's) is
		// left to the planner, which may start from calls.
		from = ` FROM call_sla s LEFT JOIN calls c ON c.id = s.call_id`
		if f.AnalystID != 0 || f.Unassigned || f.CustomerID != 0 || f.ProfileID != 0 || strings.TrimSpace(f.Text) != "" {
			from = ` FROM calls c JOIN call_sla s ON s.call_id = c.id`
		}
		add("s.queue_key IS NOT NULL")
		now := s.now().UnixMicro()
		switch f.SLA {
		case "at_risk":
			// The band narrows the rows to read (call_sla_band); the instants decide.
			add("s.band IN ('ok', 'at_risk') AND s.risk_at <= ? AND s.queue_key > ?", now, now)
		case "breached":
			add("s.queue_key <= ?", now)
		}
		if f.Sort == "" {
			f.Sort = "due"
		}
	}
	open := f.OpenOnly
	if len(f.Conditions) > 0 {
		var states []any
		allOpen := true
		for _, cond := range f.Conditions {
			for _, st := range cond.States() {
				states = append(states, string(st))
				allOpen = allOpen && st.Open()
			}
		}
		if len(states) == 0 {
			return CallPage{}, desk.Invalid("the filter is not valid", map[string]string{"condition": "must be unassigned, pending, on_hold, off_hold, resolved, closed or cancelled"})
		}
		add("c.state IN ("+placeholders(len(states))+")", states...)
		open = open || allOpen
	}
	if open {
		add(openCond)
	}
	if f.Unfinished {
		add("c.state NOT IN ('closed', 'cancelled')") // as written in the index calls_customer_unfinished
	}
	if f.Finished {
		add("c.state IN ('closed', 'cancelled')")
	}
	if f.Priority != 0 {
		add("c.priority = ?", int(f.Priority))
	}
	if !f.From.IsZero() {
		add("c.logged_at >= ?", f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		add("c.logged_at < ?", f.To.UnixMicro())
	}
	text := ""
	if strings.TrimSpace(f.Text) != "" {
		terms := SearchTerms(f.Text)
		if len(terms) == 0 {
			return CallPage{TotalExact: true}, nil
		}
		q, err := s.searchQuery(ctx, terms, f.Reader)
		if err != nil {
			return CallPage{}, err
		}
		text = q.all
		if len(where) == 0 && (f.Sort == "" || f.Sort == "newest") {
			if f.Cursor != "" {
				return CallPage{}, badCursor("is not taken by a search with no other filter: its pages are numbered (offset)")
			}
			return s.searchOnly(ctx, q, f)
		}
		if q.mine == "" {
			add(s.d.searchCond(), q.all)
		} else {
			add("("+s.d.searchCond()+" OR ("+s.d.searchCond()+" AND "+mineCond+"))", q.all, q.mine, q.person, q.person)
		}
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	o := callOrder{"newest", []string{"c.logged_at", "c.id"}, true}
	if text != "" {
		// ids rise with logging time; lets the engine walk the search hits in order
		o = callOrder{"search", []string{"c.id"}, true}
	}
	switch f.Sort {
	case "", "newest":
	case "oldest":
		o = callOrder{"oldest", []string{"c.logged_at", "c.id"}, false}
	case "priority":
		o = callOrder{"priority", []string{"c.priority", "c.logged_at", "c.id"}, false}
	case "updated":
		o = callOrder{"updated", []string{"c.updated_at", "c.id"}, true}
	case "due":
		o = callOrder{"due", []string{"s.queue_key", "s.call_id"}, false}
	default:
		return CallPage{}, desk.Invalid("the filter is not valid", map[string]string{"sort": "must be newest, oldest, priority, updated or due"})
	}
	page := CallPage{Total: -1, TotalExact: true}
	if !f.NoTotal {
		// Every list counts up to a bound: an exact count reads every call of the list, and a
		// queue of 50,000 calls took most of its page's time; "more than 1,000" is all a reader
		// needs.
		order := ""
		if text == "" && !byLevel && len(f.GroupIDs) <= 1 {
			order = countOrder // a queue's calls from one end of its index, as CountQueues reads them
		}
		var err error
		if page.Total, err = s.countUpTo(ctx, `SELECT 1`+from+w+order, args, ListCountLimit+1); err != nil {
			return CallPage{}, fmt.Errorf("count calls: %w", err)
		}
		if page.Total > ListCountLimit {
			page.Total, page.TotalExact, page.TotalAtLeast = ListCountLimit, false, true
		}
	}
	err := s.keysetPage(ctx, &page, f, o, func(cols, cond, order string) string {
		w := w
		if cond != "" {
			if w == "" {
				w = " WHERE " + cond
			} else {
				w += " AND " + cond
			}
		}
		return `SELECT ` + cols + from + w + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	}, args)
	if err != nil {
		return CallPage{}, fmt.Errorf("find calls: %w", err)
	}
	return page, nil
}

// keysetPage reads the page of f in order o into p, with its cursors: query(cols, cond, order)
// is the list's SELECT of cols with the cursor's condition cond ("" for none) added to its
// conditions, sorted by order, taking a LIMIT and an OFFSET after args. One row more than the
// page is read, to know whether a page follows.
func (s *Store) keysetPage(ctx context.Context, p *CallPage, f CallFilter, o callOrder, query func(cols, cond, order string) string, args []any) error {
	limit, offset := pageOf(f.Limit, f.Offset, 25, 500)
	var cur *callCursor
	cond := ""
	if f.Cursor != "" {
		c, err := parseCursor(f.Cursor, o)
		if err != nil {
			return err
		}
		cur = &c
		var cargs []any
		cond, cargs = c.cond(o)
		args = append(args[:len(args):len(args)], cargs...)
	}
	before := cur != nil && cur.before
	out, err := s.readCalls(ctx, f.Brief, func(cols string) string { return query(cols, cond, o.sql(before)) },
		append(args[:len(args):len(args)], limit+1, offset)...)
	if err != nil {
		return err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	if before {
		slices.Reverse(out)
	}
	p.Calls = out
	if len(out) == 0 {
		return nil
	}
	keys, err := s.orderKeys(ctx, o, out[0], out[len(out)-1])
	if err != nil {
		return err
	}
	// Before the first row: a page before exists when the rows were read backwards and there were
	// more, or when they were read forwards from a cursor or an offset.
	if (before && more) || (!before && (cur != nil || offset > 0)) {
		p.Prev = callCursor{order: o.name, before: true, keys: keys[0]}.String()
	}
	if (!before && more) || before {
		p.Next = callCursor{order: o.name, keys: keys[1]}.String()
	}
	return nil
}

// dueKeysQuery reads the deadline keys (queue_key) of two calls by their ids. It has no
// "queue_key IS NOT NULL" (a NULL is skipped as it is read): that term let SQLite read the two
// rows through call_sla_queue, every live call's entry, rather than by the primary key, and it
// did, with the statistics a migration leaves on call_sla (analysed empty): some 67,000 entries
// for each page of a list by deadline on a million-call desk, read afresh while calls are logged.
const dueKeysQuery = `SELECT s.call_id, s.queue_key FROM call_sla s WHERE s.call_id IN (?, ?)`

// orderKeys are the key values in order o of the calls first and last.
func (s *Store) orderKeys(ctx context.Context, o callOrder, first, last desk.Call) ([2][]int64, error) {
	due := map[int64]int64{}
	if o.name == "due" {
		rows, err := s.query(ctx, dueKeysQuery, first.ID, last.ID)
		if err != nil {
			return [2][]int64{}, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var key sql.NullInt64
			if err := rows.Scan(&id, &key); err != nil {
				return [2][]int64{}, err
			}
			if key.Valid {
				due[id] = key.Int64
			}
		}
		if err := rows.Err(); err != nil {
			return [2][]int64{}, err
		}
	}
	return [2][]int64{keysOf(o, first, due[first.ID]), keysOf(o, last, due[last.ID])}, nil
}

// readCalls reads the calls of the query query(cols) makes with the columns to read (brief ones
// when brief) and their service levels.
func (s *Store) readCalls(ctx context.Context, brief bool, query func(cols string) string, args ...any) ([]desk.Call, error) {
	cols, scan := callCols, s.scanCall(ctx, s)
	if brief {
		cols, scan = briefCols, s.scanBriefCall(ctx, s)
	}
	rows, err := s.query(ctx, query(cols), args...)
	out, err := scanRows(rows, err, scan)
	if err != nil {
		return nil, err
	}
	return out, s.attachServiceLevels(ctx, out)
}

// countUpTo counts the rows of query (a SELECT of anything) up to limit, without parallel workers.
func (s *Store) countUpTo(ctx context.Context, query string, args []any, limit int) (int, error) {
	n := 0
	err := s.serialRow(ctx, countUpToQuery(query), append(args[:len(args):len(args)], limit), &n)
	return n, err
}

// countUpToQuery is the count countUpTo sends for query, with the limit its last argument.
func countUpToQuery(query string) string { return `SELECT COUNT(*) FROM (` + query + ` LIMIT ?) x` }

// serialRow reads the one row of query into dest without parallel workers: a bounded count reads
// at most a thousand index entries, which starting workers would only slow.
func (s *Store) serialRow(ctx context.Context, query string, args []any, dest ...any) error {
	if s.d.serialOnly() == "" {
		return s.queryRow(ctx, query, args...).Scan(dest...)
	}
	ro := &sql.TxOptions{ReadOnly: true}
	tx, err := s.read.BeginTx(ctx, ro)
	if err != nil && s.d.connLost(err) {
		s.dropIdle() // as a read outside a transaction is asked again (query)
		tx, err = s.read.BeginTx(ctx, ro)
	}
	if err != nil {
		return s.mapErr(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.d.serialOnly()); err != nil {
		return s.mapErr(err)
	}
	if err := tx.QueryRowContext(ctx, s.q(query), args...).Scan(dest...); err != nil {
		return s.mapErr(err)
	}
	return s.mapErr(tx.Commit())
}

// ListCountLimit is how far a list of calls counts, and the console's queues: beyond it the
// count is a lower bound (CallPage.TotalAtLeast), shown as "more than 1,000". Search counts have
// their own limit (SearchExactLimit).
const ListCountLimit = 1000

// SLAListCountLimit is how far a list by service level (CallFilter.SLA, or sorted by deadline)
// counts: as far as every list (ListCountLimit).
const SLAListCountLimit = ListCountLimit

// searchOnly answers a search with no other filter, newest first, from the search index alone:
// the count and the page of ids come from the index, and only the calls shown are read. Joining
// every hit back to calls first took half a second for a common word in a million calls.
func (s *Store) searchOnly(ctx context.Context, q searchQuery, f CallFilter) (CallPage, error) {
	limit, offset := pageOf(f.Limit, f.Offset, 25, 500)
	est, err := s.searchEstimateRows(ctx, q)
	if err != nil {
		return CallPage{}, err
	}
	total, exact, atLeast := -1, true, false
	var ids []int64
	if est < 0 && !f.NoTotal && offset+limit <= SearchExactLimit+1 {
		// No estimate (SQLite): the page and the count up to the bound come from one pass over
		// the index's matches, newest first, instead of one pass each.
		page, args := s.searchPageQuery(q, est, SearchExactLimit+1, 0)
		var n int
		if ids, n, err = s.searchCounted(ctx, page, args, limit, offset); err != nil {
			return CallPage{}, err
		}
		total, exact, atLeast = n, true, false
		if n > SearchExactLimit {
			total, exact, atLeast = SearchExactLimit, false, true
		}
	} else {
		if !f.NoTotal {
			if total, exact, atLeast, err = s.searchTotal(ctx, q, est); err != nil {
				return CallPage{}, err
			}
		}
		if ids, err = s.searchPageIDs(ctx, q, est, limit, offset); err != nil {
			return CallPage{}, err
		}
		// A page short of its limit is the last: the hits are counted, whatever was estimated
		// (two common words estimated at 7,202 together may have 3).
		if !f.NoTotal && !exact && len(ids) < limit && (len(ids) > 0 || offset == 0) {
			total, exact, atLeast = offset+len(ids), true, false
		}
	}
	if len(ids) == 0 {
		return CallPage{Total: total, TotalExact: exact, TotalAtLeast: atLeast}, nil
	}
	out, err := s.readCalls(ctx, f.Brief, func(cols string) string {
		return `SELECT ` + cols + ` FROM calls c WHERE c.id IN (` + placeholders(len(ids)) + `) ORDER BY c.id DESC`
	}, idArgs(ids)...)
	if err != nil {
		return CallPage{}, fmt.Errorf("search: %w", err)
	}
	return CallPage{Calls: out, Total: total, TotalExact: exact, TotalAtLeast: atLeast}, nil
}

// searchPageIDs reads the ids of the page at limit and offset of q's hits, which the engine
// estimated at est (searchEstimateRows): first the newest calls (searchWalkQuery) when that is
// how to find them, then, unless that filled the page, the search index's matches.
func (s *Store) searchPageIDs(ctx context.Context, q searchQuery, est, limit, offset int) ([]int64, error) {
	walk, args, err := s.searchWalkQuery(ctx, q, est, limit+offset)
	if err != nil {
		return nil, err
	}
	if walk != "" {
		ids, err := s.searchIDs(ctx, walk, args)
		if err != nil || len(ids) == limit+offset {
			return ids[min(offset, len(ids)):], err
		}
	}
	page, args := s.searchPageQuery(q, est, limit, offset)
	return s.searchIDs(ctx, page, args)
}

// searchWalkQuery is the query of the first n hits of q among the newest searchWalkRows calls
// and its arguments, or "" when the page is to come from the index's matches alone. An engine
// estimates the hits of several words as if the words came independently, and words that come
// together (laptop screen) have many times the hits it estimates: at a million calls on
// PostgreSQL "laptop & screen" was estimated at 2,554 hits and had 16,356, and reading them all
// from the index for the page took 165 ms, where walking the newest calls found the page among
// 1,544 of them in 2.5 ms. So when several words are estimated few together but each is common,
// the newest calls are walked first, as far as searchWalkRows (about 20 ms when the words never
// meet, and the index's matches are read after). When one word is rare, the hits are at most its
// own: the index's matches are few, whatever the estimate.
func (s *Store) searchWalkQuery(ctx context.Context, q searchQuery, est, n int) (string, []any, error) {
	if len(q.words) < 2 || est < 0 || est > searchFewRows || n > searchWalkRows {
		return "", nil, nil
	}
	walk := s.d.searchWalk(q.mine != "")
	if walk == "" {
		return "", nil, nil
	}
	for _, w := range q.words {
		e, err := s.searchEstimateOf(ctx, s.d.searchArg([]string{w}))
		if err != nil || (e >= 0 && e <= searchFewRows) {
			return "", nil, err
		}
	}
	if q.mine != "" {
		return walk, []any{searchWalkRows, q.all, q.mine, q.person, q.person, n}, nil
	}
	return walk, []any{searchWalkRows, q.all, n}, nil
}

// searchWalkRows is the most calls searchWalkQuery walks.
const searchWalkRows = 20000

// searchIDs reads the ids of a page of a search's hits (searchPageQuery).
func (s *Store) searchIDs(ctx context.Context, page string, args []any) ([]int64, error) {
	rows, err := s.query(ctx, page, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return ids, nil
}

// searchCounted reads the page at limit and offset of the hits that hits (a searchPageQuery of
// the first SearchExactLimit+1 hits, newest first) lists, and how many it lists: one pass over
// the index's matches for both. A page past the last hit has no row to carry the count, which is
// then asked on its own.
func (s *Store) searchCounted(ctx context.Context, hits string, args []any, limit, offset int) ([]int64, int, error) {
	rows, err := s.query(ctx, searchCountedQuery(hits), append(args[:len(args):len(args)], limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var ids []int64
	n := -1
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, 0, fmt.Errorf("search: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	if n < 0 {
		if err := s.serialRow(ctx, `SELECT COUNT(*) FROM (`+hits+`) x`, args, &n); err != nil {
			return nil, 0, fmt.Errorf("count search hits: %w", err)
		}
	}
	return ids, n, nil
}

// searchCountedQuery pages hits (with its own LIMIT) and counts them in one statement: the hits
// are read once, into the CTE, and the page and the count both read that.
func searchCountedQuery(hits string) string {
	return `WITH h(id) AS MATERIALIZED (` + hits + `) SELECT id, (SELECT COUNT(*) FROM h) FROM h ORDER BY id DESC LIMIT ? OFFSET ?`
}

// searchTotal counts a search's hits (issue 22 point 3: its cost must not grow with them). Where
// the engine can estimate (PostgreSQL) and the estimate is above SearchExactLimit, it returns the
// estimate, not exact. Otherwise it counts, up to SearchExactLimit: beyond that the count is a
// lower bound (atLeast, "more than 1,000"), as every list's is. Counting a common word's 100,000
// postings took 91% of a search's time on SQLite.
// For a reader who reads some special-category calls only, the estimate is that of the hits
// every call shows them (the special-category hits of their own groups are few).
// est is the engine's estimate of the hits (searchEstimateRows).
func (s *Store) searchTotal(ctx context.Context, sq searchQuery, est int) (n int, exact, atLeast bool, err error) {
	if est > SearchExactLimit {
		return est, false, false, nil
	}
	hits, args := s.d.searchHits(), []any{sq.all}
	if sq.mine != "" {
		hits, args = s.d.searchMineHits(), []any{sq.all, sq.mine, sq.person, sq.person}
	}
	if n, err = s.countUpTo(ctx, hits, args, SearchExactLimit+1); err != nil {
		return 0, false, false, fmt.Errorf("count search hits: %w", err)
	}
	if n > SearchExactLimit {
		return SearchExactLimit, false, true, nil
	}
	return n, true, false, nil
}

// searchPageQuery is the query of a page of the ids of sq's hits, and its arguments, for a search
// the engine estimated est hits for (searchEstimateRows).
func (s *Store) searchPageQuery(sq searchQuery, est, limit, offset int) (string, []any) {
	few := est >= 0 && est <= searchFewRows
	if sq.mine != "" {
		return s.d.searchMinePage(few), []any{sq.all, sq.mine, sq.person, sq.person, limit, offset}
	}
	return s.d.searchPage(few), []any{sq.all, limit, offset}
}

// searchFewRows is the most hits the engine may estimate for a search to be paged from its
// index's matches (searchPage's few) rather than by walking the calls newest first: a walk that
// meets a hit every 100 calls or more often finds a page at once; below that, it may filter the
// whole table.
const searchFewRows = 10000

// searchEstimateRows is the engine's estimate of the hits of sq's search for every part (-1
// where the engine gives none, or its plan could not be read).
func (s *Store) searchEstimateRows(ctx context.Context, sq searchQuery) (int, error) {
	return s.searchEstimateOf(ctx, sq.all)
}

// searchEstimateOf is the engine's estimate of the hits of the search argument arg (-1 where the
// engine gives none, or its plan could not be read).
func (s *Store) searchEstimateOf(ctx context.Context, arg string) (int, error) {
	q := s.d.searchEstimate()
	if q == "" {
		return -1, nil
	}
	var plan string
	if err := s.queryRow(ctx, q, arg).Scan(&plan); err != nil {
		return 0, fmt.Errorf("estimate search hits: %w", err)
	}
	var p []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &p); err != nil || len(p) != 1 {
		return -1, nil
	}
	return int(p[0].Plan.Rows), nil
}

func idArgs(ids []int64) []any {
	a := make([]any, len(ids))
	for i, id := range ids {
		a[i] = id
	}
	return a
}

// SearchTerms splits a search box's text into lower-case words of letters and digits, the same
// way both engines' indexes split the text (at most 8 words).
func SearchTerms(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > 8 {
		words = words[:8]
	}
	return words
}

// ReleaseHolds takes every call whose hold time has passed by now off hold, flagged urgent, and
// returns their references. Driven by the injected clock.
func (s *Store) ReleaseHolds(ctx context.Context, limit int) ([]string, error) {
	return s.sweep(ctx, `SELECT c.number, c.kind, c.version FROM calls c WHERE c.state = 'on_hold' AND c.hold_until <= ?`+notRestricted+` ORDER BY c.hold_until LIMIT ?`,
		s.Now().UnixMicro(), limit, desk.System("hold timer"), desk.Transition{Action: desk.ActOffHold})
}

// AutoClose closes calls resolved for longer than after (the customer did not answer), and returns
// their references.
func (s *Store) AutoClose(ctx context.Context, after time.Duration, limit int) ([]string, error) {
	return s.sweep(ctx, `SELECT c.number, c.kind, c.version FROM calls c WHERE c.state = 'resolved' AND c.resolved_at <= ?`+notRestricted+` ORDER BY c.resolved_at LIMIT ?`,
		s.Now().Add(-after).UnixMicro(), limit, desk.System("auto-close"),
		desk.Transition{Action: desk.ActClose, Reason: fmt.Sprintf("closed automatically %s after resolution", humanDays(after))})
}

func humanDays(d time.Duration) string {
	days := int(d.Hours() / 24)
	if days == 1 {
		return "1 day"
	}
	if days >= 1 {
		return fmt.Sprintf("%d days", days)
	}
	return d.String()
}

func (s *Store) sweep(ctx context.Context, query string, cutoff int64, limit int, actor desk.Actor, tr desk.Transition) ([]string, error) {
	rows, err := s.query(ctx, query, cutoff, limit)
	if err != nil {
		return nil, err
	}
	type found struct {
		ref     string
		version int64
	}
	var calls []found
	for rows.Next() {
		var n, v int64
		var k string
		if err := rows.Scan(&n, &k, &v); err != nil {
			rows.Close()
			return nil, err
		}
		calls = append(calls, found{desk.Reference(desk.CallKind(k), n), v})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var done []string
	for _, c := range calls {
		// Another instance or an analyst may have changed the call since it was read (reopened
		// and resolved again, say): the version check skips it, and the next sweep looks again.
		if _, err := s.UpdateCall(ctx, actor, c.ref, c.version, tr); err != nil {
			if code := desk.ErrorCode(err); code == desk.EINVALID || code == desk.ECONFLICT {
				continue
			}
			return done, err
		}
		done = append(done, c.ref)
	}
	return done, nil
}
