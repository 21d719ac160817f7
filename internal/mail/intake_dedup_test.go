package mail_test

import (
	"context"
	"os"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/mail/imaptest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestReencodedThroughDovecot (issue 14 fix F3, defect 7): Renée's message, then the same
// message through relays that re-encoded it (8bit to quoted-printable, base64 rewrapped with
// CRLF line ends, the Date in another zone), each delivered to a mailbox of its own through a
// real Dovecot: one call and two duplicates. With the digest of the raw body, the re-encoded
// deliveries were "different messages reusing the Message-ID": three calls.
func TestReencodedThroughDovecot(t *testing.T) {
	srv := imaptest.Dovecot(t)
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		renee, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Renée", LastName: "Dupré", Email: "r.dupre@example.ac.uk", Kind: desk.Staff})
		if err != nil {
			t.Fatal(err)
		}
		intake := &mail.Intake{Store: e.S, GroupID: e.F.ServiceDesk.ID, Domain: "desk.example.ac.uk", Rules: store.IngestRules{PerSenderHour: 100}}
		for i, mailbox := range []struct{ name, file string }{
			{"servicedesk", "dedup-reencoded-8bit.eml"}, {"relay-qp", "dedup-reencoded-qp.eml"}, {"relay-base64", "dedup-reencoded-base64.eml"},
		} {
			raw, err := os.ReadFile("testdata/inbound/" + mailbox.file)
			if err != nil {
				t.Fatal(err)
			}
			u := srv.NewUser(t)
			c := u.Dial(t)
			u.AppendWith(t, c, "INBOX", raw)
			c.Close()
			mb := testMailbox(u, srv.Addr)
			mb.Name = mailbox.name // a name of its own: two users made in one second may share a UIDVALIDITY
			runFetcher(t, mb, intake.Deliver)
			waitFor(t, mailbox.file+" taken in", 30*time.Second, func() bool {
				return e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages`) == i+1
			})
		}
		got := map[string]string{}
		rows, err := e.DB.Query(`SELECT mailbox, disposition FROM mail_messages`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var mailbox, disp string
			if err := rows.Scan(&mailbox, &disp); err != nil {
				t.Fatal(err)
			}
			got[mailbox] = disp
		}
		rows.Close()
		if got["servicedesk"] != store.MailNewCall || got["relay-qp"] != store.MailDuplicate || got["relay-base64"] != store.MailDuplicate {
			t.Errorf("Renée's message and its re-encoded deliveries became %v; want a call, then two duplicates", got)
		}
		if calls, _, err := e.S.FindCalls(ctx, store.CallFilter{CustomerID: renee.ID}); err != nil || len(calls) != 1 {
			t.Errorf("Renée has %d calls (%v); want 1", len(calls), err)
		}
	})
}
