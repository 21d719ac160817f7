package mail

import (
	"bufio"
	"bytes"
	"net/textproto"
	"strconv"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// TooLarge is why a message of size bytes is refused when the limit is max, with the real
// figures, for the record and the notice to its sender: "the message is 41.3 MiB; the desk takes
// messages up to 35 MiB".
func TooLarge(size, max int64) string {
	over, limit := desk.SizeWords(size), desk.SizeWords(max)
	if over == limit {
		// Just over: rounded, the two figures would read the same.
		over, limit = strconv.FormatInt(size, 10)+" bytes", strconv.FormatInt(max, 10)+" bytes"
	}
	return "the message is " + over + "; the desk takes messages up to " + limit
}

// headerOf is the header of a raw message, up to and with the blank line that ends it (the whole
// message when there is none).
func headerOf(raw []byte) []byte {
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 {
			return raw[:i+len(sep)]
		}
	}
	return raw
}

// readHeader reads a message's header alone, as Parse reads a whole message's (sender, subject,
// Message-ID, the headers Automatic looks at); what a broken line hides is simply missing.
func readHeader(header []byte) *Message {
	header = bytes.ReplaceAll(header, []byte{0}, nil)
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(header))).ReadMIMEHeader()
	if h == nil {
		h = textproto.MIMEHeader{}
	}
	m := &Message{header: h}
	m.readHeaders()
	return m
}

// refuseLarge makes m the record of a message refused as too large: only its header is kept (so
// the record names its sender and subject) with its real size, and, unless its sender must not
// be answered, a notice to them saying so, which the store queues with the record unless it sent
// them one in the last day.
func (in *Intake) refuseLarge(m *store.InMail, header []byte, size int64, key string) {
	msg := readHeader(header)
	m.MessageID, m.Raw, m.Size = key, header, size
	m.From, m.FromName, m.Subject = msg.From.Addr, msg.From.Name, msg.Subject
	m.Rejected = TooLarge(size, in.limits().MessageMax)
	if why := in.noNotice(msg); why != "" {
		m.Rejected += "; no notice to the sender: " + why
		return
	}
	r, err := in.Notices.Render(desk.MailTooLarge, MailData{Name: msg.From.Name, Their: msg.Subject,
		Size: desk.SizeWords(size), Max: desk.SizeWords(in.limits().MessageMax)})
	if err != nil {
		in.log().Error("mail: the notice of a refused message cannot be made", "err", err)
		m.Rejected += "; no notice to the sender: its template failed"
		return
	}
	n := &desk.OutMail{MessageID: NewMessageID(in.Domain), Kind: desk.MailTooLarge, To: msg.From.Addr,
		Subject: r.Subject, Text: r.Text, HTML: r.HTML}
	if msg.MessageID != "" {
		n.InReplyTo, n.References = msg.MessageID, []string{msg.MessageID}
	}
	m.Notice = n
}

// noNotice says why the sender of a refused message must not be sent a notice ("" when they may):
// no mail goes out, there is no sender, the message is automatic (an auto-reply, a bounce with its
// empty Return-Path, a mailing list), or it is calldesk's own (its Message-ID, its addresses or
// its own domain): answering any of those could start a mail loop.
func (in *Intake) noNotice(msg *Message) string {
	from := strings.ToLower(msg.From.Addr)
	switch auto, why := msg.Automatic(); {
	case in.Notices == nil || in.Domain == "":
		return "calldesk sends no email"
	case from == "":
		return "it names no sender"
	case auto:
		return "it is automatic (" + why + ")"
	case IsOurs(msg.MessageID, in.Domain):
		return "it is one of calldesk's own messages come back"
	}
	if own := strings.ToLower(strings.TrimSpace(in.OwnDomain)); own != "" && strings.HasSuffix(from, "@"+own) {
		return "it comes from calldesk's own domain"
	}
	for _, own := range in.Own {
		if strings.EqualFold(strings.TrimSpace(own), from) {
			return "it comes from calldesk's own address"
		}
	}
	return ""
}
