package mail

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Notifier turns changes of calls into emails: it reads the call events the store records with
// every change (store.PendingCallEvents), decides who should hear of each, renders the
// messages and hands them to the store, which puts them in the outbox and marks the events done
// in one transaction (store.Notified), so each change is notified exactly once, on any number of
// instances. Nothing is sent here: the Sender does that, outside every web request.
type Notifier struct {
	Store     *store.Store
	Templates *Templates
	// Domain is the right-hand side of calldesk's Message-IDs (calldesk.<random>@Domain), by
	// which replies are recognised as answering calldesk.
	Domain string
	// PortalURL and ConsoleURL are the public addresses of the portal's and the console's root
	// ("https://desk.uni.example"), for the links in messages.
	PortalURL, ConsoleURL string
	// FullText lets analysts' notifications carry the call's summary; customers' never do (P18: email is not a secure medium, so a notification carries
	// the reference, the status and a link to the portal).
	FullText bool
	// Zone is the desk's time zone, for times in messages (UTC when nil).
	Zone *time.Location
	// Batch is how many events one Run takes (default 200).
	Batch int
	// MaxAge is how old an event may be and still be notified (default 24 hours): older ones are
	// marked done without a message, so that turning email on (or a long outage) does not send
	// people news of the distant past.
	MaxAge time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	Log *slog.Logger
}

// Run notifies one batch of pending events and returns how many it handled. It is a periodic
// task; a failure leaves the events pending for the next run.
func (n *Notifier) Run(ctx context.Context) (int, error) {
	batch := n.Batch
	if batch <= 0 {
		batch = 200
	}
	events, err := n.Store.PendingCallEvents(ctx, batch)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	plan := map[int64][]desk.OutMail{}
	threads := map[int64]string{}
	for _, ev := range events {
		msgs, err := n.plan(ctx, ev, threads)
		if err != nil {
			return 0, err
		}
		plan[ev.ID] = msgs
	}
	return n.Store.Notified(ctx, events, plan)
}

// recipient is someone a notification goes to.
type recipient struct {
	name, email string
	customer    bool
}

