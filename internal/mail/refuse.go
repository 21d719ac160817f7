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
	m.Auth = in.Auth.Verdict(msg.AuthResults(), msg.From.Addr)
	m.Rejected = TooLarge(size, in.limits().MessageMax)
	if why := in.noNotice(msg, m.Auth); why != "" {
		m.Rejected += "; no notice to the sender: " + why
		return
	}
	data := MailData{Size: desk.SizeWords(size), Max: desk.SizeWords(in.limits().MessageMax)}
	if m.Auth.Result == desk.AuthPass {
		// Only a verified sender's own words are repeated to them: a forged From would otherwise
		// have calldesk send whatever subject and name the forger chose to someone else.
		data.Name, data.Their = msg.From.Name, msg.Subject
	}
	r, err := in.Notices.Render(desk.MailTooLarge, data)
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

// listHeaders are the headers of mail sent through a mailing list (RFC 2369, RFC 2919). Mailman 3
// and Microsoft 365 groups add them without Precedence: list, so Automatic does not see such mail;
// RFC 3834 section 2 asks that no automatic response go to it.
var listHeaders = []string{"List-Id", "List-Post", "List-Unsubscribe", "List-Help"}

// noNotice says why the sender of a refused message, whose sender verdict is auth, must not be
// sent a notice ("" when they may). No notice goes:
//   - when calldesk sends no email, or the message names no sender;
//   - to automatic mail (Automatic: an auto-reply, a bounce with its empty Return-Path,
//     Precedence: list or bulk) or mail through a mailing list (any of listHeaders), where an
//     answer could start a loop or reach everyone on the list;
//   - to calldesk's own mail (its Message-ID, its addresses, its own domain): a loop;
//   - to a sender the university's mail server found forged (the verdict is a fail): the From
//     is then someone else's address, and the notice would be backscatter to them;
//   - to a sender outside the own domains with no verdict at all, when the envelope sender
//     (Return-Path, where RFC 3834 section 4 would send the answer) is of another domain than
//     the From: nothing vouches for the From, and the envelope contradicts it. A Return-Path of
//     the From's domain (or none recorded: the delivery agent writes one on every message it
//     stores, so only a message placed in the mailbox otherwise lacks it) does not contradict
//     the From, and the notice goes to the From, whom the message names as its author.
func (in *Intake) noNotice(msg *Message, auth desk.MailAuth) string {
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
	for _, name := range listHeaders {
		if v := msg.Header(name); v != "" {
			return "it comes through a mailing list (" + name + ": " + clipRunes(v, 100) + ")"
		}
	}
	if own := strings.ToLower(strings.TrimSpace(in.OwnDomain)); own != "" && strings.HasSuffix(from, "@"+own) {
		return "it comes from calldesk's own domain"
	}
	if in.isOwn(from) {
		return "it comes from calldesk's own address"
	}
	if auth.Result == desk.AuthFail {
		return "the university's mail server found its sender forged (" + auth.MethodWords() + " failed)"
	}
	if auth.Result == desk.AuthNone && !auth.OwnDomain {
		if rp := domainOf(msg.Header("Return-Path")); rp != "" && !in.Auth.aligned(rp, domainOf(from)) {
			return "its sender is not verified and its envelope sender (Return-Path) is of another domain"
		}
	}
	return ""
}

// isOwn says whether addr is one of calldesk's own addresses (Own).
func (in *Intake) isOwn(addr string) bool {
	for _, own := range in.Own {
		if strings.EqualFold(strings.TrimSpace(own), addr) {
			return true
		}
	}
	return false
}
