package mail_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/mail/imaptest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestRepairsThroughDovecot (issue 14 fix F3, defect 10: nothing read Message.Problems): a
// message read with repairs (a line of junk before its headers skipped, its unlabelled Latin-1
// text read as Windows-1252, a Cc member that is not an address left out) goes through a real
// Dovecot into a new call, whose description says in a few words how it was read; the log line
// of each message names its problems; a clean message says nothing of repairs.
func TestRepairsThroughDovecot(t *testing.T) {
	srv := imaptest.Dovecot(t)
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		for _, addr := range []string{"e.marchand@example.ac.uk", "j.baker@example.ac.uk"} {
			if _, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{LastName: addr[:strings.IndexByte(addr, '@')], Email: addr, Kind: desk.Staff}); err != nil {
				t.Fatal(err)
			}
		}
		var logged storetest.SyncBuffer
		intake := &mail.Intake{Store: e.S, GroupID: e.F.ServiceDesk.ID, Domain: "desk.example.ac.uk", Rules: store.IngestRules{PerSenderHour: 100},
			Log: slog.New(slog.NewTextHandler(&logged, nil))}
		takeIn(t, srv, e, intake, inbound(t, "repairs-junk-cc-latin1.eml"), inbound(t, "outlook-alternative.eml"))
		description := func(id string) string {
			t.Helper()
			var disp, d string
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT m.disposition, c.description FROM mail_messages m JOIN calls c ON c.id = m.call_id
				WHERE m.message_id = ?`), id).Scan(&disp, &d); err != nil || disp != store.MailNewCall {
				t.Fatalf("%s: %s (%v); want a new call", id, disp, err)
			}
			return d
		}
		const want = "\n\nRead with repairs: lines of junk before the headers skipped; a character set guessed (read as Windows-1252); " +
			"a member of Cc that is not an address left out."
		if d := description("repairs-projector.4e0b@example.ac.uk"); !strings.HasSuffix(d, want) || !strings.Contains(d, "Le vidéoprojecteur") {
			t.Errorf("the repaired message's call says %q; want it to end %q", d, want)
		}
		if d := description("DB9PR03MB73230F4F1E3A3D1E8B1C2D3BE5D22@DB9PR03MB7323.eurprd03.prod.outlook.com"); strings.Contains(d, "repairs") {
			t.Errorf("the clean message's call says %q", d)
		}
		var line string
		for l := range strings.SplitSeq(logged.String(), "\n") {
			if strings.Contains(l, "repairs-projector.4e0b@example.ac.uk") {
				line = l
			}
		}
		if !strings.Contains(line, `problems="1 line(s) before the headers skipped`) || !strings.Contains(line, "is not an address; left out") {
			t.Errorf("the repaired message was logged as %q; want its problems on its line", line)
		}
		if strings.Contains(logged.String(), "problems=") && strings.Count(logged.String(), "problems=") != 1 {
			t.Errorf("problems logged for the clean message too:\n%s", logged.String())
		}
	})
}
