package desk_test

import (
	"bytes"
	"strings"
	"testing"

	"calldesk/internal/desk"
)

func TestAttachmentCheck(t *testing.T) {
	zip := append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), bytes.Repeat([]byte{0}, 40)...)
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, bytes.Repeat([]byte{0}, 40)...)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{1}, 20)...)
	cases := []struct {
		name string
		data []byte
		want string // the content type, or "!" and part of the refusal
	}{
		{"SHOT.PNG", png, "image/png"},
		{"photo.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg"},
		{"anim.gif", []byte("GIF89a\x01\x00\x01\x00"), "image/gif"},
		{"pic.webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00"), "image/webp"},
		{"notes.txt", []byte("hello\n"), "text/plain; charset=utf-8"},
		{"data.csv", []byte("a,b\n1,2\n"), "text/csv; charset=utf-8"},
		{"mail.eml", []byte("From: a@b.example\r\nSubject: hi\r\n\r\nhello"), "message/rfc822"},
		{"mail.msg", ole, "application/vnd.ms-outlook"},
		{"sheet.xlsx", zip, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"doc.odt", zip, "application/vnd.oasis.opendocument.text"},
		{"logs.zip", zip, "application/zip"},
		// Calendar invitations and winmail.dat come with email (issue 14): kept when they are what
		// their names say.
		{"invite.ics", []byte("\ufeffBEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"), "text/calendar; charset=utf-8"},
		{"invite.ics", []byte("begin:vcalendar\r\nend:vcalendar\r\n"), "text/calendar; charset=utf-8"},
		{"winmail.dat", append([]byte{0x78, 0x9F, 0x3E, 0x22, 0x01, 0x00}, bytes.Repeat([]byte{0}, 40)...), "application/vnd.ms-tnef"},
		{"invite.ics", []byte("hello, this is no calendar\n"), "!invite.ics does not hold what its name says"},
		{"invite.ics", []byte("<html><body>BEGIN:VCALENDAR</body></html>"), "!invite.ics is refused"},
		{"winmail.dat", zip, "!winmail.dat does not hold what its name says"},
		{"data.dat", []byte("1,2,3\n"), "!data.dat does not hold what its name says"},
		{"mail.msg", []byte("not an outlook file"), "!mail.msg does not hold what its name says"},
		{"sheet.xlsx", png, "!sheet.xlsx does not hold what its name says"},
		{"README", []byte("hello"), "!README is not a type calldesk accepts"},
		{"photo.psd", png, "!photo.psd is not a type calldesk accepts"},
		{"page.htm", []byte("hello"), "!page.htm is refused"},
		{"icon.svg", []byte("<svg/>"), "!icon.svg is refused"},
		{"icon.txt", []byte("  <?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "!icon.txt is refused"},
		{"run.txt", []byte("#!/bin/sh\nrm -rf /\n"), "!run.txt is refused"},
		{"app.zip", []byte("\x7fELF\x02\x01\x01"), "!app.zip is refused"},
		{"script.js", []byte("alert(1)"), "!script.js is refused"},
		// The type is checked against the name as shown, invisible characters stripped (issue 13).
		{"evil\u202Egpj.exe", []byte("MZ\x90\x00"), "!evilgpj.exe is refused"},
		{"evil\u202Egpj.exe", png, "!evilgpj.exe is refused"},
		{"shot\u202Egnp.txt", png, "!shotgnp.txt does not hold what its name says"},
		{"notes\u200B.txt\uFEFF", []byte("hello\n"), "text/plain; charset=utf-8"},
	}
	for _, tc := range cases {
		got, err := desk.AttachmentRules{}.Check(desk.Upload{Filename: tc.name, Data: tc.data})
		if strings.HasPrefix(tc.want, "!") {
			if err == nil || !strings.Contains(err.Error(), tc.want[1:]) {
				t.Errorf("%s: %q, %v; want refused with %q", tc.name, got, err, tc.want[1:])
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\dan\report.pdf`: "report.pdf", "../../etc/passwd": "passwd", "a\r\nb.txt": "ab.txt",
		"  spaced.txt ": "spaced.txt", "": "attachment", "..": "attachment", "dir/": "attachment",
		"été.pdf": "été.pdf", strings.Repeat("é", 150) + ".pdf": strings.Repeat("é", 98) + ".pdf", strings.Repeat("x", 300): strings.Repeat("x", 200),
		// Invisible characters (issue 13): bidirectional overrides, embeddings, isolates and marks,
		// zero-width and other format characters, separators, fillers; a name of nothing else.
		"evil\u202Egpj.exe": "evilgpj.exe", "a\u202Ab\u202Bc\u202Cd\u202De.txt": "abcde.txt",
		"\u2066x\u2067y\u2068z\u2069.pdf": "xyz.pdf", "l\u200Er\u200Fa\u061Cb.pdf": "lrab.pdf",
		"zero\u200Bwidth\u200C\u200Djoin\u2060.png": "zerowidthjoin.png", "\uFEFFbom.txt": "bom.txt", "soft\u00ADhyphen.txt": "softhyphen.txt",
		"line\u2028para\u2029.txt": "linepara.txt", "fill\u3164er\u115F.txt": "filler.txt", "tag\U000E0041.txt": "tag.txt",
		"\u202E\u200B\uFEFF": "attachment", "bad\xffutf8.txt": "badutf8.txt",
		".htaccess": "htaccess", "\u00a0 report.pdf\u3000": "report.pdf", "漢字 ملف.pdf": "漢字 ملف.pdf",
	} {
		if got := desk.CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSizeWords(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1024: "1 KiB", 1536: "1.5 KiB", 25 << 20: "25 MiB", 1 << 30: "1 GiB"} {
		if got := desk.SizeWords(n); got != want {
			t.Errorf("SizeWords(%d) = %q, want %q", n, got, want)
		}
	}
}
