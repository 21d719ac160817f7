package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// Grant is a supplier's time-boxed access (issue 20 item 1, S14): requested by an administrator
// for a supplier person's account, approved or refused by another person (the DPO); while
// approved and within StartsAt..EndsAt, the account may read what Scope opens.
type Grant struct {
	ID        int64
	AccountID int64
	Login     string // the supplier's login
	PersonID  int64  // the supplier's person
	Processor string // the supplier firm, as named when the grant was asked for
	// ProcessorID is the firm in the DPO's register of processors (0: a grant asked for before
	// grants named one).
	ProcessorID int64
	Reason      string
	Scope       string
	CallRefs    []string // for GrantNamed: the calls it opens
	Hours       int
	State       string
	// RequestedBy and DecidedBy are people; Refusal says why a refused grant was refused.
	RequestedBy, DecidedBy      int64
	RequestedAt, DecidedAt      time.Time
	Refusal                     string
	StartsAt, EndsAt, SummaryAt time.Time
}

// Grant scopes and states.
const (
	GrantConfig = "config" // read the configuration only
	GrantCalls  = "calls"  // read calls and people, special-category text masked
	GrantNamed  = "named"  // read only the calls named

	GrantRequested = "requested"
	GrantApproved  = "approved"
	GrantRefused   = "refused"
	GrantEnded     = "ended"
)

// Words is how "who has seen my data" and the audit trail name access under the grant.
func (g Grant) Words() string {
	return fmt.Sprintf("supplier, under grant %d, for reason %s", g.ID, g.Reason)
}

// Live reports whether the grant opens access at now.
func (g Grant) Live(now time.Time) bool {
	return g.State == GrantApproved && !now.Before(g.StartsAt) && now.Before(g.EndsAt)
}

const grantCols = `g.id, g.account_id, a.login, a.person_id, g.processor, COALESCE(g.processor_id, 0), g.reason, g.scope, g.call_refs, g.hours, g.state,
	g.requested_by, g.requested_at, g.decided_by, g.decided_at, g.refusal, g.starts_at, g.ends_at, g.summary_at`

const grantFrom = ` FROM supplier_grants g JOIN accounts a ON a.id = g.account_id`

func scanGrant(r scanner) (Grant, error) {
	var g Grant
	var refs string
	var requested int64
	var decidedBy, decided, starts, ends, summary sql.NullInt64
	if err := r.Scan(&g.ID, &g.AccountID, &g.Login, &g.PersonID, &g.Processor, &g.ProcessorID, &g.Reason, &g.Scope, &refs, &g.Hours, &g.State,
		&g.RequestedBy, &requested, &decidedBy, &decided, &g.Refusal, &starts, &ends, &summary); err != nil {
		return g, err
	}
	g.CallRefs = strings.Fields(refs)
	g.RequestedAt = time.UnixMicro(requested).UTC()
	g.DecidedBy = decidedBy.Int64
	at := func(n sql.NullInt64) time.Time {
		if !n.Valid {
			return time.Time{}
		}
		return time.UnixMicro(n.Int64).UTC()
	}
	g.DecidedAt, g.StartsAt, g.EndsAt, g.SummaryAt = at(decided), at(starts), at(ends), at(summary)
	return g, nil
}

