package cli

import (
	"database/sql"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"calldesk/internal/mail/imaptest"
	"calldesk/internal/mail/smtptest"
)

// TestServeMailMaxMessage (issue 14, point 6): serve's --mail-max-message is the one limit on a
// message: a message over it is refused with the real figures, and, as serve sends email, its
// sender gets the notice through the outbox and the mail server, marked as an automatic reply;
// a message under it makes a call.
func TestServeMailMaxMessage(t *testing.T) {
	srv := imaptest.Dovecot(t)
	smtpd := smtptest.Start(t, "", "")
	path, _, f, _ := seededDB(t)
	u := srv.NewUser(t)
	c := u.Dial(t)
	msg := func(id string, size int) []byte {
		var b strings.Builder
		b.WriteString("From: Dan Dawson <" + f.Dan.Email + ">\r\nTo: servicedesk@uni.example\r\nSubject: " + id +
			"\r\nMessage-ID: <" + id + "@mail.example>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nThe log of the crash:\r\n")
		for b.Len() < size {
			b.WriteString("kernel: general protection fault in module wl, ip 0000:7f3a2b1c\r\n")
		}
		return []byte(b.String())
	}
	u.AppendMany(t, c, "INBOX", [][]byte{msg("too-large", 1536<<10), msg("within", 1000<<10)})
	c.Close()
	db := runServe(t, path, []string{"--imap-mailboxes", "servicedesk=imap+plain://" + u.Name + "@" + srv.Addr + "/INBOX?group=Service+Desk",
		"--smtp-addr", smtpd.Addr, "--smtp-tls", "none", "--mail-from", "IT Service Desk <servicedesk@uni.example>",
		"--public-url", "https://desk.uni.example", "--mail-domain", "desk.uni.example"},
		"CALLDESK_IMAP_PASSWORD_SERVICEDESK="+u.Password, "CALLDESK_MAIL_MAX_MESSAGE=1MiB")
	got := map[string]string{}
	for deadline := time.Now().Add(60 * time.Second); len(got) < 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		rows, err := db.Query(`SELECT subject, disposition, reason FROM mail_messages`)
		if err != nil {
			continue // not migrated yet
		}
		for rows.Next() {
			var subject, disp, reason string
			rows.Scan(&subject, &disp, &reason)
			got[subject] = disp + ": " + reason
		}
		rows.Close()
	}
	if !strings.HasPrefix(got["too-large"], "rejected: the message is 1.5 MiB; the desk takes messages up to 1 MiB; the sender was told") ||
		!strings.HasPrefix(got["within"], "call: ") {
		t.Fatalf("taken in: %q", got)
	}
	var notice *smtptest.Received
	for deadline := time.Now().Add(30 * time.Second); notice == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range smtpd.Messages() {
			if m.Msg.Header.Get("In-Reply-To") == "<too-large@mail.example>" {
				notice = &m
			}
		}
	}
	if notice == nil {
		t.Fatalf("no notice reached the mail server; it received %d messages", len(smtpd.Messages()))
	}
	body := strings.NewReplacer("=\r\n", "", "=\n", "", "\r\n", " ", "\n", " ").Replace(notice.Body) // quoted-printable soft breaks
	if h := notice.Msg.Header; notice.To[0] != f.Dan.Email || h.Get("Auto-Submitted") != "auto-replied" ||
		!strings.Contains(body, "it is 1.5 MiB, and the desk takes emails of up to 1 MiB") {
		t.Errorf("notice to %v, Auto-Submitted %q:\n%s", notice.To, h.Get("Auto-Submitted"), notice.Body)
	}
}

// runServe runs `calldesk serve` on the database at path with args (and the environment's
// variables env) as a process of its own (TestHelperServe) until the test ends, and returns a
// handle on the database to watch what it does.
func runServe(t *testing.T, path string, args []string, env ...string) *sql.DB {
	t.Helper()
	all := append([]string{"serve", "--db", path, "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
	cmd.Env = append(append(os.Environ(), "CALLDESK_HELPER_SERVE="+strings.Join(all, "\x1f")), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		db.Close()
	})
	return db
}
