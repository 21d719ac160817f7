package audit

import (
	"context"
	"fmt"
	"time"

	"calldesk/internal/desk"
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
//
// It also returns the deleted records of erasures whose own record was kept, as the deletion's
// record seals them (store.AnchorProof.Rewritten), by erasure.
func anchor(ctx context.Context, s *store.Store, note func(Problem)) (int64, string, map[int64][]desk.Rewritten, error) {
	seq, hash, err := s.AuditAnchor(ctx)
	if err != nil {
		return 0, "", nil, err
	}
	d, found, err := s.LastAuditDeletion(ctx)
	if err != nil {
		return 0, "", nil, err
	}
	deleted := map[int64][]desk.Rewritten{}
	if found && d.Proof != nil {
		for _, l := range d.Proof.Rewritten {
			deleted[l.By] = append(deleted[l.By], l.Rewritten())
		}
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
	case d.Proof != nil:
		if detail := proofProblem(ctx, s, d); detail != "" {
			note(Problem{Seq: seq, AuditID: d.AuditID, Kind: KindAnchor, Detail: detail})
		}
	}
	return seq, hash, deleted, nil
}

// proofProblem checks what the record of the last deletion of audit records seals about it
// (store.AnchorProof): the anchor it names is the hash of the last link deleted, recomputed from
// the fields it seals (so the time it gives that link's record is the true one); the period it
// gives is one the audit_records rule may have; and that record was older than the period before
// the deletion's own record. It returns "" when all holds. A record of the older form (d.Old)
// seals none of this: for it verify checks only that the anchor is the one it names.
func proofProblem(ctx context.Context, s *store.Store, d store.AuditDeletion) string {
	p := *d.Proof
	last := p.Record()
	if now := s.Now(); d.At.After(now) {
		return fmt.Sprintf("audit record %d, of the deletion that left the anchor after link %d, is dated %s, later than now (%s): it was forged",
			d.AuditID, d.Seq, d.At.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	switch p.Version {
	case 1:
		// A link of the first formula covered the personal words themselves, which the deletion
		// does not keep: its hash cannot be recomputed. Such links come before every later one,
		// so the first link kept must be of that formula too.
		links, err := s.AuditChain(ctx, d.Seq, 1)
		if err != nil || (len(links) == 1 && links[0].Version != 1) {
			return fmt.Sprintf("audit record %d, of the deletion that left the anchor, says the last link deleted was of the first formula, "+
				"but the links kept after it are not", d.AuditID)
		}
	default:
		if len(p.Digest) != 64 || Hash(p.Prev, last) != d.Hash {
			return fmt.Sprintf("audit record %d, of the deletion that left the anchor after link %d, gives an account of that link "+
				"whose hash is not the anchor's: the anchor was moved, or the record forged", d.AuditID, d.Seq)
		}
	}
	if p.Months < store.MinAuditMonths || p.Months > 1200 {
		return fmt.Sprintf("audit record %d, of the deletion that left the anchor after link %d, says audit records were kept %d months, "+
			"but the rule keeps them at least %d months: the records were deleted by hand", d.AuditID, d.Seq, p.Months, store.MinAuditMonths)
	}
	if cutoff := d.At.AddDate(0, -p.Months, 0); !last.At.Before(cutoff) {
		return fmt.Sprintf("the chain starts after link %d (audit record %d, made %s), but the deletion recorded by audit record %d on %s "+
			"could delete only records made before %s (%d months earlier): the anchor was moved later than the retention rule allows",
			d.Seq, p.ID, last.At.Format(time.RFC3339), d.AuditID, d.At.Format(time.RFC3339), cutoff.Format(time.RFC3339), p.Months)
	}
	return ""
}
