package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"calldesk/internal/desk"

	"github.com/jhillyerd/enmime/v2"
)

// bigMessage builds a message with a text body and one attachment of size bytes, base64 encoded
// as a client sends it.
func bigMessage(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Big Sender <big@example.ac.uk>\r\nTo: servicedesk@example.ac.uk\r\n" +
		"Subject: Scan of the whole thesis\r\nDate: Tue, 25 Mar 2026 12:00:00 +0000\r\n" +
		"Message-ID: <big.attachment@example.ac.uk>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"big-boundary\"\r\n\r\n" +
		"--big-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe scan is attached.\r\n" +
		"--big-boundary\r\nContent-Type: application/pdf; name=\"thesis.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"thesis.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4)[:57] // 57 bytes: one 76-character line
	line := make([]byte, base64.StdEncoding.EncodedLen(len(chunk)))
	base64.StdEncoding.Encode(line, chunk)
	for n := 0; n < size; n += len(chunk) {
		if size-n < len(chunk) {
			rest := make([]byte, base64.StdEncoding.EncodedLen(size-n))
			base64.StdEncoding.Encode(rest, chunk[:size-n])
			b.Write(rest)
		} else {
			b.Write(line)
		}
		b.WriteString("\r\n")
	}
	b.WriteString("--big-boundary--\r\n")
	return b.Bytes()
}

func TestLargeAttachment(t *testing.T) {
	const size = 30 << 20
	raw := bigMessage(size)

	t.Run("over AttachmentMax: listed without its bytes", func(t *testing.T) {
		m, err := Parse(raw, Limits{MessageMax: 64 << 20, AttachmentMax: 10 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if m.Text != "The scan is attached." {
			t.Errorf("Text = %q", m.Text)
		}
		if len(m.Attachments) != 0 {
			t.Errorf("Attachments = %d, want 0", len(m.Attachments))
		}
		if len(m.Oversized) != 1 {
			t.Fatalf("Oversized = %+v, want one", m.Oversized)
		}
		o := m.Oversized[0]
		if o.Filename != "thesis.pdf" || o.Size != size || o.Content != nil || o.ContentType != "application/pdf" {
			t.Errorf("Oversized[0] = %q %s %d bytes (content %d), want thesis.pdf application/pdf %d bytes without content",
				o.Filename, o.ContentType, o.Size, len(o.Content), size)
		}
	})
	t.Run("default limits", func(t *testing.T) {
		// 30 MiB is about 40.5 MiB once base64-encoded: over the default 35 MiB a message may be.
		_, err := Parse(raw, Limits{})
		if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), "the desk takes messages up to 35 MiB") {
			t.Errorf("err = %v, want the message refused by the default limit", err)
		}
	})
	t.Run("within AttachmentMax: kept", func(t *testing.T) {
		m, err := Parse(raw, Limits{MessageMax: 64 << 20, AttachmentMax: 31 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Size != size || len(m.Attachments[0].Content) != size {
			t.Errorf("Attachments = %d, want the 30 MiB file with its bytes", len(m.Attachments))
		}
	})
	t.Run("over MessageMax: refused", func(t *testing.T) {
		_, err := Parse(raw, Limits{MessageMax: 20 << 20})
		if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), "; the desk takes messages up to 20 MiB") {
			t.Errorf("err = %v, want an EINVALID error naming the limit", err)
		}
	})
}

