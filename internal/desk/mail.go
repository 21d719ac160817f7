package desk

import "time"

// OutMail is an email calldesk sends: a notification about a call to a customer, an analyst or a
// group's mailbox (issue 5). It waits in the outbox until the sender delivers it.
type OutMail struct {
	ID int64
	// MessageID is calldesk's own Message-ID for it, without angle brackets: replies name it in
	// In-Reply-To or References, which is how they find their call.
	MessageID string
	CallID    int64 // 0 when the message is about no call
	CallRef   string
	// Kind names the notification (MailCallLogged, …).
	Kind MailKind
	// To is the one recipient's address.
	To string
	// Subject carries the call reference as [F0012345]; Text and HTML are the bodies.
	Subject, Text, HTML string
	// InReplyTo and References thread it with the call's earlier messages (Message-IDs without
	// angle brackets).
	InReplyTo  string
	References []string
	State      MailState
	Attempts   int
	NextAt     time.Time // when the sender may next try it
	LastError  string
	CreatedAt  time.Time
	SentAt     time.Time // zero until sent
}

// MailState is where an outgoing message is.
type MailState string

// States of an outgoing message.
const (
	MailPending MailState = "pending" // waiting to be sent, or to be tried again
	MailSent    MailState = "sent"
	MailFailed  MailState = "failed" // gave up after the last attempt; an administrator may retry it
)

// MailKind is the reason a notification is sent.
type MailKind string

// Notifications to customers and to analysts or groups.
const (
	MailCallLogged    MailKind = "call_logged"    // to the customer: we have your call
	MailPublicUpdate  MailKind = "public_update"  // to the customer: an analyst wrote to you
	MailOnHold        MailKind = "on_hold"        // to the customer: your call waits until …
	MailOffHold       MailKind = "off_hold"       // to the customer and the analyst: it is back
	MailResolved      MailKind = "resolved"       // to the customer: confirm or reopen
	MailClosed        MailKind = "closed"         // to the customer
	MailAssigned      MailKind = "assigned"       // to the analyst, or the group's mailbox
	MailCustomerReply MailKind = "customer_reply" // to the analyst: the customer wrote
	// MailTooLarge tells the sender of an email refused as too large why, and what to do; it is
	// about no call, answers their message (In-Reply-To) and is marked Auto-Submitted:
	// auto-replied. At most one a day goes to one address.
	MailTooLarge MailKind = "too_large"
	// MailPasswordReset carries a single-use link to reset a forgotten SupportMe password; it is
	// about no call.
	MailPasswordReset MailKind = "password_reset"
	// MailEscalation tells an analyst, a group's leads or a service-level manager that a call
	// crossed an escalation point (issue 17): the reference, the point and a link, nothing else.
	MailEscalation MailKind = "escalation"
	// MailReport is a subscribed report (issue 18 item 5): the report's name, its period, its
	// summary sentence (aggregates only) and a link to the report in the console, nothing else.
	MailReport MailKind = "report"
	// MailGrantSummary tells the Data Protection Officer, when a supplier grant ends (issue 20
	// item 1), what the supplier opened under it: counts and references, no call text.
	MailGrantSummary MailKind = "grant_summary"
	// MailReview reminds the Data Protection Officer that a processor's or an assessment's
	// review has fallen due (issue 19 items 6, 7): its name, the date and a link.
	MailReview MailKind = "dpo_review"
)

// AnsweredIDs are the Message-IDs a message answers, newest first: its In-Reply-To, then its
// References from the last to the first; once each, without empty ones.
func AnsweredIDs(inReplyTo, references []string) []string {
	out := make([]string, 0, len(inReplyTo)+len(references))
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range inReplyTo {
		add(id)
	}
	for i := len(references) - 1; i >= 0; i-- {
		add(references[i])
	}
	return out
}
