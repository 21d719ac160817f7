package privacy

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// This file makes any text printable in report.pdf (issue 16 defect 2). The PDF embeds the Go
// fonts, which draw the Latin, Greek and Cyrillic alphabets and common symbols; a character they
// lack would print as an empty box, or (beyond the fonts' range, as most emoji are) make the whole
// PDF fail. So each run of characters the fonts lack is replaced by a description in square
// brackets that a reader understands ("[emoji: printer]", "[Arabic text: see report.html]"): the
// PDF says so, and report.html, the JSON and the CSV files keep the exact text.

// pdfStandInNote is what the PDF says about the descriptions, before any of them.
const pdfStandInNote = "This PDF shows text in the Latin, Greek and Cyrillic alphabets. Text in other scripts " +
	"(such as Arabic, Chinese, Japanese, Korean or Hebrew), emoji and other symbols its font cannot show are described " +
	"in square brackets instead, for example \"[emoji: printer]\" or \"[Arabic text: see report.html]\". " +
	"report.html (open it in a web browser), the JSON files and the CSV files hold the exact text."

// pdfText replaces what the PDF's fonts cannot draw with readable descriptions.
type pdfText struct {
	fonts []*sfnt.Font
	buf   sfnt.Buffer
	// known caches whether every font has a glyph for a rune.
	known map[rune]bool
	// StandIns counts the descriptions written.
	StandIns int
}

// newPDFText reads the fonts (TrueType) the PDF embeds: a character is printable when every one
// of them has a glyph for it.
func newPDFText(ttfs ...[]byte) (*pdfText, error) {
	t := &pdfText{known: map[rune]bool{}}
	for _, b := range ttfs {
		f, err := sfnt.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("the PDF's font: %w", err)
		}
		t.fonts = append(t.fonts, f)
	}
	return t, nil
}

// has says whether every font draws r.
func (t *pdfText) has(r rune) bool {
	if ok, seen := t.known[r]; seen {
		return ok
	}
	ok := r != unicode.ReplacementChar || len(t.fonts) == 0
	for _, f := range t.fonts {
		if i, err := f.GlyphIndex(&t.buf, r); err != nil || i == 0 {
			ok = false
			break
		}
	}
	t.known[r] = ok
	return ok
}

// String is s, composed (NFC, so that "e" and a combining acute accent print as the one "é" the
// font has), with every run of characters the fonts lack replaced by its description. Line
// breaks stay; tabs become spaces; other control characters, which print nothing, are dropped.
func (t *pdfText) String(s string) string {
	rs := []rune(norm.NFC.String(s))
	var b strings.Builder
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '\n':
			b.WriteRune(r)
			i++
		case r == '\t':
			b.WriteByte(' ')
			i++
		case unicode.IsControl(r) || r == 0xFEFF || ((r >= 0xFE00 && r <= 0xFE0F || r == 0x200C || r == 0x200D) && !t.has(r)):
			i++ // prints nothing: a control character, or a variation selector or joiner on a printed character
		case t.has(r):
			b.WriteRune(r)
			i++
		default:
			desc, n := t.describe(rs[i:])
			b.WriteString(desc)
			t.StandIns++
			i += n
		}
	}
	return b.String()
}

// describe describes the run of characters rs begins with (its first one missing from the
// fonts) and says how many runes it took.
func (t *pdfText) describe(rs []rune) (string, int) {
	switch g := scriptOf(rs[0]); g {
	case "", "Latin", "Greek", "Cyrillic":
		// A symbol, or a rare letter of a script the fonts show: named on its own, so that the
		// words around it print.
		return describeSymbols(rs)
	default:
		return t.describeScript(rs, g)
	}
}

// describeScript takes the run of text in script group g at the start of rs: letters of g, the
// marks on them, and spaces, punctuation and digits between two words of g, so that a sentence
// becomes one description.
func (t *pdfText) describeScript(rs []rune, g string) (string, int) {
	j := 1
	for j < len(rs) {
		r := rs[j]
		if (scriptOf(r) == g && !t.has(r)) || unicode.Is(unicode.Inherited, r) || unicode.Is(unicode.Mn, r) || r == 0x200C || r == 0x200D {
			j++
			continue
		}
		k := j
		for k < len(rs) && isGlue(rs[k]) {
			k++
		}
		if k > j && k < len(rs) && scriptOf(rs[k]) == g && !t.has(rs[k]) {
			j = k
			continue
		}
		// Punctuation of the script that the fonts lack (an ideographic full stop) belongs to
		// the run; what they have is printed as it is.
		for j < len(rs) && isGlue(rs[j]) && !t.has(rs[j]) {
			j++
		}
		break
	}
	return "[" + g + " text: see report.html]", j
}

