package store_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// BenchmarkFindMentionsOverStoredMail is the cost of finding a person among 20,000 stored emails
// of about 20 KB (a 6 KB body, a 10 KB base64 log attached) and 5,000 files of 20 KB (half
// random bytes), one email and one file naming them, on a call that does not: "decoded" as
// intake and upload store them (their text beside them, migration 0036), "undecoded" as rows
// stored before the migration (the finder reads and decodes every one). After the loop it erases
// the person once, an analyst's note written meanwhile, and logs both times.
//
//	go test -run '^$' -bench FindMentionsOverStoredMail -benchtime 3x ./internal/store/
func BenchmarkFindMentionsOverStoredMail(b *testing.B) {
	for _, engine := range storetest.Engines(b) {
		for _, decoded := range []bool{true, false} {
			name := engine + "/decoded"
			if !decoded {
				name = engine + "/undecoded"
			}
			b.Run(name, func(b *testing.B) { benchStoredMail(b, engine, decoded) })
		}
	}
}

func benchStoredMail(b *testing.B, engine string, decoded bool) {
	e := &env{storetest.NewEnv(b, engine, start)}
	ctx := context.Background()
	p, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Wilhelmina", LastName: "Fairweather", Username: "wfair",
		Email: "w.fairweather@uni.example", Phone: "07700 900777", Department: "Law", Kind: desk.Student})
	if err != nil {
		b.Fatal(err)
	}
	dans, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Kind: desk.Fault, Summary: "Printer", CustomerID: e.F.Dan.ID,
		Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
	if err != nil {
		b.Fatal(err)
	}
	body := strings.Repeat("The projector in room G.12 flickers when the lights are dimmed; please send someone. ", 70)
	att := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("log line: service restarted at 10:00 ok\n", 250)))
	var lines []string
	for len(att) > 76 {
		lines, att = append(lines, att[:76]), att[76:]
	}
	attB64 := strings.Join(append(lines, att), "\r\n")
	text := func(s string) any {
		if !decoded {
			return nil
		}
		return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", " "), " ")
	}
	tx, err := e.DB.Begin()
	if err != nil {
		b.Fatal(err)
	}
	const mails, files = 20000, 5000
	for i := 0; i < mails; i++ {
		name := "Dan Dawson"
		if i == mails/2 {
			name = "Wilhelmina Fairweather"
		}
		raw := fmt.Sprintf("From: Dan <d%d@uni.example>\r\nTo: servicedesk@uni.example\r\nSubject: projector %d\r\nMIME-Version: 1.0\r\n"+
			"Content-Type: multipart/mixed; boundary=bb\r\n\r\n--bb\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n%s\r\n"+
			"--bb\r\nContent-Type: text/plain; name=log.txt\r\nContent-Disposition: attachment; filename=log.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--bb--\r\n",
			i, i, body, name, attB64)
		if _, err := tx.Exec(e.DB.Rebind(`INSERT INTO mail_messages (message_id, call_id, sender, subject, disposition, raw, raw_text, size, created_at) VALUES (?, ?, ?, ?, 'entry', ?, ?, ?, 1)`),
			fmt.Sprintf("m%d@x", i), dans.ID, "dan@uni.example", "projector", []byte(raw), text(desk.MailText([]byte(raw))), len(raw)); err != nil {
			b.Fatal(err)
		}
	}
	bin := make([]byte, 20000)
	for i := 0; i < files; i++ {
		data := []byte(strings.Repeat("Meeting notes, nothing personal here. ", 520))
		if i%2 == 1 {
			rand.Read(bin)
			data = append([]byte(nil), bin...)
		}
		if i == files/2 {
			data = append(data, []byte(" Wilhelmina Fairweather")...)
		}
		fname := fmt.Sprintf("f%d.txt", i)
		if _, err := tx.Exec(e.DB.Rebind(`INSERT INTO attachments (call_id, filename, content_type, size, sha256, data, data_text, created_at) VALUES (?, ?, ?, ?, '', ?, ?, 1)`),
			dans.ID, fname, "application/octet-stream", len(data), data, text(desk.FileText(fname, "application/octet-stream", data))); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := e.DB.Exec(map[string]string{"sqlite": "ANALYZE", "postgres": "VACUUM ANALYZE"}[engine]); err != nil {
		b.Fatal(err)
	}
	sc := desk.NewScrubber(desk.IdentifiersOf(p), "[P]")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ms, err := e.S.FindMentions(ctx, sc, store.MentionOptions{})
		if err != nil {
			b.Fatal(err)
		}
		var mail, file bool
		for _, m := range ms {
			mail = mail || m.Table == "mail_messages" && m.Column == "raw"
			file = file || m.Table == "attachments" && m.Column == "data"
		}
		if !mail || !file {
			b.Fatalf("the email or the file naming them was not found: %+v", ms)
		}
	}
	b.StopTimer()
	other := make(chan string, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		at := time.Now()
		_, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), dans.Ref, desk.EntryNote, "meanwhile")
		other <- fmt.Sprintf("an analyst's note written during the erasure took %v (err %v)", time.Since(at), err)
	}()
	begin := time.Now()
	if _, err := e.S.ErasePerson(ctx, storetest.Actor(e.F.Cat), desk.Erasure{PersonID: p.ID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
		Decision: "asked in writing", Confirmed: true}); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s decoded=%v: ErasePerson %v; %s", engine, decoded, time.Since(begin), <-other)
}
