package desk

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scrubber finds a person's identifiers in free text and replaces them with their pseudonym: the
// one matcher that erasure (store.ErasePerson) and the subject access bundle (store.FindMentions)
// both use, so a format one of them knows the other knows too. The formats (issue 15 point 2):
//
//   - phone numbers with up to six spaces, dots, dashes, slashes, brackets or line breaks between
//     their digits, national (07700 900852, (07700) 900852) or international (+44 7700 900852,
//     +44 (0)7700 900852, 0044..., 447700900852), an extension run on (07700900852x21);
//   - email addresses in any case, or with " [at] ";
//   - usernames (three characters or more); student numbers with their letters, without them or
//     with others (S4455667, 4455667, s-4455667, UoAS4455667);
//   - full names as First Last, Last, First and LAST First, with any spacing, the words joined by
//     _ . - or + (file names, URLs), a hyphen or apostrophe in a name spaced or dropped (Anne Marie,
//     O Brien, OBrien); initials and last name (A. Öztürk, A-M Öztürk) only in ScrubAll.
//
// All of them also HTML-escaped (&#64;, &apos;, &Ouml;, &nbsp;), URL-encoded (%40, %C3%96, %20),
// with any Unicode space (no-break, thin), any apostrophe (’ `), accents dropped (Ozturk) or
// decomposed (NFD): the text is matched folded (fold.go), the matches replaced in the original.
//
// Nothing matches inside a longer word or number: Ann is not found in Annual, Smith not in
// Smithson, 07700900852 not in 077009008521 (letters of any script count as word characters).
type Scrubber struct {
	parts   []part         // full identifiers: wherever they appear
	names   *regexp.Regexp // first or last name alone: only in text about the person
	with    string
	search  []string // words to look for in the search index
	needles []string // lower-case ASCII fragments every written form of an identifier contains ("": none)
	index   []string // terms of which the search index holds one wherever a full identifier is written
}

// part is one identifier's matcher (all its formats) and the needle every one of them contains:
// a regular expression per identifier, tried only where its needle stands, is many times faster
// on long texts than one alternation of everything.
type part struct {
	needle string
	re     *regexp.Regexp
}

// NewScrubber builds the scrubber of ids, replacing with the pseudonym with. Matching ignores case.
func NewScrubber(ids Identifiers, with string) *Scrubber {
	var full, names []string
	sc := &Scrubber{with: with}
	// flush compiles the patterns gathered in full as one identifier's part, found by needle.
	flush := func(needle string) {
		if len(full) > 0 && needle != "" {
			// Longest first, so "Ann Smith" goes whole before a shorter form could.
			sort.SliceStable(full, func(i, j int) bool { return len(full[i]) > len(full[j]) })
			sc.parts = append(sc.parts, part{needle: needle, re: regexp.MustCompile(`(?i)(?:` + strings.Join(full, "|") + `)`)})
		}
		full = nil
	}
	literal := func(list *[]string, s string) {
		if p := namePattern(s); p != "" {
			*list = append(*list, p)
		}
	}
	first, last := strings.TrimSpace(ids.FirstName), strings.TrimSpace(ids.LastName)
	if first != "" && last != "" {
		literal(&full, first+" "+last)
		literal(&full, last+", "+first)
		literal(&full, last+" "+first)
		sc.search = append(sc.search, first+" "+last)
		sc.index = append(sc.index, first+" "+last)
		flush(sc.needle(last))
		// Initials and last name ("A. Öztürk", "A-M Öztürk"): like a first name alone, only in
		// text about the person (ScrubAll); elsewhere "A. Smith" is too likely someone else.
		if lp := namePattern(last); lp != "" {
			var ini []string
			for _, w := range strings.FieldsFunc(foldString(first), func(r rune) bool { return !isWord(r) || r == '_' }) {
				c, _ := utf8.DecodeRuneInString(w)
				if len(ini) == 0 {
					ini = append(ini, regexp.QuoteMeta(string(c))+`\.?`)
				} else {
					ini = append(ini, `(?:[\s\-.]*`+regexp.QuoteMeta(string(c))+`\.?)?`)
				}
			}
			if len(ini) > 0 {
				names = append(names, strings.Join(ini, "")+`[\s_.+\-]+`+lp)
			}
		}
	}
	literal(&names, first)
	literal(&names, last)
	identifier := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		if digits := phoneDigits(s); digits != "" {
			full = append(full, phonePatterns(digits)...)
			sc.search = append(sc.search, phoneForms(digits)...)
			sc.search = append(sc.search, s)
			// The last three digits: however the number is grouped, its last group has them (the
			// search index narrowing makes the same assumption: a last group of three digits or more).
			sc.needles = append(sc.needles, digits[len(digits)-3:])
			sc.index = append(sc.index, phoneSuffixes(digits)...)
			flush(digits[len(digits)-3:])
			return
		}
		if at := strings.LastIndex(s, "@"); at > 0 {
			local, domain := regexp.QuoteMeta(foldString(s[:at])), regexp.QuoteMeta(foldString(s[at+1:]))
			full = append(full, local+`(?:@|\s?\[at\]\s?)`+domain)
			sc.search = append(sc.search, s)
			sc.index = append(sc.index, s[:at])
			flush(sc.needle(s[:at]))
			return
		}
		literal(&full, s)
		sc.search = append(sc.search, s)
		sc.index = append(sc.index, s)
		flush(sc.needle(s))
	}
	if m := studentNumber.FindStringSubmatch(strings.TrimSpace(ids.StudentNumber)); m != nil {
		// A student number with or without its letters, or with others (a system's own prefix:
		// "UoAS4455667", "s-4455667"), but never inside a longer number (bounded).
		full = append(full, `(?:[a-zA-Z]{1,6}[\-#:]?)?`+m[2])
		sc.search = append(sc.search, strings.TrimSpace(ids.StudentNumber))
		sc.index = append(sc.index, strings.TrimSpace(ids.StudentNumber), m[2])
		sc.needles = append(sc.needles, m[2])
		flush(m[2])
	} else {
		identifier(ids.StudentNumber)
	}
	identifier(ids.Email)
	for _, o := range ids.Others {
		identifier(o)
	}
	if utf8.RuneCountInString(strings.TrimSpace(ids.Username)) >= 3 {
		identifier(ids.Username)
	}
	identifier(ids.Phone)
	sort.SliceStable(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	if len(names) > 0 {
		sc.names = regexp.MustCompile(`(?i)(?:` + strings.Join(names, "|") + `)`)
	}
	return sc
}

