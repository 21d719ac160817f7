package dpo

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Likelihoods and Severities are the scales of a risk (the ICO's DPIA template's).
func Likelihoods() []string { return []string{"remote", "possible", "probable"} }

// Severities is the scale of a risk's harm.
func Severities() []string { return []string{"minimal", "significant", "severe"} }

// RiskLevel is the overall risk of likelihood and severity: low, medium or high, as the ICO's
// matrix puts it.
func RiskLevel(likelihood, severity string) string {
	score := func(v string, scale []string) int {
		for i, s := range scale {
			if s == v {
				return i + 1
			}
		}
		return 0
	}
	switch n := score(likelihood, Likelihoods()) * score(severity, Severities()); {
	case n >= 6:
		return "high"
	case n >= 3:
		return "medium"
	default:
		return "low"
	}
}

// AssessmentKindWords names an assessment's kind.
func AssessmentKindWords(kind string) string {
	if kind == store.KindLIA {
		return "Legitimate-interest assessment"
	}
	return "DPIA"
}

// DPIAForm is the assessment form as typed; its risks are parallel lists (one entry per row of
// the form), rows left empty ignored.
type DPIAForm struct {
	Kind, Title, Processing, Assessment, Outcome, ReviewDue string
	Risks, Likelihoods, Severities, Mitigations             []string
	Retired                                                 bool
	Reason                                                  string
	Version                                                 int
}

// DPIA checks f and returns the assessment it describes.
func (f DPIAForm) DPIA() (store.DPIA, error) {
	d := store.DPIA{Kind: f.Kind, Title: strings.TrimSpace(f.Title), Processing: strings.TrimSpace(f.Processing),
		Assessment: strings.TrimSpace(f.Assessment), Outcome: strings.TrimSpace(f.Outcome), ReviewDue: strings.TrimSpace(f.ReviewDue), Version: f.Version}
	e := map[string]string{}
	if d.Kind != store.KindDPIA && d.Kind != store.KindLIA {
		e["kind"] = "Choose whether it is a DPIA or a legitimate-interest assessment."
	}
	if d.Title == "" || utf8.RuneCountInString(d.Title) > 200 {
		e["title"] = "The title is required (at most 200 characters)."
	}
	if d.Processing == "" {
		e["processing"] = "Say which processing it assesses."
	}
	if len(d.Processing)+len(d.Assessment)+len(d.Outcome) > 50000 {
		e["assessment"] = "The text is too long: attach it as a document instead."
	}
	if !day(d.ReviewDue) {
		e["review_due"] = "The next review's date is required, as a date such as 2027-03-31."
	}
	at := func(l []string, i int) string {
		if i < len(l) {
			return strings.TrimSpace(l[i])
		}
		return ""
	}
	for i := range f.Risks {
		r := store.Risk{Risk: at(f.Risks, i), Likelihood: at(f.Likelihoods, i), Severity: at(f.Severities, i), Mitigation: at(f.Mitigations, i)}
		if r.Risk == "" {
			if r.Mitigation != "" {
				e["risks"] = fmt.Sprintf("Risk %d has a mitigation but no risk: describe the risk.", i+1)
			}
			continue
		}
		if !contains(Likelihoods(), r.Likelihood) || !contains(Severities(), r.Severity) {
			e["risks"] = fmt.Sprintf("Choose the likelihood and the severity of risk %d.", i+1)
			continue
		}
		d.Risks = append(d.Risks, r)
	}
	if strings.TrimSpace(f.Reason) == "" {
		e["reason"] = "Give the reason for the change: it goes into the audit trail."
	}
	return d, desk.Invalid("the assessment was not saved", e)
}

func contains(l []string, v string) bool {
	for _, s := range l {
		if s == v {
			return true
		}
	}
	return false
}

// Reminders is the job that emails the Data Protection Officer when the review of a processor or
// an assessment falls due: once per review date, however many calldesk instances run it (the
// store's compare and set on reminded_for).
type Reminders struct {
	Store *store.Store
	Now   func() time.Time
	Zone  desk.Zone
	// MessageID makes calldesk's own Message-ID for an email.
	MessageID func() string
	// ConsoleURL is the console's address, for the link in the email ("" leaves it out).
	ConsoleURL string
}

// Run sends the reminders due today and returns how many reviews it reminded of.
func (r *Reminders) Run(ctx context.Context) (int, error) {
	today := r.Now().In(r.Zone.Location()).Format(time.DateOnly)
	due, err := r.Store.DueReviews(ctx, today)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	to, err := r.dpoAddresses(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		mails := make([]desk.OutMail, 0, len(to))
		for _, addr := range to {
			mails = append(mails, r.mail(addr, d))
		}
		sent, err := r.Store.SendReviewReminder(ctx, d, mails)
		if err != nil {
			return n, err
		}
		if sent {
			n++
		}
	}
	return n, nil
}

// dpoAddresses are the email addresses of the active accounts with the dpo role.
func (r *Reminders) dpoAddresses(ctx context.Context) ([]string, error) {
	accts, err := r.Store.AccountsWithRole(ctx, desk.RoleDPO)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range accts {
		if !a.Active {
			continue
		}
		p, err := r.Store.FindPerson(ctx, a.PersonID)
		if err != nil {
			return nil, err
		}
		if p.Active && p.Email != "" && !contains(out, p.Email) {
			out = append(out, p.Email)
		}
	}
	return out, nil
}

func (r *Reminders) mail(to string, d store.Review) desk.OutMail {
	what, path := "processor", "/dpo/processors/"
	if d.Kind == "dpia" {
		what, path = "assessment", "/dpo/assessments/"
	}
	text := fmt.Sprintf("The review of the %s %q was due on %s.\n\nPlease review its record and set its next review date.\n", what, d.Title, d.Due)
	if r.ConsoleURL != "" {
		text += "\n" + strings.TrimSuffix(r.ConsoleURL, "/") + path + fmt.Sprint(d.ID) + "\n"
	}
	return desk.OutMail{MessageID: r.MessageID(), Kind: desk.MailReview, To: to,
		Subject: fmt.Sprintf("Review due: %s %s", what, d.Title), Text: text}
}
