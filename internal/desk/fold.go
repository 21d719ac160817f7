package desk

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// folded is a text as the scrubber matches it: HTML entities (&nbsp;, &Ouml;, &#039;) and URL
// percent-escapes (%C3%96, %20) decoded, accents dropped (precomposed or decomposed, NFD), every
// Unicode space (no-break, thin, ideographic) a plain space, apostrophes and dashes of any kind
// the ASCII ones, invisible format characters (soft hyphen, zero-width space) gone. orig maps each
// byte of text to the byte of the original it came from (orig[len(text)] is the original's
// length); nil when text is the original unchanged.
type folded struct {
	text string
	orig []int32
}

// at is the original byte offset of the folded text's byte i.
func (f folded) at(i int) int {
	if f.orig == nil {
		return i
	}
	return int(f.orig[i])
}

// plain says whether s needs no folding: ASCII without entities, escapes or backticks.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c == '&' || c == '%' || c == '`' {
			return false
		}
	}
	return true
}

func fold(s string) folded {
	if plain(s) {
		return folded{text: s}
	}
	var b strings.Builder
	b.Grow(len(s))
	orig := make([]int32, 0, len(s)+1)
	emit := func(r rune, at int) {
		n := b.Len()
		foldRune(&b, r)
		for ; n < b.Len(); n++ {
			orig = append(orig, int32(at))
		}
	}
	for i := 0; i < len(s); {
		switch s[i] {
		case '&':
			if j := strings.IndexByte(s[i:min(len(s), i+12)], ';'); j > 1 {
				if u := html.UnescapeString(s[i : i+j+1]); u != s[i:i+j+1] {
					for _, r := range u {
						emit(r, i)
					}
					i += j + 1
					continue
				}
			}
		case '%':
			if r, n := percentRune(s[i:]); n > 0 {
				emit(r, i)
				i += n
				continue
			}
		}
		if c := s[i]; c < utf8.RuneSelf && c != '`' {
			// A run of ASCII as it is.
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf && s[j] != '&' && s[j] != '%' && s[j] != '`' {
				j++
			}
			b.WriteString(s[i:j])
			for ; i < j; i++ {
				orig = append(orig, int32(i))
			}
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		emit(r, i)
		i += w
	}
	orig = append(orig, int32(len(s)))
	return folded{text: b.String(), orig: orig}
}

// percentRune decodes the one character URL-encoded at the start of s ("%C3%96" is Ö), and the
// bytes it took; 0 when s does not start with one.
func percentRune(s string) (rune, int) {
	var buf [utf8.UTFMax]byte
	n := 0
	for n < utf8.UTFMax && len(s) >= 3*(n+1) && s[3*n] == '%' {
		hi, ok1 := unhex(s[3*n+1])
		lo, ok2 := unhex(s[3*n+2])
		if !ok1 || !ok2 {
			break
		}
		buf[n] = hi<<4 | lo
		n++
		if utf8.FullRune(buf[:n]) {
			r, w := utf8.DecodeRune(buf[:n])
			if r == utf8.RuneError || w != n {
				return 0, 0
			}
			return r, 3 * n
		}
	}
	return 0, 0
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// latin are the letters NFD does not take apart.
var latin = map[rune]string{'ø': "o", 'Ø': "O", 'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D", 'ß': "ss", 'æ': "ae", 'Æ': "AE",
	'œ': "oe", 'Œ': "OE", 'ı': "i", 'þ': "th", 'Þ': "TH", 'ð': "d", 'Ð': "D", 'ħ': "h", 'Ħ': "H"}

// latinFolds are the folds of the runes below U+0250 (Latin-1 and Latin Extended-A and -B), the
// letters of most names: looked up rather than decomposed each time. Read only.
var latinFolds = func() [0x250]string {
	var t [0x250]string
	for r := rune(0x80); r < 0x250; r++ {
		var b strings.Builder
		foldSlow(&b, r)
		t[r] = b.String()
	}
	return t
}()

// foldRune writes r as the scrubber matches it (see folded).
func foldRune(b *strings.Builder, r rune) {
	if r >= utf8.RuneSelf && r < 0x250 {
		b.WriteString(latinFolds[r])
		return
	}
	foldSlow(b, r)
}

func foldSlow(b *strings.Builder, r rune) {
	switch {
	case r == '`':
		b.WriteByte('\'')
		return
	case r < utf8.RuneSelf:
		b.WriteByte(byte(r))
		return
	case unicode.Is(unicode.Zs, r):
		b.WriteByte(' ')
		return
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r):
		return
	case strings.ContainsRune("’‘ʼ′´ʻ", r):
		b.WriteByte('\'')
		return
	case strings.ContainsRune("‐‑‒–—−", r):
		b.WriteByte('-')
		return
	}
	if l, ok := latin[r]; ok {
		b.WriteString(l)
		return
	}
	var buf [4 * utf8.UTFMax]byte
	d := norm.NFD.AppendString(buf[:0], string(r))
	base, w := utf8.DecodeRune(d)
	for rest := d[w:]; len(rest) > 0; {
		m, n := utf8.DecodeRune(rest)
		if !unicode.Is(unicode.Mn, m) {
			b.WriteRune(r)
			return
		}
		rest = rest[n:]
	}
	b.WriteRune(base)
}

// foldString is s folded, without the offsets.
func foldString(s string) string { return fold(s).text }
