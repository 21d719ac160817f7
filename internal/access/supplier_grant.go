package access

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Grants are supplier access as a grant, not an account state (issue 20 item 1, S14): an
// administrator asks for a supplier person's access, with a reason, a scope and a window of at
// most MaxHours; another person (the DPO) approves or refuses. While a grant runs, the supplier's
// account reads what its scope opens (GrantAllows), read-only, every request audited against the
// grant; when it ends, access stops by itself. Without a live grant the supplier role gives
// nothing.
type Grants struct {
	Store *store.Store
	Now   func() time.Time
	// MaxHours is the longest window a grant may ask for (default 8).
	MaxHours int
	// MessageDomain is the domain of the summary mails' Message-IDs.
	MessageDomain string
}

func (g *Grants) defaults() {
	if g.Now == nil {
		g.Now = time.Now
	}
	if g.MaxHours <= 0 {
		g.MaxHours = 8
	}
}

// GrantRequest is an administrator's request for supplier access, as typed.
type GrantRequest struct {
	Login       string // the supplier person's login
	ProcessorID int64  // the supplier firm, in the DPO's register of processors
	Reason      string // a fault reference, an upgrade
	Scope       string // store.GrantConfig, GrantCalls or GrantNamed
	Calls       string // for GrantNamed: call references, separated by spaces or commas
	Hours       int
}

// Request checks a request and records it; each mistake is named beside its field (EINVALID).
func (g *Grants) Request(ctx context.Context, actor desk.Actor, in GrantRequest) (store.Grant, error) {
	g.defaults()
	fields := map[string]string{}
	var gr store.Grant
	acct, err := g.Store.FindAccountByLogin(ctx, strings.ToLower(strings.TrimSpace(in.Login)))
	switch {
	case desk.ErrorCode(err) == desk.ENOTFOUND || strings.TrimSpace(in.Login) == "":
		fields["login"] = "is not the login of an account"
	case err != nil:
		return gr, err
	case !acct.Has(desk.RoleSupplier):
		fields["login"] = "is not a supplier's account: give the account the supplier role first"
	}
	gr.AccountID = acct.ID
	gr.ProcessorID, gr.Reason, gr.Scope = in.ProcessorID, strings.TrimSpace(in.Reason), in.Scope
	if gr.ProcessorID <= 0 {
		fields["processor"] = "is needed: the supplier firm the person works for, from the register of processors"
	}
	if gr.Reason == "" {
		fields["reason"] = "is needed: a fault reference or the upgrade, so that everyone later knows why"
	}
	switch in.Scope {
	case store.GrantConfig, store.GrantCalls:
	case store.GrantNamed:
		for _, ref := range strings.FieldsFunc(in.Calls, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
			c, err := g.Store.FindCallByRef(ctx, strings.ToUpper(ref))
			if desk.ErrorCode(err) == desk.ENOTFOUND {
				fields["calls"] = "names " + ref + ", which is not a call"
				break
			} else if err != nil {
				return gr, err
			}
			if !slices.Contains(gr.CallRefs, c.Ref) {
				gr.CallRefs = append(gr.CallRefs, c.Ref)
			}
		}
		if len(gr.CallRefs) == 0 && fields["calls"] == "" {
			fields["calls"] = "are needed for access to named calls: give their references"
		}
	default:
		fields["scope"] = "must be one of: the configuration, calls and people, named calls"
	}
	gr.Hours = in.Hours
	if in.Hours < 1 || in.Hours > g.MaxHours {
		fields["hours"] = "must be a whole number of hours from 1 to " + strconv.Itoa(g.MaxHours)
	}
	if len(fields) > 0 {
		return gr, desk.Invalid("the request was not made: correct what is marked", fields)
	}
	return g.Store.RequestGrant(ctx, actor, gr)
}

// Decide approves or refuses a requested grant (store.DecideGrant: two people).
func (g *Grants) Decide(ctx context.Context, actor desk.Actor, id int64, approve bool, refusal string) (store.Grant, error) {
	return g.Store.DecideGrant(ctx, actor, id, approve, strings.TrimSpace(refusal))
}

// Live returns the account's grant running now, or EFORBIDDEN saying none is.
func (g *Grants) Live(ctx context.Context, acct desk.Account) (store.Grant, error) {
	g.defaults()
	return g.Store.LiveGrant(ctx, acct.ID, g.Now())
}

