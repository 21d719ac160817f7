package mail

import (
	"strings"

	"calldesk/internal/desk"
)

// ourPrefix starts the local part of every Message-ID calldesk sends.
const ourPrefix = "calldesk."

// IsOurs says whether a Message-ID (with or without <>) has the form NewMessageID gives for
// domain, calldesk.{random}@{domain} (the domain compared without regard to case). The random part
// cannot be guessed, but anyone can write an id of this form: the caller still looks the id up
// among those calldesk sent before trusting it. An inbound message whose own Message-ID is ours is
// our own mail come back: a loop.
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
	seen := map[string]bool{}
	add := func(id string) {
		if IsOurs(id, domain) && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range m.InReplyTo {
		add(id)
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		add(m.References[i])
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
