package store_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// zeb is the person the erasure tests erase: names and numbers found nowhere else in the fixture.
var zeb = desk.Person{FirstName: "Zebedee", LastName: "Quartermain", Username: "zquarter", Email: "zebedee.q@uni.example",
	StudentNumber: "S7788123", Phone: "07700 900123", Department: "Physics", Kind: desk.Student}

// zebTraces are the strings that must be nowhere in the database once Zebedee is erased: each
// identifier, in the forms the fixture writes them.
var zebTraces = []string{"zebedee", "quartermain", "zquarter", "zebedee.q@uni.example", "s7788123", "07700 900123",
	"07700900123", "7700 900123", "zq.home@mail.example", "07811 223344"}

// erasureFixture gives Zebedee an account, a session, three calls (one by email, with files, notes
// naming him, an alternative contact), mentions on Dan's call, outgoing mail, a subject request,
// an import problem quoting him, views of his data in the audit trail and Eve as his report.
type erasureFixture struct {
	zeb               desk.Person
	own               []desk.Call
	dans              desk.Call
	request           desk.SubjectRequest
	accountID         int64
	statsBefore       string
	dansNoteUntouched string
	held              desk.Call      // another customer's call naming him, under legal hold
	scrubber          *desk.Scrubber // finds his identifiers in every format
}

