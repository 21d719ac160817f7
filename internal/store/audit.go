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

// audit appends one audit record in the transaction t, so the record commits or rolls back with
// the change it describes (P2).
func (t *Tx) audit(ctx context.Context, actor desk.Actor, action, objectType string, objectID any, persons []int64, detail string) error {
	if objectType == "call" {
		// Every change of a call is also an event for the notifier, in the same transaction.
		if err := t.callEvent(ctx, fmt.Sprint(objectID), action, actor.PersonID); err != nil {
			return err
		}
	}
	return t.appendAudit(ctx, desk.AuditRecord{At: t.Now, ActorID: actor.PersonID, Actor: actorName(actor), Action: action,
		ObjectType: objectType, ObjectID: fmt.Sprint(objectID), Persons: persons, ClientAddr: actor.Addr,
		Reason: actor.Reason, Detail: detail, Surface: actor.Surface})
}

func actorName(a desk.Actor) string {
	if a.Name == "" {
		return "unknown"
	}
	return a.Name
}

func (t *Tx) appendAudit(ctx context.Context, r desk.AuditRecord) error {
	if _, err := t.s.d.appendAudit(ctx, t, r, joinIDs(uniqueIDs(r.Persons))); err != nil {
		return fmt.Errorf("audit %s: %w", r.Action, err)
	}
	return nil
}

