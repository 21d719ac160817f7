package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// mailLogPage lists the email taken in lately that made no call or diary entry (issue 14): a
// second delivery of a message taken in before, a message that could not be read or was refused,
// an automatic one, one discarded from quarantine; with why, and the call it belongs to.
type mailLogPage struct {
	page
	Items []mailLogItem
	// Shown is the disposition the list is filtered to ("" for all), Choices those it may be.
	Shown   string
	Choices []mailLogChoice
	Max     int
}

// mailLogItem is a message of the log, with what became of it in words.
type mailLogItem struct {
	store.LoggedMail
	What string
}

// mailLogChoice is one option of the page's filter.
type mailLogChoice struct{ Value, Label string }

// mailLogWords are the dispositions of the mail log in words.
func mailLogWords(d string) string {
	switch d {
	case store.MailDuplicate:
		return "Duplicate"
	case store.MailRejected:
		return "Refused or unreadable"
	case store.MailAutomatic:
		return "Automatic"
	case store.MailDiscarded:
		return "Discarded"
	}
	return d
}

// mailLog shows the log; the senders and subjects it lists are personal data, and reading them
// is audited (mail.view), as on the quarantine page.
func (c *Console) mailLog(w http.ResponseWriter, r *http.Request, v *visit) error {
	shown := strings.TrimSpace(r.URL.Query().Get("disposition"))
	list, err := c.Store.MailLog(r.Context(), shown)
	if desk.ErrorCode(err) == desk.EINVALID {
		// An unknown filter (a link edited by hand) shows everything.
		shown = ""
		if list, err = c.Store.MailLog(r.Context(), ""); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	pg := mailLogPage{page: c.page(v, "Email taken in"), Shown: shown, Max: store.MailLogMax,
		Choices: []mailLogChoice{{"", "Everything"}}}
	if list, err = c.mailLogFor(r.Context(), v, list); err != nil {
		return err
	}
	for _, m := range list {
		pg.Items = append(pg.Items, mailLogItem{LoggedMail: m, What: mailLogWords(m.Disposition)})
	}
	pg.Section = "maillog"
	for _, d := range store.MailLogDispositions() {
		pg.Choices = append(pg.Choices, mailLogChoice{d, mailLogWords(d)})
	}
	if len(list) > 0 {
		ids := make([]string, len(list))
		for i, m := range list {
			ids[i] = strconv.FormatInt(m.ID, 10)
		}
		if err := c.auditRead(v, "mail.view", "mail", "", nil, "email taken in: messages "+strings.Join(ids, ", ")); err != nil {
			return err
		}
	}
	return c.render(w, r, http.StatusOK, "maillog", pg)
}

// mailLogFor returns the log as the visitor may read it: the subject of a message of a
// special-category call they may not read (access.ReadsCall) is the mask, as that call's summary
// is everywhere else; that the message came, from whom and when stay.
func (c *Console) mailLogFor(ctx context.Context, v *visit, list []store.LoggedMail) ([]store.LoggedMail, error) {
	var rd desk.Reader
	reads := map[string]bool{}
	for i, m := range list {
		if m.CallRef == "" {
			continue
		}
		ok, seen := reads[m.CallRef]
		if !seen {
			if len(reads) == 0 {
				var err error
				if rd, err = c.reader(ctx, v); err != nil {
					return nil, err
				}
			}
			call, err := c.Store.FindCallByRef(ctx, m.CallRef)
			if err != nil {
				return nil, err
			}
			ok = access.ReadsCall(rd, call)
			reads[m.CallRef] = ok
		}
		if !ok {
			list[i].Subject = desk.SpecialMaskedSummary
		}
	}
	return list, nil
}
