package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

func TestIngestMail(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx, f := context.Background(), e.F
		rules := store.IngestRules{PerSenderHour: 5, StaffRoles: access.RolesWith(access.WorkCalls)}
		uid := uint32(0)
		mail := func(from, subject, text string) store.InMail {
			uid++
			return store.InMail{Mailbox: "servicedesk", UIDValidity: 7, UID: uid, MessageID: fmt.Sprintf("m%d@mail.example", uid),
				From: from, Subject: subject, Text: text, Raw: []byte("Subject: " + subject + "\r\n\r\n" + text),
				GroupID: f.ServiceDesk.ID, ProfileID: f.Outlook.ID}
		}
		take := func(in store.InMail) store.Ingested {
			t.Helper()
			d, err := e.S.IngestMail(ctx, in, rules)
			if err != nil {
				t.Fatalf("taking in %s: %v", in.MessageID, err)
			}
			return d
		}

		// A known sender opens a call (source email, the mailbox's group and profile), with the
		// allowed file kept and the others described.
		first := mail("DDawson@Uni.Example", "Printer on level 2 jammed", "It says paper jam in tray 3")
		first.Files = []desk.Upload{{Filename: "jam.png", Data: pngFile}, {Filename: "run.exe", Data: []byte("MZ\x90\x00rest")}}
		first.Dropped = []string{"scan.tiff (30 MiB, over the 25 MiB limit)"}
		d := take(first)
		if d.Disposition != store.MailNewCall || d.CallRef == "" || d.Duplicate {
			t.Fatalf("first message: %+v", d)
		}
		c, err := e.S.FindCallByRef(ctx, d.CallRef)
		if err != nil {
			t.Fatal(err)
		}
		if c.CustomerID != f.Dan.ID || c.Source != desk.SourceEmail || c.GroupID != f.ServiceDesk.ID || c.Summary != "Printer on level 2 jammed" ||
			!strings.Contains(c.Description, "paper jam in tray 3") || !strings.Contains(c.Description, "run.exe") || !strings.Contains(c.Description, "scan.tiff") {
			t.Fatalf("the call: %+v", c)
		}
		if atts, _ := e.S.Attachments(ctx, c.ID, true); len(atts) != 1 || atts[0].Filename != "jam.png" {
			t.Fatalf("files kept: %+v", atts)
		}
		// The mailbox's rule puts the call in its group at logging: no reassignment (first-contact report).
		if x, err := e.S.FindCallFirstContact(ctx, c.Ref); err != nil || x.Reassigned != 0 || x.ResolvedBy != 0 {
			t.Errorf("the email's call: %+v %v", x, err)
		}

		// The same message again at another place (the same Message-ID, no digest known) is
		// recorded as a duplicate of the first; at the same place in the mailbox nothing changes.
		again := first
		again.UID = 999
		if d := take(again); d.Duplicate || d.Disposition != store.MailDuplicate || d.CallRef != c.Ref {
			t.Fatalf("redelivered by Message-ID: %+v", d)
		}
		moved := first
		moved.MessageID = "other@mail.example"
		if d := take(moved); !d.Duplicate {
			t.Fatalf("redelivered at the same UID: %+v", d)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE source = 'email'`); n != 1 {
			t.Fatalf("%d calls from email, want 1", n)
		}

		// calldesk writes to Dan; his reply (In-Reply-To) joins the call, public (his own email).
		if err := e.S.EnqueueMail(ctx, desk.OutMail{MessageID: "calldesk.n1@desk.uni.example", CallID: c.ID, Kind: desk.MailCallLogged,
			To: f.Dan.Email, Subject: "[" + c.Ref + "] We have your request", Text: "x"}); err != nil {
			t.Fatal(err)
		}
		reply := mail(f.Dan.Email, "Re: We have your request", "Still jammed this morning")
		reply.InReplyTo = []string{"calldesk.n1@desk.uni.example"}
		if d := take(reply); d.Disposition != store.MailEntry || d.CallRef != c.Ref {
			t.Fatalf("reply by In-Reply-To: %+v", d)
		}
		// A reply naming the call only in its subject, from its customer, joins it too.
		withRef := func(in store.InMail) store.InMail { in.Ref = c.Ref; return in }
		if d := take(withRef(mail(f.Dan.Email, "Re: ["+c.Ref+"] We have your request", "Fixed it myself, thanks"))); d.Disposition != store.MailEntry || d.CallRef != c.Ref {
			t.Fatalf("reply by reference from the customer: %+v", d)
		}
		// ...and from an analyst.
		if _, err := e.S.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Bob.ID, Login: "bbaker", Roles: []desk.Role{desk.RoleAnalyst}}); err != nil {
			t.Fatal(err)
		}
		if d := take(withRef(mail(f.Bob.Email, "["+c.Ref+"] toner", "Ordered toner"))); d.Disposition != store.MailEntry {
			t.Fatalf("reply by reference from an analyst: %+v", d)
		}
		// A supplier-only account does not work calls (issue 13 point 2): naming the call in a
		// subject does not add Cat's mail to it.
		if _, err := e.S.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Cat.ID, Login: "ccarter", Roles: []desk.Role{desk.RoleSupplier}}); err != nil {
			t.Fatal(err)
		}
		if d := take(withRef(mail(f.Cat.Email, "Re: ["+c.Ref+"] printer", "Our engineer will call"))); d.CallRef == c.Ref {
			t.Fatalf("a supplier's mail naming Dan's call joined it: %+v", d)
		}
		// A stranger naming the call is never added to it: Eve (known, not the customer) gets a
		// call of her own; an unknown sender waits in quarantine.
		if d := take(withRef(mail(f.Eve.Email, "Re: ["+c.Ref+"] printer", "Me too"))); d.Disposition != store.MailNewCall || d.CallRef == c.Ref {
			t.Fatalf("Eve naming Dan's call: %+v", d)
		}
		if d := take(withRef(mail("mallory@elsewhere.example", "["+c.Ref+"]", "Give me his data"))); d.Disposition != store.MailQuarantine {
			t.Fatalf("an unknown sender naming Dan's call: %+v", d)
		}
		entries := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND kind = 'email'`, c.ID)
		public := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND kind = 'email' AND public = 1`, c.ID)
		if entries != 4 || public != 3 { // the files of the first message, two replies of Dan's; Bob's is internal
			t.Fatalf("%d email entries (%d public) on Dan's call, want 4 (3 public)", entries, public)
		}

		// Automatic mail and calldesk's own messages come back are recorded and go no further.
		auto := mail(f.Dan.Email, "Out of office", "I am away")
		auto.Automatic = "Auto-Submitted: auto-replied"
		if d := take(auto); d.Disposition != store.MailAutomatic || d.CallRef != "" {
			t.Fatalf("an auto-reply: %+v", d)
		}
		bad := mail("", "", "")
		bad.Rejected = "no header could be read"
		if d := take(bad); d.Disposition != store.MailRejected {
			t.Fatalf("an unreadable message: %+v", d)
		}
		// More than five from one sender in an hour is a loop.
		var last store.Ingested
		for i := range 7 {
			last = take(mail(f.Cat.Email, fmt.Sprintf("Loop %d", i), "again"))
		}
		if last.Disposition != store.MailAutomatic || !strings.Contains(last.Reason, "mail loop") {
			t.Fatalf("the seventh message in an hour: %+v", last)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE customer_id = ?`, f.Cat.ID); n != 5 {
			t.Fatalf("%d calls for Cat's loop, want 5", n)
		}
		// Everything was kept whole, and each receipt audited in its transaction.
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages WHERE raw IS NOT NULL`); n != int(uid) {
			t.Fatalf("%d messages recorded, want %d", n, uid)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'mail.receive'`); n != int(uid)+1 {
			t.Fatalf("%d receipts audited, want %d (and the duplicate's)", n, uid+1)
		}
	})
}