func uniq(vs ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// studentNumber is a student number's letter prefix and its digits (six or more).
var studentNumber = regexp.MustCompile(`^([A-Za-z]{0,6})[\-\s]?(\d{6,})$`)

// namePattern matches a name (or another literal identifier) as written in folded text (see
// fold): its words in any case, accents dropped; a space between them any run of white space, or
// the underscore, dot, dash or plus that join the words of a file name or a URL
// (zebedee_quartermain.pdf, ?name=Zebedee+Quartermain); a comma followed by any white space; and a
// hyphen or apostrophe inside a name (Anne-Marie, O'Brien) written as such, as a space, or dropped
// (Anne Marie, O Brien, OBrien). "" for a name of fewer than two letters.
func namePattern(s string) string {
	f := foldString(strings.TrimSpace(s))
	if utf8.RuneCountInString(f) < 2 {
		return ""
	}
	var out strings.Builder
	for f != "" {
		i := strings.IndexFunc(f, func(r rune) bool { return !isWord(r) })
		if i < 0 {
			out.WriteString(regexp.QuoteMeta(f))
			break
		}
		if i > 0 {
			out.WriteString(regexp.QuoteMeta(f[:i]))
			f = f[i:]
			continue
		}
		j := strings.IndexFunc(f, isWord)
		if j < 0 {
			j = len(f)
		}
		switch gap := f[:j]; {
		case strings.Contains(gap, ","):
			out.WriteString(`,[\s+]*`)
		case strings.TrimSpace(gap) == "":
			out.WriteString(`[\s_.+\-]+`)
		case strings.Trim(gap, "-'") == "":
			out.WriteString(`[\s_.+\-']*`)
		default:
			out.WriteString(regexp.QuoteMeta(gap))
		}
		f = f[j:]
	}
	return out.String()
}

// needle records two fragments of v that every written form of it contains, lower case: for the
// database (Needles, LIKE), the longest run of ASCII letters and digits (SQLite's LIKE ignores the
// case of ASCII letters only, and an accented letter may be written without its accent, as an
// entity or URL-encoded), or "" (no narrowing) when v has no such run of two characters; and,
// returned, for Find, the longest run of letters and digits of v folded.
func (sc *Scrubber) needle(v string) string {
	longest := func(s string, word func(rune) bool) string {
		best := ""
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !word(r) }) {
			if len(f) > len(best) {
				best = f
			}
		}
		return best
	}
	best := longest(foldString(v), func(r rune) bool { return isWord(r) && r != '_' })
	if utf8.RuneCountInString(best) < 2 {
		return ""
	}
	ascii := longest(v, func(r rune) bool { return r < utf8.RuneSelf && isWord(r) && r != '_' })
	if len(ascii) < 2 {
		ascii = ""
	}
	sc.needles = append(sc.needles, strings.ToLower(ascii))
	return strings.ToLower(best)
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// phoneDigits is s's digits when s looks like a phone number (digits, spaces, + ( ) . - /, at
// least seven digits), else "".
func phoneDigits(s string) string {
	var d strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case strings.ContainsRune(" +().-/", r):
		default:
			return ""
		}
	}
	if d.Len() < 7 {
		return ""
	}
	return d.String()
}

