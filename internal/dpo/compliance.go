package dpo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Evidence states, from good to missing.
const (
	Met       = "met"             // the product's records show the duty met
	Attention = "needs attention" // something is late, failed or due
	NoRecord  = "not yet recorded"
)

// Evidence is one duty of the policy that calldesk serves, with what the product shows of it.
type Evidence struct {
	// Duty is the duty in words; Clause where the policy (or the law) sets it.
	Duty, Clause string
	State        string // Met, Attention or NoRecord
	Lines        []string
}

// Provider gathers one line of evidence at now (times counted in loc, the desk's zone).
type Provider func(ctx context.Context, now time.Time, loc *time.Location) (Evidence, error)

// Providers are the compliance page's evidence, in its order: subject requests, erasures, the
// retention sweep, the audit chain and the records of processing, then the lines kept by other
// records (breaches, processors) which say "not yet recorded" until those records exist. A new
// record adds its provider here.
func Providers(st *store.Store) []Provider {
	return []Provider{
		requestsEvidence(st),
		erasuresEvidence(st),
		retentionEvidence(st),
		auditEvidence(st),
		recordsEvidence(st),
		breachEvidence(st),
		processorEvidence(st),
	}
}

// Gather runs every provider at now.
func Gather(ctx context.Context, ps []Provider, now time.Time, loc *time.Location) ([]Evidence, error) {
	if loc == nil {
		loc = time.UTC
	}
	out := make([]Evidence, 0, len(ps))
	for _, p := range ps {
		e, err := p(ctx, now, loc)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// breachEvidence: the breach register's year (policy 22): breaches the university became aware
// of, which were notified to the ICO and how many of those within 72 hours, which were decided
// not to need it, and which await a decision.
func breachEvidence(st *store.Store) Provider {
	return func(ctx context.Context, now time.Time, loc *time.Location) (Evidence, error) {
		from := yearStart(now, loc)
		b, err := st.BreachesInPeriod(ctx, from, now.Add(time.Second))
		if err != nil {
			return Evidence{}, err
		}
		e := Evidence{Duty: "Personal data breaches notified to the ICO within 72 hours", Clause: "policy 22; UK GDPR article 33", State: Met}
		undecided := b.Breaches - b.Notified - b.NotNotified
		e.Lines = []string{
			fmt.Sprintf("Since %s: %d breaches or suspected breaches recorded; %d notified to the ICO, %d of them within 72 hours of the university becoming aware; %d assessed as not needing notification.",
				from.Format("2 January 2006"), b.Breaches, b.Notified, b.NotifiedInTime, b.NotNotified),
			fmt.Sprintf("Awaiting the decision whether to notify: %d (each shows its 72-hour clock in the breach register).", undecided),
		}
		switch {
		case b.Breaches == 0:
			e.State = NoRecord
		case b.Notified > b.NotifiedInTime || undecided > 0:
			e.State = Attention
		}
		return e, nil
	}
}

// processorEvidence: the register of processors (policy 18, 19.4): how many are in use, whether
// each contract carries all of article 28(3)'s clauses (a to h), and which reviews are overdue.
func processorEvidence(st *store.Store) Provider {
	return func(ctx context.Context, now time.Time, loc *time.Location) (Evidence, error) {
		e := Evidence{Duty: "Processors under contract, reviewed when due", Clause: "policy 18, 19.4; UK GDPR article 28", State: Met}
		all, err := st.Processors(ctx)
		if err != nil {
			return e, err
		}
		due, err := st.ProcessorsDueForReview(ctx, now.In(loc).Format("2006-01-02"))
		if err != nil {
			return e, err
		}
		inUse, partial := 0, 0
		for _, p := range all {
			if !p.EndedAt.IsZero() {
				continue
			}
			inUse++
			for _, l := range strings.Split("abcdefgh", "") {
				if !p.HasClause(l) {
					partial++
					break
				}
			}
		}
		if inUse == 0 {
			e.State = NoRecord
			e.Lines = []string{"No processor is recorded in the register of processors."}
			return e, nil
		}
		e.Lines = []string{fmt.Sprintf("%d processors in use; %d of their contracts not checked for all eight clauses of article 28(3).", inUse, partial)}
		if len(due) == 0 {
			e.Lines = append(e.Lines, "No review is due.")
		} else {
			names := make([]string, len(due))
			for i, p := range due {
				names[i] = fmt.Sprintf("%s (due %s)", p.Name, p.ReviewDue)
			}
			e.Lines = append(e.Lines, fmt.Sprintf("Reviews due or overdue: %d: %s.", len(due), strings.Join(names, ", ")))
		}
		if partial > 0 || len(due) > 0 {
			e.State = Attention
		}
		return e, nil
	}
}

func yearStart(now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	return time.Date(l.Year(), 1, 1, 0, 0, 0, 0, loc)
}

func notRecorded(duty, clause, why string) Provider {
	return func(context.Context, time.Time, *time.Location) (Evidence, error) {
		return Evidence{Duty: duty, Clause: clause, State: NoRecord, Lines: []string{why}}, nil
	}
}

func requestsEvidence(st *store.Store) Provider {
	return func(ctx context.Context, now time.Time, loc *time.Location) (Evidence, error) {
		from := yearStart(now, loc)
		t, err := st.SubjectRequestTally(ctx, from, now)
		if err != nil {
			return Evidence{}, err
		}
		e := Evidence{Duty: "Subject requests answered within one month", Clause: "policy 25; UK GDPR article 12(3)", State: Met}
		e.Lines = []string{fmt.Sprintf("Since %s: %d requests answered, %d of them on time, %d late.", from.Format("2 January 2006"), t.Closed, t.OnTime, t.Late),
			fmt.Sprintf("Open and past their deadline now: %d.", t.Overdue)}
		if t.Late > 0 || t.Overdue > 0 {
			e.State = Attention
		}
		if t.Closed == 0 && t.Overdue == 0 {
			e.State = NoRecord
		}
		return e, nil
	}
}

func erasuresEvidence(st *store.Store) Provider {
	return func(ctx context.Context, now time.Time, loc *time.Location) (Evidence, error) {
		from := yearStart(now, loc)
		n, err := st.ErasuresSince(ctx, from)
		if err != nil {
			return Evidence{}, err
		}
		e := Evidence{Duty: "Erasure on request (the right to be forgotten)", Clause: "policy 25; UK GDPR article 17", State: Met,
			Lines: []string{fmt.Sprintf("People erased since %s: %d (each with its decision and what was kept, in the erasure's record).", from.Format("2 January 2006"), n)}}
		if n == 0 {
			e.State = NoRecord
		}
		return e, nil
	}
}

func retentionEvidence(st *store.Store) Provider {
	return func(ctx context.Context, now time.Time, loc *time.Location) (Evidence, error) {
		e := Evidence{Duty: "Data kept no longer than necessary (the retention schedule swept)", Clause: "policy 7.1(e), 19.1"}
		runs, err := st.RetentionRuns(ctx, 20)
		if err != nil {
			return e, err
		}
		for _, r := range runs {
			if r.DryRun || r.State == "running" {
				continue
			}
			when := r.StartedAt.In(loc).Format("2 January 2006 15:04")
			if r.State == "failed" {
				e.State = Attention
				e.Lines = append(e.Lines, fmt.Sprintf("The last sweep, on %s, failed: %s.", when, r.Error))
				return e, nil
			}
			e.State = Met
			if now.Sub(r.StartedAt) > 48*time.Hour {
				e.State = Attention
			}
			total := 0
			for _, l := range r.Lines {
				total += l.Count
			}
			e.Lines = append(e.Lines, fmt.Sprintf("The last sweep ran on %s (by %s) and dealt with %d records:", when, r.By, total))
			for _, l := range r.Lines {
				if l.Count > 0 {
					e.Lines = append(e.Lines, fmt.Sprintf("%s: %d %s (older than %d months)", l.Class, l.Count, pastTense(l.Action), l.Months))
				}
			}
			return e, nil
		}
		e.State = NoRecord
		e.Lines = []string{"No retention sweep has run yet."}
		return e, nil
	}
}

func auditEvidence(st *store.Store) Provider {
	return func(ctx context.Context, now time.Time, loc *time.Location) (Evidence, error) {
		e := Evidence{Duty: "Processing recorded in a tamper-evident audit trail", Clause: "policy 7.1(f), 7.2"}
		v, ok, err := st.LastAuditVerification(ctx)
		if err != nil {
			return e, err
		}
		switch {
		case !ok:
			e.State, e.Lines = NoRecord, []string{"The audit chain has not been verified yet (calldesk audit verify, or Verify now on this page)."}
		case v.Problems > 0:
			e.State = Attention
			e.Lines = []string{fmt.Sprintf("Verified on %s by %s: %d links checked, %d problems; the first: %s.", v.At.In(loc).Format("2 January 2006 15:04"), v.By, v.Checked, v.Problems, v.First)}
		default:
			e.State = Met
			e.Lines = []string{fmt.Sprintf("Verified on %s by %s: %d links checked, the chain intact.", v.At.In(loc).Format("2 January 2006 15:04"), v.By, v.Checked)}
			if now.Sub(v.At) > 31*24*time.Hour {
				e.State = Attention
				e.Lines = append(e.Lines, "That was more than a month ago: verify it again.")
			}
		}
		return e, nil
	}
}

// ReviewDue is how old a record of processing's last review may be before the compliance page
// asks for another.
const ReviewDue = 365 * 24 * time.Hour

func recordsEvidence(st *store.Store) Provider {
	return func(ctx context.Context, now time.Time, loc *time.Location) (Evidence, error) {
		e := Evidence{Duty: "Records of processing kept and reviewed", Clause: "policy 19.2; UK GDPR article 30"}
		acts, err := st.ProcessingActivities(ctx)
		if err != nil {
			return e, err
		}
		if len(acts) == 0 {
			e.State, e.Lines = NoRecord, []string{"No record of processing has been made yet."}
			return e, nil
		}
		e.State = Met
		var never, stale int
		var last time.Time
		for _, a := range acts {
			switch {
			case a.ReviewedAt.IsZero():
				never++
			case now.Sub(a.ReviewedAt) > ReviewDue:
				stale++
			}
			if a.ReviewedAt.After(last) {
				last = a.ReviewedAt
			}
		}
		e.Lines = append(e.Lines, fmt.Sprintf("%d processing activities recorded.", len(acts)))
		if !last.IsZero() {
			e.Lines = append(e.Lines, "Last reviewed on "+last.In(loc).Format("2 January 2006")+".")
		}
		if never > 0 || stale > 0 {
			e.State = Attention
			e.Lines = append(e.Lines, fmt.Sprintf("%d never reviewed, %d not reviewed for more than a year.", never, stale))
		}
		return e, nil
	}
}

// VerifyAudit checks the audit trail's hash chain (sealing pending records first) and records the
// result as evidence.
func VerifyAudit(ctx context.Context, st *store.Store, actor desk.Actor) (store.AuditVerification, error) {
	if _, err := audit.Seal(ctx, st); err != nil {
		return store.AuditVerification{}, err
	}
	rep, err := audit.Verify(ctx, st)
	if err != nil {
		return store.AuditVerification{}, err
	}
	first := ""
	if rep.First != nil {
		first = fmt.Sprintf("%s at link %d", rep.First.Kind, rep.First.Seq)
	}
	if err := st.RecordAuditVerification(ctx, actor, rep.Checked, rep.Count, first); err != nil {
		return store.AuditVerification{}, err
	}
	v, _, err := st.LastAuditVerification(ctx)
	return v, err
}

// WriteCompliancePDF writes the evidence as a PDF the DPO can hand the ICO.
func WriteCompliancePDF(w io.Writer, ev []Evidence, c Contacts, now time.Time, loc *time.Location) error {
	c = c.WithDefaults()
	if loc == nil {
		loc = time.UTC
	}
	p := newPDF("Demonstrating compliance: the IT service desk", now)
	pw := pdfWriter{p}
	pw.h1("Demonstrating compliance: the IT service desk")
	pw.text(fmt.Sprintf("Controller: %s, %s. Data Protection Officer: %s.", c.University, c.UniversityContact, c.DPO))
	pw.text(fmt.Sprintf("Evidence drawn live from calldesk's records on %s (data protection policy 7.2; UK GDPR article 5(2)).", now.In(loc).Format("2 January 2006 15:04 MST")))
	for _, e := range ev {
		p.Bookmark(e.Duty, 0, -1)
		pw.h2(e.Duty)
		pw.field("Where the duty is set", e.Clause)
		pw.field("State", e.State)
		for _, l := range e.Lines {
			pw.text(l)
		}
	}
	return p.Output(w)
}