// SupplierOnly reports whether acct holds the supplier role and no staff role: its access is
// its grant's, and nothing without one.
func SupplierOnly(acct desk.Account) bool {
	return acct.Has(desk.RoleSupplier) && !Can(acct, WorkCalls)
}

// GrantAllows is the scope of a grant on the console's routes, in one place: read-only (GET)
// always; never an export, a download or a bulk page (exports and bulk downloads are impossible
// under a grant); the configuration scope opens the administrators' pages; the calls scope, call
// pages, people's pages and queues; the named scope, only the pages of the calls it names
// (ref is the request's {ref}). The pages that finish signing in, "Your account" and signing out
// are open to any live grant.
func GrantAllows(g store.Grant, method, pattern, ref string) bool {
	switch pattern {
	case "/signout", "/signin/code", "/account/second-factor":
		return true
	}
	if method != http.MethodGet {
		return false
	}
	for _, no := range []string{"export", "download", "bulk", ".csv", ".pdf", ".zip", "/attachments/", "/files/", "/raw"} {
		if strings.Contains(pattern, no) {
			return false
		}
	}
	switch g.Scope {
	case store.GrantConfig:
		return strings.HasPrefix(pattern, "/admin/") && !strings.HasPrefix(pattern, "/admin/retention")
	case store.GrantCalls:
		return pattern == "/calls/{ref}" || pattern == "/people/{id}" || pattern == "/queues/{queue}"
	case store.GrantNamed:
		return pattern == "/calls/{ref}" && slices.Contains(g.CallRefs, strings.ToUpper(ref))
	}
	return false
}

// EndDue winds up the grants whose window has ended (store.EndGrants): their sessions end (the
// console also refuses them on their next request, whatever this job's pace), and each DPO gets
// a summary of what was opened under the grant. It returns how many grants ended.
func (g *Grants) EndDue(ctx context.Context) (int, error) {
	g.defaults()
	_, ended, err := g.Store.EndGrants(ctx, g.Now(), g.summary)
	return len(ended), err
}

// summary is the DPO's mail about an ended grant: who, why, when, and what was opened (pages and
// the people whose data was read, counted; the objects by reference), no call text.
func (g *Grants) summary(gr store.Grant, reads []store.GrantRead, to []string) []desk.OutMail {
	var b strings.Builder
	fmt.Fprintf(&b, "Supplier grant %d has ended.\n\nSupplier: %s (%s)\nReason: %s\nScope: %s\nWindow: %s to %s (UTC)\n\n",
		gr.ID, gr.Login, gr.Processor, gr.Reason, gr.Scope, gr.StartsAt.Format("2006-01-02 15:04"), gr.EndsAt.Format("2006-01-02 15:04"))
	seen := map[string]int{}
	var order []string
	for _, r := range reads {
		if r.Action == "grant.use" {
			continue
		}
		k := r.Action + " " + r.Object
		if seen[k] == 0 {
			order = append(order, k)
		}
		seen[k]++
	}
	pages := 0
	for _, r := range reads {
		if r.Action == "grant.use" {
			pages++
		}
	}
	fmt.Fprintf(&b, "Pages opened under it: %d. Records of personal data read: %d.\n", pages, len(reads)-pages)
	for i, k := range order {
		if i == 100 {
			fmt.Fprintf(&b, "... and %d more: see the audit trail (reason \"%s\").\n", len(order)-100, gr.Words())
			break
		}
		fmt.Fprintf(&b, "- %s (%d times)\n", k, seen[k])
	}
	if len(order) == 0 {
		b.WriteString("No personal data was read under it.\n")
	}
	domain := g.MessageDomain
	if domain == "" {
		domain = "calldesk.invalid"
	}
	var out []desk.OutMail
	for _, addr := range to {
		out = append(out, desk.OutMail{MessageID: fmt.Sprintf("grant-%d-summary-%s@%s", gr.ID, strings.ReplaceAll(addr, "@", "."), domain),
			Kind: desk.MailGrantSummary, To: addr, Subject: fmt.Sprintf("Supplier grant %d has ended: what was opened", gr.ID), Text: b.String()})
	}
	return out
}
