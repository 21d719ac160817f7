package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"calldesk/internal/desk"

	"github.com/gogs/chardet"
	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// Default limits, used for a Limits field that is zero or negative.
const (
	// DefaultMessageMax is the largest whole message, as fetched: 35 MiB, so that a file of
	// DefaultAttachmentMax (25 MiB, about 34 MiB once base64-encoded in 76-character lines) comes
	// through with its message, as it does through Exchange Online, whose default limit on a
	// received message is 35 MB. The fetcher (Mailbox.MaxSize) and Parse share it.
	DefaultMessageMax    = 35 << 20
	DefaultAttachmentMax = 25 << 20 // one attachment, decoded
)

// Limits bound what Parse accepts. A zero field means its default.
type Limits struct {
	// MessageMax is the largest raw message, in bytes; a larger one is refused with an error
	// (TooLarge). It is the fetcher's Mailbox.MaxSize too: one limit for the desk.
	MessageMax int64
	// AttachmentMax is the largest decoded attachment, in bytes; a larger one is listed in
	// Message.Oversized without its content.
	AttachmentMax int64
}

func (l Limits) withDefaults() Limits {
	if l.MessageMax <= 0 {
		l.MessageMax = DefaultMessageMax
	}
	if l.AttachmentMax <= 0 {
		l.AttachmentMax = DefaultAttachmentMax
	}
	return l
}

// Address is a mailbox: an address and, when the header gave one, a display name (decoded).
type Address struct {
	Name string
	Addr string // as written, except that the domain is lower-cased
}

// String formats the address for a header or a log line.
func (a Address) String() string {
	if a.Addr == "" {
		return ""
	}
	addr := a.Addr
	if strings.HasPrefix(addr, `"`) {
		// A quoted local part: net/mail wants it unquoted, and quotes it again.
		if p, err := mail.ParseAddress(addr); err == nil {
			addr = p.Address
		}
	}
	return (&mail.Address{Name: a.Name, Address: addr}).String()
}

// Attachment is one non-body part of a message.
type Attachment struct {
	Filename    string // as desk.CleanFilename leaves it; made up from the type when the part had none (or nothing visible)
	ContentType string // lower-case media type without parameters, e.g. "application/pdf"
	Size        int64  // decoded size in bytes
	Content     []byte // decoded bytes; nil in Message.Oversized
	Inline      bool   // shown inside the body (Content-Disposition inline, or a part of multipart/related with a Content-ID)
	ContentID   string // Content-ID without <>, for cid: links in the HTML; may be empty
	TNEF        bool   // Outlook's winmail.dat (application/ms-tnef), kept as it came, not decoded
}

// Message is an inbound email as calldesk needs it.
type Message struct {
	MessageID  string   // without <>; "" when missing or unusable
	Key        string   // MessageID, or "sha256:<Digest>" when there is none
	Digest     string   // Digest(m): what the sender wrote, as read, to tell a redelivery from another message with the same Message-ID
	InReplyTo  []string // ids without <>
	References []string // ids without <>, oldest first as sent

	From    Address   // the From header (Sender's when there is no From); empty when FromProblem is set
	Sender  Address   // the Sender header; empty when absent
	ReplyTo []Address // the Reply-To header; empty when absent
	To      []Address
	Cc      []Address
	Subject string    // decoded, one line
	Date    time.Time // zero when missing or unreadable

	Text     string // the new part of the body: FullText without quoted history and signatures
	FullText string // the whole plain-text body, untrimmed
	HTML     string // the HTML body as sent (UTF-8), "" when there is none

	Attachments []Attachment // within Limits.AttachmentMax, with their bytes
	Oversized   []Attachment // over Limits.AttachmentMax: name, type and size only

	// FromProblem, when not "", says why the sender is unknown although the message names one:
	// its From header (Sender, when there is no From) does not parse cleanly as an address, and
	// calldesk never guesses an address out of it. The store quarantines such a message with
	// this reason.
	FromProblem string

	// Problems lists what was wrong with the message but repaired or skipped, one loggable line each.
	Problems []string

	header textproto.MIMEHeader
}

// Header returns the first value of a header of the message, RFC 2047 decoded, or "".
func (m *Message) Header(name string) string {
	if m.header == nil {
		return ""
	}
	return cleanLine(decodeHeader(m.header.Get(name)))
}

// AuthResults returns the values of the message's Authentication-Results headers, topmost first
// (the last added), for AuthCheck.Verdict.
func (m *Message) AuthResults() []string {
	if m.header == nil {
		return nil
	}
	return m.header.Values("Authentication-Results")
}

