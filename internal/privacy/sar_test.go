package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the SAR golden files")

// start is when every test's clock begins: a Monday morning.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// parseMail is what calldesk wires in: the mail package's parser.
func parseMail(raw []byte) (privacy.EmailText, error) {
	m, err := mail.Parse(raw, mail.Limits{})
	if err != nil {
		return privacy.EmailText{}, err
	}
	join := func(as []mail.Address) string {
		s := make([]string, len(as))
		for i, a := range as {
			s[i] = a.String()
		}
		return strings.Join(s, ", ")
	}
	return privacy.EmailText{From: m.From.String(), To: join(m.To), Cc: join(m.Cc), Subject: m.Subject, Text: m.Text, Date: m.Date}, nil
}

// sarFixture gives Dan, a student, 300 calls with diary entries that mention other people of the
// register (and Dan himself), an email, a file, an entry he wrote on Eve's call, views of his
// record in the audit trail and a subject request, all at times of the test's clock.
func sarFixture(t *testing.T, e *storetest.Env) {
	t.Helper()
	ctx := context.Background()
	f := e.F
	ann, dan := storetest.Actor(f.Ann), storetest.Actor(f.Dan)
	zoe, err := e.S.CreatePerson(ctx, f.Admin, desk.Person{FirstName: "Zoë", LastName: "Ångström", Username: "zangstrom",
		Email: "Zoe.Angstrom@uni.example", Kind: desk.Student, StudentNumber: "20239999", Phone: "07700 900123"})
	if err != nil {
		t.Fatal(err)
	}
	_ = zoe
	var first desk.Call
	for i := range 300 {
		e.Clock.Advance(7 * time.Minute)
		desc := fmt.Sprintf("Call %d: the printer on floor %d shows error E%02d.", i, i%5, i%17)
		switch i % 10 {
		case 1:
			desc += " Eve Evans saw it too."
		case 3:
			desc += " My flatmate zoë ångström (student 20239999) has the same problem; ring her on 07700 900123."
		case 5:
			desc += " Reply to me at ddawson@uni.example or 20231234, not to bbaker@uni.example."
		}
		c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Kind: desk.Fault, Summary: fmt.Sprintf("Printer problem %d", i),
			Description: desc, CustomerID: f.Dan.ID, Source: desk.SourcePhone, ProfileID: f.Software.ID, Impact: desk.Low, Urgency: desk.Medium})
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if i == 0 {
			first = c
		}
		if i%3 == 0 {
			e.Clock.Advance(time.Minute)
			text := fmt.Sprintf("Checked the printer (%d). Asked Cat Carter in Networks.", i)
			if _, err := e.S.AddEntry(ctx, ann, c.Ref, desk.EntryNote, text); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.Clock.Advance(time.Hour)
	if _, err := e.S.AddEntryWithAttachments(ctx, ann, first.Ref, desk.EntryUpdate, "The driver you need is attached.",
		[]desk.Upload{{Filename: "driver-notes.txt", Data: []byte("Install the driver, then restart.\n")}}, desk.AttachmentRules{}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Hour)
	raw := "From: Dan Dawson <ddawson@uni.example>\r\nTo: servicedesk@uni.example\r\nCc: Bob Baker <bbaker@uni.example>\r\n" +
		"Subject: Re: [" + first.Ref + "] Printer problem 0\r\nMessage-ID: <sar-1@uni.example>\r\nDate: Mon, 02 Mar 2026 15:00:00 +0000\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nIt still jams. Eve Evans says hers does too.\r\n"
	if _, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "sar-1@uni.example",
		From: f.Dan.Email, Subject: "Re: [" + first.Ref + "] Printer problem 0", Ref: first.Ref,
		Text: "It still jams. Eve Evans says hers does too.", Raw: []byte(raw)}, store.IngestRules{}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Hour)
	eveCall, err := e.S.CreateCall(ctx, ann, desk.NewCall{Kind: desk.Fault, Summary: "Eve's laptop", CustomerID: f.Eve.ID,
		Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.AddEntry(ctx, dan, eveCall.Ref, desk.EntryNote, "I lent Eve Evans my charger."); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Hour)
	if err := e.S.AppendAudit(ctx, []desk.AuditRecord{
		{At: e.Clock.Now(), ActorID: f.Bob.ID, Actor: f.Bob.Name(), Action: "person.view", ObjectType: "person",
			ObjectID: fmt.Sprint(f.Dan.ID), Persons: []int64{f.Dan.ID}, ClientAddr: "10.0.0.7", Detail: desk.DetailConsole + "person page"},
		{At: e.Clock.Now(), ActorID: f.Cat.ID, Actor: f.Cat.Name(), Action: "call.view", ObjectType: "call",
			ObjectID: first.Ref, Persons: []int64{f.Dan.ID}, ClientAddr: "10.0.0.8", Detail: desk.DetailAPI + "call"},
	}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Hour)
	q, err := e.S.LogSubjectRequest(ctx, f.Admin, desk.SubjectRequest{PersonID: f.Dan.ID, Kind: desk.RequestAccess,
		ReceivedAt: e.Clock.Now(), IdentityAt: e.Clock.Now(), IdentityHow: "student card seen at the desk", IdentityBy: "Ann Archer",
		Details: "Everything you hold about me, please.", Channel: "console"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.StepSubjectRequest(ctx, f.Admin, q.ID, q.Version, store.RequestStep{ExtendMonths: 1,
		Reason: "twelve years of calls to gather"}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Hour)
	sarFixtureMore(t, e, first, eveCall)
}

// sarFixtureMore gives Dan what lies beyond his calls' text: emails calldesk sent him (one about
// no call) and sent others about his call, emails from him that went on no call of his, legal
// holds, his account with a sign-in and an API token, his own action in the audit trail and a
// staff record with a reason; and the same kinds of thing of Eve's, which must stay out.
func sarFixtureMore(t *testing.T, e *storetest.Env, first, eveCall desk.Call) {
	t.Helper()
	ctx := context.Background()
	f := e.F
	if err := e.S.EnqueueMail(ctx,
		desk.OutMail{MessageID: "out-1@calldesk", CallID: first.ID, Kind: desk.MailPublicUpdate, To: f.Dan.Email,
			Subject: "[" + first.Ref + "] Printer problem 0", Text: "Ann Archer wrote: ask Eve Evans for the toner."},
		desk.OutMail{MessageID: "out-2@calldesk", CallID: first.ID, Kind: desk.MailAssigned, To: f.Bob.Email,
			Subject: "[" + first.Ref + "] assigned to you", Text: "A call of Dan Dawson's is yours."},
		desk.OutMail{MessageID: "out-3@calldesk", Kind: desk.MailCallLogged, To: strings.ToUpper(f.Dan.Email),
			Subject: "Your portal account", Text: "Your account is ready; Cat Carter set it up."},
		desk.OutMail{MessageID: "out-4@calldesk", CallID: eveCall.ID, Kind: desk.MailPublicUpdate, To: f.Eve.Email,
			Subject: "[" + eveCall.Ref + "] Eve's laptop", Text: "Eve-only mail"},
	); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Minute)
	in := func(uid uint32, id, subject, ref, text, automatic string, replyTo ...string) {
		t.Helper()
		raw := "From: Dan Dawson <ddawson@uni.example>\r\nTo: servicedesk@uni.example\r\nSubject: " + subject + "\r\nMessage-ID: <" + id +
			">\r\nDate: Tue, 03 Mar 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
		if _, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: uid, MessageID: id, From: f.Dan.Email,
			Subject: subject, Ref: ref, Text: text, Raw: []byte(raw), Automatic: automatic, InReplyTo: replyTo}, store.IngestRules{PerSenderHour: 100}); err != nil {
			t.Fatal(err)
		}
	}
	// Eve writes about her call copying Dan in, which puts him on its copy list (issue 14): his
	// reply joins her call; only her customer, analysts and those copied in may add to it.
	eveRaw := "From: Eve Evans <" + f.Eve.Email + ">\r\nTo: servicedesk@uni.example\r\nCc: Dan Dawson <ddawson@uni.example>\r\n" +
		"Subject: [" + eveCall.Ref + "] Eve's laptop\r\nMessage-ID: <sar-eve@uni.example>\r\nDate: Tue, 03 Mar 2026 09:00:00 +0000\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nDan knows the laptop; he will chase it.\r\n"
	if _, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 10, MessageID: "sar-eve@uni.example", From: f.Eve.Email,
		Subject: "[" + eveCall.Ref + "] Eve's laptop", Ref: eveCall.Ref, Text: "Dan knows the laptop; he will chase it.", Raw: []byte(eveRaw),
		Recipients: []string{"servicedesk@uni.example", "ddawson@uni.example"}}, store.IngestRules{PerSenderHour: 100}); err != nil {
		t.Fatal(err)
	}
	in(2, "sar-2@uni.example", "Re: ["+eveCall.Ref+"] Eve's laptop", eveCall.Ref, "Eve Evans asked me to chase this.", "", "out-4@calldesk")
	in(3, "sar-3@uni.example", "Out of office", "", "I am away; ask Bob Baker.", "an auto-reply")
	e.Clock.Advance(time.Minute)
	if _, err := e.S.PlaceLegalHold(ctx, f.Admin, first.ID, 0, "Eve Evans's complaint about the printers is before the tribunal"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.PlaceLegalHold(ctx, f.Admin, eveCall.ID, 0, "Eve-only hold"); err != nil {
		t.Fatal(err)
	}
	acc, err := e.S.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Dan.ID, Login: "ddawson", Active: true, Roles: []desk.Role{desk.RoleCustomer}})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Minute)
	now := e.Clock.Now()
	danAt := desk.Actor{PersonID: f.Dan.ID, Name: f.Dan.Name(), Addr: "192.0.2.10"}
	if err := e.S.CreateSession(ctx, danAt, "session-hash-never-shown", store.Session{AccountID: acc.ID, Surface: store.SurfacePortal, Via: "password",
		CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(8 * time.Hour), ClientAddr: "192.0.2.10", UserAgent: "Firefox"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.CreateToken(ctx, danAt, acc.ID, "laptop sync", "token-hash-never-shown", now.Add(90*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.S.AppendAudit(ctx, []desk.AuditRecord{
		{At: now, ActorID: f.Bob.ID, Actor: f.Bob.Name(), Action: "person.view", ObjectType: "person", ObjectID: fmt.Sprint(f.Dan.ID),
			Persons: []int64{f.Dan.ID}, ClientAddr: "10.0.0.9", Reason: "Eve Evans asked about him", Detail: desk.DetailConsole + "person page"},
	}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Hour)
	if err := e.S.Restrict(ctx, f.Admin, f.Dan.ID, true, "he disputes the accuracy of his record"); err != nil {
		t.Fatal(err)
	}
}

func storeFiles(s *store.Store) privacy.Files {
	return func(ctx context.Context, id int64) ([]byte, error) {
		a, err := s.Attachment(ctx, id)
		return a.Data, err
	}
}

// normalise takes the engine-given ids out of a bundle file: everything else is the same on
// both engines, times included (the test's clock).
var idPatterns = []*regexp.Regexp{
	regexp.MustCompile(`("(?:id|n)": )\d+`),
	regexp.MustCompile(`(attachments/)\d+`),
	regexp.MustCompile(`((?:entry|email|request) )\d+`),
	regexp.MustCompile(`(id="m-)\d+`),
}

func normalise(b []byte) []byte {
	for _, re := range idPatterns {
		b = re.ReplaceAll(b, []byte("${1}#"))
	}
	return b
}

func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the bundle is no zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

// TestSARBundleGolden builds the bundle of a person with 300 calls and compares every JSON, CSV,
// text and HTML file of it, ids normalised, with testdata/sar_golden (go test -update rewrites
// them); the PDF must open and have pages.
func TestSARBundleGolden(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		sarFixture(t, e)
		london, err := desk.LoadZone("Europe/London")
		if err != nil {
			t.Fatal(err)
		}
		b := &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail, Zone: london}
		var steps []string
		bu, err := b.Gather(ctx, e.F.Dan.ID, func(_ context.Context, done, total int) error {
			steps = append(steps, fmt.Sprintf("%d/%d", done, total))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(steps, " "); got != "100/300 200/300 300/300" {
			t.Errorf("progress: %s", got)
		}
		// Release the first redaction (the DPO decided it may go); keep the rest.
		data, err := bu.RenderBytes(ctx, privacy.Decisions{1: true}, storeFiles(e.S))
		if err != nil {
			t.Fatal(err)
		}
		files := unzip(t, data)
		dir := filepath.Join("testdata", "sar_golden")
		if *update && e.Engine == "sqlite" {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}
		for name, content := range files {
			path := filepath.Join(dir, filepath.FromSlash(name))
			if name == "report.pdf" {
				checkPDF(t, content, e.F.Dan.Name())
				continue
			}
			got := normalise(content)
			if *update && e.Engine == "sqlite" {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: not in the golden files (go test -update): %v", name, err)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\n%s", name, path, firstDiff(string(want), string(got)))
			}
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) > 0 && len(files) < len(entries) {
			t.Errorf("the bundle has %d files, the golden directory %d entries", len(files), len(entries))
		}
		// What the redaction must have done, whatever the golden files say.
		all := string(files["calls.json"]) + string(files["entries.csv"]) + string(files["emails.json"])
		for _, other := range []string{"bbaker@uni.example", "20239999", "07700 900123", "Cat Carter", "zoë ångström"} {
			if strings.Contains(all, other) {
				t.Errorf("another person's %q is in the bundle", other)
			}
		}
		for _, own := range []string{"ddawson@uni.example", "20231234", "[redacted: 2]"} {
			if !strings.Contains(all, own) {
				t.Errorf("%q is missing from the bundle", own)
			}
		}
		if strings.Contains(all, "[redacted: 1]") {
			t.Errorf("the released redaction 1 is still redacted")
		}
		if !strings.Contains(string(files["report.html"]), "by Ann Archer") || !strings.Contains(string(files["audit.csv"]), "Bob Baker") {
			t.Errorf("staff acting in their professional capacity must be named")
		}
		checkBeyondCalls(t, files)
	})
}

// checkPDF checks that content is a whole PDF with at least one page, titled with the person's
// name (the text itself is in subset fonts, compressed: not extractable by a byte search).
func checkPDF(t *testing.T, content []byte, name string) {
	t.Helper()
	if !bytes.HasPrefix(content, []byte("%PDF-")) || !bytes.Contains(content[max(0, len(content)-64):], []byte("%%EOF")) {
		t.Fatalf("report.pdf is no whole PDF")
	}
	m := regexp.MustCompile(`/Type /Pages\s*/Kids \[[^\]]*\]\s*/Count (\d+)`).FindSubmatch(content)
	if m == nil || string(m[1]) == "0" {
		t.Errorf("report.pdf has no pages (%q)", m)
	}
	var utf16 []byte
	for _, r := range name {
		utf16 = append(utf16, byte(r>>8), byte(r))
	}
	if !bytes.Contains(content, utf16) {
		t.Errorf("report.pdf is not titled with %q", name)
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, a, b)
		}
	}
	return "(same lines)"
}

