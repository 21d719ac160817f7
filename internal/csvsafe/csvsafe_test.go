package csvsafe_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"calldesk/internal/csvsafe"
)

// TestCell: each character a spreadsheet reads as a formula's start gets a quote in front, a
// negative number too (OWASP: the writer cannot tell data from formula), and nothing else
// changes: not a quote, a space, a letter, an empty cell, nor the same characters later on.
func TestCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=HYPERLINK(\"http://evil.example\",\"Click\")", "'=HYPERLINK(\"http://evil.example\",\"Click\")"},
		{"=1+1", "'=1+1"},
		{"+44 20 7946 0000", "'+44 20 7946 0000"},
		{"-3", "'-3"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"", ""},
		{"Printer jams", "Printer jams"},
		{"a=b", "a=b"},
		{" =1+1", " =1+1"},
		{"'quoted", "'quoted"},
		{"3-2", "3-2"},
		{"Zoë", "Zoë"},
	} {
		if got := csvsafe.Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestWriter: the writer neutralises every cell of every row and is otherwise encoding/csv (a
// reader gets the cells back, quoted where they need it), and leaves the caller's row alone.
func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := csvsafe.NewWriter(&b)
	row := []string{"=cmd", "ok, \"fine\"", "-3", "line\nbreak"}
	if err := w.Write([]string{"a", "b", "c", "d"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(row); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if row[0] != "=cmd" {
		t.Errorf("the caller's row changed: %q", row)
	}
	want := "a,b,c,d\n'=cmd,\"ok, \"\"fine\"\"\",'-3,\"line\nbreak\"\n"
	if b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[1]; got[0] != "'=cmd" || got[1] != "ok, \"fine\"" || got[2] != "'-3" || got[3] != "line\nbreak" {
		t.Errorf("read back %q", got)
	}
}
