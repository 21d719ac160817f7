package privacy_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestSARMentionsOnOthersRecords: the bundle of a person holds the places on other people's
// records that name them (issue 15 point 4): another customer's call text and alternative
// contact, a diary entry, a file's name and content, an email copying them, another person's
// subject request, a legal hold, an audit record of a search for their phone, another person's
// job title. Each is the sentence that names them, marked as a mention, under the register's
// section, with the other people it names redacted; the review has its sentence and link.
func TestSARMentionsOnOthersRecords(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		wil, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Wilhelmina", LastName: "Oakenshield", Username: "woaken",
			Email: "w.oakenshield@uni.example", StudentNumber: "S5550001", Phone: "07700 900852", Department: "History", Kind: desk.Student})
		if err != nil {
			t.Fatal(err)
		}
		eve := e.F.Eve.FirstName + " " + e.F.Eve.LastName
		dans, err := e.S.CreateCall(ctx, ann, desk.NewCall{Kind: desk.Fault, Summary: "Printer jam", CustomerID: e.F.Dan.ID,
			Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low, AltEmail: "w.oakenshield@uni.example",
			Description: "The printer jams. Wilhelmina Oakenshield and " + eve + " saw it too. It is on floor 3."})
		if err != nil {
			t.Fatal(err)
		}
		entry, err := e.S.AddEntry(ctx, ann, dans.Ref, desk.EntryNote, "Rang back. Her number is +44 (0)7700 900852, says "+eve+".")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.AddEntryWithAttachments(ctx, ann, dans.Ref, desk.EntryNote, "Files",
			[]desk.Upload{{Filename: "woaken-timetable.txt", Data: []byte("rooms")},
				{Filename: "notes.txt", Data: []byte("Seen with W.Oakenshield@uni.example in the lab")}}, desk.AttachmentRules{}); err != nil {
			t.Fatal(err)
		}
		raw := "From: Dan <" + e.F.Dan.Email + ">\r\nCc: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("Wilhelmina Oakenshield")) +
			"?= <friend@uni.example>\r\nSubject: [" + dans.Ref + "] still jammed\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nStill jammed.\r\n"
		if _, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 9, MessageID: "dan9@uni.example",
			From: e.F.Dan.Email, FromName: "Dan", Subject: "[" + dans.Ref + "] still jammed", Ref: dans.Ref, Text: "Still jammed.",
			Raw: []byte(raw), GroupID: e.F.ServiceDesk.ID}, store.IngestRules{}); err != nil {
			t.Fatal(err)
		}
		// A message held in quarantine, from a stranger, about her (its subject and text).
		qraw := "From: Stranger <stranger@elsewhere.example>\r\nSubject: About Wilhelmina Oakenshield\r\n\r\nShe owes us a book.\r\n"
		if _, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 10, MessageID: "q10@elsewhere.example",
			From: "stranger@elsewhere.example", FromName: "Stranger", Subject: "About Wilhelmina Oakenshield", Text: "She owes us a book.",
			Raw: []byte(qraw), GroupID: e.F.ServiceDesk.ID, Quarantine: "from nobody calldesk knows"}, store.IngestRules{}); err != nil {
			t.Fatal(err)
		}
		// Mail calldesk sent Dan about his call that names her.
		if err := e.S.EnqueueMail(ctx, desk.OutMail{MessageID: "out1@calldesk.example", CallID: dans.ID, CallRef: dans.Ref,
			Kind: desk.MailPublicUpdate, To: e.F.Dan.Email, Subject: "[" + dans.Ref + "] update",
			Text: "Wilhelmina Oakenshield will bring the toner."}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.LogSubjectRequest(ctx, e.F.Admin, desk.SubjectRequest{PersonID: e.F.Dan.ID, Kind: desk.RequestAccess,
			ReceivedAt: e.Clock.Now(), IdentityAt: e.Clock.Now(), IdentityHow: "passport", IdentityBy: "Cat Carter", Channel: "console",
			Details: "Also wants what Wilhelmina Oakenshield wrote about him."}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.PlaceLegalHold(ctx, storetest.Actor(e.F.Cat), dans.ID, 0, "Complaint about S5550001"); err != nil {
			t.Fatal(err)
		}
		if err := e.S.AppendAudit(ctx, []desk.AuditRecord{{At: e.Clock.Now(), ActorID: e.F.Ann.ID, Actor: "Ann", Action: "search",
			ObjectType: "search", Detail: "GET /search?q=%2B44%207700%20900852"}}); err != nil {
			t.Fatal(err)
		}
		// A directory import that rejected a row quoting her.
		e.DB.MustExec(t, `INSERT INTO import_runs (source, state, full_import, started_at, duration_ms, read_count, created, updated,
			left_count, returned, rejected, problems) VALUES ('hr-csv', 'done', 1, ?, 5, 10, 0, 0, 0, 0, 1, ?)`,
			e.Clock.Now().UnixMicro(), "line 7: no email for Oakenshield, Wilhelmina (S5550001)")
		ev := e.F.Eve
		ev.JobTitle = "Assistant to Wilhelmina Oakenshield"
		if _, err := e.S.UpdatePerson(ctx, e.F.Admin, ev); err != nil {
			t.Fatal(err)
		}

		bu, err := (&privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail}).Gather(ctx, wil.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]privacy.BundleMention{}
		for _, m := range bu.Mentions {
			if m.Note != privacy.MentionNote {
				t.Errorf("a mention not marked as one: %+v", m)
			}
			got[m.Record[:strings.Index(m.Record, " (")]] = m
		}
		want := map[string]string{ // record -> section
			"the description of a call": "calls.json", "a call's alternative contact address": "calls.json",
			"a diary entry": "entries.csv", "the name of a file": "attachments.csv", "the content of a file": "attachments.csv",
			"an email taken in": "emails.json", "another person's subject request": "requests.json",
			"the reason for a legal hold": "legal_holds.json", "an audit record": "audit.csv", "another person's job title": "person.json",
			"the subject of an email taken in": "emails.json", "an email calldesk sent": "emails_sent.json",
			"a problem a directory import reported": "person.json",
		}
		var quarantined bool
		for _, m := range bu.Mentions {
			if m.CallRef == "" && m.Record == "the subject of an email taken in ("+m.Record[strings.Index(m.Record, "(")+1:] && m.Text == "About Wilhelmina Oakenshield" {
				quarantined = true
			}
		}
		if !quarantined {
			t.Errorf("the quarantined message about her is not in her bundle: %+v", bu.Mentions)
		}
		for rec, section := range want {
			if m, ok := got[rec]; !ok || m.Section != section {
				t.Errorf("%s: %+v, want it in %s (have %v)", rec, m, section, bu.Mentions)
			}
		}
		// The other people on those records are redaction candidates, with the sentence and the
		// page they stand on.
		files := unzip(t, must(bu.RenderBytes(ctx, nil, storeFiles(e.S))))
		var rendered []privacy.BundleMention
		if err := json.Unmarshal(files["mentions.json"], &rendered); err != nil {
			t.Fatal(err)
		}
		text := string(files["mentions.json"])
		if strings.Contains(text, eve) || !strings.Contains(text, "Wilhelmina Oakenshield and [redacted: ") {
			t.Errorf("the third party is not redacted in mentions.json:\n%s", text)
		}
		report := string(files["report.html"])
		if i := strings.Index(report, `<section id="mentions"`); i < 0 || !strings.Contains(report[i:], "Also wants what Wilhelmina Oakenshield wrote about him.") ||
			!strings.Contains(report[i:], "Wilhelmina Oakenshield and [redacted: ") || strings.Contains(report[i:], eve) {
			t.Errorf("report.html does not list the mentions, redacted")
		}
		if !strings.Contains(string(files["README.txt"]), privacy.MentionNote) {
			t.Errorf("the README does not explain the mentions")
		}
		var onEntry bool
		for _, r := range bu.Redactions {
			if r.Original == eve && r.Link == "/calls/"+dans.Ref+"#entry-"+itoa(entry.ID) && strings.Contains(r.Context, "+44 (0)7700 900852") {
				onEntry = true
			}
		}
		if !onEntry {
			t.Errorf("no candidate for %s on the diary entry with its sentence and link: %+v", eve, bu.Redactions)
		}
	})
}
