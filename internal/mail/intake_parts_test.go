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
		nadia, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Nadia", LastName: "Okafor", Email: "n.okafor@example.ac.uk", Kind: desk.Staff})
		if err != nil {
			t.Fatal(err)
		}
		call, err := e.S.CreateCall(ctx, e.F.Admin, desk.NewCall{Summary: "Room G.07", CustomerID: nadia.ID, Source: desk.SourcePortal})
		if err != nil {
			t.Fatal(err)
		}
		const ours = "calldesk.partspartspartspartsparts@desk.example.ac.uk"
		if err := e.S.EnqueueMail(ctx, desk.OutMail{MessageID: ours, CallID: call.ID, Kind: desk.MailCallLogged, To: nadia.Email,
			Subject: "[" + call.Ref + "] Room G.07", Text: "x"}); err != nil {
			t.Fatal(err)
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
			// Each a reply to the call's notification, from its customer.
			raws = append(raws, append([]byte("In-Reply-To: <"+ours+">\r\n"), raw...))
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
