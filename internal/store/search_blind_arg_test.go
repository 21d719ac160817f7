package store

import (
	"strings"
	"testing"
)

// TestSearchArgBlindOnly (issue 22 point 3): once every special-category call is sealed, a
// search of the special parts looks for the words' blind forms only, never for the plain words
// themselves, whose lists of documents (for a common word, most of a million calls) a search
// restricted to those parts would read through; while some are plain, it looks for both. A
// search of every part stays unrestricted, and one with no blind forms (no master key) is the
// plain search of its parts.
func TestSearchArgBlindOnly(t *testing.T) {
	terms, tokens := []string{"password", "reset"}, []string{"k0a1", "k0b2"}
	for _, d := range []dialect{sqliteDialect{}, postgresDialect{}} {
		t.Run(d.name(), func(t *testing.T) {
			for _, tc := range []struct {
				name      string
				cols      searchCols
				blindOnly bool
				plain     bool // the plain words are looked for
				inSpecial bool // ... in the special parts too
				blind     bool // the blind forms are looked for
			}{
				{"special parts, all sealed", colSpecial, true, false, false, true},
				{"special parts, some plain", colSpecial, false, true, true, true},
				{"a reader's parts, all sealed", colInfo | colMail, true, true, false, false},
				{"info and special info, all sealed", colInfo | colSpecialInfo, true, true, false, true},
				{"info and special info, some plain", colInfo | colSpecialInfo, false, true, true, true},
				{"every part, all sealed", colAll, true, true, true, true},
			} {
				arg := searchArgBlind(d, terms, tokens, tc.cols, tc.blindOnly)
				plainArg := d.searchArgIn(terms, tc.cols&^colSpecial)
				if tc.inSpecial {
					plainArg = d.searchArgIn(terms, tc.cols)
				}
				if got := strings.Contains(arg, "password"); got != tc.plain {
					t.Errorf("%s: %q looks for the plain words: %v, want %v", tc.name, arg, got, tc.plain)
				}
				if tc.plain && !strings.Contains(arg, plainArg) {
					t.Errorf("%s: %q does not hold %q", tc.name, arg, plainArg)
				}
				if got := strings.Contains(arg, "k0a1"); got != tc.blind {
					t.Errorf("%s: %q looks for the blind forms: %v, want %v", tc.name, arg, got, tc.blind)
				}
			}
			if got, want := searchArgBlind(d, terms, nil, colSpecial, true), d.searchArgIn(terms, colSpecial); got != want {
				t.Errorf("without blind forms: %q, want %q", got, want)
			}
		})
	}
}
