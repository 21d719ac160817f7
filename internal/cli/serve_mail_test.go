package cli

import (
	"strings"
	"testing"
	"time"

	"calldesk/internal/mail/smtptest"
)

// TestServeSendsMail: serve with a mail server tells the customer of the call seededDB logged,
// through that server, in calldesk's minimal form (the reference, the status, a portal link).
func TestServeSendsMail(t *testing.T) {
	path, _, f, c := seededDB(t)
	smtpd := smtptest.Start(t, "calldesk", "mail password")
	srv := startServe(t, path, map[string]string{"CALLDESK_SMTP_PASSWORD": "mail password"},
		"--smtp-addr", smtpd.Addr, "--smtp-tls", "none", "--smtp-user", "calldesk", "--mail-from", "IT Service Desk <servicedesk@uni.example>",
		"--public-url", "https://desk.uni.example")
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && len(smtpd.Messages()) == 0 {
		time.Sleep(50 * time.Millisecond)
	}
	got := smtpd.Messages()
	if len(got) != 1 {
		t.Fatalf("the mail server received %d messages (serve: %q %q)", len(got), srv.out.String(), srv.errOut.String())
	}
	m := got[0]
	if m.To[0] != f.Dan.Email || !strings.Contains(m.Msg.Header.Get("Subject"), "["+c.Ref+"]") ||
		!strings.HasSuffix(m.Msg.Header.Get("Message-Id"), "@uni.example>") || !strings.Contains(m.Body, "https://desk.uni.example/portal/calls/"+c.Ref) ||
		strings.Contains(m.Body, "Laptop will not boot") {
		t.Fatalf("to %v, %s, %s:\n%s", m.To, m.Msg.Header.Get("Subject"), m.Msg.Header.Get("Message-Id"), m.Body)
	}

	// A mail setting missing stops serve, saying which.
	r := runCLI(t, nil, "serve", "--db", path, "--addr", "127.0.0.1:0", "--smtp-addr", smtpd.Addr)
	if r.code != 2 || !strings.Contains(r.stderr, "needs --mail-from and --public-url") {
		t.Fatalf("serve without --mail-from: %d %q", r.code, r.stderr)
	}
}
