package cli

import (
	"fmt"
	"testing"
	"time"

	"calldesk/internal/mail/imaptest"
)

// TestServeMailAuthSettings (issue 13): serve with --mail-auth-serv-id and --mail-own-domains
// (the latter by its variable) takes mail in from Dovecot: a message claiming a person's
// university address that fails DMARC at the trusted server waits in quarantine, one that passes
// opens a call, and each records its verdict.
func TestServeMailAuthSettings(t *testing.T) {
	srv := imaptest.Dovecot(t)
	path, _, f, _ := seededDB(t)
	u := srv.NewUser(t)
	c := u.Dial(t)
	msg := func(id, results string) []byte {
		return []byte("Authentication-Results: " + results + "\r\nFrom: Dan Dawson <" + f.Dan.Email + ">\r\nTo: servicedesk@uni.example\r\nSubject: " + id +
			"\r\nMessage-ID: <" + id + "@mail.example>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nMy screen is broken\r\n")
	}
	u.AppendMany(t, c, "INBOX", [][]byte{
		msg("forged", "mx.uni.example; spf=pass smtp.mailfrom=evil.example; dmarc=fail header.from=uni.example"),
		msg("genuine", "mx.uni.example; dkim=pass header.d=uni.example; dmarc=pass header.from=uni.example"),
	})
	c.Close()
	db := runServe(t, path, []string{"--imap-mailboxes", "servicedesk=imap+plain://" + u.Name + "@" + srv.Addr + "/INBOX?group=Service+Desk",
		"--mail-auth-serv-id", "mx.uni.example"}, "CALLDESK_IMAP_PASSWORD_SERVICEDESK="+u.Password, "CALLDESK_MAIL_OWN_DOMAINS=uni.example")
	got := map[string]string{}
	for deadline := time.Now().Add(60 * time.Second); len(got) < 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		rows, err := db.Query(`SELECT subject, disposition, auth_result, auth_method, auth_own FROM mail_messages`)
		if err != nil {
			continue // not migrated yet
		}
		for rows.Next() {
			var subject, disp, result, method string
			var own int
			rows.Scan(&subject, &disp, &result, &method, &own)
			got[subject] = fmt.Sprintf("%s %s %s %d", disp, result, method, own)
		}
		rows.Close()
	}
	want := map[string]string{"forged": "quarantine fail dmarc 1", "genuine": "call pass dmarc 1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("taken in: %v, want %v", got, want)
	}
}
