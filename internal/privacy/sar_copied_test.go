package privacy_test

import (
	"context"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestSARMailCopiedToPerson (issue 14): calldesk records the To and Cc addresses of the email it
// takes in (a call's copy list); an email on someone else's call that the person was copied on
// is in their bundle, and one in quarantine too; one discarded keeps no trace of them.
func TestSARMailCopiedToPerson(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		p, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Nia", LastName: "Newcomer", Username: "nnewcomer",
			Email: "Nia.Newcomer@uni.example", Kind: desk.Student})
		if err != nil {
			t.Fatal(err)
		}
		raw := "From: Dan <" + e.F.Dan.Email + ">\r\nTo: servicedesk@uni.example\r\nCc: nia.newcomer@uni.example\r\nSubject: Card reader\r\n" +
			"Message-ID: <copied1@uni.example>\r\n\r\nThe card reader at the library door is dead.\r\n"
		dans, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "copied1@uni.example",
			From: e.F.Dan.Email, Subject: "Card reader", Text: "The card reader at the library door is dead.", Raw: []byte(raw),
			Recipients: []string{"servicedesk@uni.example", "nia.newcomer@uni.example"}}, store.IngestRules{})
		if err != nil || dans.Disposition != store.MailNewCall {
			t.Fatalf("Dan's email: %+v %v", dans, err)
		}
		q, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 2, MessageID: "copied2@uni.example",
			From: "someone@elsewhere.example", Subject: "Party", Text: "hello",
			Raw:        []byte("From: someone@elsewhere.example\r\nTo: Nia.Newcomer@uni.example\r\nSubject: Party\r\n\r\nhello\r\n"),
			Recipients: []string{"Nia.Newcomer@uni.example"}}, store.IngestRules{})
		if err != nil || q.Disposition != store.MailQuarantine {
			t.Fatalf("quarantined: %+v %v", q, err)
		}
		gather := func() []privacy.BundleEmail {
			t.Helper()
			bu, err := (&privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail}).Gather(ctx, p.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			return bu.Emails
		}
		if got := gather(); len(got) != 2 || got[0].CallRef != dans.CallRef || !strings.Contains(got[0].Text, "card reader") ||
			got[1].Disposition != "quarantine" || got[1].Subject != "Party" {
			t.Fatalf("emails: %+v", got)
		}
		if err := e.S.DiscardMail(ctx, storetest.Actor(e.F.Ann), q.ID); err != nil {
			t.Fatal(err)
		}
		if got := gather(); len(got) != 1 {
			t.Fatalf("emails after the discard: %+v", got)
		}
	})
}