// Parse reads one raw message. See the package documentation for what it returns and when it fails.
func Parse(raw []byte, limits Limits) (*Message, error) {
	limits = limits.withDefaults()
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, desk.Errorf(desk.EINVALID, "the message is empty")
	}
	if int64(len(raw)) > limits.MessageMax {
		return nil, desk.Errorf(desk.EINVALID, "%s", TooLarge(int64(len(raw)), limits.MessageMax))
	}
	// NUL bytes are not allowed in a message (RFC 5322) and upset header parsing; drop them.
	msg := bytes.ReplaceAll(raw, []byte{0}, nil)
	msg, junk := skipJunk(msg)
	msg, bodyLines, firstBodyLine := endHeader(msg)
	if err := checkShape(msg); err != nil {
		return nil, err
	}
	root, err := readParts(msg)
	if err != nil {
		return nil, err
	}
	m := &Message{header: root.Header}
	if len(junk) > 0 {
		m.Problems = append(m.Problems, cleanLine(fmt.Sprintf("%d line(s) before the headers skipped: %q", len(junk), strings.Join(junk, " / "))))
	}
	if bodyLines > 0 {
		m.Problems = append(m.Problems, cleanLine(fmt.Sprintf("no blank line after the header: %d line(s) from %q on, which are not header fields, read as the body", bodyLines, clipRunes(firstBodyLine, 80))))
	}
	m.readHeaders()
	if m.From.Addr == "" && m.FromProblem == "" {
		return nil, desk.Errorf(desk.EINVALID, "the message has no sender address (From or Sender header)")
	}
	w := walker{limits: limits, m: m}
	w.walk(root, true, false)
	if root.Boundary != "" {
		// The text before the first boundary (all of the body, when there are no parts) is
		// the sender's too, unless it is MIME's notice for old readers: some clients put the
		// message there and only a signature in the text part.
		if pre := preamble(msg, root); pre != "" {
			w.pre = pre
			if len(w.plain) == 0 && len(w.html) == 0 {
				m.Problems = append(m.Problems, "the message has no text part: the text before its first MIME boundary is kept as its body")
			} else {
				m.Problems = append(m.Problems, "text before the first MIME boundary is kept at the head of the body")
			}
		}
	}
	m.FullText = w.fullText()
	m.Text = Trim(m.FullText, isForward(m.Subject))
	m.Key, m.Digest = m.MessageID, Digest(m)
	if m.Key == "" {
		// The digest, not a hash of the bytes: the trace headers of two deliveries of one
		// message differ, and so would the stand-ins.
		m.Key = "sha256:" + m.Digest
	}
	seen := map[string]bool{}
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		for _, e := range p.Errors {
			line := cleanLine(fmt.Sprintf("part %s: %s", p.PartID, e.Error()))
			if !seen[line] {
				seen[line] = true
				m.Problems = append(m.Problems, line)
			}
		}
		return false
	})
	return m, nil
}

// readParts runs enmime, turning a panic inside it into an error so that one poisonous message
// cannot stop the fetcher.
func readParts(raw []byte) (root *enmime.Part, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, desk.Errorf(desk.EINVALID, "the MIME parser failed on this message: %v", r)
		}
	}()
	p := enmime.NewParser(
		enmime.SkipMalformedParts(true),
		enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
		enmime.DisableCharacterDetection(true),
		enmime.MaxStoredPartErrors(20),
		enmime.DisableTextConversion(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetCustomParseMediaType(keepCharset),
	)
	root, err = p.ReadParts(bytes.NewReader(raw))
	if err != nil {
		return nil, desk.Errorf(desk.EINVALID, "the MIME structure cannot be read: %s", cleanLine(err.Error()))
	}
	if len(root.Header) == 0 {
		return nil, desk.Errorf(desk.EINVALID, "the message has no header")
	}
	return root, nil
}

// maxJunkLines is how many lines skipJunk skips at most before the headers.
const maxJunkLines = 5

var (
	// headerLineRE matches the start of a header field: a name of printable ASCII but the colon,
	// then a colon (RFC 5322 section 2.2). An mbox "From " line does not match.
	headerLineRE = regexp.MustCompile(`^[!-9;-~]+:`)
	// messageHeaderRE matches a field that only a message's header holds.
	messageHeaderRE = regexp.MustCompile(`(?im)^(from|date|subject|message-id|received|return-path|mime-version|to):`)
	// mimeNoticeRE finds the word MIME (or MIME-Format, MIME-formatted...) in the notice MIME
	// software writes before the first boundary for old readers, in any language ("This is a
	// multi-part message in MIME format.", "Dies ist eine mehrteilige Nachricht im MIME-Format.",
	// "Ceci est un message de plusieurs parties au format MIME."), which is no text of the sender's.
	mimeNoticeRE = regexp.MustCompile(`(?i)\bmime\b`)
)

// skipJunk returns the message from its first header line on when up to maxJunkLines lines
// come first that cannot start a message (blank lines, an mbox "From " line, a forwarding
// tool's "---- Original email message ----"), and what it skipped. It skips nothing unless a
// header block with a field only a message has (From, Date, Subject, ...) follows: a message
// that is not one stays as it is and is refused as before.
func skipJunk(raw []byte) ([]byte, []string) {
	rest := raw
	var skipped []string
	for {
		line, after, found := bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimRight(line, "\r")
		if headerLineRE.Match(line) {
			break
		}
		if !found || len(skipped) == maxJunkLines {
			return raw, nil
		}
		skipped = append(skipped, string(line))
		rest = after
	}
	if len(skipped) == 0 {
		return raw, nil
	}
	head := rest
	if i := bytes.Index(head, []byte("\n\r\n")); i >= 0 {
		head = head[:i]
	}
	if i := bytes.Index(head, []byte("\n\n")); i >= 0 {
		head = head[:i]
	}
	if !messageHeaderRE.Match(head) {
		return raw, nil
	}
	return rest, skipped
}

