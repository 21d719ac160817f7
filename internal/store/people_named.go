package store

import (
	"context"
	"regexp"
	"strings"
)

// namedBatch bounds the candidates one query of PeopleNamedIn looks up (three IN lists of it).
const namedBatch = 300

// wordOrAddress matches what may identify a person inside a text: an email address, or a word
// of the characters usernames and directory keys are made of.
var wordOrAddress = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+|[A-Za-z0-9._\-]{3,}`)

// PeopleNamedIn returns the ids (ascending, each once) of the people whose email address,
// username or directory key is written in one of texts: the people a page showing the texts
// names, so that its reading is audited for them (P2). Email addresses match in any case; a word
// "ddawson" or a quoted key "k123" matches the person holding it. Names alone are not matched:
// a name is not unique, and a guess would audit the read against a stranger.
func (s *Store) PeopleNamedIn(ctx context.Context, texts ...string) ([]int64, error) {
	seen := map[string]bool{}
	var cands []string
	for _, text := range texts {
		for _, w := range wordOrAddress.FindAllString(text, -1) {
			w = strings.Trim(w, ".-_")
			if len(w) < 3 || seen[w] {
				continue
			}
			seen[w] = true
			cands = append(cands, w)
		}
	}
	found := map[int64]bool{}
	for len(cands) > 0 {
		batch := cands[:min(namedBatch, len(cands))]
		cands = cands[len(batch):]
		lower := make([]any, len(batch))
		exact := make([]any, len(batch))
		for i, w := range batch {
			lower[i], exact[i] = strings.ToLower(w), w
		}
		in := placeholders(len(batch))
		args := append(append(append([]any{}, lower...), exact...), exact...)
		rows, err := s.query(ctx, `SELECT p.id FROM people p WHERE (lower(p.email) IN (`+in+`) AND p.email <> '')
			OR p.username IN (`+in+`) OR p.directory_key IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			found[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	ids := make([]int64, 0, len(found))
	for id := range found {
		ids = append(ids, id)
	}
	return uniqueIDs(ids), nil
}
