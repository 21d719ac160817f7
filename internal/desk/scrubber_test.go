package desk

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestMentionFormats: each written form of each identifier is found, and what only looks like
// one is not (issue 15 point 2).
func TestMentionFormats(t *testing.T) {
	sc := NewScrubber(Identifiers{FirstName: "Ann", LastName: "Smith", Username: "asmith", Email: "Ann.Smith@x.ac.uk",
		StudentNumber: "S1234567", Phone: "+44 7700 900852"}, "[P]")
	found := []string{
		"ring +44 (0)7700 900852 today", "ring +44 7700 900852", "ring 07700900852", "ring 07700 900852",
		"ring 07700.900.852", "ring 07700-900-852", "ring (07700) 900852", "ring +447700900852", "ring 0044 7700 900852",
		"q=%2B44%207700%20900852&x=1", "q=07700%20900852",
		"mail ann.smith@x.ac.uk", "mail ANN.SMITH@X.AC.UK", "mail Ann.Smith&#64;x.ac.uk", "mail ann.smith%40x.ac.uk",
		"login asmith failed", "student S1234567.", "student s1234567",
		"Ann Smith rang", "Smith, Ann rang", "SMITH Ann rang", "Smith,Ann", "Ann\n  Smith", "(Ann Smith)", "Ann Smith's laptop", "ann_smith-cv.pdf", "Smith-Ann.docx",
	}
	for _, s := range found {
		if !sc.Finds(s) {
			t.Errorf("not found in %q", s)
		}
		if got := sc.Scrub(s); sc.Finds(got) || !strings.Contains(got, "[P]") {
			t.Errorf("Scrub(%q) = %q", s, got)
		}
	}
	notFound := []string{
		"ring 07700900853", "ring 077009008521", "ring 17700900852", "Annual report", "Ann Smithson", "Smithson, Ann",
		"xann.smith@x.ac.uk", "asmith2", "masmith", "S12345678", "Ann alone", "Smith alone", "Anne Smith",
	}
	for _, s := range notFound {
		if locs := sc.Find(s); len(locs) > 0 {
			t.Errorf("found %q in %q", s[locs[0][0]:locs[0][1]], s)
		}
	}
	// First or last name alone: only ScrubAll, and never inside a longer word.
	if got := sc.ScrubAll("Dear Ann, the Annual report for Mr Smith and Mr Smithson"); got != "Dear [P], the Annual report for Mr [P] and Mr Smithson" {
		t.Errorf("ScrubAll = %q", got)
	}
	// Letters of any script are word characters: the boundary holds after a non-ASCII letter.
	zo := NewScrubber(Identifiers{FirstName: "Zoë", LastName: "Brontë"}, "[P]")
	if !zo.Finds("Zoë Brontë's notes") || !zo.Finds("BRONTË Zoë") || zo.Finds("Zoë Brontëan") || zo.Finds("aZoë Brontë") {
		t.Errorf("non-ASCII boundaries: %v %v %v %v", zo.Finds("Zoë Brontë's notes"), zo.Finds("BRONTË Zoë"), zo.Finds("Zoë Brontëan"), zo.Finds("aZoë Brontë"))
	}
	if n := sc.Needles(); strings.Join(n, ",") != "smith,0852,s1234567,asmith" && len(n) != 4 {
		t.Errorf("needles %v", n)
	}
}

