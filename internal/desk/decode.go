package desk

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// This file turns what calldesk stores encoded (an email as it came, a file, a zip, JSON, a
// URL-encoded search) into the text a person reads in it, so a search for a person's mentions
// (store.FindMentions, the erasure test's scan) sees the names inside. It uses the standard
// library only: desk sits below the mail package, which has the fuller parser for taking mail in.

// maxDecoded bounds the text one value decodes to (a zip bomb, a huge log): 64 MiB.
const maxDecoded = 64 << 20

// MailText is the readable text of a raw MIME message: every header with its RFC 2047
// encoded words decoded, then every part's text (quoted-printable and base64 decoded, HTML
// reduced to its text, a forwarded message/rfc822 read in turn, an attached file's name and,
// when it is text or a zip of text, its content). A message that does not parse is returned as it is.
func MailText(raw []byte) string {
	var b strings.Builder
	if !mailText(&b, raw, 0) {
		return string(raw)
	}
	return b.String()
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// HeaderText decodes RFC 2047 encoded words in a header value; on failure it returns v.
func HeaderText(v string) string {
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

func mailText(b *strings.Builder, raw []byte, depth int) bool {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil || depth > 8 {
		return false
	}
	keys := make([]string, 0, len(m.Header))
	for k := range m.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range m.Header[k] {
			b.WriteString(k + ": " + HeaderText(v) + "\n")
		}
	}
	b.WriteString("\n")
	body, _ := io.ReadAll(io.LimitReader(m.Body, maxDecoded))
	partText(b, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Header.Get("Content-Disposition"), body, depth)
	return true
}

// partText writes the text of one MIME part (and its subparts).
func partText(b *strings.Builder, ctype, cte, disp string, body []byte, depth int) {
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil || ctype == "" {
		media, params = "text/plain", map[string]string{}
	}
	body = transferDecode(cte, body)
	if _, dp, err := mime.ParseMediaType(disp); err == nil && dp["filename"] != "" {
		b.WriteString(HeaderText(dp["filename"]) + "\n")
	}
	if params["name"] != "" {
		b.WriteString(HeaderText(params["name"]) + "\n")
	}
	switch {
	case strings.HasPrefix(media, "multipart/"):
		r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err != nil {
				break
			}
			sub, _ := io.ReadAll(io.LimitReader(p, maxDecoded))
			partText(b, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), sub, depth)
			for k, vs := range p.Header {
				if !strings.HasPrefix(strings.ToLower(k), "content-") {
					for _, v := range vs {
						b.WriteString(k + ": " + HeaderText(v) + "\n")
					}
				}
			}
		}
	case media == "message/rfc822" || media == "message/global":
		if !mailText(b, body, depth+1) {
			b.Write(body)
		}
	default:
		if cs := strings.ToLower(params["charset"]); strings.HasPrefix(media, "text/") && cs != "" && cs != "utf-8" && cs != "utf8" {
			body = []byte(charsetText(cs, body))
		}
		b.WriteString(FileText("", media, body))
	}
	b.WriteString("\n")
}

// transferDecode undoes a Content-Transfer-Encoding; what does not decode is kept as it is.
func transferDecode(cte string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, body)
		if d, err := base64.StdEncoding.DecodeString(strings.TrimRight(string(clean), "=") + strings.Repeat("=", (4-len(strings.TrimRight(string(clean), "="))%4)%4)); err == nil {
			return d
		}
		if d, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(string(clean), "=")); err == nil {
			return d
		}
	case "quoted-printable":
		if d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err == nil {
			return d
		}
	}
	return body
}

var (
	tagRE   = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>|<[^>]*>`)
	spaceRE = regexp.MustCompile(`[ \t]+`)
)

// HTMLText is the text of an HTML document: tags dropped (an attribute's words, such as a
// mailto: link, are kept beside the text), entities decoded.
func HTMLText(h string) string {
	var attrs []string
	for _, m := range regexp.MustCompile(`(?i)(?:href|title|alt)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(h, -1) {
		attrs = append(attrs, m[1])
	}
	t := tagRE.ReplaceAllString(h, " ")
	t = html.UnescapeString(t)
	if len(attrs) > 0 {
		t += "\n" + html.UnescapeString(strings.Join(attrs, "\n"))
	}
	return spaceRE.ReplaceAllString(t, " ")
}

// FileText is the text a person would read in a file named name of media type ctype: text and
// HTML as such, UTF-16 with a byte order mark, a zip (and the office formats made of one: docx,
// xlsx, odt, a paragraph's runs joined) entry by entry, gzip unpacked, a PDF's text operators
// (pdfText: simple fonts only, not CID fonts or hex strings), and anything else that is mostly
// UTF-8 text read as text. A file with no text (an image, a scanned PDF) gives "".
func FileText(name, ctype string, data []byte) string {
	return fileText(name, ctype, data, 0)
}

func fileText(name, ctype string, data []byte, depth int) string {
	ctype = strings.ToLower(ctype)
	low := strings.ToLower(name)
	switch {
	case depth > 4:
		return ""
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		t, _ := utf16Text(data, false)
		return fileText(name, ctype, []byte(t), depth+1)
	case bytes.HasPrefix(data, []byte("%PDF")):
		return pdfText(data)
	case (strings.HasSuffix(low, ".xml") || strings.Contains(ctype, "xml")) &&
		(bytes.Contains(data, []byte("<w:t")) || bytes.Contains(data, []byte("<text:p")) || bytes.Contains(data, []byte("<a:t"))):
		return wordXMLText(string(data))
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return ""
		}
		var b strings.Builder
		total := 0
		for _, f := range r.File {
			b.WriteString(f.Name + "\n")
			rc, err := f.Open()
			if err != nil {
				continue
			}
			entry, _ := io.ReadAll(io.LimitReader(rc, maxDecoded-int64(total)))
			rc.Close()
			total += len(entry)
			b.WriteString(fileText(f.Name, "", entry, depth+1) + "\n")
			if total >= maxDecoded {
				break
			}
		}
		return b.String()
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return ""
		}
		d, _ := io.ReadAll(io.LimitReader(zr, maxDecoded))
		return fileText(strings.TrimSuffix(name, ".gz"), "", d, depth+1)
	case strings.Contains(ctype, "html") || strings.HasSuffix(low, ".html") || strings.HasSuffix(low, ".htm") ||
		strings.HasSuffix(low, ".xml") || strings.Contains(ctype, "xml"):
		return HTMLText(string(data))
	case strings.HasPrefix(ctype, "message/") || strings.HasSuffix(low, ".eml"):
		return MailText(data)
	case strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "json") || mostlyText(data):
		return string(data)
	}
	return ""
}

// mostlyText says whether b reads as text: valid UTF-8 with few control characters.
func mostlyText(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	sample := b
	if len(sample) > 4096 {
		sample = sample[:4096]
		for !utf8.Valid(sample) && len(sample) > 4090 {
			sample = sample[:len(sample)-1]
		}
	}
	if !utf8.Valid(sample) {
		return false
	}
	ctl := 0
	for _, c := range sample {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctl++
		}
	}
	return ctl*100 < len(sample)
}

// JSONText is the strings of a JSON document, one a line (keys and values, \u escapes decoded);
// text that is not JSON is returned as it is.
func JSONText(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x + "\n")
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				b.WriteString(k + "\n")
				walk(x[k])
			}
		}
	}
	walk(v)
	return b.String()
}

// URLText decodes URL (percent) encoding in s, a "+" becoming a space; s when there is none or it
// does not decode.
func URLText(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}
