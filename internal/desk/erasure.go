package desk

import (
	"strings"
	"time"
)

// LawfulBasis is the basis on which the university processed a person's data (UK GDPR article 6).
type LawfulBasis string

// Lawful bases.
const (
	BasisConsent    LawfulBasis = "consent"
	BasisContract   LawfulBasis = "contract"
	BasisLegal      LawfulBasis = "legal_obligation"
	BasisVital      LawfulBasis = "vital_interests"
	BasisPublicTask LawfulBasis = "public_task"
	BasisLegitimate LawfulBasis = "legitimate_interests"
)

// LawfulBases lists the bases, in the order forms offer them.
func LawfulBases() []LawfulBasis {
	return []LawfulBasis{BasisConsent, BasisContract, BasisLegal, BasisVital, BasisPublicTask, BasisLegitimate}
}

// Words names the basis for people.
func (b LawfulBasis) Words() string {
	switch b {
	case BasisConsent:
		return "Consent"
	case BasisContract:
		return "Contract"
	case BasisLegal:
		return "Legal obligation"
	case BasisVital:
		return "Vital interests"
	case BasisPublicTask:
		return "Public task"
	case BasisLegitimate:
		return "Legitimate interests"
	}
	return string(b)
}

// ErasureGround is why the data is erased (UK GDPR article 17(1), or the end of its retention).
type ErasureGround string

// Grounds for erasure.
const (
	GroundConsentWithdrawn ErasureGround = "consent_withdrawn" // 17(1)(b)
	GroundNotNeeded        ErasureGround = "no_longer_needed"  // 17(1)(a)
	GroundObjection        ErasureGround = "objection_upheld"  // 17(1)(c)
	GroundUnlawful         ErasureGround = "unlawful"          // 17(1)(d)
	GroundLegalDuty        ErasureGround = "legal_duty"        // 17(1)(e)
	GroundRetention        ErasureGround = "retention_ended"   // the retention schedule's period ran out
)

// ErasureGrounds lists the grounds, in the order forms offer them.
func ErasureGrounds() []ErasureGround {
	return []ErasureGround{GroundConsentWithdrawn, GroundNotNeeded, GroundObjection, GroundUnlawful, GroundLegalDuty, GroundRetention}
}

// Words names the ground for people.
func (g ErasureGround) Words() string {
	switch g {
	case GroundConsentWithdrawn:
		return "The person withdrew their consent (article 17(1)(b))"
	case GroundNotNeeded:
		return "No longer needed for its purpose (article 17(1)(a))"
	case GroundObjection:
		return "Their objection was upheld (article 17(1)(c))"
	case GroundUnlawful:
		return "It was processed unlawfully (article 17(1)(d))"
	case GroundLegalDuty:
		return "The law requires erasure (article 17(1)(e))"
	case GroundRetention:
		return "Its retention period ended (retention schedule)"
	}
	return string(g)
}

// Erasure is the Data Protection Officer's decision to erase a person: the lawful-basis check of
// the data protection policy's clause 11.2 and the decision, recorded with the erasure.
type Erasure struct {
	PersonID  int64
	RequestID int64 // the erasure request this answers; 0 when none (retention, the DPO's own motion)
	Basis     LawfulBasis
	Ground    ErasureGround
	Decision  string // the DPO's reasons, in their words
	Confirmed bool   // the DPO confirmed that erasure cannot be undone
}

// Validate checks the decision: clause 11.2 of the university's policy says the right to erasure
// on request applies where the lawful basis is consent, so withdrawn consent is a ground only then;
// any other basis needs another article 17 ground.
func (e *Erasure) Validate() error {
	f := map[string]string{}
	e.Decision = strings.TrimSpace(e.Decision)
	if !oneOf(e.Basis, LawfulBases()) {
		f["basis"] = "choose the lawful basis on which the data was processed"
	}
	if !oneOf(e.Ground, ErasureGrounds()) {
		f["ground"] = "choose the ground for erasure"
	} else if e.Ground == GroundConsentWithdrawn && e.Basis != "" && e.Basis != BasisConsent {
		f["ground"] = "withdrawn consent is a ground only where the lawful basis is consent (policy clause 11.2); " +
			"for " + strings.ToLower(e.Basis.Words()) + " choose another ground, or refuse the request"
	}
	if e.Decision == "" {
		f["decision"] = "record the decision and its reasons"
	} else if len(e.Decision) > 4000 {
		f["decision"] = "at most 4,000 characters"
	}
	if !e.Confirmed {
		f["confirmed"] = "confirm that erasure cannot be undone"
	}
	if len(f) > 0 {
		return Invalid("the person cannot be erased", f)
	}
	return nil
}

func oneOf[T comparable](v T, all []T) bool {
	for _, a := range all {
		if a == v {
			return true
		}
	}
	return false
}

// ErasureRecord is a done erasure, as kept: who was erased (by id and pseudonym only), why, by
// whom, and how much was scrubbed or deleted.
type ErasureRecord struct {
	ID        int64
	PersonID  int64
	Pseudonym string
	RequestID int64
	Basis     LawfulBasis
	Ground    ErasureGround
	Decision  string
	By        string
	At        time.Time
	Counts    ErasureCounts
}

// ErasureCounts says what an erasure touched.
type ErasureCounts struct {
	Calls         int `json:"calls"`          // calls of which they were the customer
	Scrubbed      int `json:"scrubbed"`       // calls, entries, emails and records whose text was scrubbed
	Attachments   int `json:"attachments"`    // files deleted
	Emails        int `json:"emails"`         // stored emails whose original was deleted
	AuditRedacted int `json:"audit_redacted"` // audit records whose names were replaced by the pseudonym
	HeldSkipped   int `json:"held_skipped"`   // other people's calls mentioning them left alone: on legal hold
	// CallKeys and MessageKeys count the data keys the erasure destroyed (crypto-shredding, issue
	// 20 point 4): every call it scrubbed or took files or emails from got a new key for what it
	// kept, and the emails on no call it emptied lost theirs, so the content it removed cannot be
	// opened from any older copy (a backup, old pages of the database). 0 without master keys.
	CallKeys    int `json:"call_keys_shredded,omitempty"`
	MessageKeys int `json:"message_keys_shredded,omitempty"`
	// Kept lists, for the Data Protection Officer, each place that still names the person because
	// the register says to keep it (a call under legal hold, a directory group's name...), and why.
	Kept []ErasureKept `json:"kept,omitempty"`
}

// ErasureKept is one place an erasure left as it was, and the reason.
type ErasureKept struct {
	Where  string `json:"where"`  // "call R0012345", "legal_holds.reason 12"
	Reason string `json:"reason"` // why it is kept
}

// Identifiers are the things that identify a person in free text.
type Identifiers struct {
	FirstName, LastName, Username, Email, StudentNumber, Phone string
	Others                                                     []string // more addresses or numbers (a call's alternative contact)
}

// IdentifiersOf are person p's identifiers.
func IdentifiersOf(p Person) Identifiers {
	return Identifiers{FirstName: p.FirstName, LastName: p.LastName, Username: p.Username, Email: p.Email,
		StudentNumber: p.StudentNumber, Phone: p.Phone}
}
