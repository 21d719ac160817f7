package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"
	"unicode"

	"calldesk/internal/keys"
)

// The blind index of special-category calls (issue 20 point 3). The words of a call whose text
// is sealed are indexed (in its special parts: call_fts.sdoc/smail, calls.search weights C/D) not
// as themselves but as keyed hashes: "k" and the first 80 bits of HMAC-SHA256(word) under the
// index key, one key for the database, kept in data_keys (owner "index" 0) wrapped by the master
// key like any data key. A search hashes its words the same way and looks for them in those
// parts, beside the plain words everywhere else. A leaked database (or backup) then shows which
// sealed calls share a word, and how often, but not the word: to test a guess one needs the
// master key. Words are split as SearchTerms splits a query (letters and digits, lower case),
// so the two always agree.

// keyOwnerIndex owns the blind index's key.
const keyOwnerIndex = "index"

// indexMAC is the blind index's key, with the tokens of the words it has seen lately.
type indexMAC struct {
	id  int64
	key []byte

	// memo maps words to their tokens, up to memoWords (then it starts again): most words of a
	// desk's calls recur, and hashing each word of each sealed call was a fifth of the extra cost
	// of logging one. It holds nothing a memory dump would not show anyway (the key itself, and
	// the calls' text while they are written).
	mu   sync.Mutex
	memo map[string]string
}

// memoWords bounds indexMAC.memo (about 60 bytes a word).
const memoWords = 1 << 16

// token is the indexed form of word (already lower case).
func (m *indexMAC) token(word string) string { return m.tokens([]string{word})[0] }

// tokens are the indexed forms of terms: one HMAC, reset between words (the key's pads are
// hashed once), the hex of each written into one buffer.
func (m *indexMAC) tokens(terms []string) []string {
	out := make([]string, len(terms))
	var h hash.Hash
	var sum [sha256.Size]byte
	buf := make([]byte, 21)
	buf[0] = 'k'
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.memo == nil {
		m.memo = make(map[string]string)
	}
	for i, w := range terms {
		if tok, ok := m.memo[w]; ok {
			out[i] = tok
			continue
		}
		if h == nil {
			h = hmac.New(sha256.New, m.key)
		}
		h.Reset()
		h.Write([]byte(w))
		hex.Encode(buf[1:], h.Sum(sum[:0])[:10])
		out[i] = string(buf)
		if len(m.memo) >= memoWords {
			m.memo = make(map[string]string)
		}
		m.memo[strings.Clone(w)] = out[i]
	}
	return out
}

// blind is text as the blind index holds it: each word's token, in order.
func (m *indexMAC) blind(text string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return strings.Join(m.tokens(words), " ")
}

// readIndexKey returns the blind index's key through q: nil when the store holds no master keys
// or the database has none yet (no call was indexed blind).
func (s *Store) readIndexKey(ctx context.Context, q rowQuerier) (*indexMAC, error) {
	if m := s.indexKey.Load(); m != nil {
		return m, nil
	}
	t, inTx := q.(*Tx)
	if inTx && t.keys.index != nil {
		return t.keys.index, nil
	}
	r := s.ring.Load()
	if r == nil {
		return nil, nil
	}
	var id int64
	var master string
	var wrapped []byte
	err := q.queryRow(ctx, `SELECT id, master_id, wrapped FROM data_keys WHERE owner_kind = ? AND owner_id = 0`, keyOwnerIndex).Scan(&id, &master, &wrapped)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the search index key: %w", err)
	}
	raw, err := r.Unwrap(master, keyOwner(keyOwnerIndex, 0), wrapped)
	if err != nil {
		return nil, keyError(err)
	}
	m := &indexMAC{id: id, key: raw}
	if inTx {
		t.keys.index = m // the store's once the transaction commits (it may be its own key)
	} else {
		s.indexKey.Store(m)
	}
	return m, nil
}

// indexKeyFor returns the blind index's key, made when the database has none (nil without
// master keys).
func (t *Tx) indexKeyFor(ctx context.Context) (*indexMAC, error) {
	m, err := t.s.readIndexKey(ctx, t)
	if m != nil || err != nil {
		return m, err
	}
	r := t.s.ring.Load()
	if r == nil {
		return nil, nil
	}
	if err := t.registerMaster(ctx, r); err != nil {
		return nil, err
	}
	master, wrapped := r.Wrap(keyOwner(keyOwnerIndex, 0), keys.NewDataKey())
	if _, err := t.exec(ctx, `INSERT INTO data_keys (owner_kind, owner_id, master_id, wrapped, created_at) VALUES (?, 0, ?, ?, ?)
		ON CONFLICT (owner_kind, owner_id) DO NOTHING`, keyOwnerIndex, master, wrapped, t.Now.UnixMicro()); err != nil {
		return nil, fmt.Errorf("make the search index key: %w", err)
	}
	return t.s.readIndexKey(ctx, t) // this one's, or another instance's made meanwhile
}
