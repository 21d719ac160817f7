package privacy

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Kinds of identifier a redaction hides.
const (
	KindEmail    = "email address"
	KindUsername = "username"
	KindStudent  = "student number"
	KindPhone    = "phone number"
	KindName     = "name"
	// KindFile is a whole file someone else added to the person's call: released, it goes in
	// the bundle; kept, it is withheld.
	KindFile = "file added by someone else"
)

// Redaction is one candidate: another person's identifier found in the free text of the bundle,
// replaced by "[redacted: N]" unless the DPO releases it.
type Redaction struct {
	N        int    `json:"n"`
	Where    string `json:"where"`
	Original string `json:"original"`
	Kind     string `json:"kind"`
	// Context is the sentence of the original text the candidate stands in (other identifiers
	// as written), and Link the console page that shows that text (a call's entry, an email, a
	// request...): the DPO decides seeing what the words say, not only "R0019973 entry 96333".
	Context string `json:"context,omitempty"`
	Link    string `json:"link,omitempty"`
}

// Index is the person register's identifiers, normalised, each mapped to the people who have
// it: one pass over the register, then every text is matched by looking its words up, never by a
// pattern per person.
type Index struct {
	keys map[string][]int64 // kind prefix + normalised identifier
}

// markers delimit a redaction in gathered text: characters of Unicode's private use area, which
// free text never legitimately holds (they are stripped from it first).
const (
	markOpen  = '\uE000'
	markClose = '\uE001'
)

// BuildIndex reads the register's identifiers.
func BuildIndex(ctx context.Context, s *store.Store) (*Index, error) {
	idx := &Index{keys: make(map[string][]int64, 1<<16)}
	err := s.RegisterIdentifiers(ctx, func(p store.Identifiers) { idx.Add(p) })
	return idx, err
}

// Add puts one person's identifiers in the index (the zero Index is an empty one).
func (x *Index) Add(p store.Identifiers) {
	if x.keys == nil {
		x.keys = map[string][]int64{}
	}
	put := func(k string) {
		if ids := x.keys[k]; !slices.Contains(ids, p.ID) {
			x.keys[k] = append(ids, p.ID)
		}
	}
	if e := strings.ToLower(strings.TrimSpace(p.Email)); strings.Contains(e, "@") {
		put("e" + e)
	}
	if u := strings.ToLower(strings.TrimSpace(p.Username)); utf8.RuneCountInString(u) >= 3 {
		put("u" + u)
	}
	if sn := strings.ToLower(strings.TrimSpace(p.StudentNumber)); len(sn) >= 4 {
		put("s" + sn)
	}
	if ph := phoneKey(p.Phone); ph != "" {
		put("p" + ph)
	}
	first, last := nameWords(p.FirstName), nameWords(p.LastName)
	if len(first) > 0 && len(last) > 0 {
		put("n" + strings.Join(append(first, last...), " "))
	}
}

func nameWords(s string) []string {
	return strings.Fields(strings.ToLower(s))
}

// phoneKey is a phone number's digits, a UK +44 prefix read as the national 0; "" when too short to be one.
func phoneKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "44") && len(d) > 10 {
		d = d[2:] // +44 7700 or +44 (0)7700: the national 07700
		if !strings.HasPrefix(d, "0") {
			d = "0" + d
		}
	}
	if len(d) < 7 {
		return ""
	}
	return d
}

// phoneLike finds runs that may be phone numbers (digits with spaces, dashes, dots, brackets):
// one pattern for every text, looked up in the index by their digits.
var phoneLike = regexp.MustCompile(`\+?\(?\d[\d ().\-]{5,}\d`)

// Redactor replaces other people's identifiers in the texts of one bundle, appending a
// Redaction for each.
type Redactor struct {
	x    *Index
	self int64
	out  *[]Redaction
}

// Redactor returns a redactor for the bundle of person self, appending candidates to out.
func (x *Index) Redactor(self int64, out *[]Redaction) *Redactor {
	return &Redactor{x: x, self: self, out: out}
}

type span struct {
	from, to int
	kind     string
}

// others says whether key belongs to someone other than the subject (and not to the subject as
// well: their own identifiers are never redacted).
func (r *Redactor) others(key string) bool {
	ids, ok := r.x.keys[key]
	return ok && !slices.Contains(ids, r.self)
}