// preamble is the text of a multipart message before its first boundary line (the whole body
// when there is none), decoded by the message's Content-Transfer-Encoding (base64 or
// quoted-printable, which some senders apply to a multipart) and read as a text without a
// charset, or "" when it is only the notice MIME software writes there.
func preamble(msg []byte, root *enmime.Part) string {
	// The body starts after the first empty line.
	body := msg
	for {
		line, after, found := bytes.Cut(body, []byte("\n"))
		body = after
		if !found {
			return ""
		}
		if len(bytes.TrimRight(line, "\r")) == 0 {
			break
		}
	}
	delim := []byte("--" + root.Boundary)
	end := 0
	for end < len(body) {
		line, _, _ := bytes.Cut(body[end:], []byte("\n"))
		if bytes.HasPrefix(line, delim) {
			break
		}
		end += len(line) + 1
	}
	pre := body[:min(end, len(body))]
	switch strings.ToLower(strings.TrimSpace(root.Header.Get("Content-Transfer-Encoding"))) {
	case "base64":
		if b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.Map(keepBase64, pre)))); err == nil && len(b) > 0 {
			pre = b
		}
	case "quoted-printable":
		if b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(pre))); err == nil {
			pre = b
		}
	}
	text, _ := decodeText(pre, "", false)
	text = strings.TrimSpace(text)
	// A notice is short, one paragraph, and names MIME; a sender's text before the parts (the
	// case worth keeping) is neither so short nor about MIME.
	if len(text) <= maxNotice && !strings.Contains(strings.ReplaceAll(text, "\r", ""), "\n\n") && mimeNoticeRE.MatchString(text) {
		return ""
	}
	return text
}

// maxNotice is the longest text before the first boundary that can be MIME's notice for old
// readers (some take three lines).
const maxNotice = 400

// keepBase64 drops what is not of the base64 alphabet (line breaks, stray spaces).
func keepBase64(r rune) rune {
	if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=' {
		return r
	}
	return -1
}

// endHeader finds a header block that ends without the blank line before the body: when the
// block's last lines (up to its blank line, or the end) are not header fields (no colon, a space
// before the colon, a name with characters a field name cannot have) and no field follows them,
// they are the start of the body, as Postfix's cleanup reads them; a blank line is put before
// them. A line without a colon between fields is left as it was (a broken field, which enmime
// repairs). It returns the message, how many lines it moved to the body and the first of them.
func endHeader(msg []byte) (out []byte, moved int, firstLine string) {
	first := -1 // offset of the first line that is not a field nor a continuation
	for off := 0; off < len(msg); {
		line, _, found := bytes.Cut(msg[off:], []byte("\n"))
		next := off + len(line) + 1
		line = bytes.TrimRight(line, "\r")
		switch {
		case len(line) == 0:
			next = len(msg) + 1 // the end of the header
		case headerLineRE.Match(line):
			if first >= 0 {
				return msg, 0, "" // a field follows: not the body
			}
		case first >= 0:
			moved++
		case off > 0 && (line[0] == ' ' || line[0] == '\t'):
			// a continuation line of a field
		case off > 0:
			first, moved, firstLine = off, 1, string(line)
		}
		if !found {
			break
		}
		off = next
	}
	if first < 0 {
		return msg, 0, ""
	}
	eol := []byte("\n")
	if first >= 2 && msg[first-2] == '\r' {
		eol = []byte("\r\n")
	}
	out = make([]byte, 0, len(msg)+2)
	out = append(append(append(out, msg[:first]...), eol...), msg[first:]...)
	return out, moved, firstLine
}

func (m *Message) readHeaders() {
	h := m.header
	m.MessageID = firstID(h.Get("Message-Id"))
	m.InReplyTo = ids(h.Get("In-Reply-To"))
	m.References = ids(strings.Join(h.Values("References"), " "))
	// Say what a raw 8-bit header lost to dropNULStandIns (headerText).
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		n := 0
		for _, v := range h[name] {
			if _, dropped, ok := dropNULStandIns([]byte(v)); ok {
				n += dropped
			}
		}
		if n > 0 {
			m.Problems = append(m.Problems, nulNote(name+" header", n))
		}
	}
	m.readSender()
	m.ReplyTo = m.addresses("Reply-To")
	m.To = m.addresses("To")
	m.Cc = m.addresses("Cc")
	m.Subject = cleanLine(decodeHeader(h.Get("Subject")))
	if d := strings.TrimSpace(h.Get("Date")); d != "" {
		t, err := mail.ParseDate(d)
		if err != nil {
			m.Problems = append(m.Problems, cleanLine(fmt.Sprintf("Date header %q cannot be read", d)))
		} else {
			m.Date = t
		}
	}
}

// decodeHeader decodes RFC 2047 encoded words in a header value read by headerText.
func decodeHeader(v string) string {
	return safeDecode(headerText(v))
}

// headerText makes a raw header value text. Raw 8-bit bytes that are valid UTF-8 stay UTF-8
// (RFC 6532); 0x80 bytes that are not part of a UTF-8 sequence in an otherwise UTF-8 value are
// NUL bytes as Dovecot serves them (dropNULStandIns), and are dropped; any other value is read
// as Windows-1252, what senders of raw 8-bit headers almost always mean.
func headerText(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	if b, _, ok := dropNULStandIns([]byte(v)); ok {
		return string(b)
	}
	if s, err := charmap.Windows1252.NewDecoder().String(v); err == nil {
		return s
	}
	return v
}

func safeDecode(v string) (s string) {
	defer func() {
		if recover() != nil {
			s = v
		}
	}()
	if !strings.Contains(v, "=?") {
		return v
	}
	d := mime.WordDecoder{CharsetReader: charsetReader}
	out, err := d.DecodeHeader(v)
	if err != nil {
		return v
	}
	return out
}