// RequestGrant records an administrator's request (actor) for supplier access; its fields are
// checked by the caller (access.Grants).
func (s *Store) RequestGrant(ctx context.Context, actor desk.Actor, g Grant) (Grant, error) {
	var id int64
	err := s.inTx(ctx, func(t *Tx) error {
		personID, err := t.accountPerson(ctx, g.AccountID)
		if err != nil {
			return err
		}
		// The firm as the register names it now, from a processor still under contract.
		var ended sql.NullInt64
		err = t.queryRow(ctx, `SELECT name, ended_at FROM processors WHERE id = ?`, g.ProcessorID).Scan(&g.Processor, &ended)
		if err == sql.ErrNoRows || ended.Valid {
			return desk.Invalid("the request was not made: correct what is marked",
				map[string]string{"processor": "is not a supplier under contract in the register of processors: the DPO records the firm there first"})
		} else if err != nil {
			return err
		}
		if err := t.queryRow(ctx, `INSERT INTO supplier_grants (account_id, processor, processor_id, reason, scope, call_refs, hours, state, requested_by, requested_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, g.AccountID, g.Processor, g.ProcessorID, g.Reason, g.Scope, strings.Join(g.CallRefs, " "), g.Hours,
			GrantRequested, actor.PersonID, t.Now.UnixMicro()).Scan(&id); err != nil {
			return t.s.mapErr(err)
		}
		return t.audit(ctx, actor, "grant.request", "grant", id, []int64{personID},
			fmt.Sprintf("asked for supplier access for %s (%s), %s, for %d hours: %s", g.Processor, g.Scope, strings.Join(g.CallRefs, " "), g.Hours, g.Reason))
	})
	if err != nil {
		return Grant{}, err
	}
	return s.FindGrant(ctx, id)
}

// FindGrant returns the grant, or ENOTFOUND.
func (s *Store) FindGrant(ctx context.Context, id int64) (Grant, error) {
	g, err := scanGrant(s.queryRow(ctx, `SELECT `+grantCols+grantFrom+` WHERE g.id = ?`, id))
	if err == sql.ErrNoRows {
		return g, notFound("no supplier grant %d", id)
	}
	return g, err
}

// ProcessorGrants lists the grants given to processor's people, newest first (at most 200): the
// access the register shows beside the processor's contract.
func (s *Store) ProcessorGrants(ctx context.Context, processor int64) ([]Grant, error) {
	return s.grants(ctx, ` WHERE g.processor_id = ?`, processor)
}

// Grants lists the grants, newest first (at most 200).
func (s *Store) Grants(ctx context.Context) ([]Grant, error) {
	return s.grants(ctx, "")
}

func (s *Store) grants(ctx context.Context, where string, args ...any) ([]Grant, error) {
	rows, err := s.query(ctx, `SELECT `+grantCols+grantFrom+where+` ORDER BY g.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// LiveGrant returns the account's grant approved and within its window at now, or ENOTFOUND.
func (s *Store) LiveGrant(ctx context.Context, accountID int64, now time.Time) (Grant, error) {
	g, err := scanGrant(s.queryRow(ctx, `SELECT `+grantCols+grantFrom+` WHERE g.account_id = ? AND g.state = ? AND g.starts_at <= ? AND g.ends_at > ?
		ORDER BY g.ends_at DESC LIMIT 1`, accountID, GrantApproved, now.UnixMicro(), now.UnixMicro()))
	if err == sql.ErrNoRows {
		return g, desk.Errorf(desk.EFORBIDDEN, "no supplier grant is open for this account now: supplier access opens only while a grant the DPO approved runs")
	}
	return g, err
}

// DecideGrant approves (the window starts now, for the grant's hours) or refuses (refusal says
// why) a requested grant. Two people: the one who asked, and the supplier, may not decide it
// (EFORBIDDEN); a grant already decided is ECONFLICT.
func (s *Store) DecideGrant(ctx context.Context, actor desk.Actor, id int64, approve bool, refusal string) (Grant, error) {
	err := s.inTx(ctx, func(t *Tx) error {
		g, err := scanGrant(t.queryRow(ctx, `SELECT `+grantCols+grantFrom+` WHERE g.id = ?`, id))
		if err == sql.ErrNoRows {
			return notFound("no supplier grant %d", id)
		} else if err != nil {
			return err
		}
		if g.State != GrantRequested {
			return desk.Errorf(desk.ECONFLICT, "supplier grant %d has been decided already (%s)", id, g.State)
		}
		if actor.PersonID == g.RequestedBy || actor.PersonID == g.PersonID {
			return desk.Errorf(desk.EFORBIDDEN, "supplier access needs two people: the one who asked for grant %d (or its supplier) cannot decide it", id)
		}
		if approve {
			ends := t.Now.Add(time.Duration(g.Hours) * time.Hour)
			if _, err := t.exec(ctx, `UPDATE supplier_grants SET state = ?, decided_by = ?, decided_at = ?, starts_at = ?, ends_at = ? WHERE id = ?`,
				GrantApproved, actor.PersonID, t.Now.UnixMicro(), t.Now.UnixMicro(), ends.UnixMicro(), id); err != nil {
				return err
			}
			return t.audit(ctx, actor, "grant.approve", "grant", id, []int64{g.PersonID},
				fmt.Sprintf("approved supplier grant %d for %s until %s", id, g.Login, ends.Format(time.RFC3339)))
		}
		if strings.TrimSpace(refusal) == "" {
			return desk.Errorf(desk.EINVALID, "say why the grant is refused")
		}
		if _, err := t.exec(ctx, `UPDATE supplier_grants SET state = ?, decided_by = ?, decided_at = ?, refusal = ? WHERE id = ?`,
			GrantRefused, actor.PersonID, t.Now.UnixMicro(), refusal, id); err != nil {
			return err
		}
		return t.audit(ctx, actor, "grant.refuse", "grant", id, []int64{g.PersonID}, fmt.Sprintf("refused supplier grant %d: %s", id, refusal))
	})
	if err != nil {
		return Grant{}, err
	}
	return s.FindGrant(ctx, id)
}

// GrantRead is one audit record made under a grant: what the supplier saw or did.
type GrantRead struct {
	At      time.Time
	Action  string
	Object  string
	Persons int
}

// EndGrants winds up the approved grants whose window ended by now: each becomes ended, its
// account's sessions end, and the summary of what was read under it (the audit records whose
// reason is the grant's words) is returned, for the DPO.
//
// summary, when not nil, makes the DPO's summary mail of each grant from its reads, addressed to
// to (the active DPOs' addresses); it is queued in the same transaction.
func (s *Store) EndGrants(ctx context.Context, now time.Time, summary func(g Grant, reads []GrantRead, to []string) []desk.OutMail) (map[int64][]GrantRead, []Grant, error) {
	rows, err := s.query(ctx, `SELECT `+grantCols+grantFrom+` WHERE g.state = ? AND g.ends_at <= ?`, GrantApproved, now.UnixMicro())
	if err != nil {
		return nil, nil, err
	}
	var due []Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			rows.Close()
			return nil, nil, err
		}
		due = append(due, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	reads := map[int64][]GrantRead{}
	var ended []Grant
	for _, g := range due {
		err := s.inTx(ctx, func(t *Tx) error {
			res, err := t.exec(ctx, `UPDATE supplier_grants SET state = ?, summary_at = ? WHERE id = ? AND state = ?`, GrantEnded, t.Now.UnixMicro(), g.ID, GrantApproved)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another instance wound it up
			}
			if _, err := t.exec(ctx, `DELETE FROM sessions WHERE account_id = ?`, g.AccountID); err != nil {
				return err
			}
			rs, err := t.query(ctx, `SELECT at, action, object_type, object_id, persons FROM audit_log WHERE reason = ? ORDER BY id`, g.Words())
			if err != nil {
				return err
			}
			var list []GrantRead
			for rs.Next() {
				var at int64
				var typ, obj, persons string
				if err := rs.Scan(&at, &list0(&list).Action, &typ, &obj, &persons); err != nil {
					rs.Close()
					return err
				}
				r := &list[len(list)-1]
				r.At, r.Object, r.Persons = time.UnixMicro(at).UTC(), typ+" "+obj, len(strings.Fields(strings.ReplaceAll(persons, ",", " ")))
			}
			rs.Close()
			if err := rs.Err(); err != nil {
				return err
			}
			reads[g.ID] = list
			ended = append(ended, g)
			if summary != nil {
				to, err := t.dpoAddresses(ctx)
				if err != nil {
					return err
				}
				for _, m := range summary(g, list, to) {
					if err := t.enqueueMail(ctx, m); err != nil {
						return err
					}
				}
			}
			return t.audit(ctx, desk.Actor{Name: "calldesk", Surface: desk.SurfaceCalldesk}, "grant.end", "grant", g.ID, []int64{g.PersonID},
				fmt.Sprintf("supplier grant %d ended at %s: its sessions ended; %d records were made under it", g.ID, g.EndsAt.Format(time.RFC3339), len(list)))
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return reads, ended, nil
}

// list0 appends an empty read to list and returns it, to scan into.
func list0(list *[]GrantRead) *GrantRead {
	*list = append(*list, GrantRead{})
	return &(*list)[len(*list)-1]
}
