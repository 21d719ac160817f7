package console

import (
	"net/http"
	"strconv"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// adminMailRoutes are the failed-messages view of outgoing email, for administrators.
func (c *Console) adminMailRoutes() []route {
	return []route{
		{"GET", "/admin/mail", access.Administer, c.adminMail},
		{"POST", "/admin/mail/{id}/retry", access.Administer, c.adminMailRetry},
	}
}

// MailboxState is an incoming mailbox as the administrators' email page shows it.
type MailboxState struct {
	Name                     string
	Connected                bool
	LastError                string
	LastErrorAt, LastFetchAt time.Time
	Delivered, Failed        int64
	// Oversized counts the messages refused as over the size limit (of Delivered), each recorded
	// as rejected with its sender, subject and size.
	Oversized int64
}

// adminMailPage lists the incoming mailboxes' state, the messages calldesk gave up sending, and
// those waiting.
type adminMailPage struct {
	page
	Mailboxes []MailboxState
	Failed    []desk.OutMail
	Pending   []desk.OutMail
	Retried   string // the message just put back in the queue, for the notice
	// Triage is the --mail-description setting: true for "triage", false for "call".
	Triage bool
}

// mailListMax bounds each list on the page.
const mailListMax = 200

func (c *Console) adminMail(w http.ResponseWriter, r *http.Request, v *visit) error {
	pg := adminMailPage{page: c.page(v, "Outgoing email"), Retried: r.URL.Query().Get("retried")}
	pg.Section = "admin"
	pg.Triage = c.MailDescription == "triage"
	if c.Mailboxes != nil {
		pg.Mailboxes = c.Mailboxes()
	}
	var err error
	if pg.Failed, err = c.Store.OutMail(r.Context(), desk.MailFailed, 0, mailListMax); err != nil {
		return err
	}
	if pg.Pending, err = c.Store.OutMail(r.Context(), desk.MailPending, 0, mailListMax); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "adminmail", pg)
}

func (c *Console) adminMailRetry(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a message", r.PathValue("id"))
	}
	if err := c.Store.RetryMail(r.Context(), v.Actor, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/mail?retried="+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