// charsetReader decodes the charsets of encoded words (ISO-2022-JP, Shift_JIS, GB2312, Big5,
// EUC-KR, KOI8-R, ...) by lookupCharset, and an unknown one as Windows-1252.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	if b, err := io.ReadAll(input); err != nil {
		return nil, err
	} else if s, known, err := ownCharset(label, b); known {
		if err != nil {
			s, _ = detectText(b, false)
		}
		return strings.NewReader(s), nil
	} else {
		input = bytes.NewReader(b)
	}
	e := lookupCharset(label)
	if e == nil {
		// An unknown charset: most are ASCII supersets, so read it as the commonest one.
		e = charmap.Windows1252
	}
	return e.NewDecoder().Reader(input), nil
}

// lookupCharset finds a charset by its WHATWG name, as browsers do (so ISO-8859-1 is read as
// its superset Windows-1252, GB2312 as GBK), else by its IANA name; nil when neither knows it.
// A mangled label (charset="charset=utf-8", "GB-18030" as the detector names it) is tried
// cleaned up too.
//
// It never returns WHATWG's "replacement" encoding (ISO-2022-KR, HZ-GB-2312, ...), which turns
// a whole text into U+FFFD: such a charset is unknown, and its text is detected.
func lookupCharset(label string) encoding.Encoding {
	label = cleanLabel(label)
	if alias, ok := charsetAliases[strings.ToLower(label)]; ok {
		label = alias
	}
	for _, l := range []string{label, strings.ReplaceAll(label, "-", "")} {
		if e, err := htmlindex.Get(l); err == nil && e != encoding.Replacement {
			return e
		}
		if e, err := ianaindex.IANA.Encoding(l); err == nil && e != nil && e != encoding.Replacement {
			return e
		}
	}
	return nil
}

// charsetAliases are Microsoft's names of the East Asian charsets, which mail from Windows
// clients uses and neither the WHATWG nor the IANA index holds, by the WHATWG name of the same
// charset.
var charsetAliases = map[string]string{
	"cp932": "shift_jis", "ms932": "shift_jis", "ms_932": "shift_jis",
	"cp936": "gbk", "ms936": "gbk",
	"cp949": "euc-kr", "ms949": "euc-kr", "uhc": "euc-kr",
	"cp950": "big5", "ms950": "big5",
}

// isUTF8Label says whether a text part's declared charset (or none) means its bytes are
// UTF-8: US-ASCII is a subset of UTF-8, and a body labelled us-ascii or not labelled at all
// that holds 8-bit bytes is, from today's clients, UTF-8.
func isUTF8Label(label string) bool {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`)) {
	case "", "us-ascii", "ascii", "us", "ansi_x3.4-1968", "iso646-us", "utf-8", "utf8", "unicode-1-1-utf-8", "charset=utf-8", "charset=us-ascii":
		return true
	}
	return false
}

// dropNULStandIns removes the 0x80 bytes of b that are not part of a UTF-8 sequence, and says
// how many it removed and whether b is valid UTF-8 once they are gone. Dovecot serves a NUL byte
// of a stored message as 0x80; in text that is otherwise UTF-8 (or ASCII) a lone 0x80 cannot be a
// UTF-8 character, so it is taken for such a NUL and dropped, although it may be a € written in
// Windows-1252 by a sender who did not say so: callers note how many went. Text with other bytes
// that are not UTF-8 is 8-bit text in some other charset, where 0x80 may be a character
// (Windows-1252's €): it is left alone (ok is false).
func dropNULStandIns(b []byte) (out []byte, dropped int, ok bool) {
	if utf8.Valid(b) {
		return b, 0, true
	}
	out = make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			if b[i] != 0x80 {
				return b, 0, false
			}
			dropped++
			i++
			continue
		}
		out = append(out, b[i:i+n]...)
		i += n
	}
	return out, dropped, true
}

// nulNote is the Problem line for n 0x80 bytes dropped by dropNULStandIns from what.
func nulNote(what string, n int) string {
	return fmt.Sprintf("%s: %d byte(s) 0x80 removed, taken for NUL bytes as Dovecot serves them (a € written in Windows-1252 without saying so would be lost)", what, n)
}

// metaCharsetRE finds the charset an HTML document declares in a <meta> tag.
var metaCharsetRE = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)`)

// partCharset is the charset a text part declares: its Content-Type's charset parameter, or for
// HTML without one, its <meta> tag's; "" when it declares none.
func partCharset(p *enmime.Part, content []byte) string {
	var cs string
	if ct := p.Header.Get("Content-Type"); ct != "" {
		if _, params, _, err := mediatype.Parse(ct); err == nil {
			cs = strings.TrimSpace(params["charset"])
		}
	}
	if cs == "" && p.ContentType == "text/html" {
		if m := metaCharsetRE.FindSubmatch(content[:min(len(content), 4096)]); m != nil {
			cs = string(m[1])
		}
	}
	return cs
}

// keepCharset is the Content-Type parser given to enmime: it reads the media type as enmime
// does, but tells enmime that every text part is UTF-8, so that enmime hands over its bytes
// undecoded and decodeText decides what they are (enmime reads a body labelled us-ascii as
// Windows-1252, which makes "PrÃ©nom" of UTF-8).
func keepCharset(ctype string) (string, map[string]string, []string, error) {
	mt, params, invalid, err := mediatype.Parse(ctype)
	if err == nil && strings.HasPrefix(strings.ToLower(mt), "text/") {
		if params == nil {
			params = map[string]string{}
		}
		params["charset"] = "utf-8"
	}
	return mt, params, invalid, err
}

