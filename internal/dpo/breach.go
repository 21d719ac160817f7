package dpo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/store"
)

// NotifyWithin is how long the university has to notify the ICO of a breach from becoming
// aware of it (UK GDPR article 33; policy 22).
const NotifyWithin = 72 * time.Hour

// EscalationMarks are the hours of the 72-hour clock at which the Data Protection Officer is
// emailed about a breach still open and not notified.
func EscalationMarks() []int { return []int{24, 48, 60} }

// Lengths of the breach register's texts.
const (
	MaxBreachText  = 4000
	MaxBreachShort = 300
)

// RiskLevels are the levels of risk to people's rights and freedoms an assessment records.
func RiskLevels() []string { return []string{"none", "risk", "high"} }

// ToldChoices are the answers to whether the people affected were told.
func ToldChoices() []string { return []string{"yes", "no", "not needed"} }

// RiskWords says a risk level in words.
func RiskWords(r string) string {
	switch r {
	case "none":
		return "unlikely to result in a risk to people's rights and freedoms"
	case "risk":
		return "a risk to people's rights and freedoms (notify the ICO)"
	case "high":
		return "a high risk (notify the ICO and tell the people affected)"
	}
	return "not assessed yet"
}

// Clock is where a breach stands on its 72-hour clock at a moment.
type Clock struct {
	Deadline time.Time
	// Left is the time left to the deadline (negative once past).
	Left time.Duration
	// Stopped: the ICO was notified, or the breach is closed: the clock no longer runs.
	Stopped bool
	// InTime: notified within the 72 hours (meaningful when NotifiedAt is set).
	InTime bool
}

// ClockOf is breach b's clock at now.
func ClockOf(b store.Breach, now time.Time) Clock {
	c := Clock{Deadline: b.AwareAt.Add(NotifyWithin)}
	c.Left = c.Deadline.Sub(now)
	if !b.NotifiedAt.IsZero() {
		c.Stopped, c.InTime = true, !b.NotifiedAt.After(c.Deadline)
		c.Left = c.Deadline.Sub(b.NotifiedAt)
	} else if b.State == "closed" {
		c.Stopped = true
	}
	return c
}

// Words says the clock in words: "41 h 20 min left", "overdue by 3 h 5 min", "notified in time".
func (c Clock) Words() string {
	switch {
	case c.Stopped && c.InTime:
		return "notified to the ICO within 72 hours"
	case c.Stopped && c.Left < 0:
		return "notified to the ICO late, " + span(-c.Left) + " after the deadline"
	case c.Stopped:
		return "closed without notification to the ICO"
	case c.Left < 0:
		return "overdue by " + span(-c.Left) + ": notify the ICO now, with the reasons for the delay"
	}
	return span(c.Left) + " left to notify the ICO"
}

// Urgent says the clock has passed its first escalation mark without notification.
func (c Clock) Urgent() bool { return !c.Stopped && c.Left <= NotifyWithin-24*time.Hour }

func span(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	return fmt.Sprintf("%d h %d min", h, m)
}

// BreachReport is what a member of staff gives when reporting a breach (policy 15.6).
type BreachReport struct {
	// What happened, in their words.
	What string
	// AwareAt is when they (and so the university) became aware of it; zero: now.
	AwareAt time.Time
}

// CheckReport validates a report at now: the text is required, and the moment of becoming aware
// is not in the future nor more than a year back (a likely typing error).
func CheckReport(r BreachReport, now time.Time) (store.Breach, error) {
	f := map[string]string{}
	what := strings.TrimSpace(r.What)
	switch n := utf8.RuneCountInString(what); {
	case n == 0:
		f["what"] = "is required: say what happened, what data and whose, as far as you know"
	case n > MaxBreachText:
		f["what"] = fmt.Sprintf("is %d characters long: at most %d", n, MaxBreachText)
	}
	aware := r.AwareAt
	if aware.IsZero() {
		aware = now
	}
	if aware.After(now.Add(time.Minute)) {
		f["aware"] = "is in the future: give the day and time you became aware of it"
	} else if aware.Before(now.AddDate(-1, 0, 0)) {
		f["aware"] = "is more than a year ago: check the date"
	}
	if len(f) > 0 {
		return store.Breach{}, desk.Invalid("the report is not complete", f)
	}
	return store.Breach{Report: what, AwareAt: aware.UTC()}, nil
}

// Assessment is the DPO's record of a breach, as typed.
type Assessment struct {
	Assessment, PeopleCount, DataCategories, Risk, Notify, Decision, ApprovedBy string
	NotifiedAt                                                                  time.Time
	Reference, PeopleTold, Actions, State                                       string
	Reason                                                                      string
}

