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

// TestLogosThroughDovecot (issue 14 fix F4): the signature logos of real Outlook, Gmail and Apple Mail
// messages go through a real Dovecot, the fetcher, the parser and the store and are left out, with
// the diary entry saying so, while the screenshots Outlook sends exactly as it sends a logo are
// kept. Before, the logo below Outlook's "Kind regards, name, title, phone" and Gmail's marked
// signature were kept as files of the call, and of a reply carrying the same logo again in its
// history only the history's copy was left out.
func TestLogosThroughDovecot(t *testing.T) {
	srv := imaptest.Dovecot(t)
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		// Each message answers a notification of a call of its sender's, so that it becomes a
		// diary entry, which lists its files and says what was not kept.
		ours := map[string]string{}
		for i, p := range []desk.Person{
			{FirstName: "Ben", LastName: "Carter", Email: "b.carter@example.ac.uk", Kind: desk.Staff},
			{FirstName: "Priya", LastName: "Shah", Email: "priya.shah@example.org", Kind: desk.Staff},
			{FirstName: "Nadia", LastName: "Okafor", Email: "n.okafor@example.ac.uk", Kind: desk.Staff},
			{FirstName: "Tom", LastName: "Ellis", Email: "t.ellis@example.ac.uk", Kind: desk.Staff},
		} {
			person, err := e.S.CreatePerson(ctx, e.F.Admin, p)
			if err != nil {
				t.Fatal(err)
			}
			call, err := e.S.CreateCall(ctx, e.F.Admin, desk.NewCall{Summary: "Logos", CustomerID: person.ID, Source: desk.SourcePortal})
			if err != nil {
				t.Fatal(err)
			}
			id := "calldesk.logoslogoslogoslogos" + string(rune('a'+i)) + "@desk.example.ac.uk"
			if err := e.S.EnqueueMail(ctx, desk.OutMail{MessageID: id, CallID: call.ID, Kind: desk.MailCallLogged, To: person.Email,
				Subject: "[" + call.Ref + "] Logos", Text: "x"}); err != nil {
				t.Fatal(err)
			}
			ours[p.Email] = id
		}
		type want struct {
			files []string // the files kept: name and stored type
			note  string   // the entry's "Not kept" note; "" for none
		}
		cases := map[string]want{
			"logo-outlook-new-signature.eml":       {note: "Not kept from this email: 1 small image of the signature."},
			"logo-outlook-reply-same-logo.eml":     {note: "Not kept from this email: 2 small images of the signature."},
			"logo-gmail-signature.eml":             {note: "Not kept from this email: 1 small image of the signature."},
			"logo-apple-mail-signature.eml":        {note: "Not kept from this email: 1 small image of the signature."},
			"parts-pasted-screenshot-only.eml":     {files: []string{"image001.png image/png"}},
			"parts-screenshot-below-signature.eml": {files: []string{"image001.png image/png"}},
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