// sep is what may stand between two digits of a phone number.
const sep = `[\s.\-()/+]{0,6}`

// extension is an extension written after a number, glued or not: 07700900852x21, ext. 21.
const extension = `(?:[\s.]*(?:x|ext|extn)[\s.:]*\d{1,5})?`

// phonePatterns match a number's digits with separators between them, nationally and, for a UK
// number, in its +44 (or 0044) form with or without the (0).
func phonePatterns(digits string) []string {
	spread := func(d string) string {
		parts := make([]string, len(d))
		for i, c := range d {
			parts[i] = string(c)
		}
		return strings.Join(parts, sep)
	}
	national := digits
	switch {
	case strings.HasPrefix(digits, "440"):
		national = digits[2:]
	case strings.HasPrefix(digits, "44"):
		national = "0" + digits[2:]
	case strings.HasPrefix(digits, "0044"):
		national = "0" + digits[4:]
	}
	out := []string{spread(national) + extension}
	if strings.HasPrefix(national, "0") && !strings.HasPrefix(national, "00") {
		// +44, 0044 or 44 alone (an SMS gateway's 447700900852).
		out = append(out, `(?:(?:\+|00)`+sep+`)?4`+sep+`4`+sep+`(?:\(0\)`+sep+`|0`+sep+`)?`+spread(national[1:])+extension)
	} else if national != digits {
		out = append(out, spread(digits)+extension)
	}
	return out
}

// phoneForms are the one-word forms a phone number may be written in (what the search index
// holds for "07700900123" or "+447700900123").
func phoneForms(digits string) []string {
	out := []string{digits}
	if strings.HasPrefix(digits, "0") {
		out = append(out, "44"+digits[1:])
	} else if strings.HasPrefix(digits, "44") {
		out = append(out, "0"+digits[2:])
	}
	return out
}

// phoneSuffixes are the last groups of digits a written phone number may end with (three digits
// or more, of its national and international forms): the search index splits "07700 900 852" into
// words, the last of which is one of these.
func phoneSuffixes(digits string) []string {
	var out []string
	for _, d := range uniq(phoneForms(digits)...) {
		for i := 0; i+3 <= len(d); i++ {
			out = append(out, d[i:])
		}
	}
	return uniq(out...)
}

// bounded finds the matches of re in s that stand as whole words: a match that begins (ends) with
// a letter or digit must not follow (precede) one. A match refused is tried again one character on,
// so a shorter alternative at the same place still counts.
func bounded(re *regexp.Regexp, s string) [][2]int {
	if re == nil || s == "" {
		return nil
	}
	return boundedIn(re, s, 0, len(s))
}

// reach is how far from its needle a match may begin or end.
const reach = 256

// windows are the stretches of s within reach of where needle stands, merged.
func windows(s, needle string) [][2]int {
	var out [][2]int
	for at := 0; ; {
		i := strings.Index(s[at:], needle)
		if i < 0 {
			return out
		}
		lo, hi := max(0, at+i-reach), min(len(s), at+i+len(needle)+reach)
		if n := len(out); n > 0 && lo <= out[n-1][1] {
			out[n-1][1] = hi
		} else {
			out = append(out, [2]int{lo, hi})
		}
		at += i + len(needle)
	}
}

// boundedIn is bounded over s[lo:hi], its matches whole words of s.
func boundedIn(re *regexp.Regexp, s string, lo, hi int) [][2]int {
	var out [][2]int
	for pos := lo; pos < hi; {
		loc := re.FindStringIndex(s[pos:hi])
		if loc == nil {
			break
		}
		a, b := pos+loc[0], pos+loc[1]
		if b > a && wholeAt(s, a, b) {
			out = append(out, [2]int{a, b})
			pos = b
			continue
		}
		_, w := utf8.DecodeRuneInString(s[a:])
		pos = a + max(w, 1)
	}
	return out
}

func wholeAt(s string, a, b int) bool {
	first, _ := utf8.DecodeRuneInString(s[a:])
	last, _ := utf8.DecodeLastRuneInString(s[:b])
	if isWord(first) && a > 0 {
		if prev, _ := utf8.DecodeLastRuneInString(s[:a]); isWord(prev) {
			return false
		}
	}
	if isWord(last) && b < len(s) {
		if next, _ := utf8.DecodeRuneInString(s[b:]); isWord(next) {
			return false
		}
	}
	return true
}

func replaceAt(locs [][2]int, s, with string) string {
	if len(locs) == 0 {
		return s
	}
	var b strings.Builder
	at := 0
	for _, l := range locs {
		b.WriteString(s[at:l[0]])
		b.WriteString(with)
		at = l[1]
	}
	b.WriteString(s[at:])
	return b.String()
}

