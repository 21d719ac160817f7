package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// digestHeaders are the headers the sender's client wrote, which the digest covers (with every
// Content-* header). Relays and servers add trace headers (Received, Delivered-To, Return-Path,
// X-Original-To, Authentication-Results, ARC-*, DKIM-Signature, X-*) and a second delivery of the
// same message, to another of the desk's addresses or by a relay trying again, differs in those
// only; so they are left out.
var digestHeaders = map[string]bool{
	"from": true, "sender": true, "to": true, "cc": true, "subject": true, "date": true,
	"message-id": true, "in-reply-to": true, "references": true, "mime-version": true,
}

// Digest is the hex SHA-256 of what the sender of raw wrote: the originator headers
// (digestHeaders and Content-*) in the order they come, each as "name:value" with the name in
// lower case and runs of white space in the value (folding included) as one space, then the body
// bytes with line ends as "\n" (Dovecot and relays turn CRLF into LF and back) and without the
// blank lines at its end. Two deliveries of one message have the same digest; a different
// message that reuses a Message-ID (list software, clients with constant IDs) has another. A
// line that is not a header field (junk before the headers) counts as written, white space
// collapsed: a missed duplicate costs a second call, a false one would drop what was written.
func Digest(raw []byte) string {
	raw = unixLines(raw)
	head, body, found := bytes.Cut(raw, []byte("\n\n"))
	if !found {
		head, body = raw, nil
	}
	h := sha256.New()
	var field []string // the lines of the field being read: the first and its continuations
	flush := func() {
		if len(field) == 0 {
			return
		}
		line := strings.Join(field, " ")
		field = nil
		name, value, ok := strings.Cut(line, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			h.Write([]byte(strings.Join(strings.Fields(line), " ") + "\n"))
			return
		}
		if digestHeaders[name] || strings.HasPrefix(name, "content-") {
			h.Write([]byte(name + ":" + strings.Join(strings.Fields(value), " ") + "\n"))
		}
	}
	for line := range strings.SplitSeq(string(head), "\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') && len(field) > 0 {
			field = append(field, line)
			continue
		}
		flush()
		if line != "" {
			field = []string{line}
		}
	}
	flush()
	h.Write([]byte("\n"))
	h.Write(bytes.TrimRight(body, "\n"))
	return hex.EncodeToString(h.Sum(nil))
}

// RawDigest is the hex SHA-256 of raw with line ends as "\n": the digest, and the stand-in
// Message-ID, of a message that cannot be read, whose headers cannot be trusted to be headers.
func RawDigest(raw []byte) string {
	sum := sha256.Sum256(unixLines(raw))
	return hex.EncodeToString(sum[:])
}

func unixLines(raw []byte) []byte {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(raw, []byte("\r"), []byte("\n"))
}
