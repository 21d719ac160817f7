// Package audit keeps the tamper-evident audit trail (P2). Writers append records in their own
// transactions (store does that); this package seals pending records into a hash chain in a short
// background step, verifies the chain, and batches records of reads off the request path.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Hash is the link of record r after a link whose hash is prev: SHA-256 over prev and a canonical
// encoding of every field of r, so any change to a sealed record, or to the order, shows. The
// personal fields (actor, client address, reason, detail) enter through their digest
// (desk.AuditRecord.PersonalDigest), which an erasure keeps when it replaces a name by a pseudonym.
func Hash(prev string, r desk.AuditRecord) string {
	persons := make([]string, len(r.Persons))
	for i, p := range r.Persons {
		persons[i] = strconv.FormatInt(p, 10)
	}
	fields := []any{r.ID, r.At.UnixMicro(), r.ActorID, r.Action, r.ObjectType, r.ObjectID, persons, r.PersonalDigest()}
	if r.Surface != "" {
		// The surface, recorded since issue 15 point 9, is sealed too; records without one keep
		// the formula they were sealed with.
		fields = append(fields, string(r.Surface))
	}
	canon, _ := json.Marshal(fields)
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil))
}

// hashV1 is the link formula of links sealed before erasure existed (Seal.Version 1): every
// field of the record, the personal ones themselves. Such links are still verified with it.
func hashV1(prev string, r desk.AuditRecord) string {
	persons := make([]string, len(r.Persons))
	for i, p := range r.Persons {
		persons[i] = strconv.FormatInt(p, 10)
	}
	canon, _ := json.Marshal([]any{r.ID, r.At.UnixMicro(), r.ActorID, r.Actor, r.Action, r.ObjectType, r.ObjectID,
		persons, r.ClientAddr, r.Reason, r.Detail})
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil))
}

// linkHash recomputes link l's hash with the formula it was sealed under. A version 1 link whose
// record an erasure rewrote cannot be recomputed (its hash covered the names now gone): it is
// taken as sealed, and verify checks instead that an erasure of one of its people rewrote it.
func linkHash(l store.ChainLink) string {
	if l.Version == 1 {
		if l.Record.RedactedDigest != "" {
			return l.Hash
		}
		return hashV1(l.PrevHash, l.Record)
	}
	return Hash(l.PrevHash, l.Record)
}

// sealBatch is how many records one sealing transaction links. Small, because on SQLite each
// sealing transaction takes its turn on the one writer: a long turn shows in writers' latency.
const sealBatch = 250

// Seal seals every pending record, in batches, and returns how many it sealed.
func Seal(ctx context.Context, s *store.Store) (int, error) {
	total := 0
	for {
		n, err := s.SealAudit(ctx, sealBatch, Hash)
		total += n
		if err != nil {
			return total, fmt.Errorf("seal audit records: %w", err)
		}
		if n < sealBatch {
			return total, nil
		}
	}
}

// Problem is one thing Verify found wrong.
type Problem struct {
	Seq     int64  // chain position, 0 when the problem is a record outside the chain
	AuditID int64  // the audit record concerned
	Kind    string // "altered", "missing", "inserted", "broken link", "gap"
	Detail  string
}

func (p Problem) String() string {
	if p.Seq == 0 {
		return fmt.Sprintf("audit record %d %s: %s", p.AuditID, p.Kind, p.Detail)
	}
	return fmt.Sprintf("chain link %d (audit record %d) %s: %s", p.Seq, p.AuditID, p.Kind, p.Detail)
}

// EraseAction is the action of the audit record of a person's erasure, which alone may rewrite
// the names in other records.
const EraseAction = "person.erase"

// erasureSeal is what verify learns of one erasure's rewriting of other records: what its own
// sealed record attests, and the records found naming it.
type erasureSeal struct {
	attested bool // its record was met in the chain with an attestation
	version  int  // of the attestation: 1 (RedactionAttestation) or 2 (RewriteAttestation)
	count    int
	digest   string
	seq      int64              // its own link
	found    []desk.AuditRecord // the records that name it as their first rewriter (redacted_by)
	foundSeq []int64            // their links
	rewrote  []desk.Rewritten   // version 2: the records whose rewrites list names it, with its digest
	firstSeq int64              // the first of those records met in the chain
	firstID  int64
}

// meet notes a record the erasure rewrote, met at link l.
func (e *erasureSeal) meet(l store.ChainLink) {
	if e.firstSeq == 0 {
		e.firstSeq, e.firstID = l.Seq, l.AuditID
	}
}

// pendingErasure says whether audit record id exists and waits to be sealed.
func pendingErasure(ctx context.Context, s *store.Store, id int64) bool {
	ok, err := s.AuditPendingRecord(ctx, id)
	return err == nil && ok
}

