package desk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
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

// RedactionAttestation is what an erasure's own audit record attests about the records it
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
