package mail_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/mail/imaptest"
	"calldesk/internal/mail/smtptest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// sizeLimit is the one limit of the size tests: small, so that their messages are too.
const sizeLimit = 64 << 10

// largeScan is size-large-scan.eml (about 90 KB) sent by from with Message-ID id, with extra
// headers first.
func largeScan(t *testing.T, from, id, extra string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/inbound/size-large-scan.eml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(raw), "Tomasz Wojcik <t.wojcik@example.ac.uk>", from, 1)
	s = strings.Replace(s, "size-large-scan.3e9d@example.ac.uk", id, 1)
	return []byte(extra + s)
}

// exactly is a plain message from from of exactly n bytes.
func exactly(from, id string, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: servicedesk@example.ac.uk\r\nSubject: Log of the failed backup\r\nMessage-ID: <%s>\r\n", from, id)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe backup log follows.\r\n")
	for b.Len() < n {
		b.WriteString("backup: volume /srv/data: 0 files copied, 1 error\r\n")
	}
	return []byte(b.String()[:n-2] + "\r\n")
}

// intakeWithNotices is an Intake under sizeLimit that tells senders of refused mail.
func intakeWithNotices(t *testing.T, e *storetest.Env) *mail.Intake {
	t.Helper()
	tpl, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	return &mail.Intake{Store: e.S, GroupID: e.F.ServiceDesk.ID, Domain: "desk.example.ac.uk", Rules: store.IngestRules{PerSenderHour: 100},
		Limits: mail.Limits{MessageMax: sizeLimit}, Notices: tpl, Own: []string{"servicedesk@example.ac.uk"}, OwnDomain: "desk.example.ac.uk",
		Auth: mail.AuthCheck{ServID: "mx.example.ac.uk", OwnDomains: []string{"example.ac.uk"}}}
}

