package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"calldesk/internal/mail"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// mailroomEnv is a console with the quarantine of incoming email (package mail's Mailroom), where
// Bob is a support analyst.
func mailroomEnv(t *testing.T, se *storetest.Env) *env {
	e := newEnvWith(t, se, func(c *console.Console) {
		c.Quarantine = &mail.Mailroom{Store: se.S, Intakes: map[string]*mail.Intake{"servicedesk": {Store: se.S, GroupID: se.F.ServiceDesk.ID}}}
	})
	e.grant(se, e.f.Bob, "analyst,support_analyst")
	return e
}

// TestMailLog (issue 14): support analysts (only) see the email taken in that made no call or
// entry (a duplicate delivery, a refused message, an automatic one), with when, mailbox, sender,
// subject, what became of it and why, and a link to the call it belongs to; filtered by what
// became of it; reading it is audited. The navigation and the quarantine page link to it.
func TestMailLog(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := mailroomEnv(t, se)
		take := func(in store.InMail) store.Ingested {
			t.Helper()
			in.GroupID, in.Raw = se.F.ServiceDesk.ID, []byte("x")
			d, err := e.s.IngestMail(e.ctx, in, store.IngestRules{})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		first := store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "m1@uni.example", Digest: "d",
			From: e.f.Dan.Email, Subject: "Projector in G.12 flickers", Text: "It flickers"}
		call := take(first)
		again := first
		again.Mailbox = "it-help"
		dup := take(again)
		if dup.Disposition != store.MailDuplicate {
			t.Fatalf("the second delivery: %+v", dup)
		}
		take(store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 2, MessageID: "m2@uni.example", From: e.f.Eve.Email,
			Subject: "Out of office", Automatic: "Auto-Submitted: auto-replied"})
		take(store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 3, MessageID: "place:servicedesk/1/3", From: "big@elsewhere.example",
			Subject: "Scans", Rejected: "the message is 40 MiB, over the 25 MiB a message may be"})

		ann := e.signIn(e.f.Ann)
		ann.get("/mail/log").must(t, http.StatusForbidden)
		ann.get("/queues/mine").must(t, http.StatusOK).lacks(t, `href="/mail/log"`)

		bob := e.signIn(e.f.Bob)
		bob.get("/queues/mine").must(t, http.StatusOK).has(t, `href="/mail/log"`)
		bob.get("/mail/quarantine").must(t, http.StatusOK).has(t, `href="/mail/log"`)
		all := bob.get("/mail/log").must(t, http.StatusOK).has(t,
			"<caption", `<th scope="col">What became of it</th>`, `<label for="disposition">Show</label>`,
			"it-help", "Projector in G.12 flickers", "Duplicate", strings.Replace(dup.Reason, "at 2026-03-02T09:00:00Z", "at Mon 2 Mar 2026 09:00 UTC", 1), `<a href="/calls/`+call.CallRef+`">`,
			"Out of office", "Automatic", "big@", "40 MiB", "Refused or unreadable")
		// Newest first; the message that made the call is not listed.
		if strings.Index(all.body, "Scans") > strings.Index(all.body, "Projector in G.12") {
			t.Error("the log is not newest first")
		}
		if strings.Count(all.body, "Projector in G.12 flickers") != 1 {
			t.Error("the message that made a call is listed, or the duplicate is not")
		}
		bob.get("/mail/log?disposition=duplicate").must(t, http.StatusOK).has(t, "Projector in G.12", `<option value="duplicate" selected>`).
			lacks(t, "Out of office", "Scans")
		bob.get("/mail/log?disposition=nonsense").must(t, http.StatusOK).has(t, "Out of office", "Projector in G.12")

		if n := se.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'mail.view' AND detail LIKE ?`,
			fmt.Sprintf("%%email taken in: messages %%%d%%", dup.ID)); n == 0 {
			t.Error("reading the log is not audited")
		}
	})
}

// TestBrowserMailLog: the page of email taken in, checked like every page (axe, reflow,
// screenshots).
func TestBrowserMailLog(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := mailroomEnv(t, se)
	for i, in := range []store.InMail{
		{Mailbox: "servicedesk", UID: 1, MessageID: "b1@uni.example", From: e.f.Dan.Email, Subject: "Projector in G.12 flickers"},
		{Mailbox: "it-help", UID: 1, MessageID: "b1@uni.example", From: e.f.Dan.Email, Subject: "Projector in G.12 flickers"},
		{Mailbox: "servicedesk", UID: 2, MessageID: "b2@uni.example", From: "a.very.long.address.of.someone.at.a.partner.college@partner-college.example.ac.uk",
			Subject: "Automatic reply: away until Monday", Automatic: "Auto-Submitted: auto-replied"},
	} {
		in.UIDValidity, in.Raw, in.GroupID = 1, []byte("x"), se.F.ServiceDesk.ID
		if _, err := se.S.IngestMail(e.ctx, in, store.IngestRules{}); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	b := e.tab(t)
	b.signIn(e.f.Bob.Username)
	b.Open("/mail/log")
	b.MustSee("Email taken in", "Projector in G.12 flickers", "Duplicate", "Automatic")
	b.Check("email taken in", "mail-log")
}

// TestMailLogMasksSpecialCallSubjects (issue 15 point 8): a second delivery of a reply to a
// special-category call is listed in "Email taken in" with its subject masked to a support
// analyst outside the call's group (the subject is the call's summary), with its sender, what
// became of it and the call's link; a support analyst of the call's group reads the subject.
func TestMailLogMasksSpecialCallSubjects(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := mailroomEnv(t, se)
		c := e.specialCall()
		in := store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "f1@mail.example", From: e.f.Dan.Email,
			Subject: "Re: [" + c.Ref + "] Okapi adjustments", Ref: c.Ref, Text: "My okapi clinic letter.", Raw: []byte("x")}
		for uid := range []uint32{1, 2} {
			in.UID = uint32(uid + 1)
			if _, err := e.s.IngestMail(e.ctx, in, store.IngestRules{PerSenderHour: 100}); err != nil {
				t.Fatal(err)
			}
		}
		e.signIn(e.f.Bob).get("/mail/log").must(t, http.StatusOK).has(t, "/calls/"+c.Ref, "Duplicate").lacks(t, "okapi", "Okapi")
		e.grant(se, e.f.Cat, "analyst,support_analyst")
		e.signIn(e.f.Cat).get("/mail/log").must(t, http.StatusOK).has(t, "Re: ["+c.Ref+"] Okapi adjustments")
	})
}
