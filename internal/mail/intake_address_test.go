package mail_test

import (
	"bytes"
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

// TestAddressesAndTextThroughDovecot (issue 14, points 3 and 4) takes messages with malformed
// senders, a quoted local part, NUL bytes, UTF-8 labelled us-ascii and an ISO-2022-JP subject
// through a real Dovecot into calldesk: a sender that cannot be read is quarantined with the
// reason and credited to nobody (not the analyst whose address it holds), and an analyst can
// still make a call of it; the quoted local part is a known person's address; no text is lost
// or turned into something else on the way.
func TestAddressesAndTextThroughDovecot(t *testing.T) {
	srv := imaptest.Dovecot(t)
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		person := func(first, last, user, email string) desk.Person {
			t.Helper()
			p, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: first, LastName: last, Username: user, Email: email, Kind: desk.Staff})
			if err != nil {
				t.Fatalf("person %s: %v", email, err)
			}
			return p
		}
		// Imran Gill is an analyst: his own mail naming a call joins it.
		imran := person("Imran", "Gill", "igill", "imran.gill@uni.example")
		if _, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: imran.ID, Login: "igill", Roles: []desk.Role{desk.RoleAnalyst}, Active: true}); err != nil {
			t.Fatal(err)
		}
		// The register takes an address with a quoted local part.
		john := person("John", "Smith", "jsmith", `"john smith"@example.org`)
		tomas := person("Tomás", "Byrne", "tbyrne", "t.byrne@example.ac.uk")
		zoe := person("Zoé", "Martin", "zmartin", "z.martin@example.ac.uk")
		sato := person("Hanako", "Sato", "hsato", "h.sato@example.ac.jp")
		// Fix F2: the writers of the text and charset cases.
		dewi := person("Dewi", "Rhys", "drhys", "d.rhys@example.ac.uk")
		hana := person("Hana", "Kimura", "hkimura", "h.kimura@example.ac.uk")
		rene := person("Renée", "Dubois", "rdubois", "r.dubois@example.ac.uk")
		jiwoo := person("Jiwoo", "Kim", "jkim", "j.kim@example.ac.uk")
		lars := person("Lars", "Holm", "lholm", "l.holm@example.ac.uk")
		// Carla is known: without the rule, the message's first From field made her its author.
		person("Carla", "Mendes", "cmendes", "c.mendes@example.ac.uk")
		call, err := e.S.CreateCall(ctx, e.F.Admin, desk.NewCall{Summary: "Printer jammed", CustomerID: e.F.Dan.ID, Source: desk.SourcePortal})
		if err != nil {
			t.Fatal(err)
		}

		read := func(name string) []byte {
			raw, err := os.ReadFile("testdata/inbound/" + name)
			if err != nil {
				t.Fatal(err)
			}
			return bytes.ReplaceAll(raw, []byte("[F0012345]"), []byte("["+call.Ref+"]"))
		}
		// The control: Imran's own, well-formed mail naming the call joins it.
		control := []byte("From: Imran Gill <imran.gill@uni.example>\r\nTo: servicedesk@uni.example\r\nSubject: Re: [" + call.Ref +
			"] Printer jammed\r\nDate: Wed, 01 Apr 2026 08:10:00 +0000\r\nMessage-ID: <imran.control@uni.example>\r\n\r\nToner ordered.\r\n")
		files := []string{"addr-from-spaces-in-angle.eml", "addr-from-name-inside-angle.eml", "addr-quoted-local-part.eml",
			"nul-bytes-utf8.eml", "charset-utf8-labelled-ascii.eml", "name-iso-2022-jp.eml",
			// Fix F2 (issue 14 review, defects 2, 4, 6 and 8).
			"from-two-fields.eml", "from-comma-in-name.eml", "text-preamble-and-signature.eml", "text-no-blank-line.eml",
			"text-0x80-unlabelled.eml", "charset-utf7.eml", "charset-iso-2022-kr.eml", "charset-utf8-labelled-latin1.eml"}
		u := srv.NewUser(t)
		c := u.Dial(t)
		for _, f := range files {
			u.AppendWith(t, c, "INBOX", read(f))
		}
		u.AppendWith(t, c, "INBOX", control)
		c.Close()

		intake := &mail.Intake{Store: e.S, GroupID: e.F.ServiceDesk.ID, Domain: "desk.example.ac.uk"}
		runFetcher(t, testMailbox(u, srv.Addr), intake.Deliver)
		waitFor(t, "every message taken in", 60*time.Second, func() bool {
			return e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages`) == len(files)+1
		})

		type record struct {
			disposition, reason, sender, subject string
			raw                                  []byte
			call                                 bool
			id                                   int64
		}
		get := func(messageID string) record {
			t.Helper()
			var r record
			var callID *int64
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT id, disposition, reason, sender, subject, raw, call_id FROM mail_messages WHERE message_id = ?`), messageID).
				Scan(&r.id, &r.disposition, &r.reason, &r.sender, &r.subject, &r.raw, &callID); err != nil {
				t.Errorf("message %s: %v", messageID, err)
			}
			// Sealed at rest: the message as it came is read through the store.
			raw, err := e.S.StoredMail(ctx, r.id)
			if err != nil {
				t.Errorf("message %s: %v", messageID, err)
			}
			r.raw = raw
			r.call = callID != nil
			return r
		}

		// Point 3: the malformed senders wait in quarantine, credited to nobody, with the reason.
		spaces := get("pq.alarm.1@power.example.com")
		mallory := get("mallory.1@mallory.example.net")
		for _, m := range []struct {
			r      record
			reason string
		}{
			{spaces, "the From header <power quadrant system@example.com> is not an address calldesk can read"},
			{mallory, "the From header <mallory imran.gill@uni.example> is not an address calldesk can read"},
		} {
			if m.r.disposition != store.MailQuarantine || m.r.reason != m.reason || m.r.sender != "" || m.r.call {
				t.Errorf("malformed sender: disposition %q, reason %q, sender %q, call %v; want quarantine, %q, no sender, no call",
					m.r.disposition, m.r.reason, m.r.sender, m.r.call, m.reason)
			}
		}
		q, err := e.S.Quarantine(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		shown := map[int64]string{}
		for _, m := range q {
			shown[m.ID] = m.Reason
		}
		if !strings.Contains(shown[spaces.id], "power quadrant system@example.com") || !strings.Contains(shown[mallory.id], "mallory imran.gill@uni.example") {
			t.Errorf("the quarantine shows %v, want both malformed senders with their reasons", shown)
		}
		// Imran is not credited: his call holds his own control mail only.
		diary, err := e.S.Diary(ctx, call.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var emails []desk.Entry
		for _, en := range diary {
			if en.Kind == desk.EntryEmail {
				emails = append(emails, en)
			}
		}
		if len(emails) != 1 || emails[0].Text != "Toner ordered." || emails[0].AuthorID != imran.ID {
			t.Errorf("call %s's email entries: %+v; want Imran's control mail only", call.Ref, emails)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE body LIKE ?`, "%toner to my home%"); n != 0 {
			t.Errorf("the malformed sender's text is on %d diary entries, want none", n)
		}
		// An analyst can still make a call of it for the person who wrote it.
		room := mail.Mailroom{Store: e.S, Intakes: map[string]*mail.Intake{"servicedesk": intake}}
		ref, err := room.Release(ctx, storetest.Actor(e.F.Bob), spaces.id, e.F.Eve.ID)
		if err != nil {
			t.Fatalf("release: %v", err)
		}
		released, err := e.S.FindCallByRef(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if released.CustomerID != e.F.Eve.ID || released.Summary != "Power quadrant alarm" || released.Description != "Quadrant 3 lost power at 07:58." {
			t.Errorf("the released call: %+v", released)
		}

		// The quoted local part is John Smith's address: his message opens his call.
		quoted := get("quoted.local.1@example.org")
		if quoted.disposition != store.MailNewCall || quoted.sender != `"john smith"@example.org` {
			t.Errorf("quoted local part: disposition %q, sender %q (%s); want a call from John Smith", quoted.disposition, quoted.sender, quoted.reason)
		}
		calls := func(customer desk.Person) []desk.Call {
			t.Helper()
			var out []desk.Call
			rows, err := e.DB.Query(e.DB.Rebind(`SELECT kind, number FROM calls WHERE customer_id = ? ORDER BY id`), customer.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var kind string
				var number int64
				if err := rows.Scan(&kind, &number); err != nil {
					t.Fatal(err)
				}
				c, err := e.S.FindCallByRef(ctx, desk.Reference(desk.CallKind(kind), number))
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, c)
			}
			return out
		}
		if got := calls(john); len(got) != 1 || got[0].Summary != "VPN drops every ten minutes" {
			t.Errorf("John Smith's calls: %+v", got)
		}

		// Point 4: Dovecot serves the NUL bytes as 0x80; they are dropped, never read as €.
		nul := get("nul.utf8.1@example.ac.uk")
		if bytes.IndexByte(nul.raw, 0) >= 0 {
			t.Logf("Dovecot served the NUL bytes as they were")
		} else if !bytes.Contains(nul.raw, []byte("till\x80 has")) {
			t.Errorf("Dovecot served the NUL message as %q", nul.raw)
		}
		if got := calls(tomas); len(got) != 1 || got[0].Summary != "Export with NULs" ||
			withoutRepairs(got[0].Description) != "The export from the café till has NULs in it. Tomás" {
			t.Errorf("Tomás's call of the NUL message: %+v", got)
		}
		if got := calls(zoe); len(got) != 2 || got[0].Summary != "Prénom wrong in the directory" ||
			withoutRepairs(got[0].Description) != "Bonjour,\n\nMy Prénom shows as \"Zoe\" in the directory; it should be \"Zoé\". Merci – Zoé" {
			t.Errorf("Zoé's call of the UTF-8 labelled us-ascii: %+v", got)
		} else if got[1].Summary != "Access form" || withoutRepairs(got[1].Description) != "Prénom: Zoé, problème d’accès au portail." {
			t.Errorf("Zoé's call of the UTF-8 labelled iso-8859-1 (fix F2): %+v", got[1])
		}
		// An ISO-2022-JP encoded subject (and display name, which the parser tests check) is read.
		if got := calls(sato); len(got) != 1 || got[0].Summary != "パスワードを忘れました" {
			t.Errorf("Sato's call of the ISO-2022-JP message: %+v", got)
		}

		// Fix F2, defect 2: a second From field is a DMARC bypass: quarantined, credited to
		// nobody; a comma in an unquoted display name is no reason to quarantine.
		if two := get("two-from.5c1e@finance-update.example"); two.disposition != store.MailQuarantine || two.sender != "" || two.call ||
			!strings.Contains(two.reason, "the message has 2 From header fields") {
			t.Errorf("two From fields: disposition %q, reason %q, sender %q, call %v; want quarantine, no sender, no call",
				two.disposition, two.reason, two.sender, two.call)
		}
		if comma := get("comma-name.9e0f@uni.example"); comma.disposition == store.MailQuarantine || comma.sender != "imran.gill@uni.example" {
			t.Errorf("a comma in the display name: disposition %q, reason %q, sender %q; want Imran's, not quarantined",
				comma.disposition, comma.reason, comma.sender)
		}
		// Defects 4, 6 and 8: no text lost, no charset turned into noise.
		for _, c := range []struct {
			who           desk.Person
			summary, text string
		}{
			{dewi, "Printer floor 3", "The printer on floor 3 is broken again.\n\nDewi Rhys\nSchool of Music"},
			{hana, "No blank line", "This line has no blank line before it: the body\nSecond line"},
			{lars, "Licence renewal 30", "The statistics licence costs 30 a year; please renew it."},
			{rene, "Café till – receipts", "The café till prints €10 as £10 and 2+2 as 5. Renée"},
			{jiwoo, "Greeting from the Seoul office", "안녕하세요, the VPN in Seoul is down."},
		} {
			if got := calls(c.who); len(got) != 1 || got[0].Summary != c.summary || withoutRepairs(got[0].Description) != c.text {
				t.Errorf("%s's calls: %+v; want one, %q: %q", c.who.Email, got, c.summary, c.text)
			}
		}
	})
}

// withoutRepairs is a call's description without the note of how its email was read ("Read with
// repairs: ...", fix F3), which TestRepairsThroughDovecot checks: these tests check the text.
func withoutRepairs(d string) string {
	text, _, _ := strings.Cut(d, "\n\nRead with repairs: ")
	return text
}
