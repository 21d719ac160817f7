package store

import (
	"context"

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
		return searchQuery{all: s.d.searchArgBlind(terms, tokens, colAll)}, nil
	}
	all, mine := readerCols(*r)
	q := searchQuery{all: s.d.searchArgBlind(terms, tokens, all), person: r.PersonID}
	if mine != 0 {
		q.mine = s.d.searchArgBlind(terms, tokens, mine)
	}
	return q, nil
}
