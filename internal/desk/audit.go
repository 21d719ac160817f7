package desk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Actor is who does something, and from where: recorded with every audit record (P2).
type Actor struct {
	PersonID  int64  // 0 for the system
	AccountID int64  // 0 for the system or an unauthenticated caller
	Name      string // shown in the diary and the audit trail
	Addr      string // client address, "" for jobs
	Reason    string // why, where the caller gives one
	// Surface is the screen or route the actor used (SurfaceConsole, SurfacePortal...): recorded
	// with each audit record, so "who has seen my data" can say where a view came from.
	Surface Surface
}

// System is the actor for changes calldesk makes by itself (holds expiring, calls auto-closing).
func System(job string) Actor { return Actor{Name: "calldesk (" + job + ")"} }

// AuditRecord is one entry of the audit trail: who did what to which object, concerning whom.
type AuditRecord struct {
	ID         int64
	At         time.Time
	ActorID    int64
	Actor      string
	Action     string // e.g. call.create, call.view, person.update
	ObjectType string // call, person, group, profile, account, token, system
	ObjectID   string
	Persons    []int64 // the people whose data the action concerns
	ClientAddr string
	Reason     string
	Detail     string // a short, human-readable description of the change
	// Surface is the screen or route through which the action was done; "" for records from
	// before it was recorded (Channel then guesses from the detail and the actor).
	Surface Surface
	// RedactedDigest is, once an erasure has rewritten the record's personal fields (Actor,
	// ClientAddr, Reason, Detail), the digest those fields had: what the hash chain covers.
	RedactedDigest string
	RedactedBy     int64 // the audit record of the erasure that rewrote them
}

// PersonalDigest is the digest of the record's personal fields (who did it, from where, and the
// words that may name people). The hash chain covers this digest rather than the fields, so an
// erasure can replace a name by a pseudonym and the chain still proves everything else untouched.
func (r AuditRecord) PersonalDigest() string {
	if r.RedactedDigest != "" {
		return r.RedactedDigest
	}
	return r.FieldsDigest()
}

// FieldsDigest is the digest of the record's personal fields as they are now: PersonalDigest
// before an erasure rewrote them; after, the digest of the words the erasure wrote, which the
// erasure's own record attests (RewriteAttestation).
func (r AuditRecord) FieldsDigest() string {
	canon, _ := json.Marshal([]string{r.Actor, r.ClientAddr, r.Reason, r.Detail})
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

// Seal is one link of the audit hash chain.
type Seal struct {
	Seq      int64
	AuditID  int64
	PrevHash string
	Hash     string
	SealedAt time.Time
	// Version is the link formula: 1 for links sealed before erasure existed (the hash covered
	// the personal fields themselves), 2 since (it covers their digest).
	Version int
}

// RedactionAttestation (attestation version 1, of erasures made before RewriteAttestation) is what an erasure's own audit record attests about the records it
// rewrote: SHA-256 over each one (in id order) with every field the names were not in, and the
// digest of the fields they were. The erasure's record is sealed into the hash chain, so audit
// verify can prove that exactly these records were rewritten, and by that erasure, and that
// nothing else about them changed since.
func RedactionAttestation(recs []AuditRecord) string {
	sorted := append([]AuditRecord(nil), recs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	h := sha256.New()
	for _, r := range sorted {
		canon, _ := json.Marshal([]any{r.ID, r.At.UnixMicro(), r.ActorID, r.Action, r.ObjectType, r.ObjectID, r.Persons, r.RedactedDigest})
		h.Write(canon)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AttestationDetail is how an erasure's audit record states its attestation: "audit records
// redacted: N; attestation: HEX" at the end of its detail.
const AttestationDetail = "; audit records redacted: %d; attestation: %s"

// Rewritten is an audit record as an erasure found it (with RedactedDigest, the digest of its
// personal fields before any erasure), and After, the FieldsDigest of the fields it wrote.
type Rewritten struct {
	Record AuditRecord
	After  string
}

// RewriteAttestation is what an erasure's own audit record attests about the records it
// rewrote, the first time or again (attestation version 2): SHA-256 over each one (in id order)
// with every field the names were not in, the digest its personal fields had before any erasure,
// and the digest of the fields this erasure wrote. Sealed into the hash chain with the erasure's
// record, it covers the rewritten words too: audit verify shows a rewritten record edited since.
func RewriteAttestation(recs []Rewritten) string {
	sorted := append([]Rewritten(nil), recs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Record.ID < sorted[j].Record.ID })
	h := sha256.New()
	h.Write([]byte("v2\n"))
	for _, w := range sorted {
		r := w.Record
		canon, _ := json.Marshal([]any{r.ID, r.At.UnixMicro(), r.ActorID, r.Action, r.ObjectType, r.ObjectID, r.Persons, r.RedactedDigest, w.After})
		h.Write(canon)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RewriteAttestationDetail is how an erasure's audit record states a version 2 attestation, at
// the end of its detail (AttestationDetail is the version 1 form, of erasures made before).
const RewriteAttestationDetail = "; audit records redacted: %d; attestation v2: %s"

// RewriteEntry is an erasure's entry in the list of rewrites an audit record keeps: the
// erasure's audit record and the digest of the fields it wrote.
func RewriteEntry(erasure int64, digest string) string {
	return strconv.FormatInt(erasure, 10) + ":" + digest + ";"
}

// Rewrite is one entry of that list.
type Rewrite struct {
	By     int64
	Digest string
}

// ParseRewrites reads the list RewriteEntry builds; ok is false when it is not in that form.
func ParseRewrites(s string) (out []Rewrite, ok bool) {
	if s == "" {
		return nil, true
	}
	if !strings.HasSuffix(s, ";") {
		return nil, false
	}
	for _, e := range strings.Split(strings.TrimSuffix(s, ";"), ";") {
		by, digest, found := strings.Cut(e, ":")
		id, err := strconv.ParseInt(by, 10, 64)
		if !found || err != nil || id <= 0 || len(digest) != 64 {
			return nil, false
		}
		out = append(out, Rewrite{By: id, Digest: digest})
	}
	return out, true
}
