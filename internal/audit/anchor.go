package audit

import (
	"context"
	"fmt"

	"calldesk/internal/store"
)

// KindAnchor is the Problem.Kind of an anchor (where the chain starts once a retention sweep
// deleted its oldest links) that no sealed record of such a deletion vouches for.
const KindAnchor = "anchor"

// anchor returns where the chain starts (the seq and hash of the last deleted link; 0 and ""
// while none was) and notes a problem unless the newest record of a retention sweep's deletion
// of audit records names exactly that anchor, or, when there is no such record, there is no
// anchor either. That record is written in the deletion's transaction and sealed into the chain
// after the anchor, so an anchor written by hand (to hide a deleted prefix) or changed later does
// not match it. A deletion record still waiting to be sealed (a sweep that ran since the last
// seal) counts too: verify reports it as pending, and the next seal chains it.
func anchor(ctx context.Context, s *store.Store, note func(Problem)) (int64, string, error) {
	seq, hash, err := s.AuditAnchor(ctx)
	if err != nil {
		return 0, "", err
	}
	d, found, err := s.LastAuditDeletion(ctx)
	if err != nil {
		return 0, "", err
	}
	anchored := seq != 0 || hash != ""
	switch {
	case !found && anchored:
		note(Problem{Seq: seq, Kind: KindAnchor, Detail: fmt.Sprintf(
			"the chain starts after link %d, but no retention sweep recorded deleting audit records: the oldest links were deleted by hand", seq)})
	case !found:
	case !d.Named:
		note(Problem{Seq: seq, AuditID: d.AuditID, Kind: KindAnchor, Detail: fmt.Sprintf(
			"the record of the last deletion of audit records (audit record %d) does not name the anchor it left", d.AuditID)})
	case !anchored:
		note(Problem{Seq: d.Seq, AuditID: d.AuditID, Kind: KindAnchor, Detail: fmt.Sprintf(
			"audit record %d says the chain starts after link %d, but there is no anchor: it was removed", d.AuditID, d.Seq)})
	case d.Seq != seq || d.Hash != hash:
		note(Problem{Seq: seq, AuditID: d.AuditID, Kind: KindAnchor, Detail: fmt.Sprintf(
			"the chain starts after link %d, hash %s, but the last deletion of audit records (audit record %d) left it after link %d, hash %s: the anchor was changed",
			seq, hash, d.AuditID, d.Seq, d.Hash)})
	}
	return seq, hash, nil
}