// attestationOf reads the attestation at the end of an erasure record's detail, and its version.
func attestationOf(detail string) (int, string, int, bool) {
	i := strings.LastIndex(detail, "; audit records redacted: ")
	if i < 0 {
		return 0, "", 0, false
	}
	var n int
	var digest string
	if _, err := fmt.Sscanf(detail[i:], desk.RewriteAttestationDetail, &n, &digest); err == nil && len(digest) == 64 {
		return n, digest, 2, true
	}
	if _, err := fmt.Sscanf(detail[i:], desk.AttestationDetail, &n, &digest); err != nil || len(digest) != 64 {
		return 0, "", 0, false
	}
	return n, digest, 1, true
}

// samePeople says whether the people audit_persons links a record to (sorted) are the persons
// its hash covers.
func samePeople(linked, persons []int64) bool {
	want := slices.Clone(persons)
	slices.Sort(want)
	want = slices.Compact(want)
	want = slices.DeleteFunc(want, func(id int64) bool { return id <= 0 })
	return slices.Equal(linked, want)
}

// linkProblem checks what the hash of link l does not cover: the people audit_persons links its
// record to, and the words an erasure wrote into it (its rewrites list). It returns the problem's
// detail, "" when there is none, and the list.
func linkProblem(l store.ChainLink) (string, []desk.Rewrite) {
	if !samePeople(l.Linked, l.Record.Persons) {
		return fmt.Sprintf("its links to the people it concerns were changed (audit_persons names %v, the sealed record %v): "+
			"\"who has seen my data\" no longer shows it truly", l.Linked, l.Record.Persons), nil
	}
	rw, ok := desk.ParseRewrites(l.Rewrites)
	switch {
	case !ok:
		return "its list of the erasures that rewrote it is not in calldesk's form", nil
	case len(rw) > 0 && l.Record.RedactedDigest == "":
		return "it lists erasures that rewrote it, but none did", nil
	case len(rw) > 0 && rw[len(rw)-1].Digest != l.Record.FieldsDigest():
		return fmt.Sprintf("its words were changed after erasure record %d rewrote them", rw[len(rw)-1].By), nil
	}
	return "", rw
}

// erasureOf returns what verify has learnt of erasure record id so far.
func erasureOf(m map[int64]*erasureSeal, id int64) *erasureSeal {
	e := m[id]
	if e == nil {
		e = &erasureSeal{}
		m[id] = e
	}
	return e
}

// Report is the result of Verify.
type Report struct {
	Checked int      // links checked
	Pending int      // records not yet sealed (written since the last seal)
	First   *Problem // the first problem in chain order, nil when the chain is intact
	Count   int      // problems found in all
}

// OK reports whether the trail is intact.
func (r Report) OK() bool { return r.First == nil }

