package mail

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"calldesk/internal/desk"

	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// Default limits, used for a Limits field that is zero or negative.
const (
	DefaultMessageMax    = 64 << 20 // a whole message, as fetched
	DefaultAttachmentMax = 25 << 20 // one attachment, decoded
)

// Limits bound what Parse accepts. A zero field means its default.
type Limits struct {
	// MessageMax is the largest raw message, in bytes; a larger one is refused with an error.
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
	return (&mail.Address{Name: a.Name, Address: a.Addr}).String()
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
	Digest     string   // Digest(raw): what the sender wrote, to tell a redelivery from another message with the same Message-ID
	InReplyTo  []string // ids without <>
	References []string // ids without <>, oldest first as sent

	From    Address   // the From header (Sender's when there is no From)
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
		return nil, desk.Errorf(desk.EINVALID, "the message is %d bytes, over the limit of %d bytes", len(raw), limits.MessageMax)
	}
	if err := checkShape(raw); err != nil {
		return nil, err
	}
	root, err := readParts(raw)
	if err != nil {
		return nil, err
	}
	m := &Message{header: root.Header}
	m.readHeaders()
	if m.From.Addr == "" {
		return nil, desk.Errorf(desk.EINVALID, "the message has no sender address (From or Sender header)")
	}
	m.Key, m.Digest = m.MessageID, Digest(raw)
	if m.Key == "" {
		// The digest, not a hash of the bytes: the trace headers of two deliveries of one
		// message differ, and so would the stand-ins.
		m.Key = "sha256:" + m.Digest
	}

	w := walker{limits: limits, m: m}
	w.walk(root, true, false)
	m.FullText = w.fullText()
	m.Text = Trim(m.FullText, isForward(m.Subject))
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
	// NUL bytes are not allowed in a message (RFC 5322) and upset header parsing; drop them.
	raw = bytes.ReplaceAll(raw, []byte{0}, nil)
	p := enmime.NewParser(
		enmime.SkipMalformedParts(true),
		enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
		enmime.DisableCharacterDetection(true),
		enmime.MaxStoredPartErrors(20),
		enmime.DisableTextConversion(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
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

func (m *Message) readHeaders() {
	h := m.header
	m.MessageID = firstID(h.Get("Message-Id"))
	m.InReplyTo = ids(h.Get("In-Reply-To"))
	m.References = ids(strings.Join(h.Values("References"), " "))
	m.From = firstAddress(m.addresses("From"))
	m.Sender = firstAddress(m.addresses("Sender"))
	if m.From.Addr == "" {
		m.From = m.Sender
	}
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

// decodeHeader decodes RFC 2047 encoded words; raw 8-bit bytes that are not UTF-8 are read as
// Windows-1252, what such senders almost always mean.
func decodeHeader(v string) string {
	if !utf8.ValidString(v) {
		if s, err := charmap.Windows1252.NewDecoder().String(v); err == nil {
			v = s
		}
	}
	return safeDecode(v)
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

// charsetReader decodes the charsets of encoded words by their WHATWG names, as browsers do (so
// ISO-8859-1 is read as its superset Windows-1252), and an unknown one as Windows-1252.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	e, err := htmlindex.Get(label)
	if err != nil {
		// An unknown charset: most are ASCII supersets, so read it as the commonest one.
		e = charmap.Windows1252
	}
	return e.NewDecoder().Reader(input), nil
}

var emailRE = regexp.MustCompile(`[^\s<>()",;:@\[\]]+@[A-Za-z0-9.\-\[\]:]+[A-Za-z0-9\]]`)

// addresses reads an address header, falling back to picking out what looks like addresses when
// the header is too broken for an RFC 5322 parser.
func (m *Message) addresses(name string) []Address {
	raw := strings.Join(m.header.Values(name), ", ")
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	if !utf8.ValidString(raw) {
		raw = decodeHeader(raw)
	}
	var out []Address
	list, err := parseAddressList(raw)
	if err == nil {
		for _, a := range list {
			if addr := normaliseAddr(a.Address); addr != "" {
				out = append(out, Address{Name: cleanLine(a.Name), Addr: addr})
			}
		}
		return out
	}
	m.Problems = append(m.Problems, cleanLine(fmt.Sprintf("%s header %q is malformed; addresses picked out of it", name, raw)))
	for _, a := range emailRE.FindAllString(raw, -1) {
		if addr := normaliseAddr(a); addr != "" {
			out = append(out, Address{Addr: addr})
		}
	}
	return out
}

func parseAddressList(raw string) (list []*mail.Address, err error) {
	defer func() {
		if r := recover(); r != nil {
			list, err = nil, fmt.Errorf("address parser failed: %v", r)
		}
	}()
	return enmime.ParseAddressList(raw)
}

func normaliseAddr(a string) string {
	a = cleanLine(a)
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || strings.ContainsAny(a, " \t") {
		return ""
	}
	return a[:at] + "@" + strings.ToLower(a[at+1:])
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
			w.plain = append(w.plain, string(p.Content))
		}
	case isBodyText(p):
		if !body {
			if p.ContentType == "text/html" {
				w.altHTML = append(w.altHTML, string(p.Content))
			}
			return
		}
		text := string(p.Content)
		if !utf8.ValidString(text) {
			// enmime could not convert it (an unknown or wrong charset): read it as Windows-1252,
			// which maps every byte, rather than show replacement characters.
			if s, err := charmap.Windows1252.NewDecoder().String(text); err == nil {
				text = s
				w.m.Problems = append(w.m.Problems, fmt.Sprintf("part %s: text is not in its declared charset; read as Windows-1252", p.PartID))
			}
		}
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
		Filename:    desk.CleanFilename(p.FileName),
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
