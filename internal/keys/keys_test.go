package keys

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func ring(t *testing.T, lines ...string) *Ring {
	t.Helper()
	r, err := Parse([]byte(strings.Join(lines, "\n")), "test")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func gen(t *testing.T) string {
	t.Helper()
	l, err := Generate(rand.Reader, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestWrapUnwrapAndWrongKeys(t *testing.T) {
	a, b := gen(t), gen(t)
	r := ring(t, "# calldesk master keys", a, "", b)
	if got := r.Current().ID; got != strings.Fields(a)[0] || !strings.HasPrefix(got, "mk-20261207-") {
		t.Fatalf("current %q, want the first line's id", got)
	}
	dk := NewDataKey()
	mid, w := r.Wrap("call 7", dk)
	got, err := r.Unwrap(mid, "call 7", w)
	if err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("unwrap: %v", err)
	}
	// Copied onto another row, the wrapped key does not open.
	if _, err := r.Unwrap(mid, "call 8", w); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrapped key on another row: %v, want ErrWrongKey", err)
	}
	// The same id with a different key: detected, never garbage.
	other := ring(t, strings.Fields(a)[0]+" "+strings.Fields(gen(t))[1])
	if _, err := other.Unwrap(mid, "call 7", w); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong master: %v, want ErrWrongKey", err)
	}
	check, _ := r.CheckValue(mid)
	if err := r.Verify(mid, check); err != nil {
		t.Fatal(err)
	}
	if err := other.Verify(mid, check); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("check value under a wrong key: %v", err)
	}
	// A file without the key says which key is missing.
	if _, err := ring(t, b).Unwrap(mid, "call 7", w); !errors.Is(err, ErrUnknownMaster) || !strings.Contains(err.Error(), mid) {
		t.Fatalf("missing master: %v", err)
	}
}

func TestDataKeySealOpen(t *testing.T) {
	k, err := NewCipher(3, NewDataKey())
	if err != nil {
		t.Fatal(err)
	}
	c := k.Seal([]byte("calls.summary 5"), []byte("I have been diagnosed with diabetes"))
	if bytes.Contains(c, []byte("diabetes")) {
		t.Fatal("plaintext in the ciphertext")
	}
	p, err := k.Open([]byte("calls.summary 5"), c)
	if err != nil || string(p) != "I have been diagnosed with diabetes" {
		t.Fatalf("open: %q %v", p, err)
	}
	if _, err := k.Open([]byte("calls.summary 6"), c); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("other aad: %v", err)
	}
	c[len(c)-1] ^= 1
	if _, err := k.Open([]byte("calls.summary 5"), c); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("altered: %v", err)
	}
	k2, _ := NewCipher(3, NewDataKey())
	if _, err := k2.Open([]byte("x"), k2.Seal([]byte("y"), nil)); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("aad mismatch on empty: %v", err)
	}
}

func TestParseErrorsSayWhatIsWrong(t *testing.T) {
	good := gen(t)
	for _, c := range []struct{ text, want string }{
		{"", "holds no master key"},
		{"# only a comment\n", "holds no master key"},
		{"mk-1", "line 1: want \"ID BASE64-KEY\""},
		{"mk/1 " + strings.Fields(good)[1], "letters, digits"},
		{"mk-1 c2hvcnQ=", "is not 32 bytes"},
		{good + "\n" + good, "appears twice"},
	} {
		if _, err := Parse([]byte(c.text), "f"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}

func TestLoadRefusesAFileOthersMayRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "master.keys")
	if err := os.WriteFile(p, []byte(gen(t)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("mode 644: %v", err)
	}
	os.Chmod(p, 0o600)
	if _, err := Load(p); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p + ".missing"); err == nil {
		t.Fatal("a missing file loaded")
	}
}