func newErasureFixture(t *testing.T, e *env) erasureFixture {
	t.Helper()
	ctx := context.Background()
	var f erasureFixture
	var err error
	f.zeb, err = e.S.CreatePerson(ctx, e.F.Admin, zeb)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: f.zeb.ID, Login: "zquarter", Active: true, Roles: []desk.Role{desk.RoleCustomer}})
	if err != nil {
		t.Fatal(err)
	}
	f.accountID = acc.ID
	// A token named as people name them: the name stays in api_tokens unless erasure clears it.
	if _, err := e.S.CreateToken(ctx, storetest.Actor(f.zeb), acc.ID, "Zebedee Quartermain's tablet", "zeb-token-hash", start.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.S.CreateSession(ctx, storetest.Actor(f.zeb), "zeb-session-hash", store.Session{AccountID: acc.ID, Surface: store.SurfacePortal, Via: "password",
		CreatedAt: start, SeenAt: start, ExpiresAt: start.Add(time.Hour), ClientAddr: "192.0.2.77", UserAgent: "Firefox"}); err != nil {
		t.Fatal(err)
	}
	me := storetest.Actor(f.zeb)
	me.Addr = "192.0.2.77"
	ann := storetest.Actor(e.F.Ann)

	c1, err := e.S.CreateCall(ctx, me, desk.NewCall{Kind: desk.Fault, Summary: "Zebedee cannot print from the Physics lab",
		Description: "Hi, Zebedee Quartermain here (S7788123). Reach me on 07700900123 or zebedee.q@uni.example.",
		CustomerID:  f.zeb.ID, AltEmail: "zq.home@mail.example", AltPhone: "07811 223344", Source: desk.SourcePortal,
		Impact: desk.Low, Urgency: desk.Medium, ProfileID: e.F.Software.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.AddEntryWithAttachments(ctx, me, c1.Ref, desk.EntryUpdate, "Screenshot attached, Zebedee",
		[]desk.Upload{{Filename: "zebedee-error.txt", Data: []byte("printer error for Zebedee Quartermain")}}, desk.AttachmentRules{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.AddEntryWithAttachments(ctx, ann, c1.Ref, desk.EntryNote, "Rang Zebedee on +44 7700 900123; Mr Quartermain will retry",
		[]desk.Upload{{Filename: "queue.txt", Data: []byte("print queue dump for zquarter")}}, desk.AttachmentRules{}); err != nil {
		t.Fatal(err)
	}
	c1 = e.update(t, e.F.Ann, e.call(t, c1.Ref), desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Ann.ID})
	c1 = e.update(t, e.F.Ann, c1, desk.Transition{Action: desk.ActResolve, Text: "Reinstalled the driver for Zebedee"})
	c1 = e.update(t, e.F.Ann, c1, desk.Transition{Action: desk.ActClose, Reason: "Zebedee confirmed"})

	c2, err := e.S.CreateCall(ctx, ann, desk.NewCall{Kind: desk.Request, Summary: "New laptop for Quartermain, Zebedee",
		CustomerID: f.zeb.ID, Source: desk.SourcePhone, Impact: desk.Medium, Urgency: desk.Medium, GroupID: e.F.Networks.ID})
	if err != nil {
		t.Fatal(err)
	}

	// An email from him opens his third call; it is kept whole.
	raw := "From: Zebedee Quartermain <zebedee.q@uni.example>\r\nTo: servicedesk@uni.example\r\nSubject: VPN broken\r\n" +
		"Message-ID: <zeb1@mail.example>\r\n\r\nThe VPN drops every minute. Zebedee (zquarter)\r\n"
	in, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "zeb1@mail.example",
		From: "zebedee.q@uni.example", FromName: "Zebedee Quartermain", Subject: "VPN broken",
		Text: "The VPN drops every minute. Zebedee (zquarter)", Raw: []byte(raw), GroupID: e.F.ServiceDesk.ID}, store.IngestRules{})
	if err != nil || in.Disposition != store.MailNewCall {
		t.Fatalf("ingest: %+v %v", in, err)
	}
	c3 := e.call(t, in.CallRef)
	// A message of his too large to take in was refused, and he was told (issue 14).
	if r, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 3, MessageID: "place:servicedesk/1/3",
		From: "zebedee.q@uni.example", FromName: "Zebedee Quartermain", Subject: "Scans from Zebedee Quartermain", Size: 50 << 20,
		Raw:      []byte("From: Zebedee Quartermain <zebedee.q@uni.example>\r\nSubject: Scans from Zebedee Quartermain\r\n\r\n"),
		Rejected: "the message is 50 MiB; the desk takes messages up to 35 MiB",
		Notice: &desk.OutMail{MessageID: "notice1@calldesk", Kind: desk.MailTooLarge, To: "zebedee.q@uni.example", Subject: "Your email was too large",
			Text: "Hello Zebedee Quartermain, your email \"Scans from Zebedee Quartermain\" is 50 MiB.", HTML: "<p>Hello Zebedee Quartermain</p>"}},
		store.IngestRules{}); err != nil || r.Disposition != store.MailRejected {
		t.Fatalf("refused: %+v %v", r, err)
	}
	if err := e.S.EnqueueMail(ctx, desk.OutMail{MessageID: "out1@calldesk", CallID: c3.ID, Kind: desk.MailCallLogged, To: "zebedee.q@uni.example",
		Subject: "[" + c3.Ref + "] we have your request", Text: "Dear Zebedee Quartermain, we have it.", HTML: "<p>Dear Zebedee Quartermain</p>"},
		desk.OutMail{MessageID: "out2@calldesk", CallID: c2.ID, Kind: desk.MailAssigned, To: "networks@uni.example",
			Subject: "[" + c2.Ref + "] assigned", Text: "New laptop for Quartermain, Zebedee", HTML: "<p>New laptop for Quartermain, Zebedee</p>"}); err != nil {
		t.Fatal(err)
	}
	f.own = []desk.Call{e.call(t, c1.Ref), e.call(t, c2.Ref), c3}

	// Dan's call mentions him among other things, which stay.
	f.dans = e.newCall(t, desk.NewCall{Kind: desk.Fault, Summary: "Printer jam in the Physics lab", CustomerID: e.F.Dan.ID,
		Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
	f.dansNoteUntouched = "Dan Dawson says the tray is bent"
	if _, err := e.S.AddEntry(ctx, ann, f.dans.Ref, desk.EntryNote, "Zebedee Quartermain (S7788123) reported the same. "+f.dansNoteUntouched); err != nil {
		t.Fatal(err)
	}

	// Eve's call has his number written without spaces, and nothing else of his.
	eves := e.newCall(t, desk.NewCall{Kind: desk.Fault, Summary: "Door entry keypad dead", CustomerID: e.F.Eve.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
	if _, err := e.S.AddEntry(ctx, ann, eves.Ref, desk.EntryNote, "The student on 07700900123 rang about it too"); err != nil {
		t.Fatal(err)
	}
	// Dan's call is resolved in words that name him (the transition's audit record quotes them);
	// a message from his home address waits in quarantine (its audit record quotes the address).
	dans := e.update(t, e.F.Ann, e.call(t, f.dans.Ref), desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Ann.ID})
	e.update(t, e.F.Ann, dans, desk.Transition{Action: desk.ActResolve, Text: "Same fault as Zebedee Quartermain had"})
	if q, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 2, MessageID: "zeb2@mail.example",
		From: "zq.home@mail.example", Subject: "from home", Text: "it is me", Raw: []byte("From: zq.home@mail.example\r\n\r\nit is me\r\n")}, store.IngestRules{}); err != nil || q.Disposition != store.MailQuarantine {
		t.Fatalf("quarantine: %+v %v", q, err)
	}

	// Dan copied him in on an email of his own (issue 14): his address is on that call's copy list.
	if d, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 13, MessageID: "dan1@mail.example",
		From: e.F.Dan.Email, Subject: "Projector", Text: "The projector in G.12 flickers", Raw: []byte("x"), GroupID: e.F.ServiceDesk.ID,
		Recipients: []string{"servicedesk@uni.example", "Zebedee.Q@uni.example"}}, store.IngestRules{}); err != nil || d.Disposition != store.MailNewCall {
		t.Fatalf("Dan's email: %+v %v", d, err)
	}

	// Eve reports to him; he asked for erasure in writing; an import rejected a row of his.
	eve := e.F.Eve
	eve.ManagerID = f.zeb.ID
	if _, err := e.S.UpdatePerson(ctx, e.F.Admin, eve); err != nil {
		t.Fatal(err)
	}
	f.request, err = e.S.LogSubjectRequest(ctx, ann, desk.SubjectRequest{PersonID: f.zeb.ID, Kind: desk.RequestErasure, ReceivedAt: start,
		IdentityAt: start, IdentityHow: "Zebedee showed his student card S7788123", Details: "Zebedee Quartermain wants everything deleted"})
	if err != nil {
		t.Fatal(err)
	}
	e.DB.MustExec(t, `INSERT INTO import_runs (source, state, full_import, started_at, duration_ms, read_count, created, updated, left_count, returned, rejected, problems)
		VALUES ('hr', 'done', 1, 1, 1, 1, 0, 0, 0, 0, 1, 'row 7: zebedee.q@uni.example: duplicate email')`)
	if err := e.S.RecordSigninFailure(ctx, desk.Actor{Name: "unknown", Addr: "192.0.2.77"}, f.zeb.ID, "wrong password for zquarter"); err != nil {
		t.Fatal(err)
	}
	// A failure noted before calldesk stopped writing signin_failures.
	e.DB.MustExec(t, `INSERT INTO signin_failures (key, at) VALUES ('login:zquarter', 1)`)
	if _, _, err := e.S.ReserveSignin(ctx, "login:zquarter", start.Add(-time.Hour)); err != nil { // his login's attempt count
		t.Fatal(err)
	}
	// Analysts looked at his data.
	if err := e.S.AppendAudit(ctx, []desk.AuditRecord{{ActorID: e.F.Bob.ID, Actor: "Bob Baker", Action: "person.view", ObjectType: "person",
		ObjectID: fmt.Sprint(f.zeb.ID), Persons: []int64{f.zeb.ID}, Detail: "console: viewed Zebedee Quartermain's record"}}); err != nil {
		t.Fatal(err)
	}
	// A copy of his data was made for him; Dan's copy, being reviewed, quotes him in a redaction.
	bundle := func(person int64, model, zip string, reds []store.SARRedaction) {
		t.Helper()
		q, err := e.S.LogSubjectRequest(ctx, ann, desk.SubjectRequest{PersonID: person, Kind: desk.RequestAccess, ReceivedAt: start, IdentityAt: start, IdentityHow: "card"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.QueueSARBundle(ctx, ann, q.ID); err != nil {
			t.Fatal(err)
		}
		b, ok, err := e.S.ClaimSARBundle(ctx)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if err := e.S.FinishSARBuild(ctx, b.ID, b.StartedAt, []byte(model), []byte(zip), reds); err != nil {
			t.Fatal(err)
		}
	}
	bundle(f.zeb.ID, "", "everything about Zebedee Quartermain", nil)
	bundle(e.F.Dan.ID, `{"note": "Zebedee Quartermain (S7788123) reported the same"}`, "", []store.SARRedaction{{N: 1, Where: "note", Original: "Zebedee Quartermain", Kind: "name"}})
	// He works for the university too: he placed and lifted a hold, logged a request, changed a
	// retention rule and queued a copy of someone's data, each recorded under his name.
	hold, err := e.S.PlaceLegalHold(ctx, me, f.dans.ID, 0, "Printer warranty claim")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.S.LiftLegalHold(ctx, me, hold, "claim settled"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.LogSubjectRequest(ctx, me, desk.SubjectRequest{PersonID: e.F.Eve.ID, Kind: desk.RequestRectification, ReceivedAt: start,
		IdentityAt: start, IdentityHow: "known to the desk", IdentityBy: "Zebedee Quartermain"}); err != nil {
		t.Fatal(err)
	}
	if err := e.S.SetRetentionRule(ctx, me, store.ClassAttachments, 36, store.Delete, "as Zebedee Quartermain proposed"); err != nil {
		t.Fatal(err)
	}
	f.held = mentionsOnOthers(t, e, ann)
	f.scrubber = desk.NewScrubber(desk.Identifiers{FirstName: zeb.FirstName, LastName: zeb.LastName, Username: zeb.Username, Email: zeb.Email,
		StudentNumber: zeb.StudentNumber, Phone: zeb.Phone, Others: []string{"zq.home@mail.example", "07811 223344"}}, "[P]")
	f.statsBefore = callStats(t, e)
	return f
}

// mentionsOnOthers adds the places of issue 15 point 3, which name Zebedee only in words on other
// people's records, and returns the call kept on legal hold (whose mention stays, listed).
func mentionsOnOthers(t *testing.T, e *env, ann desk.Actor) desk.Call {
	t.Helper()
	ctx := context.Background()
	// Bob's record names him.
	bob := e.F.Bob
	bob.JobTitle = "Assistant to Zebedee Quartermain"
	if _, err := e.S.UpdatePerson(ctx, e.F.Admin, bob); err != nil {
		t.Fatal(err)
	}
	// Dan's second call gives his address and number as its alternative contact; an email on it
	// copies him (an encoded word) and quotes his address (quoted-printable, split by a soft line
	// break); a file on it holds his name, another is named after him.
	dan2 := e.newCall(t, desk.NewCall{Kind: desk.Request, Summary: "Room booking", CustomerID: e.F.Dan.ID, Source: desk.SourcePhone,
		Impact: desk.Low, Urgency: desk.Low, AltEmail: "Zebedee.Q@uni.example", AltPhone: "+44 (0)7700 900123"})
	raw := "From: Dan <" + e.F.Dan.Email + ">\r\nCc: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("Zebedee Quartermain")) + "?= <friend@uni.example>\r\n" +
		"Subject: [" + dan2.Ref + "] booking\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n> Ask zebedee=\r\n.q@uni.example about the room.\r\n"
	if _, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 21, MessageID: "dan21@mail.example",
		From: e.F.Dan.Email, Subject: "[" + dan2.Ref + "] booking", Ref: dan2.Ref, Text: "See the quoted question.", Raw: []byte(raw),
		GroupID: e.F.ServiceDesk.ID}, store.IngestRules{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.AddEntryWithAttachments(ctx, ann, dan2.Ref, desk.EntryNote, "Minutes and timetable attached",
		[]desk.Upload{{Filename: "minutes.txt", Data: []byte("Present: Dan Dawson, QUARTERMAIN Zebedee.")},
			{Filename: "zebedee_quartermain-timetable.txt", Data: []byte("Tuesday, room G.12")}}, desk.AttachmentRules{}); err != nil {
		t.Fatal(err)
	}
	// A stranger's message about him waits in quarantine, its subject in encoded words.
	if q, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 22, MessageID: "stranger@elsewhere.example",
		From: "stranger@elsewhere.example", Subject: "Complaint about Zebedee Quartermain", Text: "He was rude.",
		Raw: []byte("From: stranger@elsewhere.example\r\nSubject: =?UTF-8?Q?Complaint_about_Zebedee_Quartermain?=\r\n\r\nHe was rude.\r\n")},
		store.IngestRules{}); err != nil || q.Disposition != store.MailQuarantine {
		t.Fatalf("quarantine: %+v %v", q, err)
	}
	// Eve's subject request names him as the third party acting for her.
	if _, err := e.S.LogSubjectRequest(ctx, ann, desk.SubjectRequest{PersonID: e.F.Eve.ID, Kind: desk.RequestAccess, ReceivedAt: start,
		IdentityAt: start, IdentityHow: "card", ThirdParty: "Zebedee Quartermain", Authority: "letter signed by Eve; reach him on 07700 900123",
		Details: "Send the copy to zebedee.q@uni.example"}); err != nil {
		t.Fatal(err)
	}
	// A lifted hold on Eve's call named him; another call of Eve's is under a hold still in force,
	// whose reason and diary give his number: kept, and listed for the DPO.
	eves := e.newCall(t, desk.NewCall{Kind: desk.Fault, Summary: "Lift out of order", CustomerID: e.F.Eve.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
	cat := storetest.Actor(e.F.Cat)
	lifted, err := e.S.PlaceLegalHold(ctx, cat, eves.ID, 0, "Insurance claim: witness Zebedee Quartermain")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.S.LiftLegalHold(ctx, cat, lifted, "claim withdrawn"); err != nil {
		t.Fatal(err)
	}
	held := e.newCall(t, desk.NewCall{Kind: desk.Fault, Summary: "Fire door wedged", CustomerID: e.F.Eve.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
	if _, err := e.S.AddEntry(ctx, ann, held.Ref, desk.EntryNote, "Witness reachable on 07700 900123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.PlaceLegalHold(ctx, cat, held.ID, 0, "Tribunal: the witness on 07700 900123 must be traceable"); err != nil {
		t.Fatal(err)
	}
	// The audit trail: a failed sign-in typed as his address, a search for his number (URL-encoded).
	if err := e.S.RecordSigninFailure(ctx, desk.Actor{Name: "unknown", Addr: "192.0.2.78"}, 0, "no account ZEBEDEE.Q@uni.example"); err != nil {
		t.Fatal(err)
	}
	if err := e.S.AppendAudit(ctx, []desk.AuditRecord{{At: start, ActorID: e.F.Ann.ID, Actor: "Ann Archer", Action: "call.search", ObjectType: "search",
		Detail: "GET /calls?q=%2B44%207700%20900123"}}); err != nil {
		t.Fatal(err)
	}
	// Mail that could not be sent quotes his address; a sign-in throttle key is his address.
	if err := e.S.EnqueueMail(ctx, desk.OutMail{MessageID: "out9@calldesk", CallID: eves.ID, Kind: desk.MailAssigned, To: "networks@uni.example",
		Subject: "[" + eves.Ref + "] assigned", Text: "assigned", HTML: "<p>assigned</p>"}); err != nil {
		t.Fatal(err)
	}
	var out int64
	if err := e.DB.QueryRow(e.DB.Rebind(`SELECT id FROM mail_outbox WHERE message_id = ?`), "out9@calldesk").Scan(&out); err != nil {
		t.Fatal(err)
	}
	if err := e.S.MailNotSent(ctx, out, "550 5.1.1 <zebedee.q@uni.example>: also copied, mailbox full", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.S.ReserveSignin(ctx, "login:zebedee.q@uni.example", start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	return e.call(t, held.Ref)
}

// callStats is everything reports count: per call its kind, state, group, analyst, profile,
// priority, times and number of diary entries, in order.
func callStats(t *testing.T, e *env) string {
	t.Helper()
	rows, err := e.DB.Query(`SELECT c.number, c.kind, c.state, COALESCE(c.group_id, 0), COALESCE(c.analyst_id, 0), COALESCE(c.profile_id, 0),
		c.priority, c.customer_id, c.logged_at, COALESCE(c.resolved_at, 0), COALESCE(c.closed_at, 0), c.updated_at,
		(SELECT COUNT(*) FROM diary_entries d WHERE d.call_id = c.id)
		FROM calls c ORDER BY c.number`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		v := make([]any, 13)
		for i := range v {
			v[i] = new(sql.NullString)
		}
		if err := rows.Scan(v...); err != nil {
			t.Fatal(err)
		}
		for _, x := range v {
			b.WriteString(x.(*sql.NullString).String + " ")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// textColumns lists every table's text, binary, JSON and search-vector columns (holdsText) from the
// database's own catalogue, FTS5 shadow tables included, so a table added later is scanned
// without anyone remembering to add it here; and whether each table has an id column.
func textColumns(t *testing.T, e *env) (map[string][]string, map[string]bool) {
	t.Helper()
	out, ids := map[string][]string{}, map[string]bool{}
	for _, c := range schemaColumns(t, e, true) {
		if c.column == "id" {
			ids[c.table] = true
		}
		if holdsText(e.Engine, c.typ) {
			out[c.table] = append(out[c.table], c.column)
		}
	}
	if len(out) < 20 {
		t.Fatalf("the catalogue lists only %d tables with text: %v", len(out), out)
	}
	return out, ids
}

// readings are the ways a stored value may be read: as it is, URL-decoded, as a MIME message
// (encoded words, quoted-printable, base64 parts), as a file (zip, gzip, HTML), as base64, as JSON.
func readings(v []byte) []string {
	s := string(v)
	out := []string{s, desk.URLText(s), desk.JSONText(s), desk.FileText("", "", v)}
	if strings.Contains(s, ":") && strings.Contains(s, "\n") {
		out = append(out, desk.MailText(v))
	}
	if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s)); err == nil && len(b) > 0 {
		out = append(out, string(b), desk.FileText("", "", b))
	}
	return out
}

// traces scans every text column of every table (and on SQLite the search index's pages) for
// needles, as written or in any of their formats (the scrubbers'), in every reading of each value,
// and reports where each is found: table.column, the row's id, what was found.
func traces(t *testing.T, e *env, needles []string, scs ...*desk.Scrubber) []string {
	t.Helper()
	var found []string
	cols, ids := textColumns(t, e)
	for table, cs := range cols {
		for _, col := range cs {
			expr, key := col, "NULL"
			if e.Engine == "postgres" {
				expr = "CAST(" + col + " AS text)"
				if col == "zip" || col == "model" || col == "raw" || col == "data" {
					expr = col // bytea, read as bytes
				}
			}
			if ids[table] {
				key = "id"
			}
			rows, err := e.DB.Query(fmt.Sprintf(`SELECT %s, %s FROM %s WHERE %s IS NOT NULL`, key, expr, table, col))
			if err != nil {
				t.Fatalf("scan %s.%s: %v", table, col, err)
			}
			for rows.Next() {
				var id any // an id, or a text key (master_keys.id)
				var v []byte
				if err := rows.Scan(&id, &v); err != nil {
					t.Fatal(err)
				}
				if b, ok := id.([]byte); ok {
					id = string(b)
				}
				where := fmt.Sprintf("%s.%s row %v", table, col, id)
				for _, r := range readings(v) {
					low := strings.ToLower(r)
					hit := ""
					for _, n := range needles {
						if strings.Contains(low, n) {
							hit = n
						}
					}
					for _, sc := range scs {
						if locs := sc.Find(r); len(locs) > 0 {
							hit = r[locs[0][0]:locs[0][1]]
						}
					}
					if hit != "" {
						found = append(found, fmt.Sprintf("%s holds %q: %.120q", where, hit, r))
						break
					}
				}
			}
			rows.Close()
		}
	}
	sort.Strings(found)
	return found
}

func decision(personID, requestID int64) desk.Erasure {
	return desk.Erasure{PersonID: personID, RequestID: requestID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
		Decision: "Zebedee Quartermain withdrew consent by letter; nothing requires us to keep it.", Confirmed: true}
}

func TestErasureLeavesNoTraceAndKeepsTheStatistics(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newErasureFixture(t, e)
		if got := traces(t, e, zebTraces); len(got) == 0 {
			t.Fatal("the fixture left no trace to erase: the scan cannot fail")
		}
		if _, err := audit.Seal(ctx, e.S); err != nil {
			t.Fatal(err)
		}
		dpo := desk.Actor{PersonID: e.F.Cat.ID, Name: "Cat Carter", Addr: "10.0.0.9"}
		// While his call is on legal hold, erasure is refused and changes nothing; once the hold
		// is lifted its words (which name him) are scrubbed with the rest.
		hold, err := e.S.PlaceLegalHold(ctx, dpo, f.own[0].ID, 0, "Complaint by Zebedee Quartermain to the OIA")
		if err != nil {
			t.Fatal(err)
		}
		before := e.footprint(t)
		if _, err := e.S.ErasePerson(ctx, dpo, decision(f.zeb.ID, f.request.ID)); desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), "legal hold") {
			t.Fatalf("erasure of a person whose call is on legal hold: %v", err)
		}
		if after := e.footprint(t); after != before {
			t.Fatalf("a refused erasure wrote: %+v -> %+v", before, after)
		}
		if err := e.S.LiftLegalHold(ctx, dpo, hold, "OIA closed the complaint of Zebedee"); err != nil {
			t.Fatal(err)
		}
		slaBefore := slaFigures(t, e, f.own)
		rec, err := e.S.ErasePerson(ctx, dpo, decision(f.zeb.ID, f.request.ID))
		if err != nil {
			t.Fatalf("erase: %v", err)
		}
		// Issue 17 point 6: the service-level figures of the erased person's calls stay as they were.
		if after := slaFigures(t, e, f.own); after != slaBefore || !strings.Contains(slaBefore, "logged") {
			t.Errorf("service levels of the erased person's calls changed:\n%s\n->\n%s", slaBefore, after)
		}
		if rec.Pseudonym == "" || rec.Counts.Calls != 3 || rec.Counts.Attachments != 3 /* with the minutes on Dan's call */ ||
			rec.Counts.Emails != 5 /* with the refused one's header, Dan's that copies him and the stranger's in quarantine */ || rec.Counts.AuditRedacted == 0 {
			t.Errorf("erasure record %+v", rec)
		}
		if _, err := audit.Seal(ctx, e.S); err != nil {
			t.Fatal(err)
		}

		// The search index's storage forgets once the compaction job has run (on SQLite the words
		// stay in the index's old segments until then; PostgreSQL has nothing to compact).
		if did, err := e.S.CompactSearchIfDue(ctx); err != nil || !did {
			t.Fatalf("the erasure did not ask for the search index to be compacted: %v %v", did, err)
		}
		if did, err := e.S.CompactSearchIfDue(ctx); err != nil || did {
			t.Fatalf("compacted twice: %v %v", did, err)
		}
		// What the register keeps is listed for the DPO: the other customer's call under legal hold.
		if len(rec.Counts.Kept) != 1 || rec.Counts.Kept[0].Where != "call "+f.held.Ref || !strings.Contains(rec.Counts.Kept[0].Reason, "legal hold") {
			t.Errorf("kept: %+v", rec.Counts.Kept)
		}
		// Every column of every table, decoded every way, in every format of his identifiers: only
		// the call kept on legal hold (its row, diary and hold) still names him.
		kept := map[string]bool{fmt.Sprintf("calls row %d", f.held.ID): true}
		for _, q := range []string{`SELECT id FROM diary_entries WHERE call_id = ?`, `SELECT id FROM legal_holds WHERE call_id = ?`} {
			rows, err := e.DB.Query(e.DB.Rebind(q), f.held.ID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				_ = rows.Scan(&id)
				kept[fmt.Sprintf("%s row %d", strings.Fields(q)[3], id)] = true
			}
			rows.Close()
		}
		var left []string
		for _, tr := range traces(t, e, zebTraces, f.scrubber) {
			table, rest, _ := strings.Cut(tr, ".")
			_, row, _ := strings.Cut(rest, " ")
			row = strings.Join(strings.Fields(row)[:2], " ")
			if !kept[table+" "+row] {
				left = append(left, tr)
			}
		}
		if len(left) > 0 {
			t.Errorf("after erasure, %d traces of the person remain:\n%s", len(left), strings.Join(left, "\n"))
		}
		if got := callStats(t, e); got != f.statsBefore {
			t.Errorf("the statistics changed:\nbefore\n%s\nafter\n%s", f.statsBefore, got)
		}
		// Two more people erased the same way: each named in others' records in other formats. The
		// scan then looks for all three.
		others := []desk.Person{wil, {FirstName: "Percival", LastName: "Thistlewood", Username: "pthistle", Email: "Percy.T@staff.example",
			StudentNumber: "", Phone: "01632 960441", Department: "Estates", Kind: desk.Staff}}
		scrubbers := []*desk.Scrubber{f.scrubber}
		var needles []string
		var ids []int64
		for i, o := range others {
			p, err := e.S.CreatePerson(ctx, e.F.Admin, o)
			if err != nil {
				t.Fatal(err)
			}
			own := e.newCall(t, desk.NewCall{Kind: desk.Fault, Summary: "Badge broken for " + o.FirstName, CustomerID: p.ID,
				Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low, Description: "Call me on " + o.Phone})
			_ = own
			other := e.newCall(t, desk.NewCall{Kind: desk.Fault, Summary: "Heating", CustomerID: e.F.Eve.ID, Source: desk.SourcePhone,
				Impact: desk.Low, Urgency: desk.Low})
			if _, err := e.S.AddEntryWithAttachments(ctx, storetest.Actor(e.F.Ann), other.Ref, desk.EntryNote,
				strings.ToUpper(o.LastName)+" "+o.FirstName+" said the same; ring "+strings.ReplaceAll(o.Phone, " ", "-"),
				[]desk.Upload{{Filename: fmt.Sprintf("notes%d.zip", i), Data: zipOf(t, "n.txt", "ask "+strings.ToUpper(o.Email))}}, desk.AttachmentRules{}); err != nil {
				t.Fatal(err)
			}
			if err := e.S.AppendAudit(ctx, []desk.AuditRecord{{At: start, ActorID: e.F.Ann.ID, Actor: "Ann Archer", Action: "call.search",
				ObjectType: "search", Detail: "GET /calls?q=" + strings.ReplaceAll(o.Email, "@", "%40")}}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
			scrubbers = append(scrubbers, desk.NewScrubber(desk.IdentifiersOf(o), "[P]"))
			needles = append(needles, strings.ToLower(o.LastName), strings.ToLower(o.Email), o.Username)
		}
		stats := callStats(t, e)
		for _, id := range ids {
			if _, err := e.S.ErasePerson(ctx, dpo, desk.Erasure{PersonID: id, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
				Decision: "asked in writing", Confirmed: true}); err != nil {
				t.Fatalf("erase %d: %v", id, err)
			}
		}
		if got := callStats(t, e); got != stats {
			t.Errorf("the statistics changed with the second and third erasures:\nbefore\n%s\nafter\n%s", stats, got)
		}
		if _, err := e.S.CompactSearchIfDue(ctx); err != nil {
			t.Fatal(err)
		}
		var left3 []string
		for _, tr := range traces(t, e, append(needles, zebTraces...), scrubbers...) {
			table, rest, _ := strings.Cut(tr, ".")
			_, row, _ := strings.Cut(rest, " ")
			if !kept[table+" "+strings.Join(strings.Fields(row)[:2], " ")] {
				left3 = append(left3, tr)
			}
		}
		if len(left3) > 0 {
			t.Errorf("after three erasures, %d traces remain:\n%s", len(left3), strings.Join(left3, "\n"))
		}
		// Their person record is a pseudonym that keeps what counts.
		p, err := e.S.FindPerson(ctx, f.zeb.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name() != store.ErasedFirstName+" "+rec.Pseudonym || p.Department != "Physics" || p.Kind != desk.Student || p.Active {
			t.Errorf("erased person %+v", p)
		}
		// Other people's words stay; the person's become the pseudonym.
		diary, err := e.S.Diary(ctx, f.dans.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		note := ""
		for _, d := range diary {
			if d.Kind == desk.EntryNote {
				note = d.Text
			}
		}
		if !strings.Contains(note, f.dansNoteUntouched) || !strings.Contains(note, rec.Pseudonym) {
			t.Errorf("Dan's note became %q", note)
		}
		// The search index forgets them, and still finds the calls by their other words.
		for _, q := range []string{"Zebedee", "Quartermain", "zquarter", "S7788123"} {
			if _, n, err := e.S.FindCalls(ctx, store.CallFilter{Text: q}); err != nil || n != 0 {
				t.Errorf("search %q finds %d calls (%v)", q, n, err)
			}
		}
		if _, n, err := e.S.FindCalls(ctx, store.CallFilter{Text: "physics lab"}); err != nil || n != 2 {
			t.Errorf("search 'physics lab' finds %d calls, want his and Dan's (%v)", n, err)
		}
		// No session, no sign-in, no email to send.
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sessions WHERE account_id = ?`, f.accountID); n != 0 {
			t.Errorf("%d sessions left", n)
		}
		if _, err := e.S.FindAccountByLogin(ctx, "zquarter"); !(desk.ErrorCode(err) == desk.ENOTFOUND) {
			t.Errorf("his login still finds an account: %v", err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_outbox WHERE state = 'pending' AND recipient <> 'networks@uni.example'`); n != 0 {
			t.Errorf("%d messages still to send to him", n)
		}
		// The request is answered, the decision recorded, the audit trail intact and keeping only his id.
		req, err := e.S.SubjectRequest(ctx, f.request.ID)
		if err != nil || req.State != desk.RequestDone {
			t.Errorf("request %+v %v", req, err)
		}
		got, err := e.S.Erasure(ctx, f.zeb.ID)
		if err != nil || got.Basis != desk.BasisConsent || got.Ground != desk.GroundConsentWithdrawn || got.By != "Cat Carter" ||
			!strings.Contains(got.Decision, "withdrew consent") || !reflect.DeepEqual(got.Counts, rec.Counts) {
			t.Errorf("erasure record %+v %v", got, err)
		}
		rep, err := audit.Verify(ctx, e.S)
		if err != nil || !rep.OK() {
			t.Fatalf("audit verify after erasure: %+v %v (first: %v)", rep, err, rep.First)
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: f.zeb.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) < 5 || recs[0].Action != audit.EraseAction {
			t.Errorf("his audit trail: %d records, newest %+v", len(recs), recs[0])
		}

		// The pseudonymous record takes no changes and no new calls; his unfinished call can still be finished.
		p.FirstName = "Zebedee"
		if _, err := e.S.UpdatePerson(ctx, e.F.Admin, p); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("an erased record took a change: %v", err)
		}
		if _, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "again", CustomerID: f.zeb.ID}); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("a new call for an erased person: %v", err)
		}
		c2 := e.call(t, f.own[1].Ref)
		e.update(t, e.F.Cat, c2, desk.Transition{Action: desk.ActCancel, Reason: "customer erased"})

		// His copy of his data is gone, and its page says why.
		if bs, err := e.S.SARBundles(ctx, 0, f.zeb.ID); err != nil || len(bs) != 1 || bs[0].State != "expired" || !strings.Contains(bs[0].Error, "erased") {
			t.Errorf("his bundle after erasure: %+v %v", bs, err)
		}

		// Irreversible: done once.
		if _, err := e.S.ErasePerson(ctx, dpo, decision(f.zeb.ID, 0)); !(desk.ErrorCode(err) == desk.EINVALID) {
			t.Errorf("a second erasure: %v", err)
		}

		// Forging is caught: a record given an older link formula and rewritten as if an
		// erasure had done it; a record marked as rewritten by the genuine erasure but not among
		// those it attests.
		var eraseRec, plain, plainSeq int64
		if err := e.DB.QueryRow(`SELECT MAX(id) FROM audit_log WHERE action = 'person.erase'`).Scan(&eraseRec); err != nil {
			t.Fatal(err)
		}
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT a.id, c.seq FROM audit_log a JOIN audit_chain c ON c.audit_id = a.id
			WHERE a.redacted_digest = '' AND a.action <> 'person.erase' ORDER BY a.id DESC LIMIT 1`)).Scan(&plain, &plainSeq); err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, `UPDATE audit_chain SET v = 1 WHERE seq = ?`, plainSeq)
		e.DB.MustExec(t, `UPDATE audit_log SET action = 'call.view', actor = 'someone', redacted_digest = 'x', redacted_by = ? WHERE id = ?`, eraseRec, plain)
		if rep, err := audit.Verify(ctx, e.S); err != nil || rep.OK() {
			t.Errorf("verify did not catch a record forged as an older, erased one: %+v %v", rep.First, err)
		}
		e.DB.MustExec(t, `UPDATE audit_chain SET v = 2 WHERE seq = ?`, plainSeq)
		if rep, err := audit.Verify(ctx, e.S); err != nil || rep.OK() {
			t.Errorf("verify did not catch a record forged as rewritten by the erasure: %+v %v", rep.First, err)
		}

		// A rewritten record that no erasure of its people accounts for is tampering.
		var victim int64
		if err := e.DB.QueryRow(`SELECT MIN(id) FROM audit_log WHERE redacted_digest <> ''`).Scan(&victim); err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, `UPDATE audit_log SET redacted_by = (SELECT MIN(id) FROM audit_log) WHERE id = ?`, victim)
		if rep, err := audit.Verify(ctx, e.S); err != nil || rep.OK() || rep.First.AuditID != victim {
			t.Errorf("verify did not catch a forged redaction: %+v %v", rep, err)
		}
	})
}

func TestErasureDecisionIsChecked(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		before := e.footprint(t)
		dpo := storetest.Actor(e.F.Cat)
		cases := []struct {
			name  string
			e     desk.Erasure
			field string
		}{
			{"consent ground on a public task", desk.Erasure{PersonID: e.F.Dan.ID, Basis: desk.BasisPublicTask, Ground: desk.GroundConsentWithdrawn, Decision: "x", Confirmed: true}, "ground"},
			{"no decision", desk.Erasure{PersonID: e.F.Dan.ID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn, Confirmed: true}, "decision"},
			{"not confirmed", desk.Erasure{PersonID: e.F.Dan.ID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn, Decision: "x"}, "confirmed"},
			{"no basis", desk.Erasure{PersonID: e.F.Dan.ID, Ground: desk.GroundNotNeeded, Decision: "x", Confirmed: true}, "basis"},
		}
		for _, c := range cases {
			_, err := e.S.ErasePerson(ctx, dpo, c.e)
			var de *desk.Error
			if !errors.As(err, &de) || de.Code != desk.EINVALID || de.Fields[c.field] == "" {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		// A request of someone else, or not for erasure, is refused.
		q, err := e.S.LogSubjectRequest(ctx, storetest.Actor(e.F.Ann), desk.SubjectRequest{PersonID: e.F.Eve.ID, Kind: desk.RequestErasure, ReceivedAt: start, IdentityAt: start, IdentityHow: "card"})
		if err != nil {
			t.Fatal(err)
		}
		ok := desk.Erasure{PersonID: e.F.Dan.ID, RequestID: q.ID, Basis: desk.BasisPublicTask, Ground: desk.GroundNotNeeded, Decision: "x", Confirmed: true}
		if _, err := e.S.ErasePerson(ctx, dpo, ok); !(desk.ErrorCode(err) == desk.EINVALID) {
			t.Errorf("someone else's request: %v", err)
		}
		if _, err := e.S.ErasePerson(ctx, dpo, desk.Erasure{PersonID: 999999, Basis: desk.BasisConsent, Ground: desk.GroundNotNeeded, Decision: "x", Confirmed: true}); !(desk.ErrorCode(err) == desk.ENOTFOUND) {
			t.Errorf("no such person: %v", err)
		}
		after := e.footprint(t)
		after.audit-- // the request's own record
		after.pending--
		if after != before {
			t.Errorf("a refused erasure wrote: %+v -> %+v", before, after)
		}
	})
}

// TestErasureRacingAnUpdate erases a person while an analyst writes on their call, many times: each
// time either the note went in first and was scrubbed with the rest, or it was refused as stale
// (the erasure gave the call a new version); never does their name survive, and the trail stays intact.
func TestErasureRacingAnUpdate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var won, refused int
		for i := range 12 {
			p := zeb
			p.Username, p.Email, p.StudentNumber = fmt.Sprintf("zquarter%d", i), fmt.Sprintf("zebedee%d@uni.example", i), fmt.Sprintf("S77881%02d", i)
			person, err := e.S.CreatePerson(ctx, e.F.Admin, p)
			if err != nil {
				t.Fatal(err)
			}
			c := e.newCall(t, desk.NewCall{Kind: desk.Fault, Summary: "Zebedee's screen flickers", CustomerID: person.ID,
				Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low, GroupID: e.F.ServiceDesk.ID})
			var wg sync.WaitGroup
			var noteErr, eraseErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, noteErr = e.S.UpdateCall(ctx, storetest.Actor(e.F.Ann), c.Ref, c.Version, desk.Transition{Action: desk.ActResolve,
					Text: "Replaced Zebedee's cable; Zebedee Quartermain is happy"})
			}()
			go func() {
				defer wg.Done()
				_, eraseErr = e.S.ErasePerson(ctx, storetest.Actor(e.F.Cat), decision(person.ID, 0))
			}()
			wg.Wait()
			if eraseErr != nil {
				t.Fatalf("round %d: erase: %v", i, eraseErr)
			}
			switch {
			case noteErr == nil:
				won++
			case (desk.ErrorCode(noteErr) == desk.ECONFLICT):
				refused++
			default:
				t.Fatalf("round %d: the update failed with %v, want success or a stale-version conflict", i, noteErr)
			}
			got := e.call(t, c.Ref)
			if strings.Contains(strings.ToLower(got.Summary+got.Resolution), "zebedee") {
				t.Fatalf("round %d: the call kept the name: %q / %q", i, got.Summary, got.Resolution)
			}
		}
		t.Logf("%s: the update went first %d times and was refused as stale %d times", e.Engine, won, refused)
		if _, err := e.S.CompactSearchIfDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := traces(t, e, []string{"zebedee", "quartermain", "zquarter"}); len(got) > 0 {
			t.Errorf("traces remain:\n%s", strings.Join(got, "\n"))
		}
		if _, err := audit.Seal(ctx, e.S); err != nil {
			t.Fatal(err)
		}
		if rep, err := audit.Verify(ctx, e.S); err != nil || !rep.OK() {
			t.Errorf("audit verify: %+v %v", rep, err)
		}
	})
}

// TestErasureLeavesHeldCallsAlone: another customer's call on legal hold that mentions the person
// keeps its words (the hold says keep it as it is); the erasure counts it for the DPO.
func TestErasureLeavesHeldCallsAlone(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p, err := e.S.CreatePerson(ctx, e.F.Admin, zeb)
		if err != nil {
			t.Fatal(err)
		}
		dans := e.newCall(t, desk.NewCall{Kind: desk.Fault, Summary: "Projector broken", CustomerID: e.F.Dan.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
		note := "Zebedee Quartermain saw it happen"
		if _, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), dans.Ref, desk.EntryNote, note); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.PlaceLegalHold(ctx, e.F.Admin, dans.ID, 0, "Insurance claim 9"); err != nil {
			t.Fatal(err)
		}
		rec, err := e.S.ErasePerson(ctx, storetest.Actor(e.F.Cat), decision(p.ID, 0))
		if err != nil {
			t.Fatal(err)
		}
		if rec.Counts.HeldSkipped != 1 {
			t.Errorf("held calls skipped: %d, want 1", rec.Counts.HeldSkipped)
		}
		diary, err := e.S.Diary(ctx, dans.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if diary[len(diary)-1].Text != note {
			t.Errorf("the held call's note became %q", diary[len(diary)-1].Text)
		}
	})
}

// TestErasureRacingANewCall erases a person while a call is logged for them, many times: the call
// is either logged first and scrubbed with the rest, or refused because they were erased; never
// does a call keep their name.
func TestErasureRacingANewCall(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var first, refused int
		for i := range 10 {
			p := zeb
			p.Username, p.Email, p.StudentNumber = fmt.Sprintf("zq%d", i), fmt.Sprintf("zq%d@uni.example", i), fmt.Sprintf("S99881%02d", i)
			person, err := e.S.CreatePerson(ctx, e.F.Admin, p)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var callErr, eraseErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, callErr = e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Kind: desk.Fault, Summary: "Zebedee Quartermain cannot log in",
					CustomerID: person.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
			}()
			go func() {
				defer wg.Done()
				_, eraseErr = e.S.ErasePerson(ctx, storetest.Actor(e.F.Cat), decision(person.ID, 0))
			}()
			wg.Wait()
			if eraseErr != nil {
				t.Fatalf("round %d: erase: %v", i, eraseErr)
			}
			switch {
			case callErr == nil:
				first++
			case desk.ErrorCode(callErr) == desk.EINVALID && strings.Contains(callErr.Error(), "was erased"):
				refused++
			default:
				t.Fatalf("round %d: logging the call failed with %v", i, callErr)
			}
		}
		t.Logf("%s: the call went first %d times and was refused %d times", e.Engine, first, refused)
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE lower(summary) LIKE '%zebedee%' OR lower(customer_snapshot) LIKE '%zebedee%'`); n != 0 {
			t.Errorf("%d calls keep the erased person's name", n)
		}
	})
}