func TestAutomaticEachRule(t *testing.T) {
	base := "From: Someone <someone@example.ac.uk>\r\nTo: servicedesk@example.ac.uk\r\nSubject: Hello\r\nMessage-ID: <a@b>\r\n"
	cases := []struct {
		headers string
		auto    bool
		why     string
	}{
		{"", false, ""},
		{"Auto-Submitted: auto-replied\r\n", true, "Auto-Submitted"},
		{"Auto-Submitted: auto-generated; owner-email=\"x@y\"\r\n", true, "Auto-Submitted"},
		{"Auto-Submitted: No\r\n", false, ""},
		{"Precedence: bulk\r\n", true, "Precedence: bulk"},
		{"Precedence: junk\r\n", true, "Precedence: junk"},
		{"Precedence: list\r\n", true, "Precedence: list"},
		{"Precedence: auto_reply\r\n", true, "Precedence: auto_reply"},
		{"Precedence: first-class\r\n", false, ""},
		{"X-Autoreply: yes\r\n", true, "X-Autoreply"},
		{"X-Autorespond: Thanks\r\n", true, "X-Autorespond"},
		{"X-Auto-Response-Suppress: All\r\n", true, "X-Auto-Response-Suppress"},
		{"X-Auto-Response-Suppress: OOF\r\n", true, "X-Auto-Response-Suppress"},
		{"X-Auto-Response-Suppress: AutoReply\r\n", true, "X-Auto-Response-Suppress"},
		{"X-Auto-Response-Suppress: DR, RN, NRN\r\n", false, ""},
		{"Return-Path: <>\r\n", true, "Return-Path"},
		{"Return-Path: <someone@example.ac.uk>\r\n", false, ""},
		{"Sender: MAILER-DAEMON@mx.example.ac.uk\r\n", true, "MAILER-DAEMON"},
		{"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n", true, "delivery-status"},
	}
	for _, c := range cases {
		t.Run(strings.TrimSpace(c.headers), func(t *testing.T) {
			raw := base + c.headers + "\r\nOut of office\r\n"
			if strings.Contains(c.headers, "multipart") {
				raw = base + c.headers + "\r\n--x\r\nContent-Type: text/plain\r\n\r\nOut of office\r\n--x--\r\n"
			}
			m, err := Parse([]byte(raw), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			auto, why := m.Automatic()
			if auto != c.auto || !strings.Contains(why, c.why) {
				t.Errorf("Automatic() = %v, %q; want %v, %q", auto, why, c.auto, c.why)
			}
		})
	}
	// A postmaster sender is automatic even though From's local part is all that says so.
	m, err := Parse([]byte("From: Postmaster@Example.AC.UK\r\nSubject: x\r\n\r\nbody\r\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if auto, _ := m.Automatic(); !auto {
		t.Error("a postmaster sender is not automatic")
	}
}

func TestTrim(t *testing.T) {
	cases := []struct {
		name, in string
		forward  bool
		want     string
	}{
		{"nothing to trim", "Hello\n\nThe printer is jammed.", false, "Hello\n\nThe printer is jammed."},
		{"signature", "Hello\n--\nAnn\nPhone 123", false, "Hello"},
		{"signature delimiter with its space", "Hello\n-- \nAnn", false, "Hello"},
		{"Gmail attribution on one line", "Yes\n\nOn Mon, 3 Mar 2026 at 10:00, Desk <d@x> wrote:\n> old", false, "Yes"},
		{"Gmail attribution wrapped", "Yes\n\nOn Mon, 3 Mar 2026 at 10:00, Service Desk <\nservicedesk@example.ac.uk> wrote:\n\n> old", false, "Yes"},
		{"attribution over unquoted history", "Yes\n\nOn 3 Mar 2026, at 10:00, Desk wrote:\n\nold text", false, "Yes"},
		{"French attribution", "Oui\n\nLe lun. 3 mars 2026 à 10:00, Desk <d@x> a écrit :\n> vieux", false, "Oui"},
		{"German Outlook header", "Ja\n\nVon: Desk <d@x>\nGesendet: Montag, 3. März 2026 10:00\nAn: Ann\nBetreff: x\n\nalt", false, "Ja"},
		{"Outlook header needs Sent and To", "From: my home PC I cannot print.\nIt says error 5.", false, "From: my home PC I cannot print.\nIt says error 5."},
		{"a sentence with wrote: is not an attribution", "My manager wrote:\nplease fix it", false, "My manager wrote:\nplease fix it"},
		{"Original Message", "Done\n----- Original Message -----\nFrom: x", false, "Done"},
		{"mobile footer", "Thanks\n\nSent from my Galaxy\n\n\n-------- Original message --------\nFrom: x\nold", false, "Thanks"},
		{"mobile footer only on its own line", "I sent from my iPhone a photo of the screen", false, "I sent from my iPhone a photo of the screen"},
		{"mobile footer only at the end", "Sent from my iPhone, the mail app crashes\nevery time I open it", false, "Sent from my iPhone, the mail app crashes\nevery time I open it"},
		{"mobile footer above Outlook history", "OK\n\nGet Outlook for iOS\n________________________________\nFrom: x\nSent: y\nTo: z\n\nold", false, "OK"},
		{"quoted lines go, answers stay", "> q1\na1\n> q2\n>> older\na2", false, "a1\na2"},
		{"only quote left: whole text", "> everything quoted", false, "> everything quoted"},
		{"forward kept whole", "FYI\n-- \nAnn\n---------- Forwarded message ---------\nFrom: x\n\nbody", true, "FYI\n-- \nAnn\n---------- Forwarded message ---------\nFrom: x\n\nbody"},
		{"blank lines collapsed where quotes went", "a\n\n> q\n\nb", false, "a\n\nb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Trim(c.in, c.forward)
			if got != c.want {
				t.Errorf("Trim(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestUnflow(t *testing.T) {
	in := "First line \nsecond part.\n> quoted \n> more\n \nStuffed\n-- \nsig"
	want := "First line second part.\n> quoted more\n\nStuffed\n-- \nsig"
	if got := unflow(in, false); got != want {
		t.Errorf("unflow = %q, want %q", got, want)
	}
	if got := unflow("a \nb", true); got != "ab" {
		t.Errorf("unflow delsp = %q, want %q", got, "ab")
	}
}

func TestRef(t *testing.T) {
	cases := map[string]string{
		"Re: [F0012345] Printer jammed":         "F0012345",
		"RE: RE: [r0000042] New starter":        "R0000042",
		"[Service Desk F0000001] hello":         "F0000001",
		"Fwd: [note] [R0001234] two brackets":   "R0001234",
		"Printer F0012345 without brackets":     "",
		"[F001234] six digits":                  "",
		"[X0012345] other letter":               "",
		"[F0012345":                             "",
		"":                                      "",
		"[F+001234]":                            "",
		"Re: [F0000000] zero is not a call":     "",
		"[ F0012345 ] spaces inside":            "F0012345",
		"Automatic reply: [F0012345] Printer x": "F0012345",
	}
	for subject, want := range cases {
		if got := Ref(subject); got != want {
			t.Errorf("Ref(%q) = %q, want %q", subject, got, want)
		}
	}
}

func TestMessageIDs(t *testing.T) {
	id := NewMessageID("Desk.Example.AC.UK")
	if !strings.HasPrefix(id, "calldesk.") || !strings.HasSuffix(id, "@desk.example.ac.uk") || len(id) < 40 {
		t.Errorf("NewMessageID = %q", id)
	}
	if id == NewMessageID("desk.example.ac.uk") {
		t.Error("two Message-IDs are the same")
	}
	cases := []struct {
		id, domain string
		want       bool
	}{
		{id, "desk.example.ac.uk", true},
		{"<" + id + ">", "DESK.example.ac.uk", true},
		{id, "example.ac.uk", false},
		{"calldesk.@desk.example.ac.uk", "desk.example.ac.uk", false},
		{"other.abc@desk.example.ac.uk", "desk.example.ac.uk", false},
		{"calldesk.abc@desk.example.ac.uk.evil.org", "desk.example.ac.uk", false},
		{"calldesk.abc", "desk.example.ac.uk", false},
		{id, "", false},
	}
	for _, c := range cases {
		if got := IsOurs(c.id, c.domain); got != c.want {
			t.Errorf("IsOurs(%q, %q) = %v, want %v", c.id, c.domain, got, c.want)
		}
	}
}

func TestIDs(t *testing.T) {
	cases := map[string][]string{
		"<a@b> <c@d>\r\n\t<a@b>":          {"a@b", "c@d"},
		"<a@b> (Ann's message of Monday)": {"a@b"},
		"Your message of Monday <x@y>":    {"x@y"},
		"bare@id other words":             {"bare@id"},
		"<with space@b> <ok@b>":           {"ok@b"},
		"<unterminated@b":                 nil,
		"":                                nil,
	}
	for in, want := range cases {
		got := ids(in)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("ids(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFilenames: an attachment's name, however the message gives it (a plain filename, RFC 2231
// filename*, an RFC 2047 encoded word, only Content-Type's name), comes out as desk.CleanFilename
// leaves it: no path, no control characters, no leading dot, no bidirectional or other invisible
// characters (issue 13); a name of nothing visible is made up from the type.
func TestFilenames(t *testing.T) {
	part := func(disposition string) string {
		return "--b\r\nContent-Type: application/octet-stream\r\n" + disposition + "\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n"
	}
	raw := "From: Dan <ddawson@uni.example>\r\nTo: desk@uni.example\r\nSubject: files\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n" +
		part(`Content-Disposition: attachment; filename="C:\\Users\\ann\\Desktop\\report.docx"`) +
		part(`Content-Disposition: attachment; filename="../../etc/passwd"`) +
		part(`Content-Disposition: attachment; filename=".htaccess"`) +
		part("Content-Disposition: attachment; filename*=UTF-8''evil%E2%80%AEgpj.exe") +
		part("Content-Disposition: attachment; filename*0*=UTF-8''zero%E2%80%8B; filename*1*=width%EF%BB%BF.txt") +
		part(`Content-Disposition: attachment; filename="=?UTF-8?B?`+base64.StdEncoding.EncodeToString([]byte("invoice\u2067fdp.txt\u2069"))+`?="`) +
		part(`Content-Disposition: attachment; filename="=?UTF-8?Q?=E2=80=AE=E2=80=8F?="`) +
		"--b\r\nContent-Type: application/pdf; name=\"=?UTF-8?Q?Rapport_=C3=A9t=C3=A9=E2=80=8E.pdf?=\"\r\nContent-Disposition: attachment\r\n\r\n%PDF-1.4\r\n" +
		"--b--\r\n"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range m.Attachments {
		got = append(got, a.Filename)
	}
	want := []string{"report.docx", "passwd", "htaccess", "evilgpj.exe", "zerowidth.txt", "invoicefdp.txt", "attachment-7.bin", "Rapport été.pdf"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("file names:\n got %q\nwant %q", got, want)
	}
}

// A typical message: the Outlook reply with quoted history.
func BenchmarkParseTypical(b *testing.B) {
	raw, err := os.ReadFile("testdata/inbound/outlook-web-reply-rule.eml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse(raw, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// A message with a 30 MiB attachment, over the attachment limit.
func BenchmarkParseLarge(b *testing.B) {
	raw := bigMessage(30 << 20)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse(raw, Limits{AttachmentMax: 10 << 20}); err != nil {
			b.Fatal(err)
		}
	}
}

// nested builds a message whose multiparts nest depth levels deep, with siblings small text
// parts beside each level's nested multipart, closed or not (unclosed is enmime's slowest case).
func nested(depth, siblings int, boundaryWord string, closed bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: a@example.ac.uk\r\nSubject: deep\r\nContent-Type: multipart/mixed; %s=\"b0\"\r\n\r\n", boundaryWord)
	for i := 0; i < depth; i++ {
		for s := 0; s < siblings; s++ {
			fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nsibling %d.%d\r\n", i, i, s)
		}
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; %s=\"b%d\"\r\n\r\n", i, boundaryWord, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nhello\r\n", depth)
	for i := depth; i >= 0 && closed; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

func TestDeepNesting(t *testing.T) {
	cases := []struct {
		depth, siblings int
		word            string
		closed, ok      bool
	}{
		{maxNesting - 1, 0, "boundary", true, true}, // maxNesting multiparts in all
		{maxNesting - 1, 20, "boundary", true, true},
		{maxNesting - 1, 0, "boundary", false, true},
		{maxNesting - 1, 20, "boundary", false, true},
		{maxNesting, 0, "boundary", true, false},
		{maxNesting, 0, "BOUNDARY", false, false},
		{30, 0, "boundary", false, false}, // many minutes without the limit
		{5000, 0, "Boundary", true, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d levels, %d siblings, %s, closed %v", c.depth+1, c.siblings, c.word, c.closed), func(t *testing.T) {
			raw := nested(c.depth, c.siblings, c.word, c.closed)
			// The refusal comes from the shape check, before enmime reads anything: that, not a
			// stopwatch (these machines are shared), is what keeps the deep cases from taking minutes.
			m, err := Parse(raw, Limits{})
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(m.Text, "hello") {
					t.Errorf("Text = %q, want the innermost part", m.Text)
				}
				return
			}
			if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), "nest more than 12 levels") {
				t.Errorf("err = %v, want a refusal of the nesting", err)
			}
		})
	}
}

func TestManyParts(t *testing.T) {
	many := func(n int) []byte {
		return []byte("From: a@example.ac.uk\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
			strings.Repeat("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n", n) + "--b--\r\n")
	}
	m, err := Parse(many(maxParts), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(m.FullText, "x"); n != maxParts {
		t.Errorf("FullText holds %d parts' text, want %d", n, maxParts)
	}
	// 35 s without the limit; refused by the shape check before enmime reads the parts.
	_, err = Parse(many(50000), Limits{})
	if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), "more than 5000 MIME parts") {
		t.Errorf("err = %v, want a refusal of the parts", err)
	}
	// Many "--" that are no delimiters (rules, signatures, HTML comments) are fine.
	rules := "From: a@example.ac.uk\r\nSubject: rules\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("-- \r\n<!-- x -->\r\n", 6000)
	if _, err := Parse([]byte(rules), Limits{}); err != nil {
		t.Errorf("a text with 12,000 dashes: %v", err)
	}
}

// TestShapeAsEnmimeReadsIt holds messages whose parts or nesting only show when the structure is
// followed as enmime reads it, each with more than enough to take enmime minutes: Parse must
// refuse them (before enmime sees them), and their well-formed twins must still parse.
func TestShapeAsEnmimeReadsIt(t *testing.T) {
	const head = "From: a@example.ac.uk\r\nSubject: shape\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	tooMany := "more than 5000 MIME parts"
	tooDeep := "nest more than 12 levels"
	cases := []struct {
		name, raw, err string
	}{{
		// Every line is a delimiter: enmime finds the boundary anywhere in a line between parts,
		// and a part without a blank line has only a header, which ends at the next delimiter.
		// A header read on past delimiters hid all but one of these 40,000 parts.
		name: "delimiters inside lines, no blank lines",
		raw:  head + "--b\r\n\r\n" + strings.Repeat("x--b x\r\n", 40000),
		err:  tooMany,
	}, {
		// enmime ends a part's content only where the delimiter starts its line (at its first or
		// second byte), so a terminator further along is content, and the delimiters after it count.
		name: "a terminator inside a line of content",
		raw:  head + "--b\r\n\r\nsee x --b-- here\r\n" + strings.Repeat("--b\r\n\r\n", 6000),
		err:  tooMany,
	}, {
		// Any part with a boundary parameter is a multipart to enmime, unless it is text/plain or
		// text/html.
		name: "image/png parts with boundaries",
		raw: "From: a@example.ac.uk\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" +
			nestedAs("image/png", 30),
		err: tooDeep,
	}, {
		// A bare CR is a line break to enmime's reader, after which it skips a byte.
		name: "delimiters after bare CRs",
		raw:  head + "--b\r\n\r\n" + strings.Repeat("text\rx--b \r\n\r\n--b\r\n\r\n", 6000),
		err:  tooMany,
	}, {
		name: "many dashes, few parts",
		raw:  head + "--b\r\n\r\n" + strings.Repeat("-- x --b-x --\r\n", 6000) + "--b--\r\n",
	}, {
		name: "deep but within the limit, as image/png",
		raw: "From: a@example.ac.uk\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" +
			nestedAs("image/png", maxNesting-1) + strings.Repeat("-- rule --\r\n", 6000),
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.raw), Limits{})
			if c.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if desk.ErrorCode(err) != desk.EINVALID || err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("err = %v, want %q", err, c.err)
			}
		})
	}
}

// nestedAs nests depth parts of type ct, each declaring the next boundary, none closed, below a
// multipart with boundary b0.
func nestedAs(ct string, depth int) string {
	var b strings.Builder
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: %s; boundary=b%d\r\n\r\n", i, ct, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nhello\r\n", depth)
	return b.String()
}

// TestMimeShapeAgreesWithEnmime checks that the walk finds at least the depth and parts of enmime's
// own tree, on the messages Parse lets enmime read: the corpus, and structures built to sit on the
// walk's edges.
func TestMimeShapeAgreesWithEnmime(t *testing.T) {
	files, err := filepath.Glob("testdata/inbound/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	msgs := map[string][]byte{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs[filepath.Base(f)] = raw
	}
	const head = "From: a@example.ac.uk\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	for name, body := range map[string]string{
		"inside lines":        "--b\r\n\r\n" + strings.Repeat("x--b x\r\n", 50),
		"terminator in text":  "--b\r\n\r\nsee --b-- x\r\n" + strings.Repeat("--b\r\n\r\nx\r\n", 20) + "--b--\r\n",
		"bare CRs":            "--b\r\n\r\n" + strings.Repeat("text\rx--b \r\n\r\n--b\r\n\r\n", 10),
		"preamble":            "pre --b x\r\n" + strings.Repeat("--b\r\n\r\nx\r\n", 5),
		"second byte":         "--b\r\n\r\nx\r\n" + strings.Repeat("x--b\r\n\r\ny\r\n", 5) + "--b--\r\nepilogue --b x\r\n",
		"header cut":          "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n--b\r\n\r\nx\r\n--b--\r\n",
		"nested, outer first": "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\nx\r\n--b\r\n\r\ny\r\n--c\r\n\r\nz\r\n--b--\r\n",
		"as image/png":        strings.Replace(nestedAs("image/png", 4), "--b0", "--b", 1),
		"unclosed after text": "--b\r\n\r\nx\r\nnot a delimiter\r\n--b\r\n\r\ny\r\n",
	} {
		msgs[name] = []byte(head + body)
	}
	p := enmime.NewParser(enmime.SkipMalformedParts(true), enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.DisableCharacterDetection(true), enmime.DisableTextConversion(true))
	for name, raw := range msgs {
		if checkShape(raw) != nil {
			continue // enmime would take minutes
		}
		root, err := p.ReadParts(bytes.NewReader(raw))
		if err != nil {
			continue
		}
		wantDepth, wantParts := 0, 0
		var walk func(p *enmime.Part, d int)
		walk = func(p *enmime.Part, d int) {
			if p.FirstChild != nil || p.Boundary != "" && p.ContentType != "text/plain" && p.ContentType != "text/html" {
				wantDepth = max(wantDepth, d)
			}
			for c := p.FirstChild; c != nil; c = c.NextSibling {
				wantParts++
				walk(c, d+1)
			}
		}
		walk(root, 1)
		depth, parts, _ := mimeShape(raw)
		if depth < wantDepth || parts < wantParts {
			t.Errorf("%s: walk found depth %d, %d parts; enmime %d, %d", name, depth, parts, wantDepth, wantParts)
		}
	}
}

