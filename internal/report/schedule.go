package report

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Scheduled reports (issue 18 item 5): an analyst subscribes to a report weekly or monthly; the
// scheduler sends, for each subscription due, the report's summary sentence over the last whole
// week (Monday to Sunday) or calendar month and a link to it, never its figures' personal data
// (P18). Each is sent once however many instances run the job (store.SendSubscription), and a
// subscription ends with its account (store.EndSubscriptions).

// SubscriptionEvery is how often a subscribed report comes.
type SubscriptionEvery string

// The subscriptions' rhythms.
const (
	EveryWeek  SubscriptionEvery = "week"
	EveryMonth SubscriptionEvery = "month"
)

// sendHour is the local hour subscribed reports are due: before the desk's day begins.
const sendHour = 7

// NextDue is the first instant after t a subscription of every is due in loc: the next Monday
// at 07:00, or the first of the next month at 07:00.
func NextDue(every SubscriptionEvery, t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	if every == EveryMonth {
		due := time.Date(l.Year(), l.Month(), 1, sendHour, 0, 0, 0, loc)
		if !due.After(t) {
			due = time.Date(l.Year(), l.Month()+1, 1, sendHour, 0, 0, 0, loc)
		}
		return due
	}
	days := (int(time.Monday) - int(l.Weekday()) + 7) % 7
	due := time.Date(l.Year(), l.Month(), l.Day()+days, sendHour, 0, 0, 0, loc)
	if !due.After(t) {
		due = due.AddDate(0, 0, 7)
	}
	return due
}

// lastWhole is the last whole week (Monday to Sunday) or calendar month that ended by t in loc:
// its first and last days.
func lastWhole(every SubscriptionEvery, t time.Time, loc *time.Location) (time.Time, time.Time) {
	l := t.In(loc)
	if every == EveryMonth {
		first := time.Date(l.Year(), l.Month()-1, 1, 0, 0, 0, 0, loc)
		return first, time.Date(l.Year(), l.Month(), 0, 0, 0, 0, 0, loc)
	}
	back := (int(l.Weekday()) - int(time.Monday) + 7) % 7 // days since this week's Monday
	monday := time.Date(l.Year(), l.Month(), l.Day()-back-7, 0, 0, 0, 0, loc)
	return monday, monday.AddDate(0, 0, 6)
}

// SubscriptionQuery checks a subscription's report and filter, as the console's form sends
// them (kind and the filters of ParamsFrom), and returns the filter to keep: only the filters,
// in a fixed order.
func SubscriptionQuery(q url.Values, zone desk.Zone) (Kind, string, error) {
	kind := Kind(q.Get("kind"))
	check := url.Values{"kind": {string(kind)}, "from": {"2000-01-01"}, "to": {"2000-01-01"}}
	keep := url.Values{}
	for _, k := range []string{"group", "profile", "priority", "source", "kind_of_customer"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			check.Set(k, v)
			keep.Set(k, v)
		}
	}
	if _, err := ParamsFrom(check, zone); err != nil {
		return "", "", err
	}
	return kind, keep.Encode(), nil
}

// Mailer writes a subscribed report's email: to whom, "weekly" or "monthly", the report's name,
// its period, its summary sentence and the link to it (internal/mail's Reports.Mail).
type Mailer func(to, every, report, period, figures, link string) (desk.OutMail, error)

// Scheduler sends the subscribed reports that are due.
type Scheduler struct {
	Reporter Reporter
	Mail     Mailer
	// ConsoleURL is the console's public root, for the link.
	ConsoleURL string
}

// Run sends up to 200 due subscriptions; it returns how many this instance sent. A subscription
// whose report fails is left due and tried at the next run; the others go on.
func (sc Scheduler) Run(ctx context.Context) (int, error) {
	st := sc.Reporter.Store
	if _, err := st.EndSubscriptions(ctx); err != nil {
		return 0, fmt.Errorf("end subscriptions: %w", err)
	}
	now := sc.Reporter.now()
	due, err := st.DueSubscriptions(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	loc := sc.Reporter.Zone.Location()
	sent := 0
	var errs []error
	for _, d := range due {
		ok, err := sc.send(ctx, d, now, loc)
		if err != nil {
			errs = append(errs, fmt.Errorf("report subscription %d: %w", d.ID, err))
			continue
		}
		if ok {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

// send runs d's report over the last whole period before now and queues its email, moving d on
// to its next due time after now (a desk that was down sends the latest period once, not every
// one it missed).
func (sc Scheduler) send(ctx context.Context, d store.DueSubscription, now time.Time, loc *time.Location) (bool, error) {
	every := SubscriptionEvery(d.Every)
	from, to := lastWhole(every, now, loc)
	q, err := url.ParseQuery(d.Filter)
	if err != nil {
		return false, fmt.Errorf("its filter %q: %w", d.Filter, err)
	}
	q.Set("kind", d.Kind)
	q.Set("from", from.Format("2006-01-02"))
	q.Set("to", to.Format("2006-01-02"))
	q.Set("every", string(Daily))
	if every == EveryMonth {
		q.Set("every", string(Weekly))
	}
	p, err := ParamsFrom(q, sc.Reporter.Zone)
	if err != nil {
		return false, err
	}
	res, err := sc.Reporter.Run(ctx, p, Viewer{})
	if err != nil {
		return false, err
	}
	words := map[SubscriptionEvery]string{EveryWeek: "weekly", EveryMonth: "monthly"}[every]
	link := strings.TrimSuffix(sc.ConsoleURL, "/") + "/reports?" + q.Encode()
	m, err := sc.Mail(d.Email, words, res.Title, res.Range, res.Summary, link)
	if err != nil {
		return false, err
	}
	return sc.Reporter.Store.SendSubscription(ctx, d, NextDue(every, now, loc), m)
}
