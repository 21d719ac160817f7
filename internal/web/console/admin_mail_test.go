package console_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// TestAdminMail: an administrator sees the messages calldesk could not send, with the reason, and
// sends one again; analysts who are not administrators may not see them.
func TestAdminMail(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,admin")
		call := e.call("Printer jammed", e.f.ServiceDesk.ID)
		if err := e.s.EnqueueMail(e.ctx, desk.OutMail{MessageID: "calldesk.x1@desk.uni.example", CallID: call.ID, Kind: desk.MailCallLogged,
			To: "ddawson@uni.example", Subject: "[" + call.Ref + "] We have your request", Text: "Hello"}); err != nil {
			t.Fatal(err)
		}
		out, _ := e.s.OutMail(e.ctx, desk.MailPending, 0, 10)
		if err := e.s.MailNotSent(e.ctx, out[0].ID, "dial tcp 10.0.0.25:587: connection refused", time.Time{}); err != nil {
			t.Fatal(err)
		}

		ann := e.signIn(e.f.Ann)
		ann.get("/admin/mail").must(t, http.StatusForbidden)
		ann.get("/queues/mine").must(t, http.StatusOK).lacks(t, `href="/admin/mail"`)

		cat := e.signIn(e.f.Cat)
		cat.get("/queues/mine").must(t, http.StatusOK).has(t, `href="/admin/mail"`)
		cat.get("/admin/mail").must(t, http.StatusOK).has(t, "Not sent", "ddawson@uni.example", "connection refused",
			`href="/calls/`+call.Ref+`"`, "Send again")
		ann.post("/admin/mail/1/retry", nil).must(t, http.StatusForbidden)
		r := cat.post("/admin/mail/"+strconv.FormatInt(out[0].ID, 10)+"/retry", nil).must(t, http.StatusSeeOther)
		cat.get(r.location).must(t, http.StatusOK).has(t, "will be sent again", "Every message has been sent or is waiting").
			lacks(t, "Send again")
		if pending, _ := e.s.OutMail(e.ctx, desk.MailPending, 0, 10); len(pending) != 1 || pending[0].Attempts != 0 {
			t.Fatalf("after the retry: %+v", pending)
		}
		cat.post("/admin/mail/"+strconv.FormatInt(out[0].ID, 10)+"/retry", nil).must(t, http.StatusNotFound).has(t, "retried already")
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'mail.retry'`); n != 1 {
			t.Fatalf("%d retries audited", n)
		}
	})
}

// TestAdminMailShowsMailboxes: the administrators' email page says which incoming mailbox is not
// connected, and why.
func TestAdminMailShowsMailboxes(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		failed := start.Add(-5 * time.Minute)
		e := newEnvWith(t, se, func(c *console.Console) {
			c.Mailboxes = func() []console.MailboxState {
				return []console.MailboxState{
					{Name: "servicedesk", Connected: true, LastFetchAt: start, Delivered: 42, Oversized: 3},
					{Name: "library", LastError: "login: [AUTHENTICATIONFAILED] Authentication failed.", LastErrorAt: failed, Failed: 1},
				}
			}
		})
		e.grant(se, e.f.Cat, "analyst,admin")
		e.signIn(e.f.Cat).get("/admin/mail").must(t, http.StatusOK).has(t, "Incoming mailboxes", "servicedesk", "Connected", "42",
			"of which 3 refused as too large", "library", "Not connected", "AUTHENTICATIONFAILED", "1 to try again")
	})
}