// checkBeyondCalls checks what the bundle must hold beyond the calls' text, and what it must not.
func checkBeyondCalls(t *testing.T, files map[string][]byte) {
	t.Helper()
	has := func(file string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(string(files[file]), w) {
				t.Errorf("%s lacks %q:\n%s", file, w, files[file])
			}
		}
	}
	lacks := func(file string, unwanted ...string) {
		t.Helper()
		for _, u := range unwanted {
			if strings.Contains(string(files[file]), u) {
				t.Errorf("%s holds %q", file, u)
			}
		}
	}
	// Emails sent to Dan, or about his call to anyone; none of Eve's.
	has("emails_sent.json", "ask [redacted: ", "for the toner", "A call of Dan Dawson's is yours", "Your portal account", "public_update")
	lacks("emails_sent.json", "Eve Evans", "bbaker@uni.example", "Cat Carter", "Eve-only")
	// Emails from Dan on no call of his: held back, or on Eve's call; other people redacted.
	has("emails.json", "asked me to chase this", "I am away", "\"what_became_of_it\": \"automatic\"")
	lacks("emails.json", "Eve Evans asked", "Bob Baker")
	// The legal hold on his call, its reason redacted; not Eve's.
	has("legal_holds.json", "complaint about the printers", "[redacted: ")
	lacks("legal_holds.json", "Eve Evans", "Eve-only")
	// His account, sign-in and token, never a hash.
	has("account.json", `"login": "ddawson"`, "customer", "192.0.2.10", `"via": "password"`, "laptop sync", `"browser": "Firefox"`)
	// How his identity was checked, why the deadline moved, and that his processing is restricted, and why.
	has("requests.json", "student card seen at the desk", "twelve years of calls to gather")
	has("person.json", "processing_restricted", "he disputes the accuracy of his record")
	lacks("account.json", "hash", "never-shown")
	// The analyst's file on his call is withheld until released; staff addresses are not his,
	// his own is; an audit reason is redacted.
	has("attachments.csv", "[withheld: ")
	lacks("attachments.csv", "driver-notes.txt")
	if _, ok := files["attachments/"]; ok || len(filesUnder(files, "attachments/")) != 0 {
		t.Errorf("a withheld file is in the bundle: %v", filesUnder(files, "attachments/"))
	}
	has("audit.csv", "192.0.2.10", "[redacted: ")
	lacks("audit.csv", "10.0.0.7", "10.0.0.8", "10.0.0.9", "Eve Evans")
	for _, part := range []string{"emails_sent.json", "legal_holds.json", "account.json"} {
		has("README.txt", part)
	}
	has("report.html", "Legal holds", "Your account", "Emails calldesk sent", "laptop sync")
}

func filesUnder(files map[string][]byte, dir string) []string {
	var out []string
	for name := range files {
		if strings.HasPrefix(name, dir) {
			out = append(out, name)
		}
	}
	return out
}