// isGlue is what stands between the words of a sentence in any script: spaces (not line
// breaks), punctuation and digits.
func isGlue(r rune) bool {
	return (unicode.IsSpace(r) && r != '\n') || unicode.IsPunct(r) || unicode.IsDigit(r)
}

type scriptGroup struct {
	name   string
	tables []*unicode.RangeTable
}

// scriptGroups name the scripts a reader would recognise a text by; Chinese, Japanese and
// Korean text, which mixes several scripts, is one group, with the characters they share (the
// prolonged sound mark, full-width forms, ideographic punctuation) that Unicode counts as no
// script's own.
func scriptGroups() []scriptGroup {
	cjkCommon := &unicode.RangeTable{R16: []unicode.Range16{{Lo: 0x3000, Hi: 0x303F, Stride: 1}, {Lo: 0x30FB, Hi: 0x30FC, Stride: 1},
		{Lo: 0xFF00, Hi: 0xFFEF, Stride: 1}}}
	return []scriptGroup{
		{"Chinese, Japanese or Korean", []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo, cjkCommon}},
		{"Arabic", []*unicode.RangeTable{unicode.Arabic}},
		{"Hebrew", []*unicode.RangeTable{unicode.Hebrew}},
		{"Devanagari", []*unicode.RangeTable{unicode.Devanagari}},
		{"Bengali", []*unicode.RangeTable{unicode.Bengali}},
		{"Tamil", []*unicode.RangeTable{unicode.Tamil}},
		{"Thai", []*unicode.RangeTable{unicode.Thai}},
		{"Greek", []*unicode.RangeTable{unicode.Greek}},
		{"Cyrillic", []*unicode.RangeTable{unicode.Cyrillic}},
		{"Latin", []*unicode.RangeTable{unicode.Latin}},
		{"Armenian", []*unicode.RangeTable{unicode.Armenian}},
		{"Georgian", []*unicode.RangeTable{unicode.Georgian}},
		{"Ethiopic", []*unicode.RangeTable{unicode.Ethiopic}},
	}
}

// scriptOf names the script of letter r ("" for a symbol, a mark, punctuation, or a letter
// of a script with no name here, which is then named character by character).
func scriptOf(r rune) string {
	if !unicode.IsLetter(r) && !unicode.Is(unicode.Han, r) {
		return ""
	}
	for _, g := range scriptGroups() {
		for _, tb := range g.tables {
			if unicode.Is(tb, r) {
				return g.name
			}
		}
	}
	for name, tb := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(tb, r) {
			return strings.ReplaceAll(name, "_", " ")
		}
	}
	return ""
}

// isEmoji is whether r is in the blocks emoji come from (the Go standard library has no emoji
// property).
func isEmoji(r rune) bool {
	return (r >= 0x1F000 && r <= 0x1FAFF) || (r >= 0x2600 && r <= 0x27BF) || (r >= 0x2B00 && r <= 0x2BFF) || (r >= 0x2300 && r <= 0x23FF)
}

// describeSymbols describes one symbol with what modifies it (a variation selector, a skin tone,
// a keycap), or an emoji sequence joined by zero-width joiners ("[emoji: man, woman, girl]"),
// or a flag.
func describeSymbols(rs []rune) (string, int) {
	if isRegional(rs[0]) {
		n := 1
		if len(rs) > 1 && isRegional(rs[1]) {
			n = 2
		}
		return "[emoji: flag " + string([]rune{'A' + rs[0] - 0x1F1E6, 'A' + rs[n-1] - 0x1F1E6}[:n]) + "]", n
	}
	var names []string
	emoji := false
	j := 0
	for j < len(rs) {
		r := rs[j]
		emoji = emoji || isEmoji(r)
		names = append(names, strings.ToLower(runenames.Name(r)))
		j++
		for j < len(rs) && isModifier(rs[j]) {
			emoji = emoji || rs[j] == 0xFE0F || (rs[j] >= 0x1F3FB && rs[j] <= 0x1F3FF)
			j++
		}
		if j+1 < len(rs) && rs[j] == 0x200D && scriptOf(rs[j+1]) == "" {
			j++ // a zero-width joiner: the next symbol belongs to this one
			continue
		}
		break
	}
	if emoji {
		return "[emoji: " + strings.Join(names, ", ") + "]", j
	}
	if names[0] == "" {
		return fmt.Sprintf("[character U+%04X]", rs[0]), j
	}
	return fmt.Sprintf("[U+%04X %s]", rs[0], names[0]), j
}

// isModifier is what changes the symbol before it: a variation selector, a skin tone, the
// keycap, or an emoji tag.
func isModifier(r rune) bool {
	return (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0x1F3FB && r <= 0x1F3FF) || r == 0x20E3 || (r >= 0xE0020 && r <= 0xE007F) ||
		unicode.Is(unicode.Mn, r)
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