// TestOversizedMailRefused (issue 14, point 6): with one limit of 64 KiB for the fetcher and the
// parser, a larger message is fetched header-only and recorded as rejected with its sender,
// subject, real size and the limit; its sender gets one polite notice through the outbox
// (Auto-Submitted: auto-replied, In-Reply-To their message), and no second one within the day;
// automatic mail, bounces and calldesk's own addresses get none; a message of exactly the limit
// is taken in.
func TestOversizedMailRefused(t *testing.T) {
	srv := imaptest.Dovecot(t)
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		for _, addr := range []string{"t.wojcik@example.ac.uk", "d.hughes@example.ac.uk"} {
			if _, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{LastName: addr[:strings.IndexByte(addr, '@')], Email: addr, Kind: desk.Staff}); err != nil {
				t.Fatal(err)
			}
		}
		// Tomasz's message passed DMARC at the university's MX: his notice may repeat his subject.
		first := largeScan(t, "Tomasz Wojcik <t.wojcik@example.ac.uk>", "size-large-scan.3e9d@example.ac.uk",
			"Authentication-Results: mx.example.ac.uk; dmarc=pass header.from=example.ac.uk\r\n")
		msgs := []struct {
			raw    []byte
			disp   string
			notice bool // a notice goes to the sender
			why    string
		}{
			{first, store.MailRejected, true, "the sender was told"},
			{largeScan(t, "Tomasz Wojcik <t.wojcik@example.ac.uk>", "size-again.1@example.ac.uk", ""), store.MailRejected, false, "less than a day ago"},
			{largeScan(t, "Out of office <b.ahmed@example.ac.uk>", "size-auto.2@example.ac.uk", "Auto-Submitted: auto-replied\r\n"), store.MailRejected, false, "it is automatic"},
			{largeScan(t, "Mail Delivery <c.lund@example.ac.uk>", "size-bounce.3@example.ac.uk", "Return-Path: <>\r\n"), store.MailRejected, false, "empty Return-Path"},
			{largeScan(t, "IT Service Desk <servicedesk@example.ac.uk>", "size-own.4@example.ac.uk", ""), store.MailRejected, false, "calldesk's own address"},
			{largeScan(t, "Another desk <helpdesk@desk.example.ac.uk>", "size-domain.5@example.ac.uk", ""), store.MailRejected, false, "calldesk's own domain"},
			{exactly("Dafydd Hughes <d.hughes@example.ac.uk>", "size-exact.6@example.ac.uk", sizeLimit), store.MailNewCall, false, ""},
			{exactly("Erin Walsh <e.walsh@example.ac.uk>", "size-over-by-one.7@example.ac.uk", sizeLimit+1), store.MailRejected, true, "the sender was told"},
			// Issue 14 fix F3 (defect 5): mail through a list without Precedence: list (Mailman 3,
			// Microsoft 365 groups), a sender the MX found forged (backscatter), and an outside
			// sender with no verdict whose envelope sender is of another domain get no notice; an
			// outside sender with no verdict whose Return-Path matches gets one, without the
			// subject or the name the message claims.
			{largeScan(t, "Nora Quinn <n.quinn@example.ac.uk>", "size-list.8@lists.example.ac.uk",
				"List-Id: IT users <it-users.lists.example.ac.uk>\r\nList-Post: <mailto:it-users@lists.example.ac.uk>\r\n"), store.MailRejected, false, "mailing list (List-Id"},
			{largeScan(t, "Kai Berg <k.berg@partner.example.org>", "size-forged.9@attacker.example",
				"Return-Path: <kb@attacker.example>\r\nAuthentication-Results: mx.example.ac.uk; dmarc=fail header.from=partner.example.org\r\n"), store.MailRejected, false, "found its sender forged (DMARC failed)"},
			{largeScan(t, "Lea Moss <l.moss@partner.example.org>", "size-envelope.10@bulk.example.net",
				"Return-Path: <bounce-77@bulk.example.net>\r\n"), store.MailRejected, false, "Return-Path) is of another domain"},
			{largeScan(t, "Marco Ortiz <m.ortiz@partner.example.org>", "size-outside.11@partner.example.org",
				"Return-Path: <m.ortiz@partner.example.org>\r\n"), store.MailRejected, true, "the sender was told"},
		}
		u := srv.NewUser(t)
		c := u.Dial(t)
		for _, m := range msgs {
			u.AppendWith(t, c, "INBOX", m.raw)
		}
		c.Close()
		intake := intakeWithNotices(t, e)
		mb := testMailbox(u, srv.Addr)
		mb.MaxSize = sizeLimit
		f := runFetcher(t, mb, intake.Deliver)
		waitFor(t, "every message recorded", 30*time.Second, func() bool {
			return e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages`) == len(msgs)
		})
		rows, err := e.DB.Query(`SELECT sender, subject, disposition, reason, size, id FROM mail_messages ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for rows.Next() {
			var sender, subject, disp, reason string
			var size int64
			var id int64
			if err := rows.Scan(&sender, &subject, &disp, &reason, &size, &id); err != nil {
				t.Fatal(err)
			}
			// Sealed at rest: the message as it came is read through the store.
			raw, err := e.S.StoredMail(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			m := msgs[i]
			i++
			if disp != m.disp || size != int64(len(m.raw)) || !strings.Contains(reason, m.why) {
				t.Errorf("message %d: %s (%s), size %d; want %s, %d bytes, reason holding %q", i, disp, reason, size, m.disp, len(m.raw), m.why)
			}
			if disp != store.MailRejected {
				continue
			}
			figure := fmt.Sprintf("the message is %s; the desk takes messages up to 64 KiB", desk.SizeWords(int64(len(m.raw))))
			if len(m.raw) == sizeLimit+1 {
				figure = "the message is 65537 bytes; the desk takes messages up to 65536 bytes" // not "64 KiB" twice
			}
			header := m.raw[:bytes.Index(m.raw, []byte("\r\n\r\n"))+4]
			if !strings.HasPrefix(reason, figure) || sender == "" || subject == "" || !bytes.Equal(raw, header) {
				t.Errorf("message %d: recorded from %q, %q, %q, keeping %d bytes; want its sender, subject, %q and its header (%d bytes) only",
					i, sender, subject, reason, len(raw), figure, len(header))
			}
		}
		rows.Close()
		if st := f.Status(); st.Oversized != 11 || st.Delivered != 12 {
			t.Errorf("fetcher status: %d oversized of %d; want 11 of 12", st.Oversized, st.Delivered)
		}

		// One notice to each sender told, answering their message, about no call.
		out, err := e.S.OutMail(ctx, desk.MailPending, 0, 20)
		if err != nil {
			t.Fatal(err)
		}
		var told []string
		for _, o := range out {
			if o.Kind != desk.MailTooLarge {
				continue // the exact-size message made a call, whose notifications are not queued here
			}
			told = append(told, o.To)
			if o.CallID != 0 || o.Subject != "Your email was too large for the IT service desk" {
				t.Errorf("notice to %s: call %d, subject %q", o.To, o.CallID, o.Subject)
			}
		}
		if strings.Join(told, " ") != "m.ortiz@partner.example.org e.walsh@example.ac.uk t.wojcik@example.ac.uk" { // newest first
			t.Fatalf("notices went to %q; want Marco, Erin and Tomasz, once each", told)
		}
		for _, o := range out[:2] { // Marco's and Erin's: no verdict, so nothing of their message is repeated
			if !strings.Contains(o.Text, "Hello,\n") || !strings.Contains(o.Text, "Your email did not reach the IT service desk") {
				t.Errorf("notice to %s quotes what the message claims:\n%s", o.To, o.Text)
			}
		}
		tomasz := out[len(out)-1]
		if tomasz.InReplyTo != "size-large-scan.3e9d@example.ac.uk" ||
			!strings.Contains(tomasz.Text, `Your email "Scans of the signed forms" did not reach the IT service desk: it is `+desk.SizeWords(int64(len(first)))+`, and the desk takes emails of up to 64 KiB`) ||
			!strings.Contains(tomasz.Text, "share them with a link") || !strings.Contains(tomasz.Text, "Hello Tomasz Wojcik,") {
			t.Errorf("notice to Tomasz: In-Reply-To %q, text:\n%s", tomasz.InReplyTo, tomasz.Text)
		}

		// Sent as an automatic answer to his message.
		smtpd := smtptest.Start(t, "", "")
		s := &mail.Sender{Store: e.S, From: "IT Service Desk <servicedesk@example.ac.uk>", Now: e.Clock.Now, SMTP: mail.SMTP{Addr: smtpd.Addr, TLS: "none"}}
		if _, err := s.Run(ctx); err != nil {
			t.Fatal(err)
		}
		for _, got := range smtpd.Messages() {
			if got.To[0] != "t.wojcik@example.ac.uk" {
				continue
			}
			h := got.Msg.Header
			if h.Get("Auto-Submitted") != "auto-replied" || h.Get("In-Reply-To") != "<size-large-scan.3e9d@example.ac.uk>" {
				t.Errorf("the notice was sent with Auto-Submitted %q, In-Reply-To %q", h.Get("Auto-Submitted"), h.Get("In-Reply-To"))
			}
		}

		// A day later, the next refusal is news again.
		e.Clock.Advance(24*time.Hour + time.Minute)
		if err := intake.Deliver(ctx, mail.Delivery{Mailbox: "servicedesk", UIDValidity: 1, UID: 100, Size: 200 << 10, Oversized: true,
			Raw: first[:bytes.Index(first, []byte("\r\n\r\n"))+4]}); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_outbox WHERE kind = 'too_large' AND recipient = 't.wojcik@example.ac.uk'`); n != 2 {
			t.Errorf("%d notices to Tomasz after a second refusal a day later; want 2", n)
		}
	})
}

// TestTooLargeForTheParser: a message the fetcher brings whole but over the Intake's limit (a
// fetcher configured apart, or a server that misreports the size) is refused the same way, with
// the same notice, and keeps only its header.
func TestTooLargeForTheParser(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		raw := largeScan(t, "Tomasz Wojcik <t.wojcik@example.ac.uk>", "size-parser.8@example.ac.uk", "")
		if err := intakeWithNotices(t, e).Deliver(ctx, mail.Delivery{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, Raw: raw, Size: int64(len(raw))}); err != nil {
			t.Fatal(err)
		}
		var disp, reason, subject string
		var size, kept int64
		if err := e.DB.QueryRow(`SELECT disposition, reason, subject, size, `+lengthOf(e)+`(raw) FROM mail_messages`).Scan(&disp, &reason, &subject, &size, &kept); err != nil {
			t.Fatal(err)
		}
		if disp != store.MailRejected || !strings.HasPrefix(reason, "the message is 88.8 KiB; the desk takes messages up to 64 KiB; the sender was told") ||
			subject != "Scans of the signed forms" || size != int64(len(raw)) || kept > 1000 {
			t.Errorf("recorded %s (%s), %q, size %d, %d bytes kept", disp, reason, subject, size, kept)
		}
		var to, inReplyTo string
		if err := e.DB.QueryRow(`SELECT recipient, in_reply_to FROM mail_outbox WHERE kind = 'too_large'`).Scan(&to, &inReplyTo); err == sql.ErrNoRows || err != nil ||
			to != "t.wojcik@example.ac.uk" || inReplyTo != "size-parser.8@example.ac.uk" {
			t.Errorf("notice: to %q, In-Reply-To %q (%v)", to, inReplyTo, err)
		}

		// A person whose processing is restricted is sent nothing (issue 7), this notice included.
		if err := e.S.Restrict(ctx, e.F.Admin, e.F.Dan.ID, true, "contested"); err != nil {
			t.Fatal(err)
		}
		raw = largeScan(t, "Dan <"+e.F.Dan.Email+">", "size-restricted.9@example.ac.uk", "")
		if err := intakeWithNotices(t, e).Deliver(ctx, mail.Delivery{Mailbox: "servicedesk", UIDValidity: 1, UID: 2, Raw: raw, Size: int64(len(raw))}); err != nil {
			t.Fatal(err)
		}
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT reason FROM mail_messages WHERE uid = 2`)).Scan(&reason); err != nil ||
			!strings.HasSuffix(reason, "no notice to the sender: their processing is restricted") {
			t.Errorf("a restricted person's refused message: %q (%v)", reason, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_outbox WHERE kind = 'too_large'`); n != 1 {
			t.Errorf("%d notices, want only Tomasz's", n)
		}
	})
}

// lengthOf is the engine's byte-length function for a BLOB or bytea.
func lengthOf(e *storetest.Env) string {
	if e.Engine == "postgres" {
		return "octet_length"
	}
	return "length"
}
