// Spotting special-category text in what people write.

package privacy

import (
	"sort"
	"strings"
	"unicode"
)

// Category is a kind of special-category data.
type Category string

// The categories of UK GDPR Article 9 (and Article 10's criminal offence data), in the words the
// warning uses.
const (
	Health    Category = "health"
	Religion  Category = "religious or philosophical beliefs"
	Ethnicity Category = "racial or ethnic origin"
	Sexuality Category = "sex life or sexual orientation"
	Politics  Category = "political opinions"
	Union     Category = "trade union membership"
	Genetic   Category = "genetic data"
	Biometric Category = "biometric data"
	Criminal  Category = "criminal offences"
)

// Match is a category found in a text, with the words that suggested it, sorted.
type Match struct {
	Category Category
	Words    []string
}

// term is a word or phrase (lower case, words separated by one space) that suggests a category.
// A term ending in '*' matches any word starting with it ("diagnos*": diagnosis, diagnosed).
type term struct {
	text string
	cat  Category
}

// terms lists what suggests each category. It leans towards words people actually write to a
// service desk ("I was in hospital", "my dyslexia"), and leaves out words an IT desk uses for
// other things ("disabled account", "virus", "race condition", "health check", "union of sets",
// "GP" for group policy).
func terms() []term {
	list := map[Category][]string{
		Health: {"mental health", "my health", "health condition", "health problem*", "occupational health", "ill", "illness", "sick", "sickness", "hospital*", "diagnos*", "doctor", "nhs",
			"medical", "medication", "medicine", "surgery", "cancer", "diabet*", "asthma", "epilep*",
			"pregnan*", "maternity", "miscarriage", "depress*", "anxiety", "mental health", "panic attack*",
			"dyslexi*", "dyspraxi*", "autis*", "adhd", "disability", "disabilities", "wheelchair", "chronic",
			"therapy", "counselling", "counseling", "hiv", "covid", "long covid", "injury", "injured", "broken leg",
			"broken arm", "migraine*", "blind", "deaf", "hearing aid", "fit note", "sick note", "sick leave"},
		Religion: {"religion", "religious", "faith", "church", "mosque", "synagogue", "temple", "gurdwara",
			"prayer", "pray", "praying", "ramadan", "eid", "diwali", "passover", "christian*", "muslim*", "islam*",
			"jewish", "judaism", "hindu*", "sikh*", "buddhis*", "atheis*", "catholic*", "protestant*"},
		Ethnicity: {"ethnic*", "ethnicity", "racial", "racism", "racist", "black british", "asian british",
			"white british", "mixed race", "traveller community", "roma", "gypsy"},
		Sexuality: {"sexual*", "sex life", "gay", "lesbian", "bisexual", "transgender", "trans woman", "trans man",
			"queer", "lgbt*", "gender identity", "gender reassignment"},
		Politics: {"political", "politics", "labour party", "conservative party", "tory", "lib dem", "green party",
			"reform uk", "snp", "plaid cymru", "activist", "protest", "demonstration against"},
		Union: {"trade union", "union member*", "union rep*", "ucu", "unison", "unite the union", "gmb", "strike action",
			"on strike", "picket*"},
		Genetic: {"genetic*", "gene", "genes", "dna", "genome", "hereditary", "inherited condition"},
		Biometric: {"biometric*", "fingerprint*", "face id", "facial recognition", "iris scan", "retina scan",
			"voice print", "voiceprint"},
		Criminal: {"criminal", "crime", "arrest*", "convict*", "conviction*", "offence", "offences", "offense",
			"police", "court case", "prison", "probation", "caution from", "charged with", "dbs check"},
	}
	var out []term
	for c, words := range list {
		for _, w := range words {
			out = append(out, term{text: w, cat: c})
		}
	}
	return out
}

// Detect lists the special categories text seems to hold, in a fixed order, with the words that
// suggested each. It is a warning aid, not a classifier: it errs towards asking.
func Detect(text string) []Match {
	words := tokens(text)
	if len(words) == 0 {
		return nil
	}
	found := map[Category][]string{}
	for _, t := range terms() {
		parts := strings.Split(t.text, " ")
		for i := 0; i+len(parts) <= len(words); i++ {
			if !matchAt(words[i:i+len(parts)], parts) {
				continue
			}
			w := strings.Join(words[i:i+len(parts)], " ")
			if !contains(found[t.cat], w) {
				found[t.cat] = append(found[t.cat], w)
			}
		}
	}
	var out []Match
	for c, ws := range found {
		sort.Strings(ws)
		out = append(out, Match{Category: c, Words: ws})
	}
	sort.Slice(out, func(i, j int) bool { return order(out[i].Category) < order(out[j].Category) })
	return out
}

// order is a category's place in the warning: Article 9's order, then criminal offences.
func order(c Category) int {
	for i, x := range []Category{Ethnicity, Politics, Religion, Union, Genetic, Biometric, Health, Sexuality, Criminal} {
		if x == c {
			return i
		}
	}
	return 99
}

func matchAt(words, parts []string) bool {
	for i, p := range parts {
		if strings.HasSuffix(p, "*") {
			if !strings.HasPrefix(words[i], strings.TrimSuffix(p, "*")) {
				return false
			}
		} else if words[i] != p {
			return false
		}
	}
	return true
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// tokens splits text into lower-case words of letters and digits. A possessive 's is cut, so
// that "my doctor's note" holds "doctor".
func tokens(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	rs := []rune(strings.ToLower(text))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case (r == '\'' || r == '’') && b.Len() > 0 && i+1 < len(rs) && rs[i+1] == 's' && (i+2 == len(rs) || !unicode.IsLetter(rs[i+2])):
			i++ // possessive: "doctor's" is "doctor"
		default:
			flush()
		}
	}
	flush()
	return out
}
