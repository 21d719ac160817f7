package store

import (
	"context"
	"database/sql"
	"time"
)

// AuditHead is the newest link of the audit chain as the sealer recorded it under the audit key
// (issue 20 point 6): its position, its hash, the HMAC of both under the key, and when.
type AuditHead struct {
	Seq  int64
	Hash string
	MAC  string
	At   time.Time
}

// KeyAuditHead records the chain's newest link as its keyed head, mac computing the HMAC of a
// link, unless the head recorded already is that link or a later one (another instance's sealer
// may have gone further meanwhile). It runs under the seal lock, so the head names a link the
// chain holds. It returns the head as it stands afterwards; found is false while the chain is
// empty.
func (s *Store) KeyAuditHead(ctx context.Context, mac func(seq int64, hash string) string) (head AuditHead, found bool, err error) {
	err = s.inTx(ctx, func(t *Tx) error {
		if err := s.d.lock(ctx, t, lockSeal); err != nil {
			return err
		}
		var seq int64
		var hash string
		err := t.queryRow(ctx, `SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
		if err == sql.ErrNoRows {
			err = t.queryRow(ctx, `SELECT seq, hash FROM audit_anchor WHERE id = 1`).Scan(&seq, &hash)
		}
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		cur, ok, err := auditHead(ctx, t.queryRow)
		if err != nil {
			return err
		}
		if ok && cur.Seq >= seq {
			head, found = cur, true
			return nil
		}
		head, found = AuditHead{Seq: seq, Hash: hash, MAC: mac(seq, hash), At: t.Now}, true
		_, err = t.exec(ctx, `INSERT INTO audit_head (id, seq, hash, mac, at) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac, at = excluded.at`,
			head.Seq, head.Hash, head.MAC, head.At.UnixMicro())
		return err
	})
	return head, found, err
}

// AuditHeadNow returns the keyed head as recorded; found is false when none is.
func (s *Store) AuditHeadNow(ctx context.Context) (AuditHead, bool, error) {
	return auditHead(ctx, s.queryRow)
}

func auditHead(ctx context.Context, queryRow func(context.Context, string, ...any) row) (AuditHead, bool, error) {
	var h AuditHead
	var at int64
	err := queryRow(ctx, `SELECT seq, hash, mac, at FROM audit_head WHERE id = 1`).Scan(&h.Seq, &h.Hash, &h.MAC, &at)
	if err == sql.ErrNoRows {
		return h, false, nil
	}
	if err != nil {
		return h, false, err
	}
	h.At = time.UnixMicro(at).UTC()
	return h, true, nil
}

// AuditLinkHash returns the hash of chain link seq, found false when the chain does not hold it:
// the link after the end of the chain, or deleted by the retention sweep (but the sweep's anchor,
// the last link it deleted, is still known). end is the newest link the chain holds (the anchor's
// when the sweep deleted every link), 0 when there is none.
func (s *Store) AuditLinkHash(ctx context.Context, seq int64) (hash string, found bool, end int64, err error) {
	var aseq sql.NullInt64
	var ahash sql.NullString
	if err := s.queryRow(ctx, `SELECT seq, hash FROM audit_anchor WHERE id = 1`).Scan(&aseq, &ahash); err != nil && err != sql.ErrNoRows {
		return "", false, 0, err
	}
	var last sql.NullInt64
	if err := s.queryRow(ctx, `SELECT MAX(seq) FROM audit_chain`).Scan(&last); err != nil {
		return "", false, 0, err
	}
	end = max(last.Int64, aseq.Int64)
	if aseq.Valid && seq == aseq.Int64 {
		return ahash.String, true, end, nil
	}
	err = s.queryRow(ctx, `SELECT hash FROM audit_chain WHERE seq = ?`, seq).Scan(&hash)
	if err == sql.ErrNoRows {
		return "", false, end, nil
	}
	return hash, err == nil, end, err
}
