package mail_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/mail/imaptest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestCommaNamesThroughDovecot (issue 14 fix F5): a Cc written as Notes and Exchange write it
// ("Gill, Imran <i.gill@...>") and a To separated by semicolons, as Outlook users type it, go
// through a real Dovecot: every address is on the message's recipients (so on the call's copy
// list), and the call's description says nothing of a member of Cc left out.
func TestCommaNamesThroughDovecot(t *testing.T) {
	srv := imaptest.Dovecot(t)
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		for _, addr := range []string{"r.price@example.ac.uk", "o.harris@example.ac.uk"} {
			if _, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{LastName: addr[:strings.IndexByte(addr, '@')], Email: addr, Kind: desk.Staff}); err != nil {
				t.Fatal(err)
			}
		}
		intake := &mail.Intake{Store: e.S, GroupID: e.F.ServiceDesk.ID, Domain: "desk.example.ac.uk", Rules: store.IngestRules{PerSenderHour: 100}}
		takeIn(t, srv, e, intake, inbound(t, "cc-comma-in-name.eml"), inbound(t, "to-semicolons.eml"))
		for id, want := range map[string][]string{
			"cc-comma-name.4b2d@example.ac.uk": {"i.gill@uni.example.ac.uk", "r.okafor@example.ac.uk", "servicedesk@example.ac.uk"},
			"semicolons.77a1@example.ac.uk":    {"estates@example.ac.uk", "k.lee@example.ac.uk", "m.jones@example.ac.uk", "servicedesk@example.ac.uk"},
		} {
			var disp, d string
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT m.disposition, c.description FROM mail_messages m JOIN calls c ON c.id = m.call_id
				WHERE m.message_id = ?`), id).Scan(&disp, &d); err != nil || disp != store.MailNewCall {
				t.Fatalf("%s: %s (%v); want a new call", id, disp, err)
			}
			if strings.Contains(d, "left out") {
				t.Errorf("%s: the call says %q; no member was left out", id, d)
			}
			rows, err := e.DB.Query(e.DB.Rebind(`SELECT r.address FROM mail_recipients r JOIN mail_messages m ON m.id = r.mail_id
				WHERE m.message_id = ? ORDER BY r.address`), id)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var a string
				if err := rows.Scan(&a); err != nil {
					t.Fatal(err)
				}
				got = append(got, a)
			}
			rows.Close()
			if !slices.Equal(got, want) {
				t.Errorf("%s: recipients %q, want %q", id, got, want)
			}
		}
	})
}
