package desk

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"testing"
)

// TestDecoderReadsCharsetsPDFsAndSplitRuns: a name in a PDF's compressed text, in a Word run
// split mid-word, in a UTF-16 text file, and in mail written in ISO-8859-1 or windows-1252 (a
// body and an RFC 2047 encoded word) is found once decoded.
func TestDecoderReadsCharsetsPDFsAndSplitRuns(t *testing.T) {
	var zb bytes.Buffer
	zw := zlib.NewWriter(&zb)
	zw.Write([]byte("BT /F1 12 Tf (Anne-Marie \\326zt\\374rk) Tj ET BT [(Anne-Ma) -20 (rie) ( \\326zt) 10 (\\374rk)] TJ ET"))
	zw.Close()
	pdf := append([]byte("%PDF-1.4\n1 0 obj << /Length 5 /Filter /FlateDecode >> stream\n"), zb.Bytes()...)
	pdf = append(pdf, []byte("\nendstream endobj\n%%EOF")...)
	var docx bytes.Buffer
	w := zip.NewWriter(&docx)
	f, _ := w.Create("word/document.xml")
	f.Write([]byte(`<w:document><w:body><w:p><w:r><w:t>Anne-Marie Öz</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>türk</w:t></w:r></w:p></w:body></w:document>`))
	w.Close()
	u16 := []byte{0xff, 0xfe}
	for _, r := range "Anne-Marie Öztürk phoned\r\n" {
		u16 = append(u16, byte(r), byte(r>>8))
	}
	u16be := []byte{0xfe, 0xff}
	for _, r := range "Anne-Marie Öztürk phoned\r\n" {
		u16be = append(u16be, byte(r>>8), byte(r))
	}
	sc := NewScrubber(Identifiers{FirstName: "Anne-Marie", LastName: "Öztürk"}, "[P]")
	for name, text := range map[string]string{
		"pdf Tj":                    FileText("cv.pdf", "application/pdf", pdf),
		"docx split run":            FileText("n.docx", "", docx.Bytes()),
		"utf-16le text file":        FileText("n.txt", "text/plain", u16),
		"utf-16be text file":        FileText("n.txt", "", u16be),
		"latin1 body":               MailText([]byte("From: x@y\r\nSubject: hi\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nAnne-Marie =D6zt=FCrk\r\n")),
		"windows-1252 body":         MailText([]byte("From: x@y\r\nSubject: hi\r\nContent-Type: text/plain; charset=windows-1252\r\n\r\n\x93Anne-Marie \xd6zt\xfcrk\x94\r\n")),
		"windows-1252 encoded word": MailText([]byte("From: x@y\r\nSubject: =?windows-1252?Q?Anne-Marie_=D6zt=FCrk?=\r\n\r\nhi\r\n")),
		"iso-8859-1 encoded word":   MailText([]byte("From: x@y\r\nSubject: =?ISO-8859-1?B?" + "QW5uZS1NYXJpZSDWenT8cms=" + "?=\r\n\r\nhi\r\n")),
	} {
		if !sc.Finds(text) {
			t.Errorf("%s: not found in %q", name, text)
		}
	}
	// PDF text split across a TJ array's pieces reads as one word.
	if got := FileText("cv.pdf", "", pdf); !bytes.Contains([]byte(got), []byte("Anne-Marie Öztürk")) {
		t.Errorf("pdf text: %q", got)
	}
}