// TestErasureKeepsOthersEmailsThatDoNotNameThem: on another customer's call that names the erased
// person, only the emails naming them lose their original; that customer's other emails, which say
// nothing of them, are theirs and stay whole.
func TestErasureKeepsOthersEmailsThatDoNotNameThem(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		z, err := e.S.CreatePerson(ctx, e.F.Admin, zeb)
		if err != nil {
			t.Fatal(err)
		}
		eves := e.newCall(t, desk.NewCall{Kind: desk.Fault, Summary: "Laptop", CustomerID: e.F.Eve.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
		in := func(uid uint32, text string) {
			t.Helper()
			raw := "From: Eve Evans <" + e.F.Eve.Email + ">\r\nTo: servicedesk@uni.example\r\nSubject: [" + eves.Ref + "] Laptop\r\nMessage-ID: <keep-" +
				strconv.Itoa(int(uid)) + "@uni.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
			if _, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: uid, MessageID: "keep-" + strconv.Itoa(int(uid)) + "@uni.example",
				From: e.F.Eve.Email, Subject: "[" + eves.Ref + "] Laptop", Ref: eves.Ref, Text: text, Raw: []byte(raw)}, store.IngestRules{PerSenderHour: 100}); err != nil {
				t.Fatal(err)
			}
		}
		in(1, "Zebedee Quartermain borrowed it last week.")
		in(2, "The screen flickers when it is cold.")
		if _, err := e.S.ErasePerson(ctx, storetest.Actor(e.F.Cat), desk.Erasure{PersonID: z.ID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
			Decision: "asked in writing", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages WHERE message_id = 'keep-1@uni.example' AND raw IS NULL`); n != 1 {
			t.Errorf("the email naming the erased person kept its original")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages WHERE message_id = 'keep-2@uni.example' AND raw IS NOT NULL`); n != 1 {
			t.Errorf("Eve's email that does not name the erased person lost its original")
		}
	})
}

// slaFigures is the service-level rows of calls, as text, to compare before and after.
func slaFigures(t *testing.T, e *env, calls []desk.Call) string {
	t.Helper()
	var b strings.Builder
	for _, c := range calls {
		var rs, ss, h string
		var rb, sb, due sql.NullInt64
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT respond_state, resolve_state, respond_by, resolve_by, due_at, history FROM call_sla WHERE call_id = ?`), c.ID).
			Scan(&rs, &ss, &rb, &sb, &due, &h); err != nil {
			t.Fatalf("service level of %s: %v", c.Ref, err)
		}
		fmt.Fprintf(&b, "%s %s %s %v %v %v %q\n", c.Ref, rs, ss, rb, sb, due, h)
	}
	return b.String()
}
