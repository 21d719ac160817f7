package report_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/report"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

func TestNextDueAndLastWhole(t *testing.T) {
	loc := london(t).Location()
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2027, m, d, h, min, 0, 0, loc) }
	for _, c := range []struct {
		every report.SubscriptionEvery
		now   time.Time
		want  time.Time
	}{
		{report.EveryWeek, at(3, 3, 12, 0), at(3, 8, 7, 0)},  // a Wednesday: next Monday
		{report.EveryWeek, at(3, 8, 6, 59), at(3, 8, 7, 0)},  // Monday before seven: today
		{report.EveryWeek, at(3, 8, 7, 0), at(3, 15, 7, 0)},  // Monday at seven: next week
		{report.EveryWeek, at(3, 24, 9, 0), at(3, 29, 7, 0)}, // across the clock change (28 March): 07:00 BST
		{report.EveryMonth, at(3, 3, 12, 0), at(4, 1, 7, 0)},
		{report.EveryMonth, at(12, 31, 23, 0), time.Date(2028, 1, 1, 7, 0, 0, 0, loc)},
		{report.EveryMonth, at(3, 1, 6, 0), at(3, 1, 7, 0)},
	} {
		if got := report.NextDue(c.every, c.now, loc); !got.Equal(c.want) {
			t.Errorf("NextDue(%s, %s) = %s, want %s", c.every, c.now, got, c.want)
		}
	}
}

// TestScheduledReports (issue 18 item 5): a subscription made on a Wednesday is due the next
// Monday at 07:00; the job then queues one email, to the subscriber, with the report's name, the
// last whole week, its summary sentence and a link, and moves the subscription on a week; two
// instances running the job at once send it once; the subscription ends with the account, and
// when its person leaves. Both engines.
func TestScheduledReports(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		f := e.F
		storetest.ReportCalls(t, e) // calls 1-5 March 2027; the clock ends Fri 5 March 12:00
		zone := london(t)
		acct, err := e.S.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Ann.ID, Login: "ann", Active: true, Roles: []desk.Role{desk.RoleAnalyst}})
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Set(time.Date(2027, 3, 3, 12, 0, 0, 0, time.UTC)) // Wednesday
		kind, filter, err := report.SubscriptionQuery(url.Values{"kind": {"volume"}, "group": {fmt.Sprint(f.ServiceDesk.ID)},
			"from": {"2027-03-01"}, "to": {"2027-03-03"}}, zone)
		if err != nil || kind != report.Volume || filter != fmt.Sprintf("group=%d", f.ServiceDesk.ID) {
			t.Fatalf("SubscriptionQuery: %s %q %v", kind, filter, err)
		}
		if _, _, err := report.SubscriptionQuery(url.Values{"kind": {"nonsense"}}, zone); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("a report that does not exist: %v", err)
		}
		sub, err := e.S.Subscribe(ctx, storetest.Actor(f.Ann), store.ReportSubscription{AccountID: acct.ID, Kind: string(kind), Every: "week",
			Filter: filter, NextAt: report.NextDue(report.EveryWeek, e.Clock.Now(), zone.Location())})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.Subscribe(ctx, storetest.Actor(f.Ann), store.ReportSubscription{AccountID: acct.ID, Kind: string(kind), Every: "week",
			Filter: filter, NextAt: sub.NextAt}); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Errorf("the same subscription twice: %v", err)
		}
		var mailed []string
		sc := report.Scheduler{Reporter: report.Reporter{Store: e.S, Zone: zone, Now: e.Clock.Now}, ConsoleURL: "https://desk.uni.example/",
			Mail: func(to, every, name, period, figures, link string) (desk.OutMail, error) {
				text := fmt.Sprintf("%s|%s|%s|%s|%s", every, name, period, figures, link)
				mailed = append(mailed, text)
				return desk.OutMail{MessageID: fmt.Sprintf("r%d@desk", len(mailed)), Kind: desk.MailReport, To: to, Subject: "Your " + every + " report", Text: text}, nil
			}}
		outbox := func() []string {
			t.Helper()
			rows, err := e.DB.Query(`SELECT recipient, text_body FROM mail_outbox WHERE kind = 'report' ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var to, text string
				if err := rows.Scan(&to, &text); err != nil {
					t.Fatal(err)
				}
				out = append(out, to+" "+text)
			}
			return out
		}
		if n, err := sc.Run(ctx); err != nil || n != 0 {
			t.Fatalf("Wednesday: %d sent, %v", n, err)
		}
		e.Clock.Set(time.Date(2027, 3, 8, 7, 5, 0, 0, time.UTC)) // Monday 07:05
		var wg sync.WaitGroup
		sent := make([]int, 2)
		for i := range sent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := sc.Run(ctx)
				if err != nil {
					t.Errorf("instance %d: %v", i, err)
				}
				sent[i] = n
			}()
		}
		wg.Wait()
		if got := outbox(); sent[0]+sent[1] != 1 || len(got) != 1 {
			t.Fatalf("two instances on Monday sent %v: outbox %q", sent, got)
		}
		got := outbox()[0]
		for _, want := range []string{f.Ann.Email + " weekly|Call volume|1 Mar 2027 to 7 Mar 2027|",
			"https://desk.uni.example/reports?every=day&from=2027-03-01&group=" + fmt.Sprint(f.ServiceDesk.ID) + "&kind=volume&to=2027-03-07"} {
			if !strings.Contains(got, want) {
				t.Errorf("the email %q lacks %q", got, want)
			}
		}
		if strings.Contains(got, f.Dan.LastName) || strings.Contains(got, f.Eve.LastName) {
			t.Errorf("the email names a customer: %q", got)
		}
		subs, err := e.S.Subscriptions(ctx, acct.ID)
		if err != nil || len(subs) != 1 || !subs[0].NextAt.Equal(time.Date(2027, 3, 15, 7, 0, 0, 0, time.UTC)) || subs[0].LastSentAt.IsZero() {
			t.Fatalf("after sending: %+v %v", subs, err)
		}
		if n, err := sc.Run(ctx); err != nil || n != 0 {
			t.Errorf("a second run on Monday sent %d, %v", n, err)
		}
		// Ann leaves: her subscription ends, audited, and nothing more is sent.
		if _, err := e.S.MarkLeft(ctx, f.Admin, f.Ann.ID, "moved to another university"); err != nil {
			t.Fatal(err)
		}
		e.Clock.Set(time.Date(2027, 3, 15, 8, 0, 0, 0, time.UTC))
		if n, err := sc.Run(ctx); err != nil || n != 0 {
			t.Errorf("after Ann left: %d sent, %v", n, err)
		}
		if subs, err := e.S.Subscriptions(ctx, acct.ID); err != nil || len(subs) != 0 {
			t.Errorf("Ann's subscriptions after she left: %+v %v", subs, err)
		}
		var ended int
		if err := e.DB.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'report.unsubscribe'`).Scan(&ended); err != nil || ended != 1 {
			t.Errorf("the end of the subscription audited %d times (%v)", ended, err)
		}
	})
}