// Apply checks a and returns breach b with it applied, or an EINVALID error naming each field
// wrong: a decision to notify needs its approver; a notification needs its time and the ICO's
// reference, and a decision to notify; a decision not to notify needs its reason; a closed
// breach needs its assessment, risk and decision; every change needs its reason.
func (a Assessment) Apply(b store.Breach, now time.Time) (store.Breach, error) {
	f := map[string]string{}
	long := func(field, v string, max int) string {
		v = strings.TrimSpace(v)
		if n := utf8.RuneCountInString(v); n > max {
			f[field] = fmt.Sprintf("is %d characters long: at most %d", n, max)
		}
		return v
	}
	b.Assessment = long("assessment", a.Assessment, MaxBreachText)
	b.DataCategories = long("categories", a.DataCategories, MaxBreachShort)
	b.Decision = long("decision", a.Decision, MaxBreachText)
	b.ApprovedBy = long("approved_by", a.ApprovedBy, MaxBreachShort)
	b.Reference = long("reference", a.Reference, 100)
	b.Actions = long("actions", a.Actions, MaxBreachText)
	b.PeopleCount = -1
	if s := strings.TrimSpace(a.PeopleCount); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			f["count"] = "must be a whole number of people (0 or more), or empty while not known"
		} else {
			b.PeopleCount = n
		}
	}
	oneOf := func(field, v string, words []string, msg string) string {
		if v == "" {
			return ""
		}
		for _, w := range words {
			if v == w {
				return v
			}
		}
		f[field] = msg
		return v
	}
	b.Risk = oneOf("risk", a.Risk, RiskLevels(), "must be one of the choices given")
	b.Notify = oneOf("notify", a.Notify, []string{"yes", "no"}, "must be yes or no")
	b.PeopleTold = oneOf("told", a.PeopleTold, ToldChoices(), "must be one of the choices given")
	b.NotifiedAt = a.NotifiedAt
	switch a.State {
	case "open", "closed":
		b.State = a.State
	default:
		f["state"] = "must be open or closed"
	}
	if b.Notify == "yes" && b.ApprovedBy == "" {
		f["approved_by"] = "is required with a decision to notify: who approved it"
	}
	if b.Notify == "no" && b.Decision == "" {
		f["decision"] = "is required with a decision not to notify: why the breach is unlikely to result in a risk"
	}
	if !b.NotifiedAt.IsZero() {
		if b.Notify != "yes" {
			f["notify"] = "must be yes when the ICO was notified"
		}
		if b.Reference == "" {
			f["reference"] = "is required once the ICO was notified: the reference the ICO gave"
		}
		if b.NotifiedAt.After(now.Add(time.Minute)) {
			f["notified_at"] = "is in the future"
		} else if b.NotifiedAt.Before(b.AwareAt) {
			f["notified_at"] = "is before the university became aware of the breach"
		}
	} else if b.Reference != "" {
		f["notified_at"] = "is required with the ICO's reference: when the ICO was notified"
	}
	if b.State == "closed" {
		if b.Assessment == "" {
			f["assessment"] = "is required to close the breach: what happened"
		}
		if b.Risk == "" {
			f["risk"] = "is required to close the breach"
		}
		if b.Notify == "" {
			f["notify"] = "is required to close the breach: whether the ICO is notified"
		}
		if b.Risk == "high" && b.PeopleTold == "" {
			f["told"] = "is required to close a high-risk breach: whether the people affected were told"
		}
	}
	if strings.TrimSpace(a.Reason) == "" {
		f["reason"] = "is required: why the record changes"
	}
	if len(f) > 0 {
		return b, desk.Invalid("the breach record is not valid", f)
	}
	return b, nil
}

// Mailer writes the breach register's emails to the Data Protection Officer: a new report, and
// the 72-hour clock's escalations. Each carries the breach's number, the deadline and a link,
// and nothing of what happened (P18: email carries no more than it must).
type Mailer struct {
	// Domain is the right-hand side of the Message-IDs; ConsoleURL the console's public root.
	Domain, ConsoleURL string
	// Zone is the desk's zone, in which the deadline is written.
	Zone *time.Location
}

// Mail renders one notice; it is a store.BreachMail. Hours 0 is a new report.
func (m *Mailer) Mail(n store.BreachNotice) (desk.OutMail, error) {
	link := strings.TrimSuffix(m.ConsoleURL, "/") + fmt.Sprintf("/dpo/breaches/%d", n.BreachID)
	zone := m.Zone
	if zone == nil {
		zone = time.UTC
	}
	deadline := n.Deadline.In(zone).Format("Monday 2 January 2006 at 15:04 MST")
	var subject, text string
	if n.Hours == 0 {
		subject = fmt.Sprintf("Personal data breach %d reported", n.BreachID)
		text = fmt.Sprintf("A member of staff has reported a personal data breach, or a suspected one (breach %d).\n\n"+
			"If it must be notified, the ICO must be told by %s (72 hours from when the university became aware).\n\n"+
			"Assess it in the breach register: %s\n", n.BreachID, deadline, link)
	} else {
		subject = fmt.Sprintf("Breach %d: %d hours of 72 gone, not yet notified", n.BreachID, n.Hours)
		text = fmt.Sprintf("Personal data breach %d was reported %d hours ago and is still open, not notified to the ICO.\n\n"+
			"The 72 hours run out %s.\n\nRecord the decision, or the notification and its reference: %s\n", n.BreachID, n.Hours, deadline, link)
	}
	return desk.OutMail{MessageID: mail.NewMessageID(m.Domain), Kind: desk.MailKind("breach"), To: n.To, Subject: subject, Text: text}, nil
}

// EscalateBreaches is the breach clock's job: it emails the DPO at each mark of every open
// breach not yet notified, once across every instance (store.EscalateBreaches). render is nil
// when email is not set up (the mark is still recorded and audited).
func EscalateBreaches(ctx context.Context, s *store.Store, render store.BreachMail) (int, error) {
	return s.EscalateBreaches(ctx, EscalationMarks(), render)
}
