package mail_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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

// BenchmarkIngest measures the whole intake (issue 5: at least 200 messages/s on SQLite): b.N
// Outlook messages (HTML with a plain alternative, about 4 KB) from 500 known senders, taken from
// a real Dovecot by the fetcher, parsed, and made into calls by the store on SQLite, each in its
// own transaction with its audit record, then marked seen.
func BenchmarkIngest(b *testing.B) {
	srv := imaptest.Dovecot(b)
	e := storetest.NewEnv(b, "sqlite", time.Now())
	ctx := context.Background()
	const senders = 500
	for i := range senders {
		if _, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Sender", LastName: fmt.Sprint(i),
			Email: fmt.Sprintf("sender%d@uni.example", i), Kind: desk.Staff}); err != nil {
			b.Fatal(err)
		}
	}
	tmpl, err := os.ReadFile("testdata/inbound/outlook-alternative.eml")
	if err != nil {
		b.Fatal(err)
	}
	m, err := mail.Parse(tmpl, mail.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	u := srv.NewUser(b)
	c := u.Dial(b)
	raws := make([][]byte, b.N)
	for i := range raws {
		s := strings.Replace(string(tmpl), m.MessageID, fmt.Sprintf("bench.%d.%d@uni.example", time.Now().UnixNano(), i), 1)
		s = strings.Replace(s, m.From.Addr, fmt.Sprintf("sender%d@uni.example", i%senders), 1)
		raws[i] = []byte(s)
	}
	u.AppendMany(b, c, "INBOX", raws)
	intake := &mail.Intake{Store: e.S, GroupID: e.F.ServiceDesk.ID, Domain: "desk.uni.example", Own: []string{"servicedesk@example.ac.uk"}, Rules: store.IngestRules{PerSenderHour: 1000},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f, err := mail.NewFetcher(mail.Mailbox{Name: "bench", Addr: srv.Addr, TLS: mail.TLSNone, Username: u.Name, Password: u.Password},
		intake.Deliver, mail.Options{})
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.ResetTimer()
	began := time.Now()
	go f.Run(runCtx)
	for f.Status().Delivered < int64(b.N) {
		if time.Since(began) > 5*time.Minute {
			b.Fatalf("only %d of %d messages taken in", f.Status().Delivered, b.N)
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(began)
	b.StopTimer()
	if n := e.DB.Count(b, `SELECT COUNT(*) FROM calls WHERE source = 'email'`); n != b.N {
		b.Fatalf("%d calls for %d messages", n, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}
