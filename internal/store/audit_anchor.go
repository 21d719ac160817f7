package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// AnchorObjectType is the object type of the audit record a retention sweep writes when it
// deletes the oldest links of the audit chain. Its object id names the anchor the deletion left,
// in the form AnchorObjectID makes ("<seq>:<hash>"), which verify reads back: an erasure rewrites
// names in a record's detail, never its object id.
const AnchorObjectType = "audit_anchor"

// AnchorObjectID is the object id of the record of a deletion that left the chain starting after
// link seq, whose hash is hash.
func AnchorObjectID(seq int64, hash string) string { return strconv.FormatInt(seq, 10) + ":" + hash }

// anchorHash is a link hash as the sealer writes it: SHA-256 in lower-case hex.
var anchorHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParseAnchorObjectID reads an object id made by AnchorObjectID, strictly: a positive seq in
// plain decimal, a colon, and a 64-digit lower-case hex hash.
func ParseAnchorObjectID(id string) (seq int64, hash string, ok bool) {
	s, h, found := strings.Cut(id, ":")
	if !found || s == "" || s[0] == '0' || !anchorHash.MatchString(h) {
		return 0, "", false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, "", false
		}
	}
	seq, err := strconv.ParseInt(s, 10, 64)
	if err != nil || seq <= 0 {
		return 0, "", false
	}
	return seq, h, true
}

// legacyAnchorDetail is the detail of the records of audit deletions made before the anchor was
// named in the object id; read only for such records, whole and strictly.
var legacyAnchorDetail = regexp.MustCompile(`^deleted [1-9][0-9]* audit records, chain links [1-9][0-9]* to ([1-9][0-9]*) \(records [1-9][0-9]* to [1-9][0-9]*\); the chain now starts after link ([1-9][0-9]*), hash ([0-9a-f]{64})$`)

// AnchorProof is what the record of a retention sweep's deletion of audit records seals about
// the deletion (since issue 15, fix "fixaudit"), so that verify can check it was due: the period
// the audit_records rule had then, and the last link deleted (the anchor) in full, with every
// field its hash covers (the personal ones only through their digest). Verify recomputes that
// hash: a forged account of the anchor's time does not match it; and the anchor's record must be
// older than Months before the sweep record's own time.
type AnchorProof struct {
	Months     int     `json:"months"`
	Version    int     `json:"version"` // of the anchor link's formula
	Prev       string  `json:"prev"`    // the hash of the link before the anchor
	ID         int64   `json:"id"`
	At         int64   `json:"at"` // Unix microseconds
	ActorID    int64   `json:"actor_id"`
	Action     string  `json:"action"`
	ObjectType string  `json:"object_type"`
	ObjectID   string  `json:"object_id"`
	Persons    []int64 `json:"persons"`
	Digest     string  `json:"digest"` // PersonalDigest of the anchor's record
	Surface    string  `json:"surface,omitempty"`
	// Rewritten are the records an erasure rewrote that this deletion or an earlier one (whose
	// own record sealed them) deleted while the erasure's record was kept: with them, verify
	// still checks the erasure's attestation over the rewritten records that remain.
	Rewritten []RewrittenLine `json:"rewritten,omitempty"`
}

// RewrittenLine is a deleted record an erasure rewrote, as that erasure's attestation covers it
// (desk.RewriteAttestation): no personal words, only their digests.
type RewrittenLine struct {
	By         int64   `json:"by"` // the erasure's audit record
	ID         int64   `json:"id"`
	At         int64   `json:"at"`
	ActorID    int64   `json:"actor_id"`
	Action     string  `json:"action"`
	ObjectType string  `json:"object_type"`
	ObjectID   string  `json:"object_id"`
	Persons    []int64 `json:"persons"`
	Before     string  `json:"before"` // RedactedDigest
	After      string  `json:"after"`  // the digest of the words the erasure wrote
}

// Rewritten is the line as the erasure's attestation reads it.
func (l RewrittenLine) Rewritten() desk.Rewritten {
	return desk.Rewritten{Record: desk.AuditRecord{ID: l.ID, At: time.UnixMicro(l.At).UTC(), ActorID: l.ActorID, Action: l.Action,
		ObjectType: l.ObjectType, ObjectID: l.ObjectID, Persons: l.Persons, RedactedDigest: l.Before}, After: l.After}
}

// rewrittenLines are the lines the record of the deletion of prefix (the records ids) seals: the
// earlier deletion's (prev) and those of prefix, for every erasure whose record is not deleted.
func rewrittenLines(prev *AnchorProof, prefix []ChainLink, ids []int64) []RewrittenLine {
	gone := map[int64]bool{}
	for _, id := range ids {
		gone[id] = true
	}
	var out []RewrittenLine
	if prev != nil {
		out = slices.DeleteFunc(slices.Clone(prev.Rewritten), func(l RewrittenLine) bool { return gone[l.By] })
	}
	for _, l := range prefix {
		rw, _ := desk.ParseRewrites(l.Rewrites)
		r := l.Record
		for _, w := range rw {
			if !gone[w.By] {
				out = append(out, RewrittenLine{By: w.By, ID: r.ID, At: r.At.UnixMicro(), ActorID: r.ActorID, Action: r.Action,
					ObjectType: r.ObjectType, ObjectID: r.ObjectID, Persons: r.Persons, Before: r.RedactedDigest, After: w.Digest})
			}
		}
	}
	return out
}