// plan decides the messages for one event.
func (n *Notifier) plan(ctx context.Context, ev store.CallEvent, threads map[int64]string) ([]desk.OutMail, error) {
	maxAge, now := n.MaxAge, time.Now
	if maxAge <= 0 {
		maxAge = 24 * time.Hour
	}
	if n.Now != nil {
		now = n.Now
	}
	if now().Sub(ev.At) > maxAge {
		return nil, nil
	}
	c, err := n.Store.FindCallByRef(ctx, ev.Ref)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	customer, err := n.person(ctx, c.CustomerID)
	if err != nil {
		return nil, err
	}
	// Who and where as the change left the call, not as it is now.
	c.State, c.GroupID, c.AnalystID = ev.State, ev.GroupID, ev.AnalystID
	byCustomer := ev.ActorID != 0 && ev.ActorID == c.CustomerID
	toCustomer := func(k desk.MailKind) []job {
		if customer.Email == "" || byCustomer {
			return nil
		}
		return []job{{k, recipient{customer.Name(), customer.Email, true}}}
	}
	var jobs []job
	switch strings.TrimPrefix(ev.Action, "call.") {
	case "create":
		if customer.Email != "" {
			jobs = append(jobs, job{desk.MailCallLogged, recipient{customer.Name(), customer.Email, true}})
		}
		if c.GroupID != 0 || c.AnalystID != 0 {
			jobs = append(jobs, n.toAnalysts(ctx, c, ev, desk.MailAssigned)...)
		}
	case "update", "email":
		if byCustomer {
			jobs = append(jobs, n.toAnalysts(ctx, c, ev, desk.MailCustomerReply)...)
		} else if ev.Action == "call.update" {
			jobs = append(jobs, toCustomer(desk.MailPublicUpdate)...)
		}
	case "hold":
		jobs = append(jobs, toCustomer(desk.MailOnHold)...)
	case "off_hold":
		jobs = append(jobs, toCustomer(desk.MailOffHold)...)
		jobs = append(jobs, n.toAnalysts(ctx, c, ev, desk.MailOffHold)...)
	case "resolve":
		jobs = append(jobs, toCustomer(desk.MailResolved)...)
	case "close":
		jobs = append(jobs, toCustomer(desk.MailClosed)...)
	case "assign":
		jobs = append(jobs, n.toAnalysts(ctx, c, ev, desk.MailAssigned)...)
	}
	var out []desk.OutMail
	for _, j := range jobs {
		m, err := n.message(ctx, c, j, threads)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

type job struct {
	kind desk.MailKind
	to   recipient
}

// toAnalysts is the call's analyst, or else its group's shared mailbox, unless the event is their
// own doing.
func (n *Notifier) toAnalysts(ctx context.Context, c desk.Call, ev store.CallEvent, k desk.MailKind) []job {
	if c.AnalystID != 0 {
		if c.AnalystID == ev.ActorID {
			return nil
		}
		p, err := n.person(ctx, c.AnalystID)
		if err != nil || p.Email == "" {
			return nil
		}
		return []job{{k, recipient{p.Name(), p.Email, false}}}
	}
	if c.GroupID == 0 {
		return nil
	}
	g, err := n.Store.FindGroup(ctx, c.GroupID)
	if err != nil || g.Mailbox == "" {
		return nil
	}
	return []job{{k, recipient{g.Name, g.Mailbox, false}}}
}

func (n *Notifier) person(ctx context.Context, id int64) (desk.Person, error) {
	if id == 0 {
		return desk.Person{}, nil
	}
	p, err := n.Store.FindPerson(ctx, id)
	if desk.ErrorCode(err) == desk.ENOTFOUND || (err == nil && !p.Active) {
		return desk.Person{}, nil
	}
	if err != nil {
		return p, err
	}
	// A person whose processing is restricted is sent nothing (issue 7).
	if r, err := n.Store.RestrictionOf(ctx, id); err != nil {
		return desk.Person{}, err
	} else if !r.Since.IsZero() {
		return desk.Person{}, nil
	}
	return p, nil
}

// message renders one notification, threaded with the call's first message.
func (n *Notifier) message(ctx context.Context, c desk.Call, j job, threads map[int64]string) (desk.OutMail, error) {
	d := MailData{Ref: c.Ref, Name: j.to.name}
	if j.to.customer {
		d.Status, d.Link = c.State.CustomerWords(), strings.TrimSuffix(n.PortalURL, "/")+"/portal/calls/"+c.Ref
	} else {
		d.Status, d.Link = strings.ReplaceAll(string(c.State), "_", " "), strings.TrimSuffix(n.ConsoleURL, "/")+"/calls/"+c.Ref
		if n.FullText {
			d.Summary = notifiedSummary(c)
		}
	}
	if !c.HoldUntil.IsZero() {
		d.Until = desk.ZoneOf(n.Zone).When(c.HoldUntil) // as every page writes it, BST or GMT as at that time
	}
	if j.kind == desk.MailAssigned {
		d.To = "you"
		if c.AnalystID == 0 {
			d.To = j.to.name
		}
	}
	r, err := n.Templates.Render(j.kind, d)
	if err != nil {
		return desk.OutMail{}, err
	}
	m := desk.OutMail{MessageID: NewMessageID(n.Domain), CallID: c.ID, Kind: j.kind, To: j.to.email,
		Subject: r.Subject, Text: r.Text, HTML: r.HTML}
	first, ok := threads[c.ID]
	if !ok {
		if first, err = n.Store.FirstMailOf(ctx, c.ID); err != nil {
			return desk.OutMail{}, err
		}
	}
	if first == "" {
		threads[c.ID] = m.MessageID
	} else {
		threads[c.ID] = first
		m.InReplyTo, m.References = first, []string{first}
	}
	return m, nil
}

// notifiedSummary is the summary an analyst's or a group mailbox's notification carries under
// FullText. A mailbox may be read by people who may not read the call, so the masks apply as to
// a reader who may not: a special-category call's summary is the mask (desk.SpecialMaskedSummary,
// S8), and that of a call awaiting triage, still the email's subject, is withheld
// (desk.AwaitingTriage, S13).
func notifiedSummary(c desk.Call) string {
	switch {
	case c.SpecialCategory:
		return desk.SpecialMaskedSummary
	case c.TriagePending:
		return desk.AwaitingTriage
	}
	return c.Summary
}
