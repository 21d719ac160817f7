package console

import (
	"strings"
	"testing"
)

// TestHighlight checks that marking search words never lets the text's own markup through: the
// text is escaped, and only whole words equal to a term are marked.
func TestHighlight(t *testing.T) {
	tests := []struct {
		text  string
		terms []string
		want  string
	}{
		{"Printer jam", []string{"printer"}, "<mark>Printer</mark> jam"},
		{"printers and a printer", []string{"printer"}, "printers and a <mark>printer</mark>"}, // whole words only
		{`<script>alert("x")</script>`, []string{"script"}, `&lt;<mark>script</mark>&gt;alert(&#34;x&#34;)&lt;/<mark>script</mark>&gt;`},
		{"<mark>toner</mark>", []string{"toner"}, "&lt;mark&gt;<mark>toner</mark>&lt;/mark&gt;"},
		{"a & b", []string{"a"}, "<mark>a</mark> &amp; b"},
		{"Größe ÄNDERN", []string{"ändern"}, "Größe <mark>ÄNDERN</mark>"},
		{"", []string{"x"}, ""},
		{"no terms <i>", nil, "no terms &lt;i&gt;"},
	}
	for _, tt := range tests {
		if got := string(highlight(tt.text, tt.terms)); got != tt.want {
			t.Errorf("highlight(%q, %q) = %q, want %q", tt.text, tt.terms, got, tt.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("alpha beta gamma ", 40) + "the toner ran out " + strings.Repeat("delta epsilon ", 40)
	s := snippet(long, []string{"toner"}, 120)
	if !strings.Contains(s, "toner") || !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || len([]rune(s)) > 122 {
		t.Errorf("snippet around toner: %q", s)
	}
	if s := snippet(long, []string{"absent"}, 60); !strings.HasPrefix(s, "alpha beta") || !strings.HasSuffix(s, "…") {
		t.Errorf("snippet without the word: %q", s)
	}
	if s := snippet("short\n text", []string{"text"}, 60); s != "short text" {
		t.Errorf("short snippet: %q", s)
	}
}

func TestBreakableEscapesAndBreaksAddresses(t *testing.T) {
	if got, want := string(breakable(`a.b@uni.example<script>`)), `a.<wbr>b@<wbr>uni.<wbr>example&lt;script&gt;`; got != want {
		t.Fatalf("breakable: %q, want %q", got, want)
	}
}
