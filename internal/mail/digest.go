package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"time"
)

// Digest is the hex SHA-256 of what the sender of m wrote, as read: the originator fields
// (From, Sender, To, Cc, the decoded Subject, the Date as an instant, Message-ID, In-Reply-To,
// References), the decoded text (FullText and HTML), and each attachment's name, type and the
// SHA-256 of its decoded bytes (of one over the attachment limit, its name, type and size).
//
// It is computed from the decoded message, not from its bytes, because relays change the bytes
// of a message without changing what it says: they add trace headers (Received, Return-Path,
// Authentication-Results, ARC-*, ...), refold headers, turn CRLF into LF and back, re-encode an
// 8bit body as quoted-printable when the next server lacks 8BITMIME, and rewrap base64. Two
// deliveries of one message have the same digest however they came; a different message that
// reuses a Message-ID (list software, clients with constant IDs) has another as soon as one
// word of its text, one recipient or one byte of an attachment differs.
func Digest(m *Message) string {
	h := sha256.New()
	field := func(name, value string) {
		// Length-prefixed, so that no value can run into the next field.
		fmt.Fprintf(h, "%s:%d:%s\n", name, len(value), value)
	}
	addrs := func(name string, list ...Address) {
		for _, a := range list {
			field(name, a.Name+" <"+a.Addr+">")
		}
	}
	addrs("from", m.From)
	field("from-problem", m.FromProblem)
	addrs("sender", m.Sender)
	addrs("to", m.To...)
	addrs("cc", m.Cc...)
	field("subject", m.Subject)
	if m.Date.IsZero() {
		// Missing or unreadable: what the header says, if anything.
		field("date", m.Header("Date"))
	} else {
		field("date", m.Date.UTC().Format(time.RFC3339Nano))
	}
	field("message-id", m.MessageID)
	field("in-reply-to", strings.Join(m.InReplyTo, " "))
	field("references", strings.Join(m.References, " "))
	field("text", m.FullText)
	field("html", string(unixLines([]byte(m.HTML))))
	for _, a := range m.Attachments {
		field("attachment", a.Filename+"\x00"+a.ContentType+"\x00"+sum(sha256.New(), a.Content))
	}
	for _, a := range m.Oversized {
		field("oversized", fmt.Sprintf("%s\x00%s\x00%d", a.Filename, a.ContentType, a.Size))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sum(h hash.Hash, b []byte) string {
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// RawDigest is the hex SHA-256 of raw with line ends as "\n": the digest, and the stand-in
// Message-ID, of a message that cannot be read (Parse refuses it, or it is too large to be
// fetched whole), whose headers cannot be trusted to be headers.
func RawDigest(raw []byte) string {
	sum := sha256.Sum256(unixLines(raw))
	return hex.EncodeToString(sum[:])
}

func unixLines(raw []byte) []byte {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(raw, []byte("\r"), []byte("\n"))
}
