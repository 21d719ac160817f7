package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/mail/imaptest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestCorpusThroughDovecot takes the whole inbound corpus into calldesk through a real Dovecot:
// the fetcher, the parser and the store together. Every message becomes exactly one record (a
// call, a diary entry, quarantine, automatic or rejected, with its reason), every one is marked
// seen, none stops the mailbox, and the messages whose fate is known become what they should.
func TestCorpusThroughDovecot(t *testing.T) {
	srv := imaptest.Dovecot(t)
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		files, err := filepath.Glob("testdata/inbound/*.eml")
		if err != nil || len(files) < 40 {
			t.Fatalf("corpus: %d files (%v)", len(files), err)
		}
		sort.Strings(files)
		// The people who write to the desk are in the register, except the strangers; Ann
		// Smith's call is the one her replies answer.
		known := map[string]bool{}
		for _, f := range files {
			raw, _ := os.ReadFile(f)
			if m, err := mail.Parse(raw, mail.Limits{}); err == nil && m.From.Addr != "" && !strings.Contains(f, "stranger") {
				known[strings.ToLower(m.From.Addr)] = true
			}
		}
		delete(known, "servicedesk@example.ac.uk")
		var ann desk.Person
		for addr := range known {
			local := addr[:strings.IndexByte(addr, '@')]
			p, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{LastName: local, Email: addr, Username: "u" + local + addr[strings.IndexByte(addr, '@')+1:], Kind: desk.Staff})
			if err != nil {
				t.Fatalf("person %s: %v", addr, err)
			}
			if addr == "ann.smith@example.ac.uk" {
				ann = p
			}
		}
		call, err := e.S.CreateCall(ctx, e.F.Admin, desk.NewCall{Summary: "Printer jammed", CustomerID: ann.ID, Source: desk.SourcePortal})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.S.EnqueueMail(ctx, desk.OutMail{MessageID: "calldesk.threadthreadthreadthreadth@desk.example.ac.uk", CallID: call.ID,
			Kind: desk.MailCallLogged, To: ann.Email, Subject: "[" + call.Ref + "] Printer jammed", Text: "x"}); err != nil {
			t.Fatal(err)
		}

		u := srv.NewUser(t)
		c := u.Dial(t)
		for _, f := range files {
			raw, _ := os.ReadFile(f)
			raw = []byte(strings.ReplaceAll(string(raw), "[F0012345]", "["+call.Ref+"]"))
			u.AppendWith(t, c, "INBOX", raw)
		}
		c.Close()

		intake := &mail.Intake{Store: e.S, GroupID: e.F.ServiceDesk.ID, Domain: "desk.example.ac.uk", Rules: store.IngestRules{PerSenderHour: 100}}
		f := runFetcher(t, testMailbox(u, srv.Addr), intake.Deliver)
		waitFor(t, "every message of the corpus taken in", 60*time.Second, func() bool {
			return e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages`) == len(files)
		})
		waitFor(t, "every message marked seen", 10*time.Second, func() bool {
			_, msgs := u.Folder(t, "INBOX")
			for _, m := range msgs {
				if !m.Has(imap.FlagSeen) {
					return false
				}
			}
			return len(msgs) == len(files)
		})
		if st := f.Status(); st.Failed != 0 {
			t.Errorf("the fetcher saw %d failed deliveries: %+v", st.Failed, st)
		}
		// What became of each message, by its Message-ID's file.
		got := map[string]string{}
		for _, fn := range files {
			raw, _ := os.ReadFile(fn)
			raw = []byte(strings.ReplaceAll(string(raw), "[F0012345]", "["+call.Ref+"]"))
			key := ""
			if m, err := mail.Parse(raw, mail.Limits{}); err == nil {
				key = m.Key // a stand-in key too: the digest is of the message as read, whatever the server's line ends
			}
			var disp, reason string
			if key != "" {
				if err := e.DB.QueryRow(e.DB.Rebind(`SELECT disposition, reason FROM mail_messages WHERE message_id = ?`), key).Scan(&disp, &reason); err != nil {
					t.Errorf("%s (%s): no record: %v", filepath.Base(fn), key, err)
					continue
				}
			} else {
				disp = "(found by count only)"
			}
			got[filepath.Base(fn)] = disp
			if disp == store.MailRejected && reason == "" {
				t.Errorf("%s was rejected without a reason", fn)
			}
		}
		for name, want := range map[string]string{
			"reply-in-reply-to.eml":               store.MailEntry,
			"reply-subject-only.eml":              store.MailEntry,
			"our-own-message.eml":                 store.MailAutomatic,
			"auto-x-autoreply.eml":                store.MailAutomatic,
			"auto-exchange-oof.eml":               store.MailAutomatic,
			"bounce-dsn.eml":                      store.MailAutomatic,
			"read-receipt.eml":                    store.MailAutomatic,
			"gmail-alternative.eml":               store.MailNewCall,
			"outlook-alternative.eml":             store.MailNewCall,
			"shift-jis.eml":                       store.MailNewCall,
			"auto-subject-only-not-automatic.eml": store.MailNewCall,
		} {
			if got[name] != want {
				t.Errorf("%s became %q, want %q", name, got[name], want)
			}
		}
		rejected := e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages WHERE disposition = 'rejected'`)
		if rejected == 0 {
			t.Error("no malformed message of the corpus was rejected")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND kind = 'email'`, call.ID); n != 2 {
			t.Errorf("Ann's call has %d email entries, want her 2 replies", n)
		}
		t.Logf("dispositions: %v", got)
	})
}

// inbound reads a message of the corpus.
func inbound(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/inbound/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// takeIn delivers raws to a new mailbox of the test Dovecot and has intake take them in through
// a fetcher, waiting until every one of them is recorded in e's store.
func takeIn(t *testing.T, srv *imaptest.Server, e *storetest.Env, intake *mail.Intake, raws ...[]byte) {
	t.Helper()
	before := e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages`)
	u := srv.NewUser(t)
	c := u.Dial(t)
	for _, raw := range raws {
		u.AppendWith(t, c, "INBOX", raw)
	}
	c.Close()
	runFetcher(t, testMailbox(u, srv.Addr), intake.Deliver)
	waitFor(t, "every message taken in", 60*time.Second, func() bool {
		return e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages`) == before+len(raws)
	})
}