// decodeText reads the bytes of a text part as text, by its declared charset:
//   - none, US-ASCII or UTF-8: UTF-8, without NUL stand-ins (dropNULStandIns);
//   - another charset: as declared (lookupCharset);
//   - an unknown charset, or bytes that are not valid in the declared one: detected (UTF-8 if
//     valid, else enmime's detector when it is confident, else Windows-1252, which maps every
//     byte), with a problem saying so.
func decodeText(b []byte, declared string, html bool) (text, problem string) {
	if isUTF8Label(declared) {
		if clean, dropped, ok := dropNULStandIns(b); ok {
			if dropped > 0 {
				return string(clean), nulNote("text", dropped)
			}
			return string(clean), ""
		}
		text, as := detectText(b, html)
		if declared == "" {
			return text, "text without a charset is not UTF-8; read as " + as
		}
		return text, fmt.Sprintf("text labelled %s is not UTF-8; read as %s", declared, as)
	}
	if s, known, err := ownCharset(declared, b); known {
		if err == nil {
			return s, ""
		}
		text, as := detectText(b, html)
		return text, fmt.Sprintf("text is not valid %s; read as %s", declared, as)
	}
	e := lookupCharset(declared)
	if e == nil {
		text, as := detectText(b, html)
		return text, fmt.Sprintf("unknown charset %q; read as %s", declared, as)
	}
	if _, single := e.(*charmap.Charmap); single && isMislabelledUTF8(b) {
		return string(b), fmt.Sprintf("text labelled %s is UTF-8; read as UTF-8", declared)
	}
	if s, err := e.NewDecoder().Bytes(b); err == nil && !bytes.ContainsRune(s, utf8.RuneError) {
		return string(s), ""
	}
	text, as := detectText(b, html)
	return text, fmt.Sprintf("text is not valid %s; read as %s", declared, as)
}

// isMislabelledUTF8 says whether bytes labelled with a single-byte charset (ISO-8859-1,
// Windows-1252, ...) are in fact UTF-8, the commonest mislabel: they are valid UTF-8 and hold
// multibyte sequences, none of them a C1 control. Text in a single-byte charset is almost never
// so by chance: its accented letters (0xC0-0xFF) would each have to be followed by exactly the
// right number of symbols or C1 bytes (0x80-0xBF), as in "Ã©", which no one writes.
func isMislabelledUTF8(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	multi := false
	for _, r := range string(b) {
		if r >= 0x80 && r <= 0x9f {
			return false
		}
		multi = multi || r >= 0x80
	}
	return multi
}

// detectText reads bytes whose charset is not known: UTF-8 when they are valid UTF-8; else the
// charset enmime's detector (github.com/gogs/chardet) finds with confidence in text long enough
// to judge; else Windows-1252. It returns the charset it read them as.
func detectText(b []byte, html bool) (string, string) {
	if utf8.Valid(b) {
		return string(b), "UTF-8"
	}
	if len(b) >= detectMinBytes {
		d := chardet.NewTextDetector()
		if html {
			d = chardet.NewHtmlDetector()
		}
		if r, err := d.DetectBest(b); err == nil && r.Confidence >= detectMinConfidence {
			if e := lookupCharset(r.Charset); e != nil {
				if s, err := e.NewDecoder().Bytes(b); err == nil && !bytes.ContainsRune(s, utf8.RuneError) {
					return string(s), r.Charset
				}
			}
		}
	}
	s, _ := charmap.Windows1252.NewDecoder().Bytes(b) // Windows-1252 maps every byte
	return string(s), "Windows-1252"
}

// Below these a statistical charset guess is too often wrong (enmime's own thresholds).
const (
	detectMinBytes      = 100
	detectMinConfidence = 85
)

