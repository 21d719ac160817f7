package mail

import (
	"crypto/rand"
	"strings"

	"calldesk/internal/desk"
)

// ourPrefix starts the local part of every Message-ID calldesk sends.
const ourPrefix = "calldesk."

// NewMessageID makes a Message-ID for a message calldesk sends from domain, without the angle
// brackets: "calldesk.{26 random base32 characters}@{domain}". IsOurs recognises it; the random
// part (130 bits) cannot be guessed, so a stranger cannot make a message look like a reply to us
// (the caller should still find the id among the ones it sent).
func NewMessageID(domain string) string {
	return ourPrefix + strings.ToLower(rand.Text()) + "@" + strings.ToLower(strings.TrimSpace(domain))
}

// IsOurs says whether a Message-ID (with or without <>) has the form NewMessageID gives for
// domain. An inbound message whose own Message-ID is ours is our own mail come back: a loop.
func IsOurs(messageID, domain string) bool {
	id := strings.TrimSpace(messageID)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	domain = strings.TrimSpace(domain)
	at := strings.LastIndexByte(id, '@')
	if at < 0 || domain == "" {
		return false
	}
	local, host := id[:at], id[at+1:]
	return strings.HasPrefix(strings.ToLower(local), ourPrefix) && len(local) > len(ourPrefix) &&
		strings.EqualFold(host, domain)
}

// OurIDs returns the ids of ours (see IsOurs) that the message answers, newest first: its
// In-Reply-To, then its References from the last to the first, without duplicates.
func (m *Message) OurIDs(domain string) []string {
	var out []string
	for _, id := range desk.AnsweredIDs(m.InReplyTo, m.References) {
		if IsOurs(id, domain) {
			out = append(out, id)
		}
	}
	return out
}

// Ref returns the call reference that a subject carries in square brackets, as calldesk's own
// subjects write it ("Re: [F0012345] Printer jammed"), in canonical form ("F0012345"); "" when
// there is none. The first bracketed reference wins; the last word inside the brackets is read,
// so "[Service Desk F0012345]" works too. A bare F0012345 outside brackets is not taken: a
// reference found by accident would append a stranger's mail to someone else's call.
func Ref(subject string) string {
	s := subject
	for {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			return ""
		}
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			return ""
		}
		inside := strings.Fields(s[i+1 : i+j])
		s = s[i+j+1:]
		if len(inside) == 0 {
			continue
		}
		kind, n, err := desk.ParseReference(inside[len(inside)-1])
		if err == nil {
			return desk.Reference(kind, n)
		}
	}
}