// Scrub replaces the person's full identifiers in s.
func (sc *Scrubber) Scrub(s string) string { return replaceAt(sc.Find(s), s, sc.with) }

// ScrubAll replaces full identifiers and the first or last name alone: for text about the person
// (their own calls), where "Dear Ann" identifies them.
func (sc *Scrubber) ScrubAll(s string) string {
	t := sc.Scrub(s)
	if sc.names == nil {
		return t
	}
	f := fold(t)
	locs := bounded(sc.names, f.text)
	for i := range locs {
		locs[i] = [2]int{f.at(locs[i][0]), f.at(locs[i][1])}
	}
	return replaceAt(locs, t, sc.with)
}

// Finds reports whether s holds a full identifier.
func (sc *Scrubber) Finds(s string) bool { return len(sc.Find(s)) > 0 }

// Find returns where s holds a full identifier: the start and end byte offsets of each match.
func (sc *Scrubber) Find(s string) [][2]int {
	if s == "" || len(sc.parts) == 0 {
		return nil
	}
	// Matched in the text folded (entities and URL escapes decoded, accents dropped, Unicode
	// spaces plain), the matches' offsets those of s.
	f := fold(s)
	low := strings.ToLower(f.text)
	var locs [][2]int
	for _, p := range sc.parts {
		if len(low) != len(f.text) {
			// Lower case changed a length: the needle's offsets are not the text's.
			if strings.Contains(low, p.needle) {
				locs = append(locs, bounded(p.re, f.text)...)
			}
			continue
		}
		// Every form of the identifier holds the needle: the expression is tried only in a
		// window around each place the needle stands (a long text names a person rarely).
		for _, w := range windows(low, p.needle) {
			locs = append(locs, boundedIn(p.re, f.text, w[0], w[1])...)
		}
	}
	for i := range locs {
		locs[i] = [2]int{f.at(locs[i][0]), f.at(locs[i][1])}
	}
	if len(locs) < 2 {
		return locs
	}
	// Earliest first, the longest of those starting together; a match inside another goes.
	sort.Slice(locs, func(i, j int) bool {
		if locs[i][0] != locs[j][0] {
			return locs[i][0] < locs[j][0]
		}
		return locs[i][1] > locs[j][1]
	})
	out := locs[:1]
	for _, l := range locs[1:] {
		if l[0] >= out[len(out)-1][1] {
			out = append(out, l)
		}
	}
	return out
}

// IndexTerms are terms (each one or more words) of which the search index holds all the words of
// one wherever a full identifier is written in what it indexes: the name's two words, an
// address's local part, a username, a student number, the last digits of a phone number. Calls
// the index finds for none of them do not name the person in their indexed text.
func (sc *Scrubber) IndexTerms() []string { return uniq(sc.index...) }

// SearchTerms are the identifiers to look for in the full-text index.
func (sc *Scrubber) SearchTerms() []string { return sc.search }

// Needles are lower-case ASCII fragments of which every written form of every full identifier
// contains one (the longest ASCII run of a last name, of an address's local part, a number's
// digits or last three digits): a database can select the rows holding one (LIKE, which on
// SQLite ignores the case of ASCII letters only; accented letters may be written without their
// accents, as entities or URL-encoded) and leave the matcher to decide. A needle "" is an
// identifier with no such fragment (a name in another script): every row may hold it. Empty when
// the scrubber has no identifier.
func (sc *Scrubber) Needles() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range sc.needles {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// Excerpt is the sentence of s around the bytes [a, b) (a match), at most about 160 characters on
// each side, its white space folded: what a reviewer needs to judge the mention, identifiers intact.
func Excerpt(s string, a, b int) string {
	const reach = 160
	from, cutStart := a, true
	for n := 0; from > 0; n++ {
		r, w := utf8.DecodeLastRuneInString(s[:from])
		if r == '\n' || ((r == ' ' || r == '\t') && from-w > 0 && strings.ContainsRune(".!?", lastRune(s[:from-w]))) {
			cutStart = false
			break
		}
		if n == reach {
			break
		}
		from -= w
	}
	if from == 0 {
		cutStart = false
	}
	to, cutEnd := b, true
	for n := 0; to < len(s) && n < reach; n++ {
		r, w := utf8.DecodeRuneInString(s[to:])
		to += w
		if r == '\n' || (strings.ContainsRune(".!?", r) && (to == len(s) || s[to] == ' ' || s[to] == '\n' || s[to] == '\r')) {
			cutEnd = false
			break
		}
	}
	if to == len(s) {
		cutEnd = false
	}
	out := strings.Join(strings.Fields(s[from:to]), " ")
	if cutStart {
		out = "…" + out
	}
	if cutEnd {
		out += "…"
	}
	return out
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
