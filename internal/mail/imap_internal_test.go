package mail

import (
	"testing"
	"time"
)

func TestBackoffDoublesUpToItsCeiling(t *testing.T) {
	t.Parallel()
	lo, hi := time.Second, 10*time.Second
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := backoff(lo, hi, i+1); got != w {
			t.Errorf("backoff after %d failures = %v, want %v", i+1, got, w)
		}
	}
	if got := backoff(lo, hi, 1000); got != hi {
		t.Errorf("backoff after 1000 failures = %v, want %v", got, hi)
	}
	for range 100 {
		if d := jitter(time.Second); d < 800*time.Millisecond || d > 1200*time.Millisecond {
			t.Fatalf("jitter(1s) = %v, want within ±20%%", d)
		}
	}
}

func TestParseTLSMode(t *testing.T) {
	t.Parallel()
	for _, m := range []TLSMode{TLSImplicit, TLSStartTLS, TLSNone} {
		if got, err := ParseTLSMode(m.String()); err != nil || got != m {
			t.Errorf("ParseTLSMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseTLSMode("ssl"); err == nil {
		t.Error(`ParseTLSMode("ssl") accepted`)
	}
}
