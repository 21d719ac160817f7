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

// TestPartsThroughDovecot (issue 14, point 5: nothing is dropped silently): the customer's
// replies carrying parts of every kind go through a real Dovecot, the fetcher, the parser and the
// store; each diary entry holds the files the message brought but a signature's small logos, and
// says in its "Not kept" note what it left out and why. Before, every inline part under 8 KiB was
// dropped without a word (the PDF, the CSV, the screenshot), and the calendar invitation and the
// winmail.dat were refused by the file rules, which did not know them.
func TestPartsThroughDovecot(t *testing.T) {
	srv := imaptest.Dovecot(t)
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		// Each message answers a notification of a call of its sender's, so that it becomes a
		// diary entry, which lists its files and says what was not kept.
		ours := map[string]string{}
		for i, p := range []desk.Person{
			{FirstName: "Nadia", LastName: "Okafor", Email: "n.okafor@example.ac.uk", Kind: desk.Staff},
			{FirstName: "Ben", LastName: "Carter", Email: "b.carter@example.ac.uk", Kind: desk.Staff},
			{FirstName: "Priya", LastName: "Shah", Email: "priya.shah@example.org", Kind: desk.Staff},
			{FirstName: "Tom", LastName: "Ellis", Email: "t.ellis@example.ac.uk", Kind: desk.Staff},
		} {
			person, err := e.S.CreatePerson(ctx, e.F.Admin, p)
			if err != nil {
				t.Fatal(err)
			}
			call, err := e.S.CreateCall(ctx, e.F.Admin, desk.NewCall{Summary: "Parts", CustomerID: person.ID, Source: desk.SourcePortal})
			if err != nil {
				t.Fatal(err)
			}
			id := "calldesk.partspartspartsparts" + string(rune('a'+i)) + "@desk.example.ac.uk"
			if err := e.S.EnqueueMail(ctx, desk.OutMail{MessageID: id, CallID: call.ID, Kind: desk.MailCallLogged, To: person.Email,
				Subject: "[" + call.Ref + "] Parts", Text: "x"}); err != nil {
				t.Fatal(err)
			}
			ours[p.Email] = id
		}
		type want struct {
			files []string // name and stored type
			note  string   // the entry's "Not kept" note; "" for none
		}
		cases := map[string]want{
			"parts-inline-pdf-4k.eml":   {files: []string{"booking-G07.pdf application/pdf"}},
			"parts-inline-csv.eml":      {files: []string{"faults.csv text/csv; charset=utf-8"}},
			"parts-screenshot-only.eml": {files: []string{"Screenshot 2026-11-17 at 10.02.41.png image/png"}},
			"parts-signature-logos.eml": {files: []string{"vpn-error.png image/png"},
				note: "Not kept from this email: 2 small images of the signature."},
			"parts-calendar-invite.eml": {files: []string{"invite.ics text/calendar; charset=utf-8"}},
			"parts-winmail-dat.eml":     {files: []string{"winmail.dat application/vnd.ms-tnef"}},
			// Issue 14 fix F3 (defect 3): Outlook's pasted screenshot, the message's only
			// content, and one pasted below the signature are kept; an earlier message's logo
			// in the quoted history is not, and the entry says so.
			"parts-pasted-screenshot-only.eml":     {files: []string{"image001.png image/png"}},
			"parts-screenshot-below-signature.eml": {files: []string{"image001.png image/png"}},
			"parts-logo-in-quoted-history.eml":     {note: "Not kept from this email: 1 small image of the signature."},
			// Second review of issue 14: the logo below Outlook's "Kind regards, name, title,
			// phone", a reply carrying the same logo again in its history (both copies), Gmail's
			// and Apple Mail's marked signatures are left out, and the entry says so.
			"logo-outlook-new-signature.eml":   {note: "Not kept from this email: 1 small image of the signature."},
			"logo-outlook-reply-same-logo.eml": {note: "Not kept from this email: 2 small images of the signature."},
			"logo-gmail-signature.eml":         {note: "Not kept from this email: 1 small image of the signature."},
			"logo-apple-mail-signature.eml":    {note: "Not kept from this email: 1 small image of the signature."},
			"parts-other-kinds.eml": {files: []string{"scan-of-error.pdf application/pdf"},
				note: "Not kept from this email: setup.exe is refused: web pages, SVG images, scripts and programs are never accepted, as opening one could run it; " +
					"attachment-3.bin is not a type calldesk accepts"},
		}
		ids := map[string]string{}
		var raws [][]byte
		for name := range cases {
			raw := inbound(t, name)
			m, err := mail.Parse(raw, mail.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			ids[name] = m.MessageID
			raws = append(raws, append([]byte("In-Reply-To: <"+ours[m.From.Addr]+">\r\n"), raw...))
		}
		intake := &mail.Intake{Store: e.S, GroupID: e.F.ServiceDesk.ID, Domain: "desk.example.ac.uk", Rules: store.IngestRules{PerSenderHour: 100}}
		takeIn(t, srv, e, intake, raws...)
		for name, w := range cases {
			disp, body, files := entryFiles(t, e, ids[name])
			if disp != store.MailEntry || !slices.Equal(files, w.files) {
				t.Errorf("%s: %s with files %q; want an entry with %q", name, disp, files, w.files)
			}
			if note := notKept(body); w.note == "" && note != "" || w.note != "" && !strings.HasPrefix(note, w.note) {
				t.Errorf("%s: the entry says %q; want its note to be %q", name, body, w.note)
			}
		}
	})
}

// entryFiles is the disposition of the message whose Message-ID is id, and the body and files
// (each its name and stored type) of its diary entry; the test fails without one.
func entryFiles(t *testing.T, e *storetest.Env, id string) (disp, body string, files []string) {
	t.Helper()
	var entry int64
	if err := e.DB.QueryRow(e.DB.Rebind(`SELECT m.disposition, m.entry_id, d.body FROM mail_messages m JOIN diary_entries d ON d.id = m.entry_id
		WHERE m.message_id = ?`), id).Scan(&disp, &entry, &body); err != nil {
		t.Errorf("%s: no diary entry: %v", id, err)
		return "", "", nil
	}
	rows, err := e.DB.Query(e.DB.Rebind(`SELECT filename, content_type FROM attachments WHERE entry_id = ? ORDER BY id`), entry)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var f, ct string
		if err := rows.Scan(&f, &ct); err != nil {
			t.Fatal(err)
		}
		files = append(files, f+" "+ct)
	}
	return disp, body, files
}

// notKept is the "Not kept from this email: ..." note at the end of an entry's body, or "".
func notKept(body string) string {
	if _, note, ok := strings.Cut(body, "\n\nNot kept from this email: "); ok {
		return "Not kept from this email: " + note
	}
	return ""
}