// BenchmarkTrimLongLines trims 4 MB of long lines that begin like an attribution ("On …") and
// never end like one: each is looked at once, not matched against the attribution patterns
// (which cost about a microsecond per byte: 3.8 s for this text before they were guarded).
func BenchmarkTrimLongLines(b *testing.B) {
	line := "On Monday " + strings.Repeat("the printer on the third floor said something ", 20) + "wrote something\n"
	text := strings.Repeat(line, 4<<20/len(line))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if got := Trim(text, false); len(got) < len(text)/2 {
			b.Fatalf("trimmed to %d bytes of %d: long lines that are no attribution must stay", len(got), len(text))
		}
	}
}

// Issue 14, point 3: an address is read cleanly or not at all.
func TestAddressShapes(t *testing.T) {
	for _, c := range []struct {
		header     string // the From header ("" for none)
		sender     string // the Sender header
		addr, name string // From, when it parses
		problem    string // FromProblem holds this, when it does not
	}{
		// Good, with the usual unambiguous leniency.
		{header: "John Q. Public <jqp@Example.COM>", addr: "jqp@example.com", name: "John Q. Public"},
		{header: `"Smith, John" <js@example.org>`, addr: "js@example.org", name: "Smith, John"},
		{header: "=?utf-8?q?Zo=C3=AB_Br=C3=BCckner?= <zb@example.org>", addr: "zb@example.org", name: "Zoë Brückner"},
		{header: `"=?utf-8?q?Zo=C3=AB?=" <zb@example.org>`, addr: "zb@example.org", name: "Zoë"},
		{header: "bare@example.org", addr: "bare@example.org"},
		{header: "bare@example.org, ", addr: "bare@example.org"},
		{header: "<angle@example.org>", addr: "angle@example.org"},
		{header: "j@example.org (John)", addr: "j@example.org", name: "John"},
		{header: `"john smith"@Example.ORG`, addr: `"john smith"@example.org`},
		{header: `John <"john smith"@example.org>`, addr: `"john smith"@example.org`, name: "John"},
		{header: `"john.smith"@example.org`, addr: "john.smith@example.org"}, // quotes it does not need
		{header: `"a\"b"@example.org`, addr: `"a\"b"@example.org`},
		{header: "r.okafor@example.ac.uk <r.okafor@example.ac.uk>", addr: "r.okafor@example.ac.uk", name: "r.okafor@example.ac.uk"},
		// Fix F2 (issue 14, point 3): an unquoted comma in a display name, as Notes and Exchange
		// write it, with exactly one angle address and no @ before it, is unambiguous.
		{header: "Okafor, R <r.okafor@example.ac.uk>", addr: "r.okafor@example.ac.uk", name: "Okafor, R"},
		{header: "Gill, Imran <imran.gill@uni.example>", addr: "imran.gill@uni.example", name: "Gill, Imran"},
		{header: "Gill, Imran <mallory imran.gill@uni.example>", problem: "is not an address"},
		{header: "Gill, Imran <imran.gill@uni.example>, x@evil.example", problem: "is not an address"},
		{header: "a@evil.example, Imran <imran.gill@uni.example>", problem: "several mailboxes"},
		{header: "Gill, <Imran> <imran.gill@uni.example>", problem: "is not an address"},
		// Fix F5: the comma before a nameless angle address is not part of the name.
		{header: "Gill, <imran.gill@uni.example>", addr: "imran.gill@uni.example", name: "Gill"},
		// One author or none: several mailboxes need a Sender that is one of them; a group or a
		// second From field is never credited.
		{header: "A <a@example.org>, B <b@example.org>", problem: "several mailboxes and there is no Sender"},
		{header: "A <a@example.org>, B <b@example.org>", sender: "b@example.org", addr: "b@example.org", name: "B"},
		{header: "A <a@example.org>, B <b@example.org>", sender: "c@example.org", problem: "the Sender header is none of them"},
		{header: "A <a@example.org>, B <b@example.org>", sender: "<bad b@example.org>", problem: "several mailboxes"},
		{header: "Team: a@example.org, b@example.org;", problem: "is a group"},
		{header: "Team: a@example.org;", problem: "is a group"},
		{header: "a@example.org\r\nFrom: b@example.org", problem: "2 From header fields"},
		{header: "Jürgen Müller <jm@example.de>", addr: "jm@example.de", name: "Jürgen Müller"},
		{sender: "Forms <forms@example.ac.uk>", addr: "forms@example.ac.uk", name: "Forms"},
		// Never half-read.
		{header: "<power quadrant system@example.com>", problem: "the From header <power quadrant system@example.com> is not an address calldesk can read"},
		{header: "<mallory imran.gill@uni.example>", problem: "<mallory imran.gill@uni.example>"},
		{header: "mallory imran.gill@uni.example", problem: "mallory imran.gill@uni.example"},
		{header: `"unbalanced <broken@example.ac.uk`, problem: "unbalanced"},
		{header: "Mallory <mallory <imran.gill@uni.example>>", problem: "Mallory"},
		{header: "Someone <someone@>", problem: "Someone"},
		{header: "someone", problem: "someone"},
		{header: "undisclosed-recipients:;", problem: "undisclosed-recipients"},
		{header: "a@example.org b@example.org", problem: "a@example.org b@example.org"},
		{header: "good@example.org, <bad one@example.org>", problem: "bad one"},
		{header: "Name <x@example.org> and more", problem: "and more"},
		{header: "<power quadrant system@example.com>", sender: "ok@example.org", problem: "From header"}, // no fallback to Sender
		{sender: "<bad sender@example.org>", problem: "the Sender header <bad sender@example.org>"},
	} {
		raw := ""
		if c.header != "" {
			raw += "From: " + c.header + "\r\n"
		}
		if c.sender != "" {
			raw += "Sender: " + c.sender + "\r\n"
		}
		raw += "To: desk@example.org\r\nSubject: shapes\r\nMessage-ID: <shape@example.org>\r\n\r\nHello.\r\n"
		m, err := Parse([]byte(raw), Limits{})
		if err != nil {
			t.Errorf("From %q: %v", c.header, err)
			continue
		}
		if m.From.Addr != c.addr || m.From.Name != c.name || !strings.Contains(m.FromProblem, c.problem) || (c.problem == "") != (m.FromProblem == "") {
			t.Errorf("From %q, Sender %q: read as %q %q, FromProblem %q; want %q %q, problem %q",
				c.header, c.sender, m.From.Name, m.From.Addr, m.FromProblem, c.name, c.addr, c.problem)
		}
	}
}

