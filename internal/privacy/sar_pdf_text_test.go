package privacy

import (
	"testing"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// TestPDFTextStandIns: what the PDF's fonts draw is printed as it is (combining marks composed
// first); every run of characters they lack is described in words a reader understands, so no
// character can make the PDF fail or print as an empty box (issue 16 defect 2).
func TestPDFTextStandIns(t *testing.T) {
	pt, err := newPDFText(goregular.TTF, gobold.TTF)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{"plain text, 12 €", "plain text, 12 €"},
		{"Cafe\u0301 nai\u0308ve Zoe\u0308", "Café naïve Zoë"},
		{"Привет, Ελλάδα", "Привет, Ελλάδα"},
		{"🖨️ jammed", "[emoji: printer] jammed"},
		{"the 🖨 again", "the [emoji: printer] again"},
		{"thumbs 👍🏽!", "thumbs [emoji: thumbs up sign]!"},
		{"family 👨‍👩‍👧", "family [emoji: man, woman, girl]"},
		{"from 🇬🇧", "from [emoji: flag GB]"},
		{"打印机坏了。", "[Chinese, Japanese or Korean text: see report.html]"},
		{"プリンターが壊れました, 프린터 고장", "[Chinese, Japanese or Korean text: see report.html]"},
		{"Printer: 打印机 broken", "Printer: [Chinese, Japanese or Korean text: see report.html] broken"},
		{"مرحبا بالعالم", "[Arabic text: see report.html]"},
		{"Hello مرحبا 2 بالعالم world", "Hello [Arabic text: see report.html] world"},
		{"שלום", "[Hebrew text: see report.html]"},
		{"line one\r\nline\ttwo\x00", "line one\nline two"},
		{"a \ua74f rare letter", "a [U+A74F latin small letter oo] rare letter"},
	} {
		if got := pt.String(tc.in); got != tc.want {
			t.Errorf("%q printed as %q, want %q", tc.in, got, tc.want)
		}
	}
	// Every rune of every output is one the fonts draw (or a line break).
	for _, s := range []string{"🖨️ 打印机 مرحبا q\u0303 \u20e3 \U000E0067 \U0010FFFD \uFFFD"} {
		for _, r := range pt.String(s) {
			if r != '\n' && !pt.has(r) {
				t.Errorf("%q printed with %U, which the fonts lack", s, r)
			}
		}
	}
}