// addressList reads an address header. The whole list is read by net/mail (RFC 5322 with
// its leniencies: unquoted dots in a display name, encoded-word names, comments); a trailing
// comma is ignored. When the whole does not parse, each member (split at the commas outside
// quotes, angle brackets, comments and groups) is read on its own, and a member written
// "display name <address>" whose name holds specials (john@example.org <john@example.org>) is
// read by its angle address. A member that does not parse cleanly is returned in bad, never
// guessed at: picking address-like text out of "<power quadrant system@example.com>" made
// system@example.com its sender.
//
// In a recipient list (To, Cc, Reply-To; recipients set) a run of members with no @, < or > (nor
// quotes, comments or group colons) right before a member that is a single angle address is
// that member's display name, joined with ", ": Notes and Exchange write "Gill, Imran
// <i.gill@uni.example.ac.uk>" unquoted, and nothing else can be meant by it (commaNamed, the
// rule From follows). A name-only member anywhere else is still left out.
func addressList(raw string, recipients bool) (list []Address, bad []string) {
	raw = strings.TrimRight(strings.TrimSpace(raw), ", \t")
	if raw == "" {
		return nil, nil
	}
	keep := func(got []*mail.Address) {
		for _, a := range got {
			if addr := normaliseAddr(a.Address); addr != "" {
				list = append(list, Address{Name: addressName(a.Name), Addr: addr})
			} else {
				bad = append(bad, a.Address)
			}
		}
	}
	if got, err := parseAddressList(raw); err == nil {
		keep(got)
		return list, bad
	}
	var names []string // name-only members waiting for the angle address they may belong to
	for _, member := range splitAddressList(raw) {
		member = strings.TrimSpace(member)
		if member == "" {
			continue
		}
		got, err := parseAddressList(member)
		if err != nil && recipients && !strings.ContainsAny(member, `@<>"():;\`) {
			names = append(names, member)
			continue
		}
		if len(names) > 0 {
			if a, ok := commaNamed(strings.Join(append(names, member), ", ")); ok {
				list, names = append(list, a), nil
				continue
			}
			bad, names = append(bad, names...), nil
		}
		if err != nil {
			got, err = angleAddress(member)
		}
		if err != nil {
			bad = append(bad, member)
			continue
		}
		keep(got)
	}
	return list, append(bad, names...)
}

// semicolonList rewrites a recipient list separated by semicolons ("a@x; b@y", as Outlook users
// type it) with commas, when the list does not parse as it is and holds no group (whose ";"
// ends it): each member is then read, or left out, on its own. ok says whether it did.
func semicolonList(raw string) (string, bool) {
	if !strings.Contains(raw, ";") {
		return raw, false
	}
	if _, err := parseAddressList(raw); err == nil {
		return raw, false
	}
	members, group := scanAddressList(raw, false)
	if group {
		return raw, false
	}
	split, _ := scanAddressList(raw, true)
	if len(split) == len(members) {
		return raw, false // every ";" is quoted, in a comment or in angle brackets
	}
	return strings.Join(split, ", "), true
}

// addresses reads the address header name of the message: the addresses that parse cleanly,
// with a Problem line for each member left out.
func (m *Message) addresses(name string) []Address {
	raw := headerText(strings.Join(m.header.Values(name), ", "))
	recipients := name != "Sender"
	if recipients {
		var semicolons bool
		if raw, semicolons = semicolonList(raw); semicolons {
			m.Problems = append(m.Problems, name+` header: members separated by ";" (not commas), read as a list`)
		}
	}
	list, bad := addressList(raw, recipients)
	for _, b := range bad {
		m.Problems = append(m.Problems, cleanLine(fmt.Sprintf("%s header: %q is not an address; left out", name, b)))
	}
	return list
}

// readSender reads the From header (the Sender header when there is no From) into m.From, or, when
// it does not name one author cleanly, says why in m.FromProblem and leaves m.From empty: who
// wrote the message is then unknown, and the store quarantines it. Not one author cleanly:
//   - the field more than once: a second From is a known way round DMARC (the receiving server
//     may judge one From while calldesk would credit the other);
//   - a group ("Team: a@x, b@y;"), or a member that does not parse;
//   - several mailboxes, unless a clean Sender names one of them (RFC 5322 wants a Sender then:
//     it is the one who sent the message), who is then the author.
//
// A display name with an unquoted comma ("Gill, Imran <imran.gill@uni.example>", as Notes and
// Exchange write it) is read as one mailbox when the whole value holds exactly one angle address
// and no @, < or > before it: nothing else can be meant.
func (m *Message) readSender() {
	m.Sender = firstAddress(m.addresses("Sender"))
	name := "From"
	values := m.header.Values("From")
	if strings.TrimSpace(strings.Join(values, "")) == "" {
		name = "Sender"
		values = m.header.Values("Sender")
	}
	raw := headerText(strings.Join(values, ", "))
	if strings.TrimSpace(raw) == "" {
		return // no sender at all: Parse refuses the message
	}
	if len(values) > 1 {
		m.FromProblem = fmt.Sprintf("the message has %d %s header fields (%s): which one wrote it is unknown", len(values), name, clipRunes(cleanLine(raw), 200))
		return
	}
	problem := func(why string) {
		m.FromProblem = fmt.Sprintf("the %s header %s %s", name, clipRunes(cleanLine(raw), 200), why)
	}
	if _, group := scanAddressList(raw, false); group {
		problem("is a group of addresses, not one author")
		return
	}
	list, bad := addressList(raw, false)
	if len(bad) > 0 || len(list) == 0 {
		a, ok := commaNamed(raw)
		if !ok {
			problem("is not an address calldesk can read")
			return
		}
		list = []Address{a}
	}
	if len(list) > 1 {
		sender, bad := addressList(headerText(strings.Join(m.header.Values("Sender"), ", ")), false)
		if len(sender) == 1 && len(bad) == 0 && len(m.header.Values("Sender")) == 1 {
			for _, a := range list {
				if strings.EqualFold(a.Addr, sender[0].Addr) {
					m.From = a
					m.Problems = append(m.Problems, cleanLine(fmt.Sprintf("the From header names %d mailboxes; the Sender %s is the author", len(list), a.Addr)))
					return
				}
			}
			problem("names several mailboxes, and the Sender header is none of them")
			return
		}
		problem("names several mailboxes and there is no Sender header to say which one sent it")
		return
	}
	m.From = list[0]
}

// commaNamed reads a From value (or a run of recipient list members joined again) that holds
// exactly one angle address and, before it, a display name with no @, < or > (one with an
// unquoted comma, which net/mail reads as two members). A comma right before the angle address
// ("Gill, <i.gill@uni.example>") is not part of the name.
func commaNamed(raw string) (Address, bool) {
	raw = strings.TrimSpace(raw)
	i := strings.IndexByte(raw, '<')
	if i <= 0 || strings.Count(raw, "<") != 1 || strings.Count(raw, ">") != 1 || !strings.HasSuffix(raw, ">") ||
		strings.Contains(raw[:i], "@") {
		return Address{}, false
	}
	got, err := angleAddress(raw)
	if err != nil || len(got) != 1 {
		return Address{}, false
	}
	addr := normaliseAddr(got[0].Address)
	if addr == "" {
		return Address{}, false
	}
	return Address{Name: addressName(strings.TrimRight(raw[:i], ", \t")), Addr: addr}, true
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// addressName is a display name as a line, with any encoded word net/mail left (one inside a
// quoted string) decoded.
func addressName(name string) string {
	return cleanLine(safeDecode(name))
}

// angleAddress reads "display name <address>" whose display name is not a valid phrase (it
// holds '@', ':' or other specials, unquoted, as some clients write the address itself as the
// name): the angle brackets say unambiguously which part is the address, which must then parse
// on its own.
func angleAddress(member string) ([]*mail.Address, error) {
	member = strings.TrimSpace(member)
	i := strings.LastIndexByte(member, '<')
	if i <= 0 || !strings.HasSuffix(member, ">") {
		return nil, fmt.Errorf("not a display name and an angle address")
	}
	name, inner := strings.TrimSpace(member[:i]), member[i+1:len(member)-1]
	if strings.ContainsAny(name, "<>\"()") || strings.ContainsAny(inner, "<> \t") {
		return nil, fmt.Errorf("not a display name and an angle address")
	}
	a, err := parseAddressList(inner)
	if err != nil || len(a) != 1 || a[0].Name != "" {
		return nil, fmt.Errorf("the angle address does not parse")
	}
	a[0].Name = name
	return a, nil
}

// splitAddressList splits an address list at its top-level commas: not inside a quoted
// string, angle brackets, a comment or a group ("name: a@b, c@d;").
func splitAddressList(s string) []string {
	out, _ := scanAddressList(s, false)
	return out
}

// scanAddressList splits an address list as splitAddressList does, and says whether it holds a
// group (a colon outside quotes, comments and angle brackets). With semicolons, it splits at the
// top-level semicolons outside groups too (semicolonList).
func scanAddressList(s string, semicolons bool) (out []string, hasGroup bool) {
	var quoted, escaped, group bool
	angle, comment, start := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\' && (quoted || comment > 0):
			escaped = true
		case quoted:
			quoted = c != '"'
		case c == '(':
			comment++
		case c == ')' && comment > 0:
			comment--
		case comment > 0:
		case c == '"':
			quoted = true
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case angle > 0:
		case c == ':':
			group, hasGroup = true, true
		case c == ';' && !group && semicolons:
			out = append(out, s[start:i])
			start = i + 1
		case c == ';':
			group = false
		case c == ',' && !group:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:]), hasGroup
}

func parseAddressList(raw string) (list []*mail.Address, err error) {
	defer func() {
		if r := recover(); r != nil {
			list, err = nil, fmt.Errorf("address parser failed: %v", r)
		}
	}()
	p := mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: charsetReader}}
	return p.ParseList(raw)
}

// normaliseAddr writes an address as net/mail read it the way calldesk keeps it: a local part
// that needs quotes quoted ("john smith"@example.org, desk.CanonicalEmail), the domain
// lower-cased; "" for one that is not usable (no domain, control characters, bytes that were
// not text).
func normaliseAddr(a string) string {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || strings.ContainsFunc(a, func(r rune) bool {
		return unicode.IsControl(r) || r == utf8.RuneError
	}) {
		return ""
	}
	return desk.CanonicalEmail(a[:at] + "@" + strings.ToLower(a[at+1:]))
}

func firstAddress(list []Address) Address {
	if len(list) == 0 {
		return Address{}
	}
	return list[0]
}

// ids reads the message ids of an In-Reply-To or References header: every <id>, or, in a header
// without angle brackets, every word holding an @. Duplicates are dropped, order kept.
func ids(v string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > 998 || seen[id] || strings.ContainsFunc(id, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsControl(r) || r == '<' || r == '>' || r == utf8.RuneError
		}) {
			return
		}
		seen[id] = true
		out = append(out, id)
	}
	if strings.Contains(v, "<") {
		for {
			i := strings.IndexByte(v, '<')
			if i < 0 {
				break
			}
			j := strings.IndexByte(v[i:], '>')
			if j < 0 {
				break
			}
			add(v[i+1 : i+j])
			v = v[i+j+1:]
		}
		return out
	}
	for _, f := range strings.Fields(v) {
		if strings.Contains(f, "@") {
			add(strings.Trim(f, ",;"))
		}
	}
	return out
}

func firstID(v string) string {
	if list := ids(v); len(list) > 0 {
		return list[0]
	}
	return ""
}

// cleanLine makes a header value or a message safe for one log line: valid UTF-8, no control
// characters, runs of white space as one space.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cleanText makes a body valid UTF-8 with "\n" line ends and no control characters but tab and
// newline, and without trailing white space on its lines or at its end.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\u00a0':
			return ' '
		case r >= 0x80 && r <= 0x9f:
			// C1 controls never occur in text: they are Windows-1252 bytes read as ISO-8859-1.
			if c := charmap.Windows1252.DecodeByte(byte(r)); c != utf8.RuneError && !unicode.IsControl(c) {
				return c
			}
			return -1
		case unicode.IsControl(r), r == '\ufeff':
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// walker sorts the leaves of the MIME tree into body text and attachments.
type walker struct {
	limits  Limits
	m       *Message
	pre     string // the text before the first boundary of a multipart message, put first
	plain   []string
	html    []string
	altHTML []string // HTML alternatives to the plain text chosen as the body
	n       int
}

// walk visits p. body says whether a text part found here is (part of) the body; it is false in
// the alternatives that were not chosen. related says whether p is inside multipart/related.
func (w *walker) walk(p *enmime.Part, body, related bool) {
	if p == nil {
		return
	}
	switch {
	case p.FirstChild != nil && p.ContentType == "multipart/alternative":
		chosen := chooseAlternative(p)
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, body && c == chosen, related)
		}
	case p.FirstChild != nil:
		rel := related || p.ContentType == "multipart/related"
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, body, rel)
		}
	case strings.HasPrefix(p.ContentType, "multipart/"):
		// A multipart without a boundary or without parts: read what it holds as text.
		if body && len(bytes.TrimSpace(p.Content)) > 0 {
			w.plain = append(w.plain, w.text(p))
		}
	case isBodyText(p):
		if !body {
			if p.ContentType == "text/html" {
				w.altHTML = append(w.altHTML, w.text(p))
			}
			return
		}
		text := w.text(p)
		if p.ContentType == "text/html" {
			w.html = append(w.html, text)
			return
		}
		if _, params, err := mime.ParseMediaType(p.Header.Get("Content-Type")); err == nil && strings.EqualFold(params["format"], "flowed") {
			text = unflow(text, strings.EqualFold(params["delsp"], "yes"))
		}
		w.plain = append(w.plain, text)
	default:
		w.attach(p, related)
	}
}

// text is the text of part p, decoded by decodeText, with a problem noted.
func (w *walker) text(p *enmime.Part) string {
	text, problem := decodeText(p.Content, partCharset(p, p.Content), p.ContentType == "text/html")
	if problem != "" {
		w.m.Problems = append(w.m.Problems, cleanLine(fmt.Sprintf("part %s: %s", p.PartID, problem)))
	}
	return text
}

// isBodyText says whether a leaf is a text of the message rather than a file: text/plain or
// text/html (or no type at all) that is not marked as an attachment and has no file name.
func isBodyText(p *enmime.Part) bool {
	switch p.ContentType {
	case "", "text/plain", "text/html":
	default:
		return false
	}
	return p.Disposition != "attachment" && p.FileName == ""
}

// chooseAlternative picks the child of a multipart/alternative to read as the body: the first
// that holds text/plain, else the first that holds text/html, else the first.
func chooseAlternative(p *enmime.Part) *enmime.Part {
	has := func(c *enmime.Part, ct string) bool {
		return c.BreadthMatchFirst(func(q *enmime.Part) bool {
			return q.FirstChild == nil && q.ContentType == ct && isBodyText(q)
		}) != nil
	}
	for _, ct := range []string{"text/plain", "text/html"} {
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if has(c, ct) {
				return c
			}
		}
	}
	return p.FirstChild
}

func (w *walker) attach(p *enmime.Part, related bool) {
	w.n++
	a := Attachment{
		Filename:    desk.CleanFilename(quotedName(p.FileName)),
		ContentType: strings.ToLower(p.ContentType),
		Size:        int64(len(p.Content)),
		Content:     p.Content,
		ContentID:   cleanLine(p.ContentID),
	}
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	a.Inline = p.Disposition == "inline" || (related && p.Disposition != "attachment" && a.ContentID != "")
	a.TNEF = a.ContentType == "application/ms-tnef" || a.ContentType == "application/vnd.ms-tnef" ||
		strings.EqualFold(a.Filename, "winmail.dat")
	if a.Filename == desk.DefaultFilename {
		// No name, or one of invisible characters only: made up from the type.
		a.Filename = fmt.Sprintf("attachment-%d%s", w.n, extension(a.ContentType))
	}
	if a.Size > w.limits.AttachmentMax {
		a.Content = nil
		w.m.Oversized = append(w.m.Oversized, a)
		return
	}
	w.m.Attachments = append(w.m.Attachments, a)
}

// quotedName is the quoted value at the start of a file name parameter that enmime read with
// more after it: a part header line that should have been a continuation (not indented) is
// joined to the one before, and filename="form.pdf" becomes `"form.pdf" this line is broken`.
// No file name starts with a double quote (Windows forbids it), so the quotes say where it ends.
func quotedName(name string) string {
	if rest, ok := strings.CutPrefix(name, `"`); ok {
		if j := strings.IndexByte(rest, '"'); j > 0 {
			return rest[:j]
		}
	}
	return name
}

func extension(ct string) string {
	switch ct {
	case "message/rfc822":
		return ".eml"
	case "text/calendar":
		return ".ics"
	case "message/delivery-status", "message/disposition-notification", "text/rfc822-headers", "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "application/pdf":
		return ".pdf"
	case "application/ms-tnef", "application/vnd.ms-tnef":
		return ".dat"
	}
	return ".bin"
}

func (w *walker) fullText() string {
	text := w.bodyText()
	if w.pre == "" {
		return text
	}
	if pre := cleanText(w.pre); pre != "" && text != "" {
		return pre + "\n\n" + text
	} else if pre != "" {
		return pre
	}
	return text
}

func (w *walker) bodyText() string {
	if len(w.plain) > 0 {
		parts := make([]string, 0, len(w.plain))
		for _, p := range w.plain {
			if t := cleanText(p); t != "" {
				parts = append(parts, t)
			}
		}
		html := w.html
		if len(html) == 0 {
			html = w.altHTML
		}
		w.m.HTML = strings.ToValidUTF8(strings.Join(html, "\n"), "\uFFFD")
		return strings.Join(parts, "\n\n")
	}
	if len(w.html) == 0 {
		return ""
	}
	w.m.HTML = strings.ToValidUTF8(strings.Join(w.html, "\n"), "\uFFFD")
	parts := make([]string, 0, len(w.html))
	for _, h := range w.html {
		t, err := htmlToText(h)
		if err != nil {
			w.m.Problems = append(w.m.Problems, cleanLine("HTML body cannot be converted to text: "+err.Error()))
			continue
		}
		if t = cleanText(t); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n\n")
}

func htmlToText(h string) (s string, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = "", fmt.Errorf("converter failed: %v", r)
		}
	}()
	return html2text.FromString(h)
}
