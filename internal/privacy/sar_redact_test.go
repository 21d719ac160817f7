package privacy_test

import (
	"testing"

	"calldesk/internal/privacy"
	"calldesk/internal/store"
)

// TestRedact: other people's identifiers from the register are replaced, in any letter case and
// the usual phone formats; the subject's own are not, nor is anyone outside the register.
func TestRedact(t *testing.T) {
	idx := &privacy.Index{}
	for _, p := range []store.Identifiers{
		{ID: 1, FirstName: "Dan", LastName: "Dawson", Username: "ddawson", Email: "ddawson@uni.example", StudentNumber: "20231234", Phone: "01234 567890"},
		{ID: 2, FirstName: "Bob", LastName: "Baker", Username: "bbaker", Email: "Bob.Baker@uni.example", Phone: "+44 7700 900123"},
		{ID: 3, FirstName: "Mary Ann", LastName: "Smith-Jones", Username: "ms", StudentNumber: "20239999"},
		{ID: 4, FirstName: "Shared", LastName: "Line", Phone: "01234 567890"}, // Dan's number too
	} {
		idx.Add(p)
	}
	for _, c := range []struct{ in, want string }{
		{"Ask Bob Baker about it", "Ask [redacted: 1] about it"},
		{"bob baker's laptop", "[redacted: 1]'s laptop"},
		{"mail BOB.BAKER@uni.example, or ring 07700 900123.", "mail [redacted: 1], or ring [redacted: 2]."},
		{"ring +44 (0)7700-900123", "ring [redacted: 1]"},
		{"ring +447700900123", "ring [redacted: 1]"},
		{"student 20239999 (Mary Ann Smith-Jones)", "student [redacted: 1] ([redacted: 2])"},
		{"bbaker and ms", "[redacted: 1] and ms"}, // a username under three letters is never matched
		{"I am Dan Dawson, ddawson@uni.example, 20231234, 01234 567890", "I am Dan Dawson, ddawson@uni.example, 20231234, 01234 567890"},
		{"Carol Cole is not in the register", "Carol Cole is not in the register"},
		{"a marker \ue000 7\ue001 typed in", "a marker  7 typed in"},
	} {
		var reds []privacy.Redaction
		b := &privacy.Bundle{}
		got := idx.Redactor(1, &reds).Redact(c.in, "test", "")
		b.Redactions = reds
		if out := b.Apply(got, nil); out != c.want {
			t.Errorf("%q: %q, want %q", c.in, out, c.want)
		}
		// Released, every candidate shows as written.
		all := privacy.Decisions{}
		for _, r := range reds {
			all[r.N] = true
		}
		if out := b.Apply(got, all); out != stripMarks(c.in) {
			t.Errorf("%q released: %q", c.in, out)
		}
	}
}

func stripMarks(s string) string {
	out := []rune{}
	for _, r := range s {
		if r != '\ue000' && r != '\ue001' {
			out = append(out, r)
		}
	}
	return string(out)
}