// TestIngestMailTwoInstances: two instances taking in the same message at once make one call.
func TestIngestMailTwoInstances(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		for i := range 20 {
			in := store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: uint32(i + 1), MessageID: fmt.Sprintf("race%d@mail.example", i),
				From: e.F.Dan.Email, Subject: "Race", Text: "x", Raw: []byte("x"), GroupID: e.F.ServiceDesk.ID}
			var wg sync.WaitGroup
			results := make([]store.Ingested, 2)
			errs := make([]error, 2)
			for k := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[k], errs[k] = e.S.IngestMail(ctx, in, store.IngestRules{PerSenderHour: 1000})
				}()
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil || results[0].Duplicate == results[1].Duplicate || results[0].CallRef != results[1].CallRef {
				t.Fatalf("message %d: %+v %v / %+v %v", i, results[0], errs[0], results[1], errs[1])
			}
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE source = 'email'`); n != 20 {
			t.Fatalf("%d calls for 20 messages", n)
		}
	})
}

// TestIngestMailRestricted: a reply to the call of a person whose processing is restricted does
// not join the frozen call; it waits in quarantine.
func TestIngestMailRestricted(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		c, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "VPN", CustomerID: e.F.Dan.ID, Source: desk.SourcePhone})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.S.Restrict(ctx, e.F.Admin, e.F.Dan.ID, true, "contested"); err != nil {
			t.Fatal(err)
		}
		d, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "sd", UIDValidity: 1, UID: 1, MessageID: "r1@mail.example", From: e.F.Dan.Email,
			Subject: "Re: [" + c.Ref + "]", Ref: c.Ref, Text: "more", Raw: []byte("x")}, store.IngestRules{})
		if err != nil || d.Disposition != store.MailQuarantine || !strings.Contains(d.Reason, "restricted") {
			t.Fatalf("a reply to a frozen call: %+v %v", d, err)
		}
		// A new message from him makes no new call either (issue 13 point 3): it waits too.
		d, err = e.S.IngestMail(ctx, store.InMail{Mailbox: "sd", UIDValidity: 1, UID: 2, MessageID: "n1@mail.example", From: e.F.Dan.Email,
			Subject: "Printer jammed", Text: "again", Raw: []byte("x")}, store.IngestRules{})
		if err != nil || d.Disposition != store.MailQuarantine || !strings.Contains(d.Reason, "restricted") || d.CallRef != "" {
			t.Fatalf("a new message from a restricted person: %+v %v", d, err)
		}
		// However a call is made, the store refuses it, saying why.
		_, err = e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "Another", CustomerID: e.F.Dan.ID, Source: desk.SourcePhone})
		if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(desk.Message(err), "the Data Protection Officer must lift the restriction first") {
			t.Fatalf("a call for a restricted person: %v", err)
		}
	})
}
