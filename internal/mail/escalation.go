package mail

import (
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Escalations writes the emails of the escalation job (store.Escalate): to an analyst, a group's
// leads or a service-level manager, saying which point a call crossed, with its reference and a
// link to its console page, and nothing else (P18: no summary, no personal data, not even the
// recipient's name).
type Escalations struct {
	Templates *Templates
	// Domain is the right-hand side of the Message-IDs; ConsoleURL the console's public root.
	Domain, ConsoleURL string
}

// Mail renders the email of one notice; it is a store.EscalationMail.
func (e *Escalations) Mail(n store.EscalationNotice) (desk.OutMail, error) {
	d := MailData{Ref: n.Ref, Point: n.Point.Used(), Link: strings.TrimSuffix(e.ConsoleURL, "/") + "/calls/" + n.Ref}
	r, err := e.Templates.Render(desk.MailEscalation, d)
	if err != nil {
		return desk.OutMail{}, err
	}
	return desk.OutMail{MessageID: NewMessageID(e.Domain), CallID: n.CallID, Kind: desk.MailEscalation, To: n.To,
		Subject: r.Subject, Text: r.Text, HTML: r.HTML}, nil
}