// Of a To or Cc list, the members that parse are kept and the others left out with a Problem.
func TestAddressListKeepsWhatParses(t *testing.T) {
	raw := "From: a@example.org\r\nTo: one@example.org, <two three@example.org>, \"Lee, Kim\" <k.lee@Example.ORG>, garbage, \r\n" +
		"Cc: Team: x@example.org, y@example.org;, z@example.org\r\nSubject: list\r\n\r\nHello.\r\n"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var to, cc []string
	for _, a := range m.To {
		to = append(to, a.Name+"|"+a.Addr)
	}
	for _, a := range m.Cc {
		cc = append(cc, a.Addr)
	}
	if strings.Join(to, ",") != "|one@example.org,Lee, Kim|k.lee@example.org" {
		t.Errorf("To = %q", to)
	}
	if strings.Join(cc, ",") != "x@example.org,y@example.org,z@example.org" {
		t.Errorf("Cc = %q", cc)
	}
	problems := strings.Join(m.Problems, "\n")
	for _, want := range []string{`To header: "<two three@example.org>" is not an address; left out`, `To header: "garbage" is not an address; left out`} {
		if !strings.Contains(problems, want) {
			t.Errorf("Problems = %q, want %q", m.Problems, want)
		}
	}
	if strings.Contains(strings.Join(to, ","), "three@") {
		t.Errorf("an address was picked out of a malformed member: %q", to)
	}
}

