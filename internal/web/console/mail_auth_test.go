package console_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// TestMailAuthShown (issue 13, S13): a support analyst sees, by the email that opened a call and
// by each email in its diary, the university's mail server's verdict on the sender, with a
// warning when the sender claims the university's own domain and was not verified; an analyst
// without the support role sees no verdict (nor the email); mail taken in before verdicts were
// read shows none; an email whose DKIM and SPF passes are for another domain than the From's is
// not shown verified. A forged own-domain email in quarantine is marked as such.
func TestMailAuthShown(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(c *console.Console) {
			c.Quarantine = &mail.Mailroom{Store: se.S, Intakes: map[string]*mail.Intake{"servicedesk": {Store: se.S, GroupID: se.F.ServiceDesk.ID}}}
		})
		e.grant(se, e.f.Bob, "analyst,support_analyst")
		take := func(uid uint32, subject, ref string, auth desk.MailAuth) store.Ingested {
			t.Helper()
			d, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: uid, MessageID: subject + "@mail.example",
				From: e.f.Dan.Email, Subject: subject, Ref: ref, Text: "text of " + subject, Raw: []byte("x"), GroupID: e.f.ServiceDesk.ID, Auth: auth},
				store.IngestRules{})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		d := take(1, "opening", "", desk.MailAuth{Result: desk.AuthPass, Method: "dmarc", OwnDomain: true})
		take(2, "reply-none", d.CallRef, desk.MailAuth{Result: desk.AuthNone, OwnDomain: true})
		take(3, "reply-spf", d.CallRef, desk.MailAuth{Result: desk.AuthPass, Method: "spf", OwnDomain: true})
		take(4, "reply-old", d.CallRef, desk.MailAuth{})

		bob := e.signIn(e.f.Bob)
		page := bob.get("/calls/"+d.CallRef).must(t, http.StatusOK)
		page.has(t, `<p class="mail-auth">Sender verified (DMARC pass)</p>`, `<p class="mail-auth">Sender verified (SPF pass)</p>`,
			`<p class="mail-auth alert">Sender not verified (the university&#39;s mail server gave no verdict for the From address&#39;s domain). The From address claims the university's own domain`)
		if n := strings.Count(page.body, `class="mail-auth`); n != 3 {
			t.Errorf("%d verdicts shown, want 3 (the opening email, two replies; none for the old one)", n)
		}

		// A reply through the intake whose only passes are for the attacker's own domain (DKIM
		// signed by attacker.example, SPF for its bounce address, no DMARC verdict): not
		// verified, and warned of.
		in := &mail.Intake{Store: se.S, GroupID: se.F.ServiceDesk.ID, Log: slog.New(slog.DiscardHandler), Auth: mail.AuthCheck{ServID: "mx.uni.example", OwnDomains: []string{"uni.example"}}}
		reply := "Authentication-Results: mx.uni.example; dkim=pass header.d=attacker.example; spf=pass smtp.mailfrom=bounce@attacker.example; dmarc=none header.from=uni.example\r\n" +
			"From: Dan Dawson <" + e.f.Dan.Email + ">\r\nTo: servicedesk@uni.example\r\nSubject: Re: [" + d.CallRef + "] opening\r\nMessage-ID: <unaligned@attacker.example>\r\n" +
			"Date: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nPlease send me the admin password\r\n"
		if err := in.Deliver(e.ctx, mail.Delivery{Mailbox: "servicedesk", UIDValidity: 1, UID: 6, Raw: []byte(reply), Size: int64(len(reply))}); err != nil {
			t.Fatal(err)
		}
		page = bob.get("/calls/"+d.CallRef).must(t, http.StatusOK)
		page.has(t, "Please send me the admin password")
		page.lacks(t, "Sender verified (DKIM pass)")
		if n := strings.Count(page.body, "Sender verified (SPF pass)"); n != 1 {
			t.Errorf("%d emails shown verified by SPF, want 1 (reply-spf)", n)
		}
		if n := strings.Count(page.body, `<p class="mail-auth alert">Sender not verified (the university&#39;s mail server gave no verdict for the From address&#39;s domain)`); n != 2 {
			t.Errorf("%d emails shown as not verified, want 2 (reply-none and the unaligned reply)", n)
		}

		// A forged own-domain email waits in quarantine, the page warning of it; released by a
		// support analyst all the same, its verdict stays with it on the call, as a warning.
		raw := "From: Dan Dawson <" + e.f.Dan.Email + ">\r\nTo: servicedesk@uni.example\r\nSubject: forged\r\nMessage-ID: <forged@mail.example>\r\n" +
			"Date: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nReset my password\r\n"
		q, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 5, MessageID: "forged@mail.example",
			From: e.f.Dan.Email, Subject: "forged", Text: "Reset my password", Raw: []byte(raw),
			Auth: desk.MailAuth{Result: desk.AuthFail, Method: "dmarc", OwnDomain: true}}, store.IngestRules{})
		if err != nil || q.Disposition != store.MailQuarantine {
			t.Fatalf("a failed own-domain sender: %+v %v", q, err)
		}
		bob.get("/mail/quarantine").must(t, http.StatusOK).has(t, `<p class="alert">Sender could not be verified (DMARC fail): the message claims to come from `+e.f.Dan.Email)
		r := bob.post(fmt.Sprintf("/mail/quarantine/%d/release", q.ID), url.Values{"person": {e.f.Dan.Username}}).must(t, http.StatusSeeOther)
		bob.get(r.location).must(t, http.StatusOK).has(t, `<p class="mail-auth alert">Sender could not be verified (DMARC fail). The From address`)

		e.signIn(e.f.Ann).get("/calls/"+d.CallRef).must(t, http.StatusOK).lacks(t, "mail-auth", "Sender verified")
	})
}