// TestMentionFormatsUnicode: the forms reviewer 2 found missed, of a name with accents and a
// hyphen, an apostrophe, a number without its letters and a phone number run together or split.
func TestMentionFormatsUnicode(t *testing.T) {
	am := NewScrubber(Identifiers{FirstName: "Anne-Marie", LastName: "Öztürk", Username: "aozturk", Email: "am.ozturk@uni.example",
		StudentNumber: "S4455667", Phone: "07700 900852"}, "[P]")
	ob := NewScrubber(Identifiers{FirstName: "Ciarán", LastName: "O'Brien", Email: "c.obrien@uni.example", Phone: "+447700900999"}, "[P]")
	for _, c := range []struct {
		sc         *Scrubber
		text, want string
	}{
		{am, "to ÖZTÜRK Anne-Marie today", "to [P] today"},
		{am, "to Öztürk, ANNE-MARIE today", "to [P] today"},
		{am, "to Anne Marie Öztürk today", "to [P] today"},                           // hyphen dropped
		{am, "to Anne-Marie\u00a0Öztürk today", "to [P] today"},                      // no-break space
		{am, "to Anne-Marie&nbsp;&Ouml;zt&uuml;rk today", "to [P] today"},            // HTML
		{am, "to Anne-Marie\u2009Öztürk today", "to [P] today"},                      // thin space
		{am, "to Anne-Marie Ozturk today", "to [P] today"},                           // accents dropped
		{am, "to Anne-Marie O\u0308ztu\u0308rk today", "to [P] today"},               // decomposed (NFD)
		{am, "GET /calls?q=Anne-Marie+%C3%96zt%C3%BCrk&x=1", "GET /calls?q=[P]&x=1"}, // URL-encoded
		{am, "q=Anne-Marie%20%C3%96zt%C3%BCrk", "q=[P]"},
		{am, "ring 447700900852", "ring [P]"},           // international without + or 00
		{am, "ring 07700900852x21 now", "ring [P] now"}, // extension run on
		{am, "ring 07700 -\n900852", "ring [P]"},        // dash and line break
		{am, "ring 07700 -\r\n 900852", "ring [P]"},     // and an indent
		{am, "ring 07700\u00a0900852", "ring [P]"},      // no-break space
		{am, "student 4455667.", "student [P]."},        // without its letter
		{am, "student s-4455667", "student [P]"},
		{am, "ref UoAS4455667", "ref [P]"},
		{am, "ID#S4455667", "ID#[P]"},
		{ob, "Dear Ciarán O Brien", "Dear [P]"},
		{ob, "Dear Ciarán OBrien", "Dear [P]"},
		{ob, "Dear Ciarán O`Brien", "Dear [P]"},
		{ob, "Dear Ciarán O&apos;Brien", "Dear [P]"},
		{ob, "Dear Ciarán O&#039;Brien", "Dear [P]"},
		{ob, "Dear Ciarán O’Brien", "Dear [P]"},
		{ob, "Dear Ciara\u0301n O'Brien", "Dear [P]"},
		{ob, "ring 447700900999", "ring [P]"},
	} {
		if got := c.sc.Scrub(c.text); got != c.want {
			t.Errorf("Scrub(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	for _, s := range []string{"ring 07700900853", "ring 447700900853", "ring 1447700900852", "student 44556678", "student 144556678",
		"ref S44556670", "A. Öztürk", "A-M Öztürk", "Marie Öztürk", "Anne-Marie Öztürkova"} {
		if locs := am.Find(s); len(locs) > 0 {
			t.Errorf("found %q in %q", s[locs[0][0]:locs[0][1]], s)
		}
	}
	// Initials and last name: in text about the person only, as a first name alone.
	if got := am.ScrubAll("From A. Öztürk and A-M Öztürk and Anne-Marie and A.M. Öztürk"); got != "From [P] and [P] and [P] and [P]" {
		t.Errorf("ScrubAll = %q", got)
	}
	// The database's needles: ASCII fragments SQLite's LIKE finds in any case, whatever the accents.
	if n := am.Needles(); strings.Join(n, ",") != "zt,4455667,ozturk,aozturk,852" {
		t.Errorf("needles %v", n)
	}
}

func TestExcerpt(t *testing.T) {
	s := "First sentence here. Then Ann Smith rang about the printer! Last one."
	a := strings.Index(s, "Ann Smith")
	if got := Excerpt(s, a, a+9); got != "Then Ann Smith rang about the printer!" {
		t.Errorf("Excerpt = %q", got)
	}
	long := strings.Repeat("word ", 100) + "Ann Smith" + strings.Repeat(" word", 100)
	a = strings.Index(long, "Ann Smith")
	if got := Excerpt(long, a, a+9); !strings.Contains(got, "Ann Smith") || len(got) > 400 || !strings.HasPrefix(got, "…") {
		t.Errorf("Excerpt of a long text = %q", got)
	}
}

// TestMailText: what a stored email hides in its encodings is read.
func TestMailText(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte("Attached: notes on Ann Smith"))
	raw := "From: Bob <bob@x.ac.uk>\r\nCc: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("Ann Smith")) + "?= <ann.smith@x.ac.uk>\r\n" +
		"Subject: =?iso-8859-1?Q?R=E9union_with_Smith=2C_Ann?=\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n" +
		"--b2\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"> On Monday A=\r\nnn Smith wrote: call me on 07700=20900852\r\n" +
		"--b2\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte("<p>Write to <a href=\"mailto:ann.smith@x.ac.uk\">her</a> &amp; S1234567</p>")) + "\r\n--b2--\r\n" +
		"--b1\r\nContent-Type: application/octet-stream; name=\"=?UTF-8?Q?asmith=5Fnotes.txt?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n--b1--\r\n"
	text := MailText([]byte(raw))
	for _, want := range []string{"Ann Smith <ann.smith@x.ac.uk>", "Réunion with Smith, Ann", "Ann Smith wrote: call me on 07700 900852",
		"mailto:ann.smith@x.ac.uk", "& S1234567", "asmith_notes.txt", "notes on Ann Smith"} {
		if !strings.Contains(text, want) {
			t.Errorf("MailText lacks %q:\n%s", want, text)
		}
	}
	if got := URLText("q=%2B44%207700%20900852"); got != "q=+44 7700 900852" {
		t.Errorf("URLText = %q", got)
	}
	if got := JSONText(`{"name":"Ann \u0053mith"}`); !strings.Contains(got, "Ann Smith") {
		t.Errorf("JSONText = %q", got)
	}
}

// BenchmarkScrub1MB: a Scrub of 1 MB of mixed text (ASCII, accented names, entities, URLs)
// naming the person a few times.
func BenchmarkScrub1MB(b *testing.B) {
	sc := NewScrubber(Identifiers{FirstName: "Anne-Marie", LastName: "Öztürk", Username: "aozturk", Email: "am.ozturk@uni.example",
		StudentNumber: "S4455667", Phone: "07700 900852"}, "[P]")
	para := "The printer on level 3 jams again; Zoë Brontë from Müller's team rang on 07700 900853 about it. " +
		"See https://intranet.example/people?name=Jos%C3%A9+Garc%C3%ADa&amp;dept=Law for the owner. "
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		sb.WriteString(para)
		if i%500 == 0 {
			sb.WriteString("Anne-Marie Öztürk (S4455667) rang on 07700 900852. ")
		}
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		sc.Scrub(text)
	}
}

// BenchmarkScrub1MBASCII: the same over plain ASCII text (no folding needed).
func BenchmarkScrub1MBASCII(b *testing.B) {
	sc := NewScrubber(Identifiers{FirstName: "Anne-Marie", LastName: "Ozturk", Username: "aozturk", Email: "am.ozturk@uni.example",
		StudentNumber: "S4455667", Phone: "07700 900852"}, "[P]")
	para := "The printer on level 3 jams again; Zoe Bronte from Muller's team rang on 07700 900853 about it. "
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		sb.WriteString(para)
		if i%500 == 0 {
			sb.WriteString("Anne-Marie Ozturk (S4455667) rang on 07700 900852. ")
		}
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		sc.Scrub(text)
	}
}
