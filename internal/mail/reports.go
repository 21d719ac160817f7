package mail

import (
	"calldesk/internal/desk"
)

// Reports writes the emails of subscribed reports (issue 18 item 5, internal/report's
// Scheduler): the report's name, period and summary sentence and a link to it, nothing else
// (P18: the figures behind the link are shown only to whoever signs in and may see them).
type Reports struct {
	Templates *Templates
	// Domain is the right-hand side of the Message-IDs.
	Domain string
}

// Mail renders one subscribed report's email to to.
func (r *Reports) Mail(to, every, report, period, figures, link string) (desk.OutMail, error) {
	out, err := r.Templates.Render(desk.MailReport, MailData{Every: every, Report: report, Period: period, Figures: figures, Link: link})
	if err != nil {
		return desk.OutMail{}, err
	}
	return desk.OutMail{MessageID: NewMessageID(r.Domain), Kind: desk.MailReport, To: to, Subject: out.Subject, Text: out.Text, HTML: out.HTML}, nil
}