// Fix F5 (issue 14, point 3): in To, Cc and Reply-To, members with no @, < or > right before a
// single angle address are its display name ("Gill, Imran <i.gill@...>", as Notes and Exchange
// write it), with no Problem; a list separated by semicolons is read as a list, with a Problem.
// Genuinely bad members are still left out, and lists that parse read as before.
func TestRecipientListShapes(t *testing.T) {
	for _, c := range []struct {
		header   string   // a Cc header
		want     []string // Cc as "Name|addr"
		problems []string // Problems hold these lines (none when empty)
	}{
		{header: "Gill, Imran <i.gill@uni.example.ac.uk>", want: []string{"Gill, Imran|i.gill@uni.example.ac.uk"}},
		{header: "Gill,Imran <i.gill@uni.example.ac.uk>, Okafor, R <r.okafor@example.ac.uk>",
			want: []string{"Gill, Imran|i.gill@uni.example.ac.uk", "Okafor, R|r.okafor@example.ac.uk"}},
		{header: "a@example.org, Gill, Imran <i.gill@uni.example.ac.uk>, b@example.org",
			want: []string{"|a@example.org", "Gill, Imran|i.gill@uni.example.ac.uk", "|b@example.org"}},
		{header: "Gill, <i.gill@uni.example.ac.uk>", want: []string{"Gill|i.gill@uni.example.ac.uk"}},
		{header: "Smith, John, Jr. <js@example.org>", want: []string{"Smith, John, Jr.|js@example.org"}},
		{header: "=?utf-8?q?M=C3=BCller?=, Hans <h.mueller@example.de>", want: []string{"Müller, Hans|h.mueller@example.de"}},
		// Quoted names, plain lists and groups read as before.
		{header: `"Gill, Imran" <i.gill@uni.example.ac.uk>, a@example.org`, want: []string{"Gill, Imran|i.gill@uni.example.ac.uk", "|a@example.org"}},
		{header: "a@example.org, b@example.org", want: []string{"|a@example.org", "|b@example.org"}},
		{header: "Team: a@example.org, b@example.org;, c@example.org", want: []string{"|a@example.org", "|b@example.org", "|c@example.org"}},
		// Genuinely bad members are still left out.
		{header: "Gill", problems: []string{`Cc header: "Gill" is not an address; left out`}},
		{header: "a@example.org, Gill", want: []string{"|a@example.org"}, problems: []string{`"Gill" is not an address`}},
		{header: "Gill, b@example.org", want: []string{"|b@example.org"}, problems: []string{`"Gill" is not an address`}},
		{header: "Gill, Imran <mallory i.gill@uni.example.ac.uk>",
			problems: []string{`"Gill" is not an address`, `"Imran <mallory i.gill@uni.example.ac.uk>" is not an address`}},
		{header: "Gill, <a b@example.org>", problems: []string{`"Gill" is not an address`, `"<a b@example.org>" is not an address`}},
		{header: "Gill, Imran <i.gill@uni.example.ac.uk> (Sales)", want: []string{"Imran|i.gill@uni.example.ac.uk"},
			problems: []string{`"Gill" is not an address`}},
		// Semicolons, as Outlook users type them.
		{header: "a@example.org; b@example.org", want: []string{"|a@example.org", "|b@example.org"},
			problems: []string{`Cc header: members separated by ";" (not commas), read as a list`}},
		{header: "Ann <a@example.org>; \"Lee; Kim\" <k@example.org>;", want: []string{"Ann|a@example.org", "Lee; Kim|k@example.org"},
			problems: []string{`separated by ";"`}},
		{header: "a@example.org; <b c@example.org>", want: []string{"|a@example.org"},
			problems: []string{`separated by ";"`, `"<b c@example.org>" is not an address`}},
		{header: "Team: a@example.org; b@example.org", problems: []string{"is not an address"}}, // a group: no guessing
	} {
		raw := "From: p@example.org\r\nTo: desk@example.org\r\nCc: " + c.header + "\r\nSubject: cc\r\n\r\nHello.\r\n"
		m, err := Parse([]byte(raw), Limits{})
		if err != nil {
			t.Errorf("Cc %q: %v", c.header, err)
			continue
		}
		var got []string
		for _, a := range m.Cc {
			got = append(got, a.Name+"|"+a.Addr)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Cc %q: read as %q, want %q", c.header, got, c.want)
		}
		if len(c.problems) == 0 && len(m.Problems) > 0 {
			t.Errorf("Cc %q: Problems = %q, want none", c.header, m.Problems)
		}
		for _, want := range c.problems {
			if !slices.ContainsFunc(m.Problems, func(p string) bool { return strings.Contains(p, want) }) {
				t.Errorf("Cc %q: Problems = %q, want one holding %q", c.header, m.Problems, want)
			}
		}
	}
	// To and Reply-To are read alike.
	m, err := Parse([]byte("From: p@example.org\r\nTo: Gill, Imran <i.gill@uni.example.ac.uk>; desk@example.org\r\n"+
		"Reply-To: Okafor, R <r.okafor@example.ac.uk>\r\nSubject: to\r\n\r\nHello.\r\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 2 || m.To[0].Name != "Gill, Imran" || m.To[1].Addr != "desk@example.org" {
		t.Errorf("To = %q", m.To)
	}
	if len(m.ReplyTo) != 1 || m.ReplyTo[0].Name != "Okafor, R" || m.ReplyTo[0].Addr != "r.okafor@example.ac.uk" {
		t.Errorf("Reply-To = %q", m.ReplyTo)
	}
	if len(m.Problems) != 1 || !strings.Contains(m.Problems[0], `To header: members separated by ";"`) {
		t.Errorf("Problems = %q, want only the To's semicolons", m.Problems)
	}
}

// Issue 14, point 4: encoded words in the charsets of East Asian and Cyrillic mail are decoded
// (charsetReader), and raw 8-bit headers are read as UTF-8 when they are.
func TestEncodedNames(t *testing.T) {
	enc := func(label, b64 string) string { return "=?" + label + "?B?" + b64 + "?=" }
	for _, c := range []struct{ name, want string }{
		{enc("ISO-2022-JP", "GyRCOjRGIzJWO1IbKEI="), "佐藤花子"},
		{enc("iso-2022-jp", "GyRCOjRGIxsoQg==") + " " + enc("ISO-2022-JP", "GyRCMlY7UhsoQg=="), "佐藤花子"},
		{enc("Shift_JIS", "l+mW2IjqmFk="), "鈴木一郎"},
		{enc("cp932", "l+mW2IjqmFk="), "鈴木一郎"},
		{enc("x-sjis", "l+mW2IjqmFk="), "鈴木一郎"},
		{enc("GB2312", "zfXQocP3"), "王小明"},
		{enc("GBK", "zfXQocP3"), "王小明"},
		{enc("Big5", "s6+kaqTl"), "陳大文"},
		{enc("EUC-KR", "sei5zrz2"), "김민수"},
		{enc("ks_c_5601-1987", "sei5zrz2"), "김민수"},
		{enc("KOI8-R", "6dfBziDwxdTSz9c="), "Иван Петров"},
		{enc("windows-1251", "yOLg7SDP5fLw7uI="), "Иван Петров"},
		{"Jos\xc3\xa9 Garc\xc3\xada", "José García"}, // raw UTF-8 stays UTF-8
		{"Jos\xe9 Garc\xeda", "José García"},         // raw Latin-1 is read as Windows-1252
	} {
		raw := "From: " + c.name + " <p@example.org>\r\nSubject: " + c.name + "\r\n\r\nHello.\r\n"
		m, err := Parse([]byte(raw), Limits{})
		if err != nil {
			t.Errorf("%q: %v", c.name, err)
			continue
		}
		if m.From.Name != c.want || m.Subject != c.want {
			t.Errorf("%q: name %q, subject %q; want %q", c.name, m.From.Name, m.Subject, c.want)
		}
	}
}

// Issue 14, point 4: a text part is read by its declared charset, UTF-8 when it declares
// us-ascii or none, detected when its charset is unknown or wrong; 0x80 bytes that stand in for
// NULs in UTF-8 text are dropped, while a Windows-1252 € (0x80) is kept.
func TestDecodeText(t *testing.T) {
	for _, c := range []struct {
		charset, body, want string
		problem             bool
	}{
		{"us-ascii", "Pr\xc3\xa9nom", "Prénom", false},
		{"", "Pr\xc3\xa9nom", "Prénom", false},
		{"utf-8", "Pr\xc3\xa9nom", "Prénom", false},
		// NUL stand-ins are dropped, and said (fix F2). ASCII with only 0x80 besides is
		// ambiguous (a NUL, or a Windows-1252 € sent unlabelled): dropped too.
		{"utf-8", "caf\xc3\xa9 till\x80 has NULs\x80\x80.", "café till has NULs.", true},
		{"us-ascii", "plain\x80 ascii", "plain ascii", true},
		{"", "caf\xc3\xa9\x80", "café", true},
		{"", "costs 30\x80 a year", "costs 30 a year", true},
		{"windows-1252", "\x805 \x93quoted\x94", "€5 “quoted”", false},
		{"iso-8859-1", "\x805 caf\xe9", "€5 café", false},          // Outlook's ISO-8859-1 is Windows-1252
		{"us-ascii", "caf\xe9 costs \x805", "café costs €5", true}, // 8-bit text mislabelled: the € is real
		{"", "caf\xe9", "café", true},
		{"x-unknown-2000", "caf\xe9", "café", true},
		{"x-unknown-2000", "caf\xc3\xa9", "café", true},
		{"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет", false},
		{"shift_jis", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd", "こんにちは", false},
		{"iso-2022-jp", "\x1b$B$3$s$K$A$O\x1b(B", "こんにちは", false},
		{"shift_jis", "caf\xe9", "café", true}, // not Shift_JIS (a lead byte at the end): detected
		// Fix F2: UTF-7 and ISO-2022-KR, which golang.org/x/text does not decode (WHATWG's
		// "replacement" encoding for ISO-2022-KR turned the text into U+FFFD).
		{"utf-7", "Caf+AOk- +IKw-5, 1+-1, +2D3eAA-!", "Café €5, 1+1, 😀!", false},
		{"unicode-1-1-utf-7", "A+ImIDkQ.", "A≢Α.", false},
		{"UTF-7", "broken +AOl", "broken +AOl", true}, // left-over bits that are not zero: not UTF-7, detected
		{"utf-7", "end +AOk", "end é", false},         // left-over bits that are zero: valid
		{"utf-7", "lone +2D0-", "lone +2D0-", true},   // an unpaired surrogate
		{"utf-7", "caf\xc3\xa9", "café", true},        // 8-bit bytes are never UTF-7
		{"iso-2022-kr", "\x1b$)C\x0e>H3gGO<<?d\x0f!", "안녕하세요!", false},
		{"csISO2022KR", "\x1b$)C\x0e>H\x0f\r\nok", "안\r\nok", false},
		{"iso-2022-cn", "plain", "plain", true}, // another "replacement" charset: unknown, text kept
		// Fix F2: UTF-8 labelled with a single-byte charset reads as UTF-8, said; real Latin-1
		// (not valid UTF-8, or valid only with a C1 control) stays Latin-1.
		{"iso-8859-1", "Pr\xc3\xa9nom, d\xe2\x80\x99acc\xc3\xa8s", "Prénom, d’accès", true},
		{"windows-1252", "Pr\xc3\xa9nom", "Prénom", true},
		{"iso-8859-15", "Pr\xc3\xa9nom", "Prénom", true},
		{"iso-8859-1", "Pr\xe9nom, acc\xe8s \xe0 \xa3 5", "Prénom, accès à £ 5", false},
		{"iso-8859-1", "\xc2\x85 and \xc3\x89", "Â… and Ã‰", false},
		{"iso-8859-1", "plain ascii", "plain ascii", false},
	} {
		got, problem := decodeText([]byte(c.body), c.charset, false)
		if got != c.want || (problem != "") != c.problem {
			t.Errorf("%q in %q: %q (problem %q), want %q (problem: %v)", c.body, c.charset, got, problem, c.want, c.problem)
		}
	}
}

// A message whose first lines are not headers is read from the headers on, but only when a
// header block follows; a message that is no message is not made one.
func TestSkipJunk(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"---- Original email message ----\r\nFrom: a@example.org\r\n\r\nx", "From: a@example.org\r\n\r\nx"},
		{"\r\nFrom a@example.org Thu Apr  2 13:05:00 2026\r\n\r\nSubject: s\r\nFrom: a@example.org\r\n\r\nx", "Subject: s\r\nFrom: a@example.org\r\n\r\nx"},
		{"From: a@example.org\r\n\r\nx", "From: a@example.org\r\n\r\nx"},
		{"hello\r\nthis is text\r\nX-Thing: y\r\n\r\nbody", "hello\r\nthis is text\r\nX-Thing: y\r\n\r\nbody"},
		{"1\n2\n3\n4\n5\n6\nFrom: a@example.org\n\nx", "1\n2\n3\n4\n5\n6\nFrom: a@example.org\n\nx"}, // too many lines
	} {
		got, _ := skipJunk([]byte(c.raw))
		if string(got) != c.want {
			t.Errorf("skipJunk(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

// The text before the first boundary is kept, first, and MIME's notice for old readers is no text.
func TestPreamble(t *testing.T) {
	head := "From: a@example.org\r\nSubject: p\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	for _, c := range []struct{ body, want string }{
		{"Hello there.\r\n--b\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b--\r\n", "Hello there."},
		{"This is a multi-part message in MIME format.\r\n--b\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b--\r\n", ""},
		// Fix F2: text before the first boundary is kept, first, even when there is a text part.
		{"Kept preamble.\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe text part.\r\n--b--\r\n", "Kept preamble.\n\nThe text part."},
		{"This is a multi-part message in MIME format.\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe text part.\r\n--b--\r\n", "The text part."},
		{"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe text part.\r\n--b--\r\n", "The text part."},
		{"This is an S/MIME signed message\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe text part.\r\n--b--\r\n", "The text part."},
		{"This message is in MIME format.  Since your mail reader does not understand\r\nthis format, some or all of this message may not be legible.\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe text part.\r\n--b--\r\n", "The text part."},
		// Second review of issue 14: the notice in other languages and decorated is no text either;
		// a short paragraph that does not name MIME, or a longer text, is the sender's.
		{"Dies ist eine mehrteilige Nachricht im MIME-Format.\r\n--b\r\nContent-Type: text/plain\r\n\r\nHallo, der Drucker klemmt.\r\n--b--\r\n", "Hallo, der Drucker klemmt."},
		{"Ceci est un message de plusieurs parties au format MIME.\r\n--b\r\nContent-Type: text/plain\r\n\r\nBonjour.\r\n--b--\r\n", "Bonjour."},
		{"--- This is a multi-part message in MIME format ---\r\n--b\r\nContent-Type: text/plain\r\n\r\nHi.\r\n--b--\r\n", "Hi."},
		{"The scanner on floor 3 jams.\r\n--b\r\nContent-Type: text/plain\r\n\r\n-- \r\nSent from my phone\r\n--b--\r\n", "The scanner on floor 3 jams.\n\n--\nSent from my phone"},
		{"Our MIME types are wrong.\r\n\r\nThe web server sends PDFs as text and every browser shows garbage.\r\n--b\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b--\r\n",
			"Our MIME types are wrong.\n\nThe web server sends PDFs as text and every browser shows garbage."},
		{"Only text, no boundary at all.\r\n", "Only text, no boundary at all."},
		{"--b--\r\n", ""},
	} {
		m, err := Parse([]byte(head+c.body), Limits{})
		if err != nil {
			t.Errorf("%q: %v", c.body, err)
			continue
		}
		if m.FullText != c.want {
			t.Errorf("%q: FullText %q, want %q", c.body, m.FullText, c.want)
		}
	}
}

// An HTML part without a charset parameter is read by its <meta> charset.
func TestHTMLMetaCharset(t *testing.T) {
	raw := "From: a@example.org\r\nSubject: html\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n" +
		"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\"></head><body><p>\xf0\xd2\xc9\xd7\xc5\xd4</p></body></html>\r\n"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.FullText != "Привет" || !strings.Contains(m.HTML, "<p>Привет</p>") || len(m.Problems) > 0 {
		t.Errorf("FullText %q, HTML %q, Problems %q; want Привет", m.FullText, m.HTML, m.Problems)
	}
}

// An address with a quoted local part is written back as it was read.
func TestAddressString(t *testing.T) {
	for _, a := range []Address{
		{Name: "John Smith", Addr: `"john smith"@example.org`},
		{Addr: `"a\"b"@example.org`},
		{Name: "Zoë", Addr: "zb@example.org"},
	} {
		got, err := mail.ParseAddress(a.String())
		if err != nil || got.Name != a.Name || normaliseAddr(got.Address) != a.Addr {
			t.Errorf("%+v written %q, read back as %+v (%v)", a, a.String(), got, err)
		}
	}
}

// Fix F2 (defect 4B): a header block that ends in lines that are not fields, with no blank line
// before the body, ends where its fields do; a broken line between fields is left to enmime.
func TestEndHeader(t *testing.T) {
	for _, c := range []struct {
		raw, want string
		moved     int
	}{
		{"From: a@example.org\r\nSubject: s\r\nHello there\r\nSecond line\r\n", "From: a@example.org\r\nSubject: s\r\n\r\nHello there\r\nSecond line\r\n", 2},
		{"From: a@example.org\nNote : a space before the colon\n\nbody\n", "From: a@example.org\n\nNote : a space before the colon\n\nbody\n", 1},
		{"From: a@example.org\nÄrger: not a field name\n", "From: a@example.org\n\nÄrger: not a field name\n", 1},
		{"From: a@example.org\nbody line\n  indented body line\n", "From: a@example.org\n\nbody line\n  indented body line\n", 2},
		// Left alone: a field follows the odd line, the header is whole, or a folded field.
		{"From: a@example.org\nno colon here\nSubject: s\n\nbody\n", "From: a@example.org\nno colon here\nSubject: s\n\nbody\n", 0},
		{"From: a@example.org\r\n\r\nbody without: a field\r\n", "From: a@example.org\r\n\r\nbody without: a field\r\n", 0},
		{"From: a@example.org\r\nSubject: one\r\n two\r\n\r\nb\r\n", "From: a@example.org\r\nSubject: one\r\n two\r\n\r\nb\r\n", 0},
		{"From: a@example.org", "From: a@example.org", 0},
	} {
		got, moved, _ := endHeader([]byte(c.raw))
		if string(got) != c.want || moved != c.moved {
			t.Errorf("endHeader(%q) = %q, %d line(s) moved; want %q, %d", c.raw, got, moved, c.want, c.moved)
		}
	}
}
