package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// quarantined takes in a message from a stranger, which the store puts in quarantine.
func quarantined(t *testing.T, e *env, uid uint32, from, subject, text string) int64 {
	t.Helper()
	raw := fmt.Sprintf("From: Stranger <%s>\r\nTo: servicedesk@uni.example\r\nSubject: %s\r\nMessage-ID: <q%d@elsewhere.example>\r\n"+
		"Date: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\n%s\r\n", from, subject, uid, text)
	d, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: uid, MessageID: fmt.Sprintf("q%d@elsewhere.example", uid),
		From: from, Subject: subject, Text: text, Raw: []byte(raw)}, store.IngestRules{})
	if err != nil || d.Disposition != store.MailQuarantine {
		t.Fatalf("quarantine: %+v %v", d, err)
	}
	return d.ID
}

// TestQuarantine: support analysts (only) read the messages of unknown senders, make a call of
// one for the person who sent it, and discard another, whose content goes.
func TestQuarantine(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		var room *mail.Mailroom
		e := newEnvWith(t, se, func(c *console.Console) {
			room = &mail.Mailroom{Store: se.S, Intakes: map[string]*mail.Intake{"servicedesk": {Store: se.S, GroupID: se.F.ServiceDesk.ID}}}
			c.Quarantine = room
		})
		e.grant(se, e.f.Bob, "analyst,support_analyst")
		first := quarantined(t, e, 1, "dan.home@example.org", "Printer at home", "Dan here, writing from home: the VPN will not connect")
		second := quarantined(t, e, 2, "spam@elsewhere.example", "You have won", "Click here")

		ann := e.signIn(e.f.Ann)
		ann.get("/mail/quarantine").must(t, http.StatusForbidden).has(t, "support role")
		ann.get("/queues/mine").must(t, http.StatusOK).lacks(t, `href="/mail/quarantine"`)
		ann.post(fmt.Sprintf("/mail/quarantine/%d/discard", second), nil).must(t, http.StatusForbidden)

		bob := e.signIn(e.f.Bob)
		bob.get("/queues/mine").must(t, http.StatusOK).has(t, `href="/mail/quarantine"`)
		bob.get("/mail/quarantine").must(t, http.StatusOK).has(t, "Printer at home", "dan.home@example.org", "the VPN will not connect", "You have won")

		// Nobody typed, or nobody known: the page says so, nothing is made.
		release := fmt.Sprintf("/mail/quarantine/%d/release", first)
		bob.post(release, url.Values{"person": {""}}).must(t, http.StatusUnprocessableEntity).has(t, "Type the username or email address")
		bob.post(release, url.Values{"person": {"nobody@uni.example"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "Nobody in the register has the email nobody@uni.example", `value="nobody@uni.example"`)

		// Not while Dan's processing is restricted: the page says why, nothing is made.
		if err := e.s.Restrict(e.ctx, e.f.Admin, e.f.Dan.ID, true, "accuracy contested"); err != nil {
			t.Fatal(err)
		}
		bob.post(release, url.Values{"person": {e.f.Dan.Username}}).must(t, http.StatusUnprocessableEntity).has(t, "processing is restricted")
		if err := e.s.Restrict(e.ctx, e.f.Admin, e.f.Dan.ID, false, "corrected"); err != nil {
			t.Fatal(err)
		}

		// Dan it is: the call is his, from the email, in the mailbox's group.
		r := bob.post(release, url.Values{"person": {e.f.Dan.Username}}).must(t, http.StatusSeeOther)
		ref := r.location[len("/calls/"):]
		c, err := e.s.FindCallByRef(e.ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if c.CustomerID != e.f.Dan.ID || c.Source != desk.SourceEmail || c.GroupID != e.f.ServiceDesk.ID || c.Summary != "Printer at home" {
			t.Fatalf("the call made of the message: %+v", c)
		}
		bob.post(release, url.Values{"person": {e.f.Dan.Username}}).must(t, http.StatusNotFound).has(t, "dealt with already")

		// The other is discarded: gone from the list, its content deleted, the act audited.
		bob.post(fmt.Sprintf("/mail/quarantine/%d/discard", second), nil).must(t, http.StatusSeeOther)
		bob.get("/mail/quarantine?done=discarded").must(t, http.StatusOK).has(t, "was discarded", "No message is waiting").lacks(t, "You have won")
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM mail_messages WHERE id = ? AND disposition = 'discarded' AND raw IS NULL`, second); n != 1 {
			t.Fatal("the discarded message's content was kept")
		}
		for _, action := range []string{"mail.release", "mail.discard", "mail.view"} {
			if n := se.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, action); n == 0 {
				t.Errorf("no %s in the audit trail", action)
			}
		}
	})
}

// TestQuarantineMasksSpecialCallMail (issue 15 point 8): a quarantined message about a
// special-category call (a reply from its customer, whose processing is restricted; a stranger's
// message whose subject names the call) shows the mask for its subject and text to a support
// analyst who may not read the call, with its sender and date; a support analyst of the
// call's group reads them.
func TestQuarantineMasksSpecialCallMail(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := mailroomEnv(t, se)
		c := e.specialCall()
		if err := e.s.Restrict(e.ctx, e.f.Admin, e.f.Dan.ID, true, "accuracy contested"); err != nil {
			t.Fatal(err)
		}
		raw := "From: Dan <" + e.f.Dan.Email + ">\r\nTo: servicedesk@uni.example\r\nSubject: Re: [" + c.Ref + "] Okapi adjustments\r\n" +
			"Message-ID: <r1@mail.example>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nMy okapi clinic letter.\r\n"
		d, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "r1@mail.example",
			From: e.f.Dan.Email, Subject: "Re: [" + c.Ref + "] Okapi adjustments", Ref: c.Ref, Text: "My okapi clinic letter.", Raw: []byte(raw)},
			store.IngestRules{PerSenderHour: 100})
		if err != nil || d.Disposition != store.MailQuarantine {
			t.Fatalf("the restricted customer's reply: %+v %v", d, err)
		}
		quarantined(t, e, 2, "okapi.friend@elsewhere.example", "About ["+c.Ref+"]", "Dan's okapi therapy, as promised.")
		e.signIn(e.f.Bob).get("/mail/quarantine").must(t, http.StatusOK).
			has(t, e.f.Dan.Email, desk.SpecialMasked).lacks(t, "Okapi", "okapi clinic", "okapi therapy")
		e.grant(se, e.f.Cat, "analyst,support_analyst")
		e.signIn(e.f.Cat).get("/mail/quarantine").must(t, http.StatusOK).has(t, "Okapi adjustments", "My okapi clinic letter.", "okapi therapy")
	})
}
