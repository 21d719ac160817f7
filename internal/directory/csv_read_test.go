package directory_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"calldesk/internal/desk"
	"calldesk/internal/directory"
)

// TestReadCSVBareQuotes (issue 13, point 15): a quote inside an unquoted field, or a stray quote
// inside a quoted field, on a row that is otherwise whole is read as text, not a row without a
// key (whose person a full import would make a leaver); a row whose quotes run it into the next
// line, or that has the wrong number of fields, is still rejected, with its key where it has one.
func TestReadCSVBareQuotes(t *testing.T) {
	t.Parallel()
	file := "id,first,last\n" +
		"1,Bob,Patel \"Bob\" x\n" + // bare quotes in an unquoted field
		"2,\"Ann \"Nan\" Lee\",Smith\n" + // a stray quote inside a quoted field
		"3,Cat \"C\",Jones,extra\n" + // bare quote and a field too many
		"4,\"Dan \"x,Brown\n" + // a stray quote that would swallow the row after it
		"5,Eve,White\n"
	recs, probs, err := directory.ReadCSV(strings.NewReader(file), mustMapping(t, "key=id,first=first,last=last"), directory.CSVOptions{})
	checkRead(t, recs, probs, err, []directory.Record{
		{Key: "1", Line: 2, FirstName: "Bob", LastName: `Patel "Bob" x`, Kind: desk.Staff},
		{Key: "2", Line: 3, FirstName: `Ann "Nan" Lee`, LastName: "Smith", Kind: desk.Staff},
		{Key: "5", Line: 6, FirstName: "Eve", LastName: "White", Kind: desk.Staff},
	}, []directory.Problem{
		{Line: 4, Key: "3", Reason: `malformed row: bare " in non-quoted-field (line 4, column 7); malformed row: 4 fields where the header has 3`},
		{Line: 5, Key: "4", Reason: `malformed row: extraneous or missing " in quoted-field (line 5, column 8); malformed row: 2 fields where the header has 3`},
	})
}

// TestReadCSVLoneCR (point 15): a lone carriage return, as old Mac exports and some tools write,
// ends a line like a line feed does, so two rows are never merged into one.
func TestReadCSVLoneCR(t *testing.T) {
	t.Parallel()
	file := "id,name\r1,Ann\r2,Bob\r\n3,Cat\n4,\"Dan\rDee\"\r5,Eve"
	recs, probs, err := directory.ReadCSV(strings.NewReader(file), mustMapping(t, "key=id,last=name"), directory.CSVOptions{})
	checkRead(t, recs, probs, err, []directory.Record{
		{Key: "1", Line: 2, LastName: "Ann", Kind: desk.Staff},
		{Key: "2", Line: 3, LastName: "Bob", Kind: desk.Staff},
		{Key: "3", Line: 4, LastName: "Cat", Kind: desk.Staff},
		{Key: "4", Line: 5, LastName: "Dan\nDee", Kind: desk.Staff},
		{Key: "5", Line: 7, LastName: "Eve", Kind: desk.Staff},
	}, nil)
}

