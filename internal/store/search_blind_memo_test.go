package store

import (
	"fmt"
	"testing"
)

// The blind index's remembered tokens are the tokens: a word gives the same token whether it was
// hashed just now or remembered, under the same key, and another key's differ; the memory stays
// bounded.
func TestBlindTokenMemo(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	a, b := &indexMAC{id: 1, key: key}, &indexMAC{id: 1, key: key}
	words := []string{"epilepsy", "okapi", "epilepsy", "quagga"}
	first := a.tokens(words)
	again := a.tokens(words) // remembered
	fresh := b.tokens(words[1:2])
	if first[0] != first[2] || first[0] != again[0] || first[1] != fresh[0] || first[1] != again[1] || len(first[0]) != 21 {
		t.Fatalf("tokens %q, again %q, fresh %q", first, again, fresh)
	}
	other := (&indexMAC{id: 2, key: []byte("another key of thirty-two bytes!")}).tokens(words[:1])
	if other[0] == first[0] {
		t.Error("another key gives the same token")
	}
	for i := range memoWords + 10 {
		a.tokens([]string{fmt.Sprint("w", i)})
	}
	if n := len(a.memo); n > memoWords || n == 0 {
		t.Errorf("%d words remembered, at most %d", n, memoWords)
	}
	if got := a.tokens(words[:1]); got[0] != first[0] {
		t.Errorf("after the memory started again: %q, want %q", got, first[0])
	}
}