// Verify walks the whole chain, recomputing each link, and reports the first altered, inserted or
// missing record. It reads in pages, so memory stays flat on millions of records. Once the
// retention schedule has deleted the oldest links, the chain starts from their anchor: the first
// remaining link must point at the hash of the last deleted one.
func Verify(ctx context.Context, s *store.Store) (Report, error) {
	var rep Report
	note := func(p Problem) {
		rep.Count++
		if rep.First == nil {
			rep.First = &p
		}
	}
	after, prev, deleted, err := anchor(ctx, s, note)
	if err != nil {
		return rep, err
	}
	anchored := after > 0
	version := 0
	erasures := map[int64]*erasureSeal{}
	for {
		links, err := s.AuditChain(ctx, after, 5000)
		if err != nil {
			return rep, err
		}
		for _, l := range links {
			rep.Checked++
			switch {
			case l.Seq != after+1:
				note(Problem{Seq: l.Seq, AuditID: l.AuditID, Kind: "gap", Detail: fmt.Sprintf("links %d to %d are missing from the chain", after+1, l.Seq-1)})
			case l.PrevHash != prev:
				note(Problem{Seq: l.Seq, AuditID: l.AuditID, Kind: "broken link", Detail: "it does not point at the link before it: a link was inserted, removed or rewritten"})
			case l.Missing:
				note(Problem{Seq: l.Seq, AuditID: l.AuditID, Kind: "missing", Detail: "the record was deleted from the audit log"})
			case linkHash(l) != l.Hash:
				note(Problem{Seq: l.Seq, AuditID: l.AuditID, Kind: "altered", Detail: "the record's content no longer matches its seal"})
			case l.Version < version:
				note(Problem{Seq: l.Seq, AuditID: l.AuditID, Kind: "altered", Detail: fmt.Sprintf("it claims the older link formula %d after a link of formula %d", l.Version, version)})
			case l.Record.RedactedDigest != "" && l.RedactedByAction != EraseAction:
				note(Problem{Seq: l.Seq, AuditID: l.AuditID, Kind: "altered", Detail: "its names were rewritten, but not by an erasure"})
			default:
				detail, rewrites := linkProblem(l)
				if detail != "" {
					note(Problem{Seq: l.Seq, AuditID: l.AuditID, Kind: "altered", Detail: detail})
					break
				}
				if l.Record.RedactedDigest != "" {
					e := erasureOf(erasures, l.Record.RedactedBy)
					e.meet(l)
					e.found, e.foundSeq = append(e.found, l.Record), append(e.foundSeq, l.Seq)
				}
				for _, w := range rewrites {
					e := erasureOf(erasures, w.By)
					e.meet(l)
					e.rewrote = append(e.rewrote, desk.Rewritten{Record: l.Record, After: w.Digest})
				}
			}
			if !l.Missing && l.Record.Action == EraseAction {
				e := erasureOf(erasures, l.AuditID)
				e.count, e.digest, e.version, e.attested = attestationOf(l.Record.Detail)
				e.seq = l.Seq
			}
			version = max(version, l.Version)
			after, prev = l.Seq, l.Hash
		}
		if len(links) < 5000 {
			break
		}
	}
	// Each erasure rewrote exactly the records its sealed record attests, and nothing else about
	// them changed since. Once the retention schedule has deleted the oldest links, some of an
	// erasure's records may be gone with them: the record of the deletion seals them (deleted),
	// so the attestation is still checked over them and the ones that remain. A deletion whose
	// record is of the form before that (or an erasure whose own record was deleted) leaves only
	// each remaining record's own rewrites entry to check (linkProblem).
	for id, e := range erasures {
		if e.attested && e.version == 2 {
			// It attests every record it rewrote, the words it wrote included; a record naming it
			// as its first rewriter is one of them.
			listed := map[int64]bool{}
			for _, w := range e.rewrote {
				listed[w.Record.ID] = true
			}
			unlisted := slices.IndexFunc(e.found, func(r desk.AuditRecord) bool { return !listed[r.ID] })
			all := append(slices.Clone(e.rewrote), deleted[id]...)
			switch {
			case unlisted >= 0:
				note(Problem{Seq: e.foundSeq[unlisted], AuditID: e.found[unlisted].ID, Kind: "altered", Detail: fmt.Sprintf(
					"it says erasure record %d rewrote it, but it is not among the records that erasure attests", id)})
			case len(all) == e.count && desk.RewriteAttestation(all) == e.digest:
			case anchored && len(all) < e.count && len(deleted[id]) == 0:
			case len(e.rewrote) == 0:
				note(Problem{Seq: e.seq, AuditID: id, Kind: "altered", Detail: fmt.Sprintf(
					"erasure record %d attests rewriting %d audit records, but no record lists it as their rewriter any more", id, e.count)})
			default:
				note(Problem{Seq: e.firstSeq, AuditID: e.firstID, Kind: "altered", Detail: fmt.Sprintf(
					"the records rewritten by erasure record %d, or the words it wrote into them, are not the ones it attests, or were changed since", id)})
			}
			continue
		}
		if len(e.found) == 0 && len(e.rewrote) == 0 {
			continue
		}
		switch {
		case !e.attested && pendingErasure(ctx, s, id):
			// Its record is written but not sealed yet: checked once it is.
		case e.attested && len(e.rewrote) > 0:
			// A version 1 erasure wrote no rewrites entries: one naming it was forged.
			note(Problem{Seq: e.firstSeq, AuditID: e.firstID, Kind: "altered", Detail: fmt.Sprintf("it lists erasure record %d as a rewriter, which attests no words it wrote", id)})
		case !e.attested:
			note(Problem{Seq: e.firstSeq, AuditID: e.firstID, Kind: "altered", Detail: fmt.Sprintf("its names were rewritten by erasure record %d, which is not in the chain with an attestation", id)})
		case len(e.found) == e.count && desk.RedactionAttestation(e.found) == e.digest:
		case anchored && len(e.found) < e.count:
		default:
			note(Problem{Seq: e.firstSeq, AuditID: e.firstID, Kind: "altered", Detail: fmt.Sprintf("the records rewritten by erasure record %d are not the ones it attests, or were changed since", id)})
		}
	}
	ids, err := s.UnchainedAudit(ctx, 1)
	if err != nil {
		return rep, err
	}
	for _, id := range ids {
		note(Problem{AuditID: id, Kind: "inserted", Detail: "it is in the audit log but was never queued for the chain: it did not come from calldesk"})
	}
	rep.Pending, err = s.PendingAudit(ctx)
	return rep, err
}
