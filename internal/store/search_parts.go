package store

import (
	"context"
	"fmt"

	"calldesk/internal/desk"
)

// searchCols are the parts of a call's search document. Each call's text is split in two: its
// call information (summary, description, every diary entry but emails) and its email-only text
// (the emails in its diary, and the summary and description of a call awaiting triage, which came
// from an email). A special-category call keeps both in parts of their own, so that a reader who
// may not read it matches none of its words. On SQLite the parts are the columns of call_fts; on
// PostgreSQL, the weights of calls.search (A, B, C, D), so that one search still reads one index.
type searchCols uint8

const (
	colInfo        searchCols = 1 << iota // call information (call_fts.doc, weight A)
	colMail                               // email-only text (call_fts.mail, weight B)
	colSpecialInfo                        // a special-category call's information (call_fts.sdoc, weight C)
	colSpecialMail                        // a special-category call's email-only text (call_fts.smail, weight D)
	colAll         = colInfo | colMail | colSpecialInfo | colSpecialMail
	colSpecial     = colSpecialInfo | colSpecialMail
)

// names lists the names (of 4, in the order of the constants) of the parts in cols.
func (cols searchCols) names(of [4]string) []string {
	var out []string
	for i, n := range of {
		if cols&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// readerCols are the parts of every call a reader's search matches (S13: email-only text for
// the support role; S8: special-category calls for the DPO), and the parts of the
// special-category calls of their own groups (mine, 0 when there is no such branch: the
// reader reads every special-category call, or is nobody's member).
func readerCols(r desk.Reader) (all, mine searchCols) {
	all, mine = colInfo, colSpecialInfo
	if r.Emails {
		all |= colMail
		mine |= colSpecialMail
	}
	if r.AllSpecial {
		all |= mine
		mine = 0
	} else if r.PersonID == 0 {
		mine = 0
	}
	return all, mine
}

// mineCond holds for a special-category call c of the reader's own (two ? arguments: the
// reader's person id twice): assigned to them, or to a group they are a member of. It is the SQL
// form of access.ReadsCall's rule for one person, for searches.
const mineCond = `c.special_category AND (c.analyst_id = ? OR c.group_id IN (SELECT m.group_id FROM group_members m WHERE m.person_id = ?) OR (c.group_id IS NULL AND c.analyst_id IS NULL))`

// callTexts is the one place that decides what a call's search documents hold: a query giving,
// for each call c matching where, its id, its special-category mark (special) and the text of
// the two parts of its document: info (the call information) and mail (email-only text). A call
// awaiting triage (opened by an email, under the "triage" setting) has its summary and
// description in mail until a support analyst confirms them. The two together are capped at
// maxCallDoc characters, info first. agg is the engine's string aggregate (group_concat,
// string_agg), called as agg(text, ' ' ORDER BY d.id). Diary entries are read once, in one join.
func callTexts(agg, where string) string {
	return `SELECT id, special, info, substr(mail, 1, ` + maxCallDoc + ` - length(info)) AS mail FROM (
		SELECT c.id, c.special_category AS special,
			substr(CASE WHEN c.triage_pending THEN '' ELSE c.summary || ' ' || c.description END || ' ' ||
				COALESCE(` + agg + `(CASE WHEN d.kind <> 'email' THEN d.body END, ' ' ORDER BY d.id), ''), 1, ` + maxCallDoc + `) AS info,
			CASE WHEN c.triage_pending THEN c.summary || ' ' || c.description ELSE '' END || ' ' ||
				COALESCE(` + agg + `(CASE WHEN d.kind = 'email' THEN d.body END, ' ' ORDER BY d.id), '') AS mail
		FROM calls c LEFT JOIN diary_entries d ON d.call_id = c.id
		WHERE ` + where + `
		GROUP BY c.id) x`
}

// searchQuery is a search's arguments for one reader: all matches the parts of every call they
// may read; mine, when not "", the special-category parts of the calls of their own groups
// (mineCond, with person).
type searchQuery struct {
	all, mine string
	person    int64
	words     []string // the words searched for, as SearchTerms gives them
}

// searchQuery builds the arguments of a search for terms by r (nil: no reader, every part): the
// terms themselves, and in the special parts their blind forms too (search_blind.go).
func (s *Store) searchQuery(ctx context.Context, terms []string, r *desk.Reader) (searchQuery, error) {
	mac, err := s.readIndexKey(ctx, s)
	if err != nil {
		return searchQuery{}, err
	}
	var tokens []string
	if mac != nil {
		tokens = mac.tokens(terms)
	}
	if r == nil {
		return searchQuery{all: searchArgBlind(s.d, terms, tokens, colAll, false), words: terms}, nil
	}
	all, mine := readerCols(*r)
	blindOnly := false
	if len(tokens) > 0 && (all|mine)&colSpecial != 0 && all != colAll {
		if blindOnly, err = s.specialAllSealed(ctx); err != nil {
			return searchQuery{}, err
		}
	}
	q := searchQuery{all: searchArgBlind(s.d, terms, tokens, all, blindOnly), person: r.PersonID, words: terms}
	if mine != 0 {
		q.mine = searchArgBlind(s.d, terms, tokens, mine, blindOnly)
	}
	return q, nil
}

// searchArgBlind is d.searchArgIn of terms in the parts cols, or, in the special parts among
// them, any one document holding every one of tokens (the terms' blind forms, search_blind.go;
// none: no such clause). blindOnly says the special parts hold blind forms only (every
// special-category call is sealed: specialAllSealed): the terms are then looked for in the other
// parts alone, and not at all when cols has no other. That is what keeps a search of the special
// parts as cheap as its hits: on SQLite the parts are columns of one index, whose lists of a
// common word's documents a search restricted to some columns reads through (at a million calls,
// 20 ms for "password reset" restricted to the special parts, which held none of them).
// Where cols is every part the terms are matched unrestricted, which is cheapest.
func searchArgBlind(d dialect, terms, tokens []string, cols searchCols, blindOnly bool) string {
	special := cols & colSpecial
	if len(tokens) == 0 || special == 0 {
		return d.searchArgIn(terms, cols)
	}
	blind := d.searchArgIn(tokens, special)
	plain := cols
	if blindOnly && cols != colAll {
		plain = cols &^ colSpecial
	}
	if plain == 0 {
		return blind
	}
	return d.searchOr(d.searchArgIn(terms, plain), blind)
}

// specialPlainSQL asks whether any special-category call still indexed is plain; the partial
// index calls_special_plain holds exactly those calls, so the answer costs one probe.
const specialPlainSQL = `SELECT EXISTS (SELECT 1 FROM calls WHERE special_category AND key_id IS NULL AND anonymised_at IS NULL)`

// specialAllSealed reports whether every special-category call still indexed is sealed, so that
// its search document holds blind forms only (calls_sealed.go): a call marked while calldesk ran
// without a master key stays plain until calldesk keys seal.
func (s *Store) specialAllSealed(ctx context.Context) (bool, error) {
	var plain bool
	if err := s.queryRow(ctx, specialPlainSQL).Scan(&plain); err != nil {
		return false, fmt.Errorf("look for plain special-category calls: %w", err)
	}
	return !plain, nil
}