// AppendAudit writes records in one transaction: used for batched records of reads, which change
// nothing else. Records without a time get the store's clock.
func (s *Store) AppendAudit(ctx context.Context, records []desk.AuditRecord) error {
	if len(records) == 0 {
		return nil
	}
	return s.inTx(ctx, func(t *Tx) error {
		for _, r := range records {
			if r.At.IsZero() {
				r.At = t.Now
			}
			if err := t.appendAudit(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

func uniqueIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	w := 0
	for i, id := range out {
		if i == 0 || id != out[w-1] {
			out[w] = id
			w++
		}
	}
	return out[:w]
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func splitIDs(s string) []int64 {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]int64, 0, len(parts))
	for _, p := range parts {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

const auditCols = `a.id, a.at, a.actor_id, a.actor, a.action, a.object_type, a.object_id, a.persons, a.client_addr, a.reason, a.detail,
	a.redacted_digest, a.redacted_by, a.surface`

func scanAudit(r scanner, extra ...any) (desk.AuditRecord, error) {
	var a desk.AuditRecord
	var at int64
	var actor sql.NullInt64
	var persons string
	var by sql.NullInt64
	dest := append([]any{&a.ID, &at, &actor, &a.Actor, &a.Action, &a.ObjectType, &a.ObjectID, &persons, &a.ClientAddr, &a.Reason, &a.Detail,
		&a.RedactedDigest, &by, &a.Surface}, extra...)
	err := r.Scan(dest...)
	a.At, a.ActorID, a.Persons, a.RedactedBy = time.UnixMicro(at).UTC(), actor.Int64, splitIDs(persons), by.Int64
	return a, err
}

// AuditFilter selects audit records.
type AuditFilter struct {
	PersonID   int64  // records concerning this person ("who has seen my data")
	ObjectType string // with ObjectID: records about one object
	ObjectID   string
	Limit      int
	Offset     int
}

// FindAudit returns audit records, newest first, and how many match.
func (s *Store) FindAudit(ctx context.Context, f AuditFilter) ([]desk.AuditRecord, int, error) {
	var where []string
	var args []any
	if f.PersonID != 0 {
		where = append(where, "a.id IN (SELECT audit_id FROM audit_persons WHERE person_id = ?)")
		args = append(args, f.PersonID)
	}
	if f.ObjectType != "" {
		where = append(where, "a.object_type = ? AND a.object_id = ?")
		args = append(args, f.ObjectType, f.ObjectID)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM audit_log a`+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit, offset := pageOf(f.Limit, f.Offset, 50, 1000)
	rows, err := s.query(ctx, `SELECT `+auditCols+` FROM audit_log a`+w+` ORDER BY a.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []desk.AuditRecord
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// SealAudit links up to limit pending records into the hash chain, in the order they became
// visible (their id order among what is pending), and returns how many it sealed. hash computes a
// record's link from the previous hash. One sealer runs at a time, even across instances, so the
// chain never forks; writers never wait for it.
func (s *Store) SealAudit(ctx context.Context, limit int, hash func(prev string, r desk.AuditRecord) string) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *Tx) error {
		n = 0 // the transaction may be run again
		if err := s.d.lock(ctx, t, lockSeal); err != nil {
			return err
		}
		var seq int64
		prev := ""
		err := t.queryRow(ctx, `SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err == sql.ErrNoRows {
			// The retention sweep may have deleted every sealed link: the chain goes on from its
			// anchor, not from 1 again (which verify, starting after the anchor, would never read).
			err = t.queryRow(ctx, `SELECT seq, hash FROM audit_anchor WHERE id = 1`).Scan(&seq, &prev)
		}
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		// The queue drives the query: CROSS JOIN keeps audit_pending as the outer loop on SQLite
		// (PostgreSQL treats it as a plain join). Any other shape let SQLite walk the whole audit
		// log in id order on every seal.
		rows, err := t.query(ctx, `SELECT `+auditCols+` FROM audit_pending p CROSS JOIN audit_log a
			WHERE a.id = p.audit_id ORDER BY p.audit_id LIMIT ?`, limit)
		if err != nil {
			return err
		}
		var recs []desk.AuditRecord
		for rows.Next() {
			a, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return err
			}
			recs = append(recs, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// The links go in with multi-row INSERTs and the queue's entries out with one DELETE per
		// chunk, not two statements a record (on PostgreSQL each a round trip; on SQLite each
		// the writer's time). Chunks are powers of two, so only a few statement texts are cached.
		now := t.Now.UnixMicro()
		for len(recs) > 0 {
			chunk := sealChunk(len(recs))
			args := make([]any, 0, 5*chunk)
			ids := make([]any, chunk)
			for i, r := range recs[:chunk] {
				seq++
				h := hash(prev, r)
				args = append(args, seq, r.ID, prev, h, now)
				ids[i] = r.ID
				prev = h
			}
			if _, err := t.exec(ctx, `INSERT INTO audit_chain (seq, audit_id, prev_hash, hash, sealed_at, v) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, 2), ", chunk), ", "), args...); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `DELETE FROM audit_pending WHERE audit_id IN (`+placeholders(chunk)+`)`, ids...); err != nil {
				return err
			}
			n += chunk
			recs = recs[chunk:]
		}
		return nil
	})
	if err != nil {
		n = 0
	}
	return n, err
}

// sealChunk is how many of n records one sealing statement links: the largest power of two up to
// n, at most 256.
func sealChunk(n int) int {
	c := 1
	for c*2 <= n && c < 256 {
		c *= 2
	}
	return c
}

// ChainLink is one link of the chain as stored, with its record when the record still exists.
type ChainLink struct {
	desk.Seal
	Record  desk.AuditRecord
	Missing bool // the chain names a record that audit_log no longer holds
	// For a redacted record: the action and object of the record its RedactedBy names ("" when
	// there is no such record), so verify can check that an erasure of one of its people did it.
	RedactedByAction, RedactedByObject string
	// Rewrites is the record's list of the erasures that rewrote it (audit_log.rewrites, in the
	// form desk.RewriteEntry makes), "" when none did since migration 0032.
	Rewrites string
	// Linked are the people audit_persons links the record to ("who has seen my data" reads
	// them), sorted: they must be the record's Persons, which its hash covers.
	Linked []int64
}

// AuditChain returns up to limit links with seq > after, in order.
func (s *Store) AuditChain(ctx context.Context, after int64, limit int) ([]ChainLink, error) {
	rows, err := s.query(ctx, `SELECT c.seq, c.audit_id, c.prev_hash, c.hash, c.sealed_at, c.v,
		a.id, a.at, a.actor_id, a.actor, a.action, a.object_type, a.object_id, a.persons, a.client_addr, a.reason, a.detail,
		a.redacted_digest, a.redacted_by, e.action, e.object_id, a.surface, a.rewrites
		FROM audit_chain c LEFT JOIN audit_log a ON a.id = c.audit_id LEFT JOIN audit_log e ON e.id = a.redacted_by
		WHERE c.seq > ? ORDER BY c.seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ChainLink
	for rows.Next() {
		var l ChainLink
		var sealed int64
		var id, at, actor, by sql.NullInt64
		var actorName, action, ot, oid, persons, addr, reason, detail, digest, byAction, byObject, surface, rewrites sql.NullString
		if err := rows.Scan(&l.Seq, &l.AuditID, &l.PrevHash, &l.Hash, &sealed, &l.Version,
			&id, &at, &actor, &actorName, &action, &ot, &oid, &persons, &addr, &reason, &detail,
			&digest, &by, &byAction, &byObject, &surface, &rewrites); err != nil {
			return nil, err
		}
		l.SealedAt = time.UnixMicro(sealed).UTC()
		if !id.Valid {
			l.Missing = true
		} else {
			l.Record = desk.AuditRecord{ID: id.Int64, At: time.UnixMicro(at.Int64).UTC(), ActorID: actor.Int64, Actor: actorName.String,
				Action: action.String, ObjectType: ot.String, ObjectID: oid.String, Persons: splitIDs(persons.String),
				ClientAddr: addr.String, Reason: reason.String, Detail: detail.String,
				RedactedDigest: digest.String, RedactedBy: by.Int64, Surface: desk.Surface(surface.String)}
			l.RedactedByAction, l.RedactedByObject, l.Rewrites = byAction.String, byObject.String, rewrites.String
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.linkPersons(ctx, out)
}

// linkPersons fills the Linked people of a page of links from audit_persons, in one query over
// the range of their record ids (the links of a page are sealed in about id order).
func (s *Store) linkPersons(ctx context.Context, links []ChainLink) error {
	if len(links) == 0 {
		return nil
	}
	at := make(map[int64]int, len(links))
	lo, hi := links[0].AuditID, links[0].AuditID
	for i, l := range links {
		at[l.AuditID] = i
		lo, hi = min(lo, l.AuditID), max(hi, l.AuditID)
	}
	rows, err := s.query(ctx, `SELECT audit_id, person_id FROM audit_persons WHERE audit_id >= ? AND audit_id <= ?`, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, person int64
		if err := rows.Scan(&id, &person); err != nil {
			return err
		}
		if i, ok := at[id]; ok {
			links[i].Linked = append(links[i].Linked, person)
		}
	}
	for i := range links {
		slices.Sort(links[i].Linked)
	}
	return rows.Err()
}

// UnchainedAudit returns the ids of up to limit records that are neither sealed nor waiting to be:
// rows that reached audit_log by some path other than calldesk's.
func (s *Store) UnchainedAudit(ctx context.Context, limit int) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT a.id FROM audit_log a
		WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id)
		  AND NOT EXISTS (SELECT 1 FROM audit_pending p WHERE p.audit_id = a.id)
		ORDER BY a.id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PendingAudit counts records waiting to be sealed.
func (s *Store) PendingAudit(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM audit_pending`).Scan(&n)
	return n, err
}

// AuditPendingRecord says whether audit record id is waiting to be sealed.
func (s *Store) AuditPendingRecord(ctx context.Context, id int64) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM audit_pending WHERE audit_id = ?`, id).Scan(&n)
	return n > 0, err
}
