package sla

import (
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// RespondOn is the event that stops a rule's respond clock.
type RespondOn string

// Events that count as the response.
const (
	// FirstPublicAction: the first analyst action the customer sees (a public update, an email out).
	FirstPublicAction RespondOn = "first_public_action"
	// Acceptance: an analyst accepts the call.
	Acceptance RespondOn = "acceptance"
)

// Target is one clock of a rule: the working time allowed and the states in which the clock stops
// counting (typically on hold and pending, waiting on the customer).
type Target struct {
	Within  time.Duration
	PauseIn []desk.State
}

func (t Target) pausedIn(s desk.State) bool {
	for _, p := range t.PauseIn {
		if p == s {
			return true
		}
	}
	return false
}

// Rule is a service-level target for the calls it matches. Priority is required; ProfileID (0:
// any) matches the profile and its whole subtree; CustomerKind ("" any) matches the customer's
// kind.
type Rule struct {
	ID           int64
	Name         string
	Priority     desk.Priority
	ProfileID    int64
	CustomerKind desk.PersonKind
	RespondOn    RespondOn
	Respond      Target
	Resolve      Target
}

// Validate checks r; the error is EINVALID with a message per field.
func (r Rule) Validate() error {
	f := map[string]string{}
	if strings.TrimSpace(r.Name) == "" {
		f["name"] = "is missing"
	}
	if !r.Priority.Valid() {
		f["priority"] = fmt.Sprintf("must be P1 to P4, not %d", int(r.Priority))
	}
	if r.ProfileID < 0 {
		f["profile_id"] = "must be a profile or 0 for any"
	}
	if r.CustomerKind != "" && !r.CustomerKind.Valid() {
		f["customer_kind"] = fmt.Sprintf("%q is not a kind of customer (staff, student, partner, visitor)", r.CustomerKind)
	}
	if r.RespondOn != FirstPublicAction && r.RespondOn != Acceptance {
		f["respond_on"] = fmt.Sprintf("must be %s or %s", FirstPublicAction, Acceptance)
	}
	for name, t := range map[string]Target{"respond": r.Respond, "resolve": r.Resolve} {
		if t.Within <= 0 {
			f[name+"_within"] = "must be a positive working duration"
		}
		for _, s := range t.PauseIn {
			if !s.Valid() || !s.Open() {
				f[name+"_pause_in"] = fmt.Sprintf("%q is not an open state a clock can pause in", s)
			}
		}
	}
	return desk.Invalid(fmt.Sprintf("service-level rule %q is not valid", r.Name), f)
}

// Facts are what a rule is chosen by: the call's current priority, its problem profile with the
// profile's ancestors (nearest first, so Networks > Wi-Fi > Eduroam gives Eduroam's id with
// ancestors [Wi-Fi, Networks]), the profile's path in words for the explanation, and the
// customer's kind.
type Facts struct {
	Priority     desk.Priority
	ProfileID    int64
	Ancestors    []int64
	ProfilePath  string
	CustomerKind desk.PersonKind
}

// Choice is the rule that applies to a call and why.
type Choice struct {
	Rule Rule
	// Why explains the choice in words for the call page: "P2, profile Networks > Wi-Fi, staff:
	// rule 'Networks staff P2' (profile and customer kind match)".
	Why string
}

// moreSpecific orders matching rules: nearer profile, then customer kind, then lower ID, then name.
func moreSpecific(depthA int, kindA bool, a Rule, depthB int, kindB bool, b Rule) bool {
	if depthA != depthB {
		return depthA < depthB
	}
	if kindA != kindB {
		return kindA
	}
	if a.ID != b.ID {
		return a.ID < b.ID
	}
	return a.Name < b.Name
}

// Choose returns the most specific rule matching f. A rule matches when its priority is f's, its
// profile (if any) is f's profile or an ancestor of it, and its customer kind (if any) is f's.
// Specificity, most specific first:
//  1. a rule naming a profile beats one that does not, and among those the nearer profile wins
//     (the call's own profile, then its parent, and so on up);
//  2. then a rule naming the customer kind beats one that does not;
//  3. a remaining tie goes to the lowest ID (the rule made first), then the name.
//
// No matching rule is ENOTFOUND, with a message saying what was looked for.
func Choose(rules []Rule, f Facts) (Choice, error) {
	type cand struct {
		r     Rule
		depth int // 0: own profile, 1: parent, ...; len(ancestors)+1: no profile
		kind  bool
	}
	var cs []cand
	for _, r := range rules {
		if r.Priority != f.Priority {
			continue
		}
		if r.CustomerKind != "" && r.CustomerKind != f.CustomerKind {
			continue
		}
		depth := -1
		if r.ProfileID == 0 {
			depth = len(f.Ancestors) + 1
		} else if f.ProfileID != 0 && r.ProfileID == f.ProfileID {
			depth = 0
		} else {
			for i, a := range f.Ancestors {
				if a == r.ProfileID {
					depth = i + 1
					break
				}
			}
		}
		if depth < 0 {
			continue
		}
		cs = append(cs, cand{r, depth, r.CustomerKind != ""})
	}
	head := f.Priority.String()
	if f.ProfilePath != "" {
		head += ", profile " + f.ProfilePath
	}
	if f.CustomerKind != "" {
		head += ", " + string(f.CustomerKind)
	}
	if len(cs) == 0 {
		return Choice{}, desk.Errorf(desk.ENOTFOUND, "no service-level rule matches %s: add a rule for %s", head, f.Priority)
	}
	best := cs[0]
	for _, x := range cs[1:] {
		if moreSpecific(x.depth, x.kind, x.r, best.depth, best.kind, best.r) {
			best = x
		}
	}
	var why string
	hasProfile := best.r.ProfileID != 0
	switch {
	case hasProfile && best.kind:
		why = "profile and customer kind match"
	case hasProfile && best.depth == 0:
		why = "profile matches"
	case hasProfile:
		why = fmt.Sprintf("profile matches, %d level(s) up", best.depth)
	case best.kind:
		why = "customer kind matches"
	default:
		why = "priority only"
	}
	if hasProfile && best.kind && best.depth > 0 {
		why = fmt.Sprintf("profile %d level(s) up and customer kind match", best.depth)
	}
	if len(cs) > 1 {
		why += fmt.Sprintf("; the most specific of %d matching rules", len(cs))
	}
	return Choice{Rule: best.r, Why: fmt.Sprintf("%s: rule '%s' (%s)", head, best.r.Name, why)}, nil
}