// TestReadCSVCodePages (point 17): a source's encoding may be any common single-byte code page,
// Windows-1250 reading Polish names right; a file that does not decode cleanly in the configured
// encoding is refused with the line, not read with its names mangled.
func TestReadCSVCodePages(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, "key=id,first=first,last=last")
	text := "id,first,last\n1,Łukasz,Wróblewski\n2,Zoë,Ní Bhriain\n"
	for _, tc := range []struct {
		enc  directory.CSVEncoding
		cm   *charmap.Charmap
		name string
	}{
		{"windows-1250", charmap.Windows1250, "Łukasz"},
		{"iso-8859-2", charmap.ISO8859_2, "Łukasz"},
		{"windows-1252", charmap.Windows1252, "Zoë"},
		{"iso-8859-1", charmap.ISO8859_1, "Zoë"},
		{"iso-8859-15", charmap.ISO8859_15, "Zoë"},
	} {
		line := text
		if tc.name == "Zoë" {
			line = "id,first,last\n2,Zoë,Ní Bhriain\n"
		}
		b, err := tc.cm.NewEncoder().Bytes([]byte(line))
		if err != nil {
			t.Fatalf("%s: %v", tc.enc, err)
		}
		recs, probs, err := directory.ReadCSV(bytes.NewReader(b), m, directory.CSVOptions{Encoding: tc.enc})
		if err != nil || len(probs) != 0 || len(recs) == 0 || recs[0].FirstName != tc.name {
			t.Errorf("%s: %+v %+v %v, want %s", tc.enc, recs, probs, err, tc.name)
		}
	}

	for _, tc := range []struct {
		name string
		file string
		enc  directory.CSVEncoding
		says string
	}{
		{"invalid utf-8", "id,first,last\n1,Ann,Lee\n2,Zo\xeb,Smith\n", directory.EncodingUTF8, "line 3"},
		{"byte windows-1252 does not define", "id,first,last\n1,Ann,Lee\n2,Bob,Smith\n3,A\x81b,Jones\n", directory.EncodingWindows1252, "line 4"},
		{"byte windows-1250 does not define", "id,first,last\n1,An\x98n,Lee\n", "windows-1250", "line 2"},
		{"auto: neither utf-8 nor windows-1252", "id,first,last\n1,Ann,Lee\n2,A\x8db,Smith\n", "", "line 3"},
		{"a header that does not decode", "id,fir\x81st,last\n1,Ann,Lee\n", directory.EncodingWindows1252, "line 1"},
	} {
		recs, _, err := directory.ReadCSV(strings.NewReader(tc.file), m, directory.CSVOptions{Encoding: tc.enc})
		if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), tc.says) || recs != nil {
			t.Errorf("%s: %d records, error %v; want EINVALID saying %q", tc.name, len(recs), err, tc.says)
		}
	}
	if _, _, err := directory.ReadCSV(strings.NewReader(text), m, directory.CSVOptions{Encoding: "klingon"}); desk.ErrorCode(err) != desk.EINVALID ||
		!strings.Contains(err.Error(), "windows-1250") {
		t.Errorf("an unknown encoding: %v, want EINVALID listing the encodings", err)
	}
}

// TestReadCSVEmptyKind (point 16): an empty kind cell says nothing about the person's kind: the
// record's Kind is "" (the sync leaves a known person's kind as it is) and KindIfNew is the
// default kind, for a person the register does not hold yet.
func TestReadCSVEmptyKind(t *testing.T) {
	t.Parallel()
	recs, probs, err := directory.ReadCSV(strings.NewReader("id,name,type\n1,Ann,STU\n2,Bob,\n"), mustMapping(t, "key=id,last=name,kind=type"),
		directory.CSVOptions{DefaultKind: desk.Partner})
	checkRead(t, recs, probs, err, []directory.Record{
		{Key: "1", Line: 2, LastName: "Ann", Kind: desk.Student},
		{Key: "2", Line: 3, LastName: "Bob", KindIfNew: desk.Partner},
	}, nil)
}

// TestToStoreManagerNotFound (point 17): a manager named by a DN that no record read has is
// handed on as ManagerRef, so that the sync reports it rather than taking it for "no manager";
// a DN that a record has becomes its key; an empty kind's KindIfNew is handed on.
func TestToStoreManagerNotFound(t *testing.T) {
	t.Parallel()
	out := directory.ToStore([]directory.Record{
		{Key: "a", DN: "CN=Ann,OU=Staff,DC=uni", LastName: "Ann", Kind: desk.Staff},
		{Key: "b", LastName: "Bob", ManagerDN: "cn=ann,ou=staff,dc=uni", KindIfNew: desk.Student},
		{Key: "c", LastName: "Cat", ManagerDN: "CN=Gone,OU=Staff,DC=uni", Kind: desk.Staff},
	})
	if out[1].ManagerKey != "a" || out[1].ManagerRef != "" || out[1].KindIfNew != desk.Student {
		t.Errorf("a manager read: %+v", out[1])
	}
	if out[2].ManagerKey != "" || out[2].ManagerRef != "CN=Gone,OU=Staff,DC=uni" {
		t.Errorf("a manager not read: %+v", out[2])
	}
}
