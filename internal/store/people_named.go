package store

import (
	"context"
	"regexp"
	"strings"
)

// namedCap bounds the candidate words one query of PeopleNamedIn looks up. A call page's texts
// hold far fewer distinct words than this, so it is one query; a longer text takes one more
// query per namedCap words rather than leaving anyone it names unaudited.
const namedCap = 400

// namedWord matches what may identify a person inside a text: an email address, or a word of
// the characters usernames and directory keys are made of (letters, digits, '.', '_', '-'; a
// directory key as a GUID is such a word).
var namedWord = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+|[A-Za-z0-9._\-]+`)

// namedCandidates are the distinct words of texts that can be an email address (they hold an
// '@'), a username or a directory key (3 to 64 characters of the username alphabet, beginning
// and ending with a letter or digit), in the order they first appear.
func namedCandidates(texts []string) (addrs, words []string) {
	seen := map[string]bool{}
	for _, text := range texts {
		for _, w := range namedWord.FindAllString(text, -1) {
			w = strings.Trim(w, ".-_%+")
			if len(w) < 3 || len(w) > 254 || seen[strings.ToLower(w)] {
				continue
			}
			seen[strings.ToLower(w)] = true
			if strings.Contains(w, "@") {
				addrs = append(addrs, w)
			} else if len(w) <= 64 {
				words = append(words, w)
			}
		}
	}
	return addrs, words
}

// PeopleNamedIn returns the ids (ascending, each once) of the people whose email address,
// username or directory key is written in one of texts: the people a page showing the texts
// names, so that its reading is audited for them (P2). Email addresses and usernames match in
// any letter case ("DDawson" names ddawson; an address may be a username too, as a
// userPrincipalName is); a directory key as written, in lower or in upper case. Names alone are
// not matched: a name is not unique, and a guess would audit the read against a stranger.
//
// Each part of the query repeats its partial index's condition (<> ”), so that both engines
// look the words up in people_email_lower, people_username_lower and people_directory_key
// instead of reading every person.
func (s *Store) PeopleNamedIn(ctx context.Context, texts ...string) ([]int64, error) {
	addrs, words := namedCandidates(texts)
	cands := append(addrs, words...)
	var ids []int64
	for len(cands) > 0 {
		batch := cands[:min(namedCap, len(cands))]
		cands = cands[len(batch):]
		query, args := namedQuery(batch)
		got, err := s.namedIDs(ctx, query, args)
		if err != nil {
			return nil, err
		}
		ids = append(ids, got...)
	}
	return uniqueIDs(ids), nil
}

// namedQuery is the one query looking up batch: addresses by lower(email) and lower(username),
// other words by lower(username) and directory_key.
func namedQuery(batch []string) (string, []any) {
	var parts []string
	var args, mails, users, keys []any
	keySeen := map[string]bool{}
	for _, w := range batch {
		lw := strings.ToLower(w)
		users = append(users, lw)
		if strings.Contains(w, "@") {
			mails = append(mails, lw)
			continue
		}
		for _, k := range []string{w, lw, strings.ToUpper(w)} {
			if !keySeen[k] {
				keySeen[k] = true
				keys = append(keys, k)
			}
		}
	}
	if len(mails) > 0 {
		parts = append(parts, `SELECT id FROM people WHERE email <> '' AND lower(email) IN (`+placeholders(len(mails))+`)`)
		args = append(args, mails...)
	}
	parts = append(parts, `SELECT id FROM people WHERE username <> '' AND lower(username) IN (`+placeholders(len(users))+`)`)
	args = append(args, users...)
	if len(keys) > 0 {
		parts = append(parts, `SELECT id FROM people WHERE directory_key <> '' AND directory_key IN (`+placeholders(len(keys))+`)`)
		args = append(args, keys...)
	}
	return strings.Join(parts, " UNION "), args
}

func (s *Store) namedIDs(ctx context.Context, query string, args []any) ([]int64, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
