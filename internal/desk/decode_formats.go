package desk

import (
	"bytes"
	"compress/zlib"
	"html"
	"io"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The formats decode.go reads beyond plain UTF-8: the 8-bit charsets mail is written in
// (ISO-8859-1 and windows-1252, small tables; ISO-8859-15 read as ISO-8859-1), UTF-16 with its
// byte order mark, a PDF's text operators, and a Word paragraph's runs read as one.

// cp1252 are windows-1252's characters at 0x80-0x9F (where ISO-8859-1 has control codes).
var cp1252 = [32]rune{'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8d, 'Ž', 0x8f,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9d, 'ž', 'Ÿ'}

// charsetText is b, written in charset, as UTF-8; b as it is for a charset it does not know.
func charsetText(charset string, b []byte) string {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "iso-8859-15", "iso8859-15", "us-ascii", "ascii",
		"windows-1252", "cp1252", "x-cp1252":
		if utf8.Valid(b) && strings.HasPrefix(strings.ToLower(charset), "us") {
			return string(b)
		}
		var s strings.Builder
		for _, c := range b {
			if c >= 0x80 && c < 0xa0 {
				s.WriteRune(cp1252[c-0x80]) // what mail labelled ISO-8859-1 usually means
			} else {
				s.WriteRune(rune(c))
			}
		}
		return s.String()
	case "utf-16", "utf-16le", "utf-16be":
		if t, ok := utf16Text(b, strings.HasSuffix(strings.ToLower(charset), "be")); ok {
			return t
		}
	}
	return string(b)
}

// utf16Text decodes UTF-16 after a byte order mark (or in the order given when there is none).
func utf16Text(b []byte, bigEndian bool) (string, bool) {
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		b, bigEndian = b[2:], false
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		b, bigEndian = b[2:], true
	}
	if len(b)%2 == 1 {
		b = b[:len(b)-1]
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return string(utf16.Decode(u)), true
}

// charsetReader is the mime.WordDecoder's: known charsets decoded, unknown ones read as they are
// (the ASCII of an address or a name survives).
func charsetReader(charset string, in io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(io.LimitReader(in, maxDecoded))
	if err != nil {
		return nil, err
	}
	return strings.NewReader(charsetText(charset, b)), nil
}

var (
	wordParaRE = regexp.MustCompile(`</w:p>|<w:br\s*/>|<w:tab\s*/>|</text:p>|</text:h>|</a:p>`)
	wordTagRE  = regexp.MustCompile(`<[^>]*>`)
)

// wordXMLText is the text of an office document's XML (docx, odt, pptx): the runs of a paragraph
// joined as they are (a run may end mid-word, where the formatting changes), paragraphs a line each.
func wordXMLText(x string) string {
	x = wordParaRE.ReplaceAllString(x, "\n")
	return html.UnescapeString(wordTagRE.ReplaceAllString(x, ""))
}

var (
	pdfStreamRE = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\n?endstream`)
	pdfTextRE   = regexp.MustCompile(`(?s)\[((?:[^\]\\]|\\.)*)\]\s*TJ|\(((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*)\)\s*(?:Tj|'|")`)
	pdfStringRE = regexp.MustCompile(`(?s)\(((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*)\)`)
)

// pdfText is the text a PDF shows with simple fonts: the strings of the text operators (Tj, ', "
// and TJ, whose pieces are joined) in its content streams, inflated when FlateDecode'd, read as
// PDFDocEncoding/Latin-1. It cannot read text in CID (Type 0, two-byte) fonts, hex strings
// (<...>), streams with other filters (LZW, ASCII85, object streams inside compressed object
// streams), or text drawn as images.
func pdfText(data []byte) string {
	var b strings.Builder
	for _, m := range pdfStreamRE.FindAllSubmatch(data, -1) {
		content := m[1]
		if zr, err := zlib.NewReader(bytes.NewReader(content)); err == nil {
			if d, err := io.ReadAll(io.LimitReader(zr, maxDecoded)); len(d) > 0 || err == nil {
				content = d
			}
		}
		for _, t := range pdfTextRE.FindAllSubmatch(content, -1) {
			if t[1] != nil {
				for _, s := range pdfStringRE.FindAllSubmatch(t[1], -1) {
					b.WriteString(pdfString(s[1]))
				}
			} else {
				b.WriteString(pdfString(t[2]))
			}
			b.WriteString(" ")
		}
		b.WriteString("\n")
		if b.Len() > maxDecoded {
			break
		}
	}
	return b.String()
}

// pdfString decodes a PDF literal string's escapes (\n, \(, \ddd octal) and its bytes as Latin-1.
func pdfString(s []byte) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			out = append(out, c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b', 'f':
		case '\r', '\n':
		default:
			if e >= '0' && e <= '7' {
				v, n := 0, 0
				for n < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7' {
					v, i, n = v*8+int(s[i]-'0'), i+1, n+1
				}
				i--
				out = append(out, byte(v))
			} else {
				out = append(out, e)
			}
		}
	}
	if bytes.HasPrefix(out, []byte{0xfe, 0xff}) {
		t, _ := utf16Text(out, true)
		return t
	}
	return charsetText("windows-1252", out)
}
