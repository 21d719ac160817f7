package store

import (
	"context"
	"strings"
)

// namedCap bounds the candidate words one query of PeopleNamedIn looks up. A call page's texts
// hold far fewer distinct words than this, so it is one query; a longer text takes one more
// query per namedCap words rather than leaving anyone it names unaudited.
const namedCap = 400

// namedCandidates are the distinct words of texts that can be an email address (they hold an
// '@'), a username or a directory key (3 to 64 of the characters usernames and keys are made of:
// letters, digits, '.', '_', '-'; a GUID is such a word), in the order they first appear,
// without the punctuation around them. A scan by hand: a regular expression cost twice the
// lookups themselves.
func namedCandidates(texts []string) (addrs, words []string) {
	seen := map[string]bool{}
	add := func(w string) {
		w = strings.Trim(w, ".-_%+@")
		if len(w) < 3 || len(w) > 254 {
			return
		}
		lw := strings.ToLower(w)
		if seen[lw] {
			return
		}
		if strings.Contains(w, "@") {
			seen[lw] = true
			addrs = append(addrs, w)
			return
		}
		if len(w) <= 64 && !strings.ContainsAny(w, "%+") {
			seen[lw] = true
			words = append(words, w)
		}
	}
	for _, text := range texts {
		start := -1
		for i := 0; i <= len(text); i++ {
			if i < len(text) && namedChar(text[i]) {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				tok := text[start:i]
				if strings.Contains(tok, "@") {
					add(tok)
				} else {
					for _, w := range strings.FieldsFunc(tok, func(r rune) bool { return r == '%' || r == '+' }) {
						add(w)
					}
				}
				start = -1
			}
		}
	}
	return addrs, words
}

// namedChar reports whether c may be part of an email address, username or directory key.
func namedChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '%' || c == '+' || c == '@'
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
		got, err := s.queryIDs(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		ids = append(ids, got...)
	}
	return uniqueIDs(ids), nil
}

// namedQuery is the one query looking up batch: addresses by lower(email) and lower(username),
// other words by lower(username), and those holding a digit by directory_key too. A directory
// key is an opaque number (an employee number, a GUID, "E1234"): a word of letters alone is
// looked up as a username only, which halves the lookups a text of ordinary words costs.
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
		if !strings.ContainsAny(w, "0123456789") {
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

// queryIDs runs query, which selects one id column, and returns the ids in the order read.
func (s *Store) queryIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.query(ctx, query, args...)
	return scanRows(rows, err, func(r scanner) (id int64, err error) { return id, r.Scan(&id) })
}
