package mail_test

import (
	"context"
	"crypto/tls"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	cdmail "calldesk/internal/mail"
	"calldesk/internal/mail/smtptest"
	"calldesk/internal/store/storetest"
)

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func notifier(t *testing.T, e *storetest.Env) *cdmail.Notifier {
	t.Helper()
	tpl, err := cdmail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	return &cdmail.Notifier{Store: e.S, Templates: tpl, Domain: "desk.uni.example", PortalURL: "https://desk.uni.example",
		ConsoleURL: "https://desk.uni.example", Now: e.Clock.Now}
}

func TestNotificationsAreQueuedOnceWithMinimalContent(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx, f := context.Background(), e.F
		n := notifier(t, e)
		c, err := e.S.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: "Cannot print my dissertation",
			Description: "The printer says my account is in debt", CustomerID: f.Dan.ID, Source: desk.SourcePhone, ProfileID: f.Outlook.ID})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = e.S.UpdateCall(ctx, storetest.Actor(f.Ann), c.Ref, c.Version, desk.Transition{Action: desk.ActAssign,
			GroupID: f.ServiceDesk.ID, AnalystID: f.Bob.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.AddEntry(ctx, storetest.Actor(f.Ann), c.Ref, desk.EntryNote, "INTERNAL his debt is a library fine"); err != nil {
			t.Fatal(err)
		}

		// Two notifiers at once (two instances): each change is notified once.
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := n.Run(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got, err := n.Run(ctx); err != nil || got != 0 {
			t.Fatalf("a third run handled %d events (%v), want none left", got, err)
		}
		out, err := e.S.OutMail(ctx, desk.MailPending, c.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[desk.MailKind][]desk.OutMail{}
		for _, m := range out {
			kinds[m.Kind] = append(kinds[m.Kind], m)
		}
		if len(out) != 2 || len(kinds[desk.MailCallLogged]) != 1 || len(kinds[desk.MailAssigned]) != 1 {
			for _, m := range out {
				t.Logf("%s to %s: %s", m.Kind, m.To, m.Subject)
			}
			t.Fatalf("queued %d messages, want one call-logged to Dan and one assigned to Bob", len(out))
		}
		logged, assigned := kinds[desk.MailCallLogged][0], kinds[desk.MailAssigned][0]
		if logged.To != f.Dan.Email || assigned.To != f.Bob.Email {
			t.Fatalf("recipients %q and %q", logged.To, assigned.To)
		}
		// The customer's carries the reference, the status and a link, not what he wrote (P18).
		if !strings.HasPrefix(logged.Subject, "["+c.Ref+"]") || !strings.Contains(logged.Text, "https://desk.uni.example/portal/calls/"+c.Ref) ||
			!strings.Contains(logged.Text, "Received") {
			t.Fatalf("call-logged message:\n%s\n%s", logged.Subject, logged.Text)
		}
		for _, m := range out {
			for _, secret := range []string{"dissertation", "debt", "INTERNAL", "library fine"} {
				if strings.Contains(m.Subject+m.Text+m.HTML, secret) {
					t.Fatalf("a %s message carries %q:\n%s\n%s", m.Kind, secret, m.Text, m.HTML)
				}
			}
		}
		// Threaded: the second names the first.
		if !strings.HasSuffix(logged.MessageID, "@desk.uni.example") || assigned.InReplyTo != logged.MessageID ||
			len(assigned.References) != 1 || assigned.References[0] != logged.MessageID {
			t.Fatalf("threading: first %q, second in reply to %q, references %v", logged.MessageID, assigned.InReplyTo, assigned.References)
		}
		if !strings.Contains(logged.HTML, `<a href="https://desk.uni.example/portal/calls/`+c.Ref+`"`) {
			t.Fatalf("the HTML version has no link:\n%s", logged.HTML)
		}

		// With full text for analysts, theirs carries the summary; the customer's still does not.
		n.FullText = true
		cur, _ := e.S.FindCallByRef(ctx, c.Ref)
		if _, err := e.S.UpdateCall(ctx, storetest.Actor(f.Cat), c.Ref, cur.Version, desk.Transition{Action: desk.ActAssign, GroupID: f.ServiceDesk.ID,
			AnalystID: f.Ann.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := n.Run(ctx); err != nil {
			t.Fatal(err)
		}
		out, _ = e.S.OutMail(ctx, desk.MailPending, c.ID, 100)
		if len(out) != 3 || out[0].To != f.Ann.Email || !strings.Contains(out[0].Text, "Cannot print my dissertation") {
			t.Fatalf("Ann's assignment with full text: %d messages, newest %+v", len(out), out[0])
		}

		// Ann writes to Dan; Dan answers on the portal; Ann resolves: Dan hears of the update and
		// the resolution (without their words), Ann of his answer.
		if _, err := e.S.AddEntry(ctx, storetest.Actor(f.Ann), c.Ref, desk.EntryUpdate, "Please pay the fine at the library desk"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.AddEntry(ctx, storetest.Actor(f.Dan), c.Ref, desk.EntryUpdate, "Paid, still no printing"); err != nil {
			t.Fatal(err)
		}
		cur, _ = e.S.FindCallByRef(ctx, c.Ref)
		if _, err := e.S.UpdateCall(ctx, storetest.Actor(f.Ann), c.Ref, cur.Version, desk.Transition{Action: desk.ActAccept}); err != nil {
			t.Fatal(err)
		}
		cur, _ = e.S.FindCallByRef(ctx, c.Ref)
		if _, err := e.S.UpdateCall(ctx, storetest.Actor(f.Ann), c.Ref, cur.Version, desk.Transition{Action: desk.ActResolve,
			Text: "Quota reset after the fine was paid"}); err != nil {
			t.Fatal(err)
		}
		if _, err := n.Run(ctx); err != nil {
			t.Fatal(err)
		}
		out, _ = e.S.OutMail(ctx, desk.MailPending, c.ID, 100)
		var seen []string
		for _, m := range out[:len(out)-3] {
			seen = append(seen, string(m.Kind)+" to "+m.To)
			if strings.Contains(m.Text, "fine") || strings.Contains(m.Text, "printing") || strings.Contains(m.Text, "Quota") {
				t.Fatalf("%s carries the call's words:\n%s", m.Kind, m.Text)
			}
		}
		want := []string{"resolved to " + f.Dan.Email, "customer_reply to " + f.Ann.Email, "public_update to " + f.Dan.Email}
		if strings.Join(seen, ", ") != strings.Join(want, ", ") {
			t.Fatalf("queued %v, want %v", seen, want)
		}

		// A change older than a day (email just turned on, or a long outage) is not news.
		if _, err := e.S.AddEntry(ctx, storetest.Actor(f.Ann), c.Ref, desk.EntryUpdate, "We have cleared the fine"); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(25 * time.Hour)
		if got, err := n.Run(ctx); err != nil || got != 1 {
			t.Fatalf("the old event: handled %d (%v)", got, err)
		}
		if out, _ = e.S.OutMail(ctx, desk.MailPending, c.ID, 100); len(out) != 6 {
			t.Fatalf("an event older than a day was notified: %d messages", len(out))
		}
		// Events are pruned after their day, notified or not.
		if n, err := e.S.PruneCallEvents(ctx, e.Clock.Now().Add(-24*time.Hour)); err != nil || n == 0 {
			t.Fatalf("pruned %d events (%v)", n, err)
		}
		if left := e.DB.Count(t, `SELECT COUNT(*) FROM call_events`); left != 0 {
			t.Fatalf("%d events left after pruning", left)
		}
	})
}

func TestSenderDeliversRetriesAndGivesUp(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		smtpd := smtptest.Start(t, "calldesk", "mail password")
		m := desk.OutMail{MessageID: cdmail.NewMessageID("desk.uni.example"), Kind: desk.MailCallLogged, To: "dan@uni.example",
			Subject: "[F0000001] We have your request", Text: "Hello Dan\n", HTML: "<p>Hello Dan</p>",
			InReplyTo: "calldesk.first@desk.uni.example", References: []string{"calldesk.first@desk.uni.example"}}
		if err := e.S.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		// The wrong password: not sent, tried again later, the reason kept.
		s := &cdmail.Sender{Store: e.S, From: "IT Service Desk <servicedesk@uni.example>", Now: e.Clock.Now, MaxAttempts: 2,
			SMTP: cdmail.SMTP{Addr: smtpd.Addr, TLS: "none", Username: "calldesk", Password: "wrong"}}
		if n, err := s.Run(ctx); err != nil || n != 0 {
			t.Fatalf("sent %d (%v) with the wrong password", n, err)
		}
		pending, _ := e.S.OutMail(ctx, desk.MailPending, 0, 10)
		if len(pending) != 1 || pending[0].Attempts != 1 || !pending[0].NextAt.After(e.Clock.Now()) || pending[0].LastError == "" {
			t.Fatalf("after a refused login: %+v", pending)
		}
		// Not due yet: nothing is tried.
		if n, _ := s.Run(ctx); n != 0 || len(smtpd.Messages()) != 0 {
			t.Fatal("a message was tried before its retry time")
		}
		// The server is down at the second attempt, the last: the message fails for good.
		e.Clock.Advance(2 * time.Minute)
		down := *s
		down.SMTP.Addr = "127.0.0.1:1"
		if _, err := down.Run(ctx); err != nil {
			t.Fatal(err)
		}
		failed, _ := e.S.OutMail(ctx, desk.MailFailed, 0, 10)
		if len(failed) != 1 || failed[0].Attempts != 2 {
			t.Fatalf("after the last attempt: %+v", failed)
		}
		// An administrator retries it; with the right password it goes.
		if err := e.S.RetryMail(ctx, e.F.Admin, failed[0].ID); err != nil {
			t.Fatal(err)
		}
		s.SMTP.Password = "mail password"
		if n, err := s.Run(ctx); err != nil || n != 1 {
			t.Fatalf("sent %d (%v) after the retry", n, err)
		}
		got := smtpd.Messages()
		if len(got) != 1 {
			t.Fatalf("the server received %d messages", len(got))
		}
		h := got[0].Msg.Header
		for name, want := range map[string]string{"Message-Id": "<" + m.MessageID + ">", "In-Reply-To": "<calldesk.first@desk.uni.example>",
			"References": "<calldesk.first@desk.uni.example>", "Subject": "[F0000001] We have your request", "Auto-Submitted": "auto-generated",
			"X-Auto-Response-Suppress": "All"} {
			if h.Get(name) != want {
				t.Errorf("%s: %q, want %q", name, h.Get(name), want)
			}
		}
		if got[0].To[0] != "dan@uni.example" || got[0].From != "servicedesk@uni.example" ||
			!strings.Contains(h.Get("Content-Type"), "multipart/alternative") || !strings.Contains(got[0].Body, "<p>Hello Dan</p>") {
			t.Fatalf("delivered from %q to %v, %s:\n%s", got[0].From, got[0].To, h.Get("Content-Type"), got[0].Body)
		}
		if sent, _ := e.S.OutMail(ctx, desk.MailSent, 0, 10); len(sent) != 1 || sent[0].SentAt.IsZero() {
			t.Fatalf("sent: %+v", sent)
		}
		if err := e.S.RetryMail(ctx, e.F.Admin, failed[0].ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("retrying a sent message: %v", err)
		}
	})
}

// TestSenderOverTLS: the sender speaks STARTTLS and implicit TLS, checks the server's
// certificate, and refuses one it does not trust.
func TestSenderOverTLS(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		for _, tc := range []struct {
			mode     string
			implicit bool
		}{{"starttls", false}, {"tls", true}} {
			smtpd, roots := smtptest.StartTLS(t, "calldesk", "mail password", tc.implicit)
			m := desk.OutMail{MessageID: cdmail.NewMessageID("desk.uni.example"), Kind: desk.MailClosed, To: "dan@uni.example",
				Subject: "[F0000001] Closed", Text: "Hello Dan\n"}
			if err := e.S.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
			// A certificate it does not trust: not sent.
			s := &cdmail.Sender{Store: e.S, From: "servicedesk@uni.example", Now: e.Clock.Now,
				SMTP: cdmail.SMTP{Addr: smtpd.Addr, TLS: tc.mode, Username: "calldesk", Password: "mail password"}}
			if n, _ := s.Run(ctx); n != 0 || len(smtpd.Messages()) != 0 {
				t.Fatalf("%s: sent to a server whose certificate is not trusted", tc.mode)
			}
			e.Clock.Advance(time.Hour)
			s.SMTP.TLSConfig = &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
			if n, err := s.Run(ctx); err != nil || n != 1 || len(smtpd.Messages()) != 1 {
				t.Fatalf("%s: sent %d (%v), the server has %d", tc.mode, n, err, len(smtpd.Messages()))
			}
		}
	})
}

