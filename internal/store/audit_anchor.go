package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
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

// AuditDeletion is the newest record of a retention sweep's deletion of audit records, with the
// anchor it names.
type AuditDeletion struct {
	AuditID int64
	Sealed  bool   // in the chain; else waiting to be sealed
	Seq     int64  // the anchor it names: the last link deleted
	Hash    string // and its hash
	Named   bool   // the record names an anchor in the documented form
}

// LastAuditDeletion returns the newest record, sealed or waiting to be sealed, of a retention
// sweep's deletion of audit records, and false when there is none. A record in audit_log that is
// neither sealed nor queued (not written by calldesk) does not count.
func (s *Store) LastAuditDeletion(ctx context.Context) (AuditDeletion, bool, error) {
	var d AuditDeletion
	var objType, objID, detail string
	var sealed int
	err := s.queryRow(ctx, `SELECT a.id, a.object_type, a.object_id, a.detail,
		CASE WHEN EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id) THEN 1 ELSE 0 END
		FROM audit_log a WHERE a.action = 'retention.delete'
		AND (a.object_type = ? OR (a.object_type = 'retention' AND a.object_id = ?))
		AND (EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id) OR EXISTS (SELECT 1 FROM audit_pending p WHERE p.audit_id = a.id))
		ORDER BY a.id DESC LIMIT 1`, AnchorObjectType, ClassAuditRecords).Scan(&d.AuditID, &objType, &objID, &detail, &sealed)
	if err == sql.ErrNoRows {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	d.Sealed = sealed == 1
	if objType == AnchorObjectType {
		d.Seq, d.Hash, d.Named = ParseAnchorObjectID(objID)
	} else if m := legacyAnchorDetail.FindStringSubmatch(detail); m != nil && m[1] == m[2] {
		d.Seq, _ = strconv.ParseInt(m[2], 10, 64)
		d.Hash, d.Named = m[3], true
	}
	return d, true, nil
}

// anchorDetail is the free-text detail of the record of an audit deletion, for people. It names
// the records deleted exactly (idRuns), never a range that takes in one kept: a record sealed
// after the prefix, or not yet sealed, may have an id among theirs.
func anchorDetail(n int, firstSeq, lastSeq int64, ids []int64, hash string) string {
	return fmt.Sprintf("deleted %d audit records, chain links %d to %d (records %s); the chain now starts after link %d, hash %s",
		n, firstSeq, lastSeq, idRuns(ids), lastSeq, hash)
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
