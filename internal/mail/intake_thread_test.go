package mail_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/mail/imaptest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestThreadingThroughDovecot (issue 14 points 1 and 2), end to end: the test messages are put
// in two of the desk's mailboxes on a real Dovecot, and each mailbox's fetcher takes them in.
//   - Hannah's email (Raj, outside the register, in Cc) opens her call; Raj's reply to all joins
//     it, shown as written by his address; a stranger's reply naming her message waits in
//     quarantine, and a colleague's reply to all (not copied in) gets a call of his own, both
//     saying why.
//   - Lena's client sends one Message-ID for every message: her second message is a call too,
//     noting the reused ID.
//   - Priya's message, delivered to both mailboxes (other trace headers, CRLF through a relay):
//     one call, and a duplicate record the mail log lists with its call.
//   - The review's threading defects (fix F1), through a third mailbox: Dara's and Elin's
//     messages from a copier with one constant Message-ID open a call each, and Dara's reply to
//     hers joins her call; Elin's reply to all of Dara's next message gets a call of her own,
//     and Dara answering Elin joins Dara's call; Raj (on Hannah's copy list) copies in a
//     seller, whose reply waits in quarantine: the copy list grows only by the customer's and
//     the analysts' messages.
func TestThreadingThroughDovecot(t *testing.T) {
	srv := imaptest.Dovecot(t)
	storetest.EachEnv(t, time.Date(2026, 12, 9, 14, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		people := map[string]desk.Person{}
		for _, p := range []desk.Person{
			{FirstName: "Hannah", LastName: "Okafor", Email: "h.okafor@example.ac.uk", Username: "hokafor"},
			{FirstName: "Tom", LastName: "Reid", Email: "t.reid@example.ac.uk", Username: "treid"},
			{FirstName: "Lena", LastName: "Fischer", Email: "l.fischer@example.ac.uk", Username: "lfischer"},
			{FirstName: "Priya", LastName: "Shah", Email: "p.shah@example.ac.uk", Username: "pshah"},
			{FirstName: "Dara", LastName: "Novak", Email: "d.novak@example.ac.uk", Username: "dnovak"},
			{FirstName: "Elin", LastName: "Berg", Email: "e.berg@example.ac.uk", Username: "eberg"},
		} {
			p.Kind = desk.Staff
			made, err := e.S.CreatePerson(ctx, e.F.Admin, p)
			if err != nil {
				t.Fatal(err)
			}
			people[p.Username] = made
		}
		read := func(name string) []byte {
			raw, err := os.ReadFile("testdata/inbound/" + name)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
		intake := &mail.Intake{Store: e.S, GroupID: e.F.ServiceDesk.ID, Domain: "desk.example.ac.uk"}
		// takeIn puts the files in a mailbox of its own and has its fetcher take them in, in order.
		takeIn := func(mailbox string, files ...string) {
			t.Helper()
			before := e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages`)
			u := srv.NewUser(t)
			c := u.Dial(t)
			for _, f := range files {
				u.AppendWith(t, c, "INBOX", read(f))
			}
			c.Close()
			mb := testMailbox(u, srv.Addr)
			mb.Name = mailbox
			f := runFetcher(t, mb, intake.Deliver)
			waitFor(t, mailbox+"'s messages taken in", 30*time.Second, func() bool {
				return e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages`) == before+len(files)
			})
			if st := f.Status(); st.Failed != 0 {
				t.Fatalf("%s: %d failed deliveries", mailbox, st.Failed)
			}
		}
		type record struct {
			disposition, reason, callRef string
		}
		recordOf := func(mailbox, messageID string) record {
			t.Helper()
			var r record
			var kind string
			var number int64
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT m.disposition, m.reason, COALESCE(c.kind, ''), COALESCE(c.number, 0)
				FROM mail_messages m LEFT JOIN calls c ON c.id = m.call_id WHERE m.mailbox = ? AND m.message_id = ?`), mailbox, messageID).
				Scan(&r.disposition, &r.reason, &kind, &number); err != nil {
				t.Fatalf("%s in %s: %v", messageID, mailbox, err)
			}
			if kind != "" {
				r.callRef = desk.Reference(desk.CallKind(kind), number)
			}
			return r
		}

		takeIn("servicedesk", "thread-opening-cc.eml", "thread-stranger-cc-reply-all.eml", "thread-stranger-reply.eml",
			"thread-third-party-reply-all.eml", "dedup-reused-id-1.eml", "dedup-reused-id-2.eml", "dedup-twice-servicedesk.eml")
		takeIn("it-help", "dedup-twice-it-help.eml")

		// Point 2: who may add to Hannah's call.
		opening := recordOf("servicedesk", "opening-cc.7731@example.ac.uk")
		if opening.disposition != store.MailNewCall {
			t.Fatalf("Hannah's email: %+v", opening)
		}
		hannahs, err := e.S.FindCallByRef(ctx, opening.callRef)
		if err != nil || hannahs.CustomerID != people["hokafor"].ID {
			t.Fatalf("Hannah's call: %+v %v", hannahs, err)
		}
		raj := recordOf("servicedesk", "b1e0c2d4-raj@partner-college.example")
		if raj.disposition != store.MailEntry || raj.callRef != hannahs.Ref || !strings.Contains(raj.reason, "copy list") {
			t.Errorf("Raj's reply to all (copied in): %+v", raj)
		}
		refused := "it answers call " + hannahs.Ref + ", but %s is neither its customer, an analyst nor on its copy list"
		stranger := recordOf("servicedesk", "20261207101102.mq@outside-recruiting.example")
		if want := strings.Replace(refused, "%s", "mq@outside-recruiting.example", 1); stranger.disposition != store.MailQuarantine ||
			!strings.Contains(stranger.reason, want) {
			t.Errorf("the stranger's reply: %+v, want quarantine saying %q", stranger, want)
		}
		tom := recordOf("servicedesk", "treid.5510@example.ac.uk")
		if want := strings.Replace(refused, "%s", "t.reid@example.ac.uk", 1); tom.disposition != store.MailNewCall || tom.callRef == hannahs.Ref ||
			!strings.Contains(tom.reason, want) {
			t.Errorf("Tom's reply to all (not copied in): %+v, want a call of his own saying %q", tom, want)
		}
		if c, err := e.S.FindCallByRef(ctx, tom.callRef); err != nil || c.CustomerID != people["treid"].ID || !strings.Contains(c.Description, "docking station") {
			t.Errorf("Tom's call: %+v %v", c, err)
		}
		diary, err := e.S.Diary(ctx, hannahs.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var emails []desk.Entry
		for _, en := range diary {
			if en.Kind == desk.EntryEmail {
				emails = append(emails, en)
			}
		}
		if len(emails) != 1 || emails[0].Author != "raj.menon@partner-college.example" || !strings.Contains(emails[0].Text, "survey tablets") || emails[0].Public {
			t.Errorf("Hannah's call's email entries: %+v, want Raj's alone, by his address, internal", emails)
		}

		// Point 1: a reused Message-ID is a new call, noted; a second delivery is a duplicate.
		reused := e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages WHERE message_id = '0000000000000000@lena-pc.example.ac.uk' AND disposition = 'call'`)
		if reused != 2 {
			t.Errorf("%d calls from Lena's two messages with one Message-ID, want 2", reused)
		}
		calls, _, err := e.S.FindCalls(ctx, store.CallFilter{CustomerID: people["lfischer"].ID})
		if err != nil {
			t.Fatal(err)
		}
		noted := 0
		for _, c := range calls {
			if strings.Contains(c.Description, "This email reuses the Message-ID <0000000000000000@lena-pc.example.ac.uk> of an earlier, different message") {
				noted++
				if !strings.Contains(c.Description, "room booking system") {
					t.Errorf("the note is on the wrong call: %q", c.Description)
				}
			}
		}
		if len(calls) != 2 || noted != 1 {
			t.Errorf("Lena's calls: %d, %d noting the reused Message-ID; want 2, 1", len(calls), noted)
		}
		first := recordOf("servicedesk", "CAH7pShah+twice-Q9xv@mail.example.ac.uk")
		dup := recordOf("it-help", "CAH7pShah+twice-Q9xv@mail.example.ac.uk")
		if first.disposition != store.MailNewCall || dup.disposition != store.MailDuplicate || dup.callRef != first.callRef ||
			!strings.HasPrefix(dup.reason, "the same message as one taken in at 2026-12-09T") || !strings.HasSuffix(dup.reason, "(call "+first.callRef+")") {
			t.Errorf("Priya's message delivered twice: %+v then %+v", first, dup)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages WHERE mailbox = 'it-help' AND raw IS NOT NULL`); n != 0 {
			t.Error("the duplicate was kept whole a second time")
		}
		log, err := e.S.MailLog(ctx, store.MailDuplicate)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 1 || log[0].Mailbox != "it-help" || log[0].Sender != "p.shah@example.ac.uk" || log[0].CallRef != first.callRef ||
			log[0].Subject != "Wi-Fi keeps dropping in the Chemistry building" || log[0].Reason != dup.reason {
			t.Errorf("the mail log's duplicates: %+v", log)
		}

		// The review's threading defects (fix F1).
		takeIn("helpdesk", "thread-reused-id-scan-1.eml", "thread-reused-id-scan-2.eml", "thread-reused-id-scan-reply.eml",
			"thread-reply-all-own-call.eml", "thread-reply-all-third-party.eml", "thread-reply-all-customer-answers.eml",
			"thread-stranger-cc-copies-outsider.eml", "thread-stranger-copied-by-cc.eml")
		callOf := func(who string, summary string) desk.Call {
			t.Helper()
			calls, _, err := e.S.FindCalls(ctx, store.CallFilter{CustomerID: people[who].ID})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range calls {
				if c.Summary == summary {
					return c
				}
			}
			t.Fatalf("%s has no call %q: %+v", who, summary, calls)
			return desk.Call{}
		}
		// A Message-ID two calls' messages share: the reply joins its sender's own call.
		daraScan, elinScan := callOf("dnovak", "Scan to email: pages come out blank"), callOf("eberg", "Scanner asks for a PIN I never set")
		if r := recordOf("helpdesk", "7f3a91c2.dnovak@example.ac.uk"); r.disposition != store.MailEntry || r.callRef != daraScan.Ref {
			t.Errorf("Dara's reply to her message with the copier's Message-ID: %+v, want it on %s (Elin's is %s)", r, daraScan.Ref, elinScan.Ref)
		}
		// A third party's reply to all gets its own call; the customer's answer to it joins hers.
		daraLaptop := callOf("dnovak", "Lab laptop fan runs at full speed")
		if r := recordOf("helpdesk", "eve1.81d2@example.ac.uk"); r.disposition != store.MailNewCall || r.callRef == daraLaptop.Ref {
			t.Errorf("Elin's reply to all: %+v, want a call of her own", r)
		}
		if r := recordOf("helpdesk", "lap3.0c55@example.ac.uk"); r.disposition != store.MailEntry || r.callRef != daraLaptop.Ref {
			t.Errorf("Dara answering Elin's reply to all: %+v, want it on her own %s", r, daraLaptop.Ref)
		}
		// Raj, on Hannah's copy list, adds to her call, but the seller he copied in does not.
		if r := recordOf("helpdesk", "c7d1f0e3-raj@partner-college.example"); r.disposition != store.MailEntry || r.callRef != hannahs.Ref {
			t.Errorf("Raj copying in a seller: %+v", r)
		}
		if r, want := recordOf("helpdesk", "q-20261207-1301.vp@cheap-screens.example"), strings.Replace(refused, "%s", "sales@cheap-screens.example", 1); r.disposition != store.MailQuarantine ||
			!strings.Contains(r.reason, want) {
			t.Errorf("the seller Raj copied in: %+v, want quarantine saying %q", r, want)
		}
	})
}