// anchorProofMark introduces the proof, as JSON, at the end of the record's detail.
const anchorProofMark = "; the anchor, sealed: "

// Record is the anchor's record as its hash covers it (the personal fields through Digest).
func (p AnchorProof) Record() desk.AuditRecord {
	return desk.AuditRecord{ID: p.ID, At: time.UnixMicro(p.At).UTC(), ActorID: p.ActorID, Action: p.Action, ObjectType: p.ObjectType,
		ObjectID: p.ObjectID, Persons: p.Persons, RedactedDigest: p.Digest, Surface: desk.Surface(p.Surface)}
}

func newAnchorProof(months int, last ChainLink, rewritten []RewrittenLine) AnchorProof {
	r := last.Record
	return AnchorProof{Rewritten: rewritten, Months: months, Version: last.Version, Prev: last.PrevHash, ID: r.ID, At: r.At.UnixMicro(), ActorID: r.ActorID,
		Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID, Persons: r.Persons, Digest: r.PersonalDigest(), Surface: string(r.Surface)}
}

// oldAnchorDetail is the detail the records of audit deletions had before they sealed an
// AnchorProof; read whole and strictly.
var oldAnchorDetail = regexp.MustCompile(`^deleted [1-9][0-9]* audit records, chain links [1-9][0-9]* to ([1-9][0-9]*) \(records [0-9, to]+\); the chain now starts after link ([1-9][0-9]*), hash ([0-9a-f]{64})$`)

// AuditDeletion is the newest record of a retention sweep's deletion of audit records, with the
// anchor it names.
type AuditDeletion struct {
	AuditID int64
	Sealed  bool   // in the chain; else waiting to be sealed
	Seq     int64  // the anchor it names: the last link deleted
	Hash    string // and its hash
	Named   bool   // the record names an anchor in the documented form
	At      time.Time
	// Proof is what the record seals about the deletion; nil for a record of the form written
	// before (Old), or when its detail is in neither form (then Named is false).
	Proof *AnchorProof
	Old   bool
}

// LastAuditDeletion returns the newest record, sealed or waiting to be sealed, of a retention
// sweep's deletion of audit records, and false when there is none. A record in audit_log that is
// neither sealed nor queued (not written by calldesk) does not count.
func (s *Store) LastAuditDeletion(ctx context.Context) (AuditDeletion, bool, error) {
	var d AuditDeletion
	var objType, objID, detail string
	var sealed int
	var at int64
	err := s.queryRow(ctx, `SELECT a.id, a.at, a.object_type, a.object_id, a.detail,
		CASE WHEN EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id) THEN 1 ELSE 0 END
		FROM audit_log a WHERE a.action = 'retention.delete'
		AND (a.object_type = ? OR (a.object_type = 'retention' AND a.object_id = ?))
		AND (EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id) OR EXISTS (SELECT 1 FROM audit_pending p WHERE p.audit_id = a.id))
		ORDER BY a.id DESC LIMIT 1`, AnchorObjectType, ClassAuditRecords).Scan(&d.AuditID, &at, &objType, &objID, &detail, &sealed)
	if err == sql.ErrNoRows {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	d.Sealed, d.At = sealed == 1, time.UnixMicro(at).UTC()
	if objType == AnchorObjectType {
		d.Seq, d.Hash, d.Named = ParseAnchorObjectID(objID)
		if i := strings.LastIndex(detail, anchorProofMark); i >= 0 {
			var p AnchorProof
			dec := json.NewDecoder(strings.NewReader(detail[i+len(anchorProofMark):]))
			dec.DisallowUnknownFields()
			if dec.Decode(&p) == nil && !dec.More() && oldAnchorDetail.MatchString(detail[:i]) {
				d.Proof = &p
			} else {
				d.Named = false
			}
		} else if m := oldAnchorDetail.FindStringSubmatch(detail); m != nil && m[1] == m[2] && d.Named &&
			AnchorObjectID(d.Seq, d.Hash) == AnchorObjectID(parseID(m[2]), m[3]) {
			d.Old = true
		} else {
			d.Named = false
		}
	} else if m := legacyAnchorDetail.FindStringSubmatch(detail); m != nil && m[1] == m[2] {
		d.Seq, _ = strconv.ParseInt(m[2], 10, 64)
		d.Hash, d.Named, d.Old = m[3], true, true
	}
	return d, true, nil
}

// anchorDetail is the free-text detail of the record of an audit deletion, for people. It names
// the records deleted exactly (idRuns), never a range that takes in one kept: a record sealed
// after the prefix, or not yet sealed, may have an id among theirs.
func anchorDetail(n int, firstSeq, lastSeq int64, ids []int64, hash string, proof AnchorProof) string {
	sealed, _ := json.Marshal(proof)
	return fmt.Sprintf("deleted %d audit records, chain links %d to %d (records %s); the chain now starts after link %d, hash %s",
		n, firstSeq, lastSeq, idRuns(ids), lastSeq, hash) + anchorProofMark + string(sealed)
}

// idRuns writes ids (in any order) as their runs of consecutive ids: "3 to 7, 9, 12 to 13".
func idRuns(ids []int64) string {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	var parts []string
	for i := 0; i < len(sorted); {
		j := i
		for j+1 < len(sorted) && sorted[j+1] == sorted[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.FormatInt(sorted[i], 10))
		} else {
			parts = append(parts, strconv.FormatInt(sorted[i], 10)+" to "+strconv.FormatInt(sorted[j], 10))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
