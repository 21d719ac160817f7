package console_test

import (
	"fmt"
	"net/http"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// TestPagesAuditThePeopleTheyName (issue 15 point 9): each page that shows people other than a
// call's customer records its reading for each of them, so their "who has seen my data" and SAR
// bundle list it: the call page (the analyst assigned, the authors of its entries, the person
// whose address is the alternative contact, a person an entry names by username),
// /admin/retention (the held person, the customer of a
// held call, a person a hold's reason names), /mail/quarantine (a known sender, known addresses
// among the recipients) and /admin/imports (people an import run's report names).
func TestPagesAuditThePeopleTheyName(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(c *console.Console) {
			c.Quarantine = &mail.Mailroom{Store: se.S, Intakes: map[string]*mail.Intake{"servicedesk": {Store: se.S, GroupID: se.F.ServiceDesk.ID}}}
		})
		e.grant(se, e.f.Cat, "analyst,dpo,admin,support_analyst")
		cat := e.signIn(e.f.Cat)
		// names fails unless person has a record of action for Cat's reading on the console.
		names := func(person desk.Person, action, what string) {
			t.Helper()
			for _, r := range e.audited(person, action) {
				if r.Surface == desk.SurfaceConsole && r.ActorID == e.f.Cat.ID {
					return
				}
			}
			t.Errorf("%s: no %s record of Cat's reading for %s", what, action, person.Name())
		}

		// The call page: Dan's call, logged by Ann, assigned to Bob, a note by Bob, Eve the
		// alternative contact.
		call, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Summary: "Printer jammed", CustomerID: e.f.Dan.ID,
			AltEmail: "EEvans@uni.example", Source: desk.SourcePhone, ProfileID: e.f.Outlook.ID, GroupID: e.f.ServiceDesk.ID, AnalystID: e.f.Bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Bob), call.Ref, desk.EntryNote, "Toner ordered"); err != nil {
			t.Fatal(err)
		}
		// Another call, whose only link is its customer Dan; an update by Ann names Cat.
		other := e.call("Scanner", e.f.ServiceDesk.ID)
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), other.Ref, desk.EntryUpdate, "Asked ccarter to look at it."); err != nil {
			t.Fatal(err)
		}
		cat.get("/calls/"+call.Ref).must(t, http.StatusOK)
		for _, p := range []desk.Person{e.f.Dan, e.f.Ann, e.f.Bob, e.f.Eve} {
			names(p, "call.view", "the call page")
		}
		bob := e.signIn(e.f.Bob)
		bob.get("/calls/"+other.Ref).must(t, http.StatusOK)
		named := false
		for _, r := range e.audited(e.f.Cat, "call.view") {
			named = named || r.ObjectID == other.Ref && r.ActorID == e.f.Bob.ID
		}
		if !named {
			t.Errorf("the call page of %s, whose update names Cat, is not audited for Cat", other.Ref)
		}

		// /admin/retention: a hold on Dan's call whose reason names Ann by address, one on Eve.
		if _, err := e.s.PlaceLegalHold(e.ctx, storetest.Actor(e.f.Cat), call.ID, 0, "Warranty claim handled by aarcher@uni.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.PlaceLegalHold(e.ctx, storetest.Actor(e.f.Cat), 0, e.f.Eve.ID, "Tribunal"); err != nil {
			t.Fatal(err)
		}
		cat.get("/admin/retention").must(t, http.StatusOK).has(t, "Warranty claim", "Tribunal")
		for _, p := range []desk.Person{e.f.Dan, e.f.Ann, e.f.Eve} {
			names(p, "legal_hold.view", "/admin/retention")
		}
		if len(e.audited(e.f.Bob, "legal_hold.view")) != 0 {
			t.Error("/admin/retention: recorded for Bob, whom no hold names")
		}

		// /mail/quarantine: a stranger's message to the desk, copied to Dan; and a message with
		// Bob's address as its sender that failed the mail server's check (quarantined, credited
		// to nobody).
		raw := "From: Stranger <stranger@elsewhere.example>\r\nTo: servicedesk@uni.example\r\nCc: Dan <DDawson@uni.example>\r\n" +
			"Subject: About Dan\r\nMessage-ID: <q1@elsewhere.example>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nHello\r\n"
		ingest := func(uid uint32, from, raw string, auth desk.MailAuth) {
			t.Helper()
			d, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: uid, MessageID: fmt.Sprintf("q%d@elsewhere.example", uid),
				From: from, Subject: "About Dan", Text: "Hello", Raw: []byte(raw), Auth: auth}, store.IngestRules{})
			if err != nil || d.Disposition != store.MailQuarantine {
				t.Fatalf("quarantine: %+v %v", d, err)
			}
		}
		ingest(1, "stranger@elsewhere.example", raw, desk.MailAuth{})
		forged := "From: Bob <bbaker@uni.example>\r\nTo: servicedesk@uni.example\r\nSubject: Hi\r\nMessage-ID: <q2@elsewhere.example>\r\n" +
			"Date: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nHi\r\n"
		ingest(2, "bbaker@uni.example", forged, desk.MailAuth{Result: desk.AuthFail, Method: "dmarc", OwnDomain: true})
		cat.get("/mail/quarantine").must(t, http.StatusOK).has(t, "stranger@elsewhere.example")
		for _, p := range []desk.Person{e.f.Dan, e.f.Bob} {
			names(p, "mail.view", "/mail/quarantine")
		}
		if len(e.audited(e.f.Eve, "mail.view")) != 0 {
			t.Error("/mail/quarantine: recorded for Eve, whom no message names")
		}

		// /admin/imports: a run whose report names Eve's address and Bob's username.
		if _, err := e.s.SyncPeople(e.ctx, nil, store.SyncOptions{Source: "campus", By: "test",
			Problems: []string{"line 4: email eevans@uni.example is someone else's", `line 9 (key "x9"): manager "bbaker" unknown`}}); err != nil {
			t.Fatal(err)
		}
		cat.get("/admin/imports").must(t, http.StatusOK).has(t, "campus")
		for _, p := range []desk.Person{e.f.Eve, e.f.Bob} {
			names(p, "import.view", "/admin/imports")
		}
		if len(e.audited(e.f.Dan, "import.view")) != 0 {
			t.Error("/admin/imports: recorded for Dan, whom no report names")
		}
	})
}