// Redact returns text with each identifier of another person of the register replaced by a
// marker of a new redaction candidate, found at where, which the console page link shows.
func (r *Redactor) Redact(text, where, link string) string {
	if strings.ContainsAny(text, string([]rune{markOpen, markClose})) {
		text = strings.Map(func(c rune) rune {
			if c == markOpen || c == markClose {
				return -1
			}
			return c
		}, text)
	}
	if text == "" {
		return text
	}
	var spans []span
	for _, m := range phoneLike.FindAllStringIndex(text, -1) {
		if k := phoneKey(text[m[0]:m[1]]); k != "" && r.others("p"+k) {
			spans = append(spans, span{m[0], m[1], KindPhone})
		}
	}
	words := splitWords(text)
	for i := range words {
		// A possessive ("Bob Baker's") is the name, or username, followed by 's.
		if w := words[i]; w.to-w.from > 2 && strings.EqualFold(text[w.to-2:w.to], "'s") {
			words[i].to -= 2
		}
	}
	for i, w := range words {
		s := text[w.from:w.to]
		low := strings.ToLower(s)
		switch {
		case strings.Contains(low, "@"):
			if r.others("e" + low) {
				spans = append(spans, span{w.from, w.to, KindEmail})
			}
		default:
			if r.others("s" + low) {
				spans = append(spans, span{w.from, w.to, KindStudent})
			} else if r.others("u" + low) {
				spans = append(spans, span{w.from, w.to, KindUsername})
			}
		}
		// A name: two or three words in a row, separated by spaces only.
		key := "n" + low
		for j := i + 1; j < len(words) && j <= i+2; j++ {
			if strings.TrimSpace(text[words[j-1].to:words[j].from]) != "" || words[j].from == words[j-1].to {
				break
			}
			key += " " + strings.ToLower(text[words[j].from:words[j].to])
			if r.others(key) {
				spans = append(spans, span{w.from, words[j].to, KindName})
			}
		}
	}
	if len(spans) == 0 {
		return text
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].from != spans[j].from {
			return spans[i].from < spans[j].from
		}
		return spans[i].to > spans[j].to
	})
	var b strings.Builder
	pos := 0
	for _, sp := range spans {
		if sp.from < pos {
			continue // overlaps one already taken
		}
		n := len(*r.out) + 1
		*r.out = append(*r.out, Redaction{N: n, Where: where, Original: text[sp.from:sp.to], Kind: sp.kind,
			Context: desk.Excerpt(text, sp.from, sp.to), Link: link})
		b.WriteString(text[pos:sp.from])
		b.WriteRune(markOpen)
		b.WriteString(strconv.Itoa(n))
		b.WriteRune(markClose)
		pos = sp.to
	}
	b.WriteString(text[pos:])
	return b.String()
}

// Review appends a candidate that is not in any text (a whole file, named original, found at
// where, shown at link) and returns its number.
func (r *Redactor) Review(where, original, kind, link string) int {
	n := len(*r.out) + 1
	*r.out = append(*r.out, Redaction{N: n, Where: where, Original: original, Kind: kind, Link: link})
	return n
}

// splitWords finds the words of text: runs of letters, digits and the characters identifiers
// hold (. _ - ' @ +), without trailing punctuation.
func splitWords(text string) []span {
	var out []span
	start := -1
	inWord := func(c rune) bool {
		return unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("._-'@+", c)
	}
	flush := func(end int) {
		for end > start && strings.ContainsRune(".-'_+", rune(text[end-1])) {
			end--
		}
		for start < end && strings.ContainsRune(".-'_+", rune(text[start])) {
			start++
		}
		if start < end {
			out = append(out, span{from: start, to: end})
		}
		start = -1
	}
	for i, c := range text {
		if inWord(c) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			flush(i)
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	return out
}

// Decisions are the DPO's decisions on a bundle's redactions: the numbers released (shown as
// written); every other candidate stays redacted.
type Decisions map[int]bool

// Apply renders text's markers: the original of a released redaction, "[redacted: N]" otherwise.
func (b *Bundle) Apply(text string, released Decisions) string {
	if !strings.ContainsRune(text, markOpen) {
		return text
	}
	var out strings.Builder
	for {
		i := strings.IndexRune(text, markOpen)
		if i < 0 {
			out.WriteString(text)
			return out.String()
		}
		j := strings.IndexRune(text[i:], markClose)
		if j < 0 {
			out.WriteString(text)
			return out.String()
		}
		out.WriteString(text[:i])
		num := text[i+utf8.RuneLen(markOpen) : i+j]
		n, _ := strconv.Atoi(num)
		if released[n] && n >= 1 && n <= len(b.Redactions) {
			out.WriteString(b.Redactions[n-1].Original)
		} else {
			out.WriteString("[redacted: " + num + "]")
		}
		text = text[i+j+utf8.RuneLen(markClose):]
	}
}