// TestFullTextNotificationsMaskSummaries (issue 15 point 8): under FullText an analyst's
// "assigned" notification carries the call's summary, except that of a call awaiting triage (the
// email's subject: "awaiting triage" instead) and that of a special-category call (the mask): a
// mailbox may be read by people who may not read those.
func TestFullTextNotificationsMaskSummaries(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx, f := context.Background(), e.F
		n := notifier(t, e)
		n.FullText = true
		assigned := func(nc desk.NewCall, group, analyst int64) string {
			t.Helper()
			nc.CustomerID, nc.Description = f.Dan.ID, "secret"
			c, err := e.S.CreateCall(ctx, storetest.Actor(f.Dan), nc)
			if err != nil {
				t.Fatal(err)
			}
			if _, err = e.S.UpdateCall(ctx, storetest.Actor(f.Ann), c.Ref, c.Version, desk.Transition{Action: desk.ActAssign,
				GroupID: group, AnalystID: analyst}); err != nil {
				t.Fatal(err)
			}
			if _, err := n.Run(ctx); err != nil {
				t.Fatal(err)
			}
			out, err := e.S.OutMail(ctx, desk.MailPending, c.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range out {
				if m.Kind == desk.MailAssigned {
					return m.Subject + "\n" + m.Text + "\n" + m.HTML
				}
			}
			t.Fatalf("no assigned mail for %s: %+v", c.Ref, out)
			return ""
		}
		for _, tc := range []struct {
			name           string
			nc             desk.NewCall
			group, analyst int64
			want, unwanted string
		}{
			{"plain", desk.NewCall{Summary: "Wombat printer jam", Source: desk.SourcePhone}, f.ServiceDesk.ID, f.Bob.ID, "Wombat printer jam", ""},
			{"triage", desk.NewCall{Summary: "Pangolin therapy letter", Source: desk.SourceEmail, TriagePending: true}, f.ServiceDesk.ID, f.Bob.ID,
				desk.AwaitingTriage, "Pangolin"},
			{"special", desk.NewCall{Summary: "Okapi adjustments", Source: desk.SourcePhone, SpecialCategory: true}, f.Networks.ID, f.Cat.ID,
				desk.SpecialMaskedSummary, "Okapi"},
		} {
			got := assigned(tc.nc, tc.group, tc.analyst)
			if !strings.Contains(got, tc.want) || (tc.unwanted != "" && strings.Contains(got, tc.unwanted)) {
				t.Errorf("%s: the assigned mail should hold %q and not %q:\n%s", tc.name, tc.want, tc.unwanted, got)
			}
		}
	})
}
