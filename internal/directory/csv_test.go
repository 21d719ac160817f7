package directory_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"calldesk/internal/desk"
	"calldesk/internal/directory"
)

// exportMapping is the mapping of testdata/export.csv, in the configuration syntax.
const exportMapping = "key=PersonID,first=Forename,last=Surname,username=Login,email=Email,student=StudentNo," +
	"department=Dept,phone=Tel,title=JobTitle,manager=ManagerID,kind=Type"

func mustMapping(t *testing.T, s string) directory.CSVMapping {
	t.Helper()
	m, err := directory.ParseCSVMapping(s)
	if err != nil {
		t.Fatalf("ParseCSVMapping(%q): %v", s, err)
	}
	return m
}

// exportRecords and exportProblems are what testdata/export.csv must give: every good row, and
// each bad row on its own line with its reason (the line numbers count the quoted line break
// in P1000006's job title). Harry "H"'s bare quotes are read as text (issue 13, point 15), and
// P1000017's empty kind cell leaves a known person's kind as it is (point 16).
var exportRecords = []directory.Record{
	{Key: "P1000001", Line: 2, FirstName: "Margaret", LastName: "Hughes", Username: "mhughes", Email: "m.hughes@example.ac.uk",
		Department: "Vice-Chancellor's Office", Phone: "01234 560001", JobTitle: "Vice-Chancellor", Kind: desk.Staff},
	{Key: "P1000002", Line: 3, FirstName: "Rhodri", LastName: "Evans", Username: "rhe2", Email: "r.evans@example.ac.uk",
		Department: "School of Computing", Phone: "01234 560102", JobTitle: "Head of School", ManagerKey: "P1000001", Kind: desk.Staff},
	{Key: "P1000003", Line: 4, FirstName: "Siân", LastName: "O'Brien", Username: "sob12", Email: "s.obrien@example.ac.uk",
		Department: "School of Computing", Phone: "01234 560145", JobTitle: "Senior Lecturer", ManagerKey: "P1000002", Kind: desk.Staff},
	{Key: "P1000005", Line: 6, FirstName: "Tom", LastName: "Smith, Jr", Username: "ts9", Email: "tom.smith@student.example.ac.uk",
		StudentNumber: "22019876", Department: "Business School, Law and Economics", Kind: desk.Student},
	{Key: "P1000006", Line: 7, FirstName: "Zoë", LastName: "Ní Bhriain", Username: "znb4", Email: "z.nibhriain@example.ac.uk",
		Department: "Centre for Irish Studies", Phone: "01234 560777", JobTitle: "Research Fellow\n(Part-time)", ManagerKey: "P1000003", Kind: desk.Staff},
	{Key: "P1000007", Line: 9, FirstName: "Wei", LastName: "Zhang", Username: "wz34", Department: "Library", ManagerKey: "P1000001", Kind: desk.Visitor},
	{Key: "P1000014", Line: 16, FirstName: `Harry "H"`, LastName: "Taylor", Username: "ht3", Email: "h.taylor@example.ac.uk",
		Department: "Estates", Kind: desk.Staff},
	{Key: "P1000015", Line: 17, FirstName: "Chloe", LastName: "Davies", Username: "cd22", Email: "chloe.davies@student.example.ac.uk",
		StudentNumber: "21054321", Department: "School of Nursing", Kind: desk.Student},
	{Key: "P1000016", Line: 18, FirstName: "Priya", LastName: "Sharma", Username: "ps5", Email: "p.sharma@partner.example.com",
		Department: "School of Computing", JobTitle: "Visiting Researcher", ManagerKey: "P1000002", Kind: desk.Partner},
	{Key: "P1000017", Line: 19, LastName: "Patel", Username: "dpatel", Department: "Library", Phone: "01234 560301", KindIfNew: desk.Staff},
}

var exportProblems = []directory.Problem{
	{Line: 5, Key: "P1000004", Reason: "duplicate key (also on line 10)"},
	{Line: 10, Key: "P1000004", Reason: "duplicate key (also on line 5)"},
	{Line: 11, Reason: "no key (column PersonID is empty)"},
	{Line: 12, Key: "P1000010", Reason: "no name (a first or a last name is required)"},
	{Line: 13, Key: "P1000011", Reason: "not a valid email address (column Email)"},
	{Line: 14, Key: "P1000012", Reason: `unknown kind "CONTRACTOR"`},
	{Line: 15, Key: "P1000013", Reason: "malformed row: 4 fields where the header has 11"},
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkRead compares what ReadCSV gave with what it should, record by record, so a failure says
// which line differs.
func checkRead(t *testing.T, gotR []directory.Record, gotP []directory.Problem, err error, wantR []directory.Record, wantP []directory.Problem) {
	t.Helper()
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	for i := 0; i < max(len(gotR), len(wantR)); i++ {
		var g, w directory.Record
		if i < len(gotR) {
			g = gotR[i]
		}
		if i < len(wantR) {
			w = wantR[i]
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("record %d:\n got  %+v\n want %+v", i, g, w)
		}
	}
	for i := 0; i < max(len(gotP), len(wantP)); i++ {
		var g, w directory.Problem
		if i < len(gotP) {
			g = gotP[i]
		}
		if i < len(wantP) {
			w = wantP[i]
		}
		if g != w {
			t.Errorf("problem %d:\n got  %+v\n want %+v", i, g, w)
		}
	}
}

// TestReadCSVExport reads a university's nightly export (CRLF, quoted commas and a quoted line
// break, Welsh and Irish names, kind codes of several spellings) with one bad case a line, and
// gets every good row and a Problem with the right line and reason for each bad one; the two
// rows of empty cells at the end, as spreadsheets pad exports, are no Problem.
func TestReadCSVExport(t *testing.T) {
	t.Parallel()
	recs, probs, err := directory.ReadCSV(bytes.NewReader(readFile(t, "testdata/export.csv")), mustMapping(t, exportMapping), directory.CSVOptions{})
	checkRead(t, recs, probs, err, exportRecords, exportProblems)
}

// TestReadCSVEncodings reads the same export as Windows-1252 (detected per field, or declared),
// behind a UTF-8 byte order mark, and as Excel's UTF-16 "Unicode text", and gets the same people;
// with UTF-8 required, the file is refused at the first Windows-1252 row instead of garbled.
func TestReadCSVEncodings(t *testing.T) {
	t.Parallel()
	utf8File := readFile(t, "testdata/export.csv")
	cp1252, err := charmap.Windows1252.NewEncoder().Bytes(utf8File)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(cp1252, utf8File) || !bytes.Contains(cp1252, []byte("Si\xe2n")) {
		t.Fatal("the Windows-1252 copy is not Windows-1252")
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(utf8File)
	if err != nil {
		t.Fatal(err)
	}
	bom := append([]byte("\xef\xbb\xbf"), utf8File...)
	m := mustMapping(t, exportMapping)
	for _, tc := range []struct {
		name string
		file []byte
		enc  directory.CSVEncoding
	}{
		{"windows-1252 detected", cp1252, ""},
		{"windows-1252 declared", cp1252, directory.EncodingWindows1252},
		{"utf-8 declared", utf8File, directory.EncodingUTF8},
		{"utf-8 with BOM", bom, ""},
		{"utf-8 with BOM, windows-1252 declared", bom, directory.EncodingWindows1252},
		{"utf-16le with BOM", utf16, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recs, probs, err := directory.ReadCSV(bytes.NewReader(tc.file), m, directory.CSVOptions{Encoding: tc.enc})
			checkRead(t, recs, probs, err, exportRecords, exportProblems)
		})
	}

	t.Run("utf-8 required, windows-1252 given", func(t *testing.T) {
		t.Parallel()
		recs, _, err := directory.ReadCSV(bytes.NewReader(cp1252), m, directory.CSVOptions{Encoding: directory.EncodingUTF8})
		if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), "line 4") || recs != nil {
			t.Errorf("%d records, error %v; want the file refused at line 4 (Siân)", len(recs), err)
		}
	})
}

// TestReadCSVDelimiters reads semicolon- and tab-separated exports, where a comma is just text,
// the delimiter inside quotes is text too, and a header's case and spaces do not matter.
func TestReadCSVDelimiters(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, "key=Staff Number,first=Forename,last=Surname,email=E-mail,department=Department,kind=Type")
	want := []directory.Record{
		{Key: "100234", Line: 2, FirstName: "Dafydd", LastName: "ap Gruffydd", Email: "d.apgruffydd@example.ac.uk", Department: "History, Heritage and Archaeology", Kind: desk.Staff},
		{Key: "100235", Line: 3, FirstName: "Ruth", LastName: "O'Neill", Department: "Estates", Kind: desk.Student},
	}
	for _, tc := range []struct {
		name, file string
		comma      rune
	}{
		{"semicolon", "STAFF NUMBER;forename;Surname;e-mail;Department;Type\n" +
			"100234;Dafydd;ap Gruffydd;d.apgruffydd@example.ac.uk;History, Heritage and Archaeology;STF\n" +
			"100235;Ruth;O'Neill;;\"Estates\";STU\n", ';'},
		{"tab", " Staff Number \tForename\tSurname\tE-mail\tDepartment\tType\r\n" +
			"100234\tDafydd\tap Gruffydd\td.apgruffydd@example.ac.uk\tHistory, Heritage and Archaeology\tSTF\r\n" +
			"100235\tRuth\tO'Neill\t\tEstates\tstudent\r\n", '\t'},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recs, probs, err := directory.ReadCSV(strings.NewReader(tc.file), m, directory.CSVOptions{Comma: tc.comma})
			checkRead(t, recs, probs, err, want, nil)
			// Read with the default comma, the whole line is one field: the header lacks the columns.
			if _, _, err := directory.ReadCSV(strings.NewReader(tc.file), m, directory.CSVOptions{}); desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("read with commas: error %v, want EINVALID", err)
			}
		})
	}
}

// TestParseDelimiter reads delimiters as configuration writes them.
func TestParseDelimiter(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]rune{"": ',', ",": ',', "comma": ',', ";": ';', "Semicolon": ';', "tab": '\t', `\t`: '\t', "\t": '\t', "|": '|', "pipe": '|'} {
		if got, err := directory.ParseDelimiter(in); err != nil || got != want {
			t.Errorf("ParseDelimiter(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`"`, "\n", ";;", "colon"} {
		if _, err := directory.ParseDelimiter(in); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("ParseDelimiter(%q): error %v, want EINVALID", in, err)
		}
	}
}

// TestReadCSVKinds maps configured kind codes (replacing the defaults, the kinds' own names still
// understood) and gives people with an empty kind cell, or no kind column, the default kind.
func TestReadCSVKinds(t *testing.T) {
	t.Parallel()
	kinds, err := directory.ParseKinds(" EMP = staff , UGRD=Student,EXT=partner")
	if err != nil {
		t.Fatal(err)
	}
	file := "id,name,type\n1,Ann,emp\n2,Bob,ugrd\n3,Cat,Ext\n4,Dan,visitor\n5,Eve,\n6,Fay,STU\n"
	recs, probs, err := directory.ReadCSV(strings.NewReader(file), mustMapping(t, "key=id,last=name,kind=type"),
		directory.CSVOptions{Kinds: kinds, DefaultKind: desk.Student})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]desk.PersonKind{}
	for _, r := range recs {
		got[r.Key] = r.Kind
		if r.Kind == "" {
			got[r.Key] = r.KindIfNew
		}
	}
	want := map[string]desk.PersonKind{"1": desk.Staff, "2": desk.Student, "3": desk.Partner, "4": desk.Visitor, "5": desk.Student}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	if len(probs) != 1 || probs[0] != (directory.Problem{Line: 7, Key: "6", Reason: `unknown kind "STU"`}) {
		t.Errorf("problems %+v, want STU unknown on line 7 (the configured codes replace the defaults)", probs)
	}

	recs, _, err = directory.ReadCSV(strings.NewReader(file), mustMapping(t, "key=id,last=name"), directory.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Kind != desk.Staff {
			t.Errorf("line %d: kind %q without a kind column, want staff", r.Line, r.Kind)
		}
	}

	for _, bad := range []string{"STF", "STF=employee", "=staff", "A=staff,a=student"} {
		if _, err := directory.ParseKinds(bad); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("ParseKinds(%q): error %v, want EINVALID", bad, err)
		}
	}
}

// TestParseCSVMapping reads the configuration syntax, writes it back, and refuses each mistake
// with an error that names it.
func TestParseCSVMapping(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, " kind=Type , KEY = Person ID,last=Surname,first=Forename,manager=ManagerID, ")
	want := directory.CSVMapping{Key: "Person ID", FirstName: "Forename", LastName: "Surname", Manager: "ManagerID", Kind: "Type"}
	if m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	if s := m.String(); s != "key=Person ID,first=Forename,last=Surname,manager=ManagerID,kind=Type" {
		t.Errorf("String() = %q", s)
	}
	if again := mustMapping(t, mustMapping(t, exportMapping).String()); again != mustMapping(t, exportMapping) {
		t.Errorf("String does not round-trip: %+v", again)
	}
	for _, tc := range []struct{ in, says string }{
		{"key=PersonID,surname=Surname", `unknown field "surname"`},
		{"key=PersonID,last=Surname,last=Family", "field last is given twice"},
		{"key=PersonID,last=Surname,username=Email,email=email", `column "email" is named twice (for username and email)`},
		{"first=Forename,last=Surname", "the key column is missing"},
		{"key=PersonID,email=Email", "map a first or a last name column"},
		{"key=PersonID,last", `"last" is not field=Column`},
		{"key=PersonID,last=", `"last=" is not field=Column`},
		{"", "the key column is missing"},
	} {
		_, err := directory.ParseCSVMapping(tc.in)
		if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("ParseCSVMapping(%q): error %v, want EINVALID saying %q", tc.in, err, tc.says)
		}
	}
}

// TestReadCSVUnusable: a file without a header, or whose header lacks a mapped column (named in
// the error) or names one twice, is an error and no records; a header-only file is no people and
// no problems, which is not an error (the sync's guard rail decides what an empty export means).
func TestReadCSVUnusable(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, exportMapping)
	header := "PersonID,Forename,Surname,Login,Email,StudentNo,Dept,Tel,JobTitle,ManagerID,Type\r\n"

	recs, probs, err := directory.ReadCSV(strings.NewReader(header), m, directory.CSVOptions{})
	if err != nil || len(recs) != 0 || len(probs) != 0 {
		t.Errorf("header only: %d records, %d problems, error %v; want none", len(recs), len(probs), err)
	}

	for _, tc := range []struct{ name, file, says string }{
		{"empty", "", "no header line"},
		{"only a BOM and blank lines", "\xef\xbb\xbf\r\n\r\n", "no header line"},
		{"column missing", strings.Replace(header, "ManagerID,", "LineManager,", 1) + "P1,A,B,a,a@example.ac.uk,,D,,,X,STF\r\n",
			`lacks the mapped column "ManagerID" (manager)`},
		{"two columns missing", "PersonID,Surname\r\n", `"Forename" (first), "Login" (username)`},
		{"column twice", strings.Replace(header, "Tel,", "email,", 1), `names column "Email" more than once`},
		{"header with bad quoting", "PersonID,\"Fore\"name\r\n", "header line is malformed"},
	} {
		recs, probs, err := directory.ReadCSV(strings.NewReader(tc.file), m, directory.CSVOptions{})
		if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: error %v, want EINVALID saying %q", tc.name, err, tc.says)
		}
		if recs != nil || probs != nil {
			t.Errorf("%s: %d records and %d problems with the error", tc.name, len(recs), len(probs))
		}
	}

	if _, _, err := directory.ReadCSV(strings.NewReader(header), m, directory.CSVOptions{Comma: '"'}); desk.ErrorCode(err) != desk.EINVALID {
		t.Errorf("quote as delimiter: error %v, want EINVALID", err)
	}
	if _, _, err := directory.ReadCSV(strings.NewReader(header), m, directory.CSVOptions{Encoding: "latin-9"}); desk.ErrorCode(err) != desk.EINVALID {
		t.Errorf("unknown encoding: error %v, want EINVALID", err)
	}
}

// failingReader gives some bytes, then an error, as a dropped network share would.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestReadCSVIOError: an I/O error midway is the run's error (wrapped, so the caller can tell
// what it was), never a partial list of people that would make the rest leavers.
func TestReadCSVIOError(t *testing.T) {
	t.Parallel()
	broken := errors.New("share went away")
	head := readFile(t, "testdata/export.csv")[:300]
	recs, probs, err := directory.ReadCSV(&failingReader{data: head, err: broken}, mustMapping(t, exportMapping), directory.CSVOptions{})
	if !errors.Is(err, broken) || recs != nil || probs != nil {
		t.Errorf("got %d records, %d problems, error %v; want only the error", len(recs), len(probs), err)
	}
	_, _, err = directory.ReadCSV(&failingReader{err: broken}, mustMapping(t, exportMapping), directory.CSVOptions{})
	if !errors.Is(err, broken) {
		t.Errorf("failing at once: error %v", err)
	}
}

// TestReadCSVDuplicates: a key on three rows rejects all three, each saying where else it is,
// even when the first of them was refused for another reason; the key's other rows stay out.
func TestReadCSVDuplicates(t *testing.T) {
	t.Parallel()
	file := "id,name,email\n1,Ann,not-an-email\n2,Bob,\n1,Ann,ann@example.ac.uk\n3,Cat,\n1,Ann B,\n"
	recs, probs, err := directory.ReadCSV(strings.NewReader(file), mustMapping(t, "key=id,last=name,email=email"), directory.CSVOptions{})
	checkRead(t, recs, probs, err, []directory.Record{
		{Key: "2", Line: 3, LastName: "Bob", Kind: desk.Staff},
		{Key: "3", Line: 5, LastName: "Cat", Kind: desk.Staff},
	}, []directory.Problem{
		{Line: 2, Key: "1", Reason: "not a valid email address (column email); duplicate key (also on line 4)"},
		{Line: 4, Key: "1", Reason: "duplicate key (also on line 2)"},
		{Line: 6, Key: "1", Reason: "duplicate key (also on line 2)"},
	})
}

// TestReadCSVUnclosedQuote: a quote never closed swallows the rest of the file; the Problem says
// which lines were lost, and the rows before it are kept.
func TestReadCSVUnclosedQuote(t *testing.T) {
	t.Parallel()
	file := "id,name\n1,Ann\n2,\"Bob\n3,Cat\n4,Dan\n"
	recs, probs, err := directory.ReadCSV(strings.NewReader(file), mustMapping(t, "key=id,last=name"), directory.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Key != "1" {
		t.Errorf("records %+v, want only 1", recs)
	}
	if len(probs) != 1 || probs[0].Line != 3 || !strings.Contains(probs[0].Reason, "lines 3 to 5 were not read") {
		t.Errorf("problems %+v, want one on line 3 saying lines 3 to 5 were lost", probs)
	}
}

// TestReadCSVRegisterRules: every record ReadCSV returns passes desk.Person.Validate, the rules
// the sync will apply; a name too long for the register is refused here, with its line.
func TestReadCSVRegisterRules(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 101)
	file := fmt.Sprintf("id,first,last\n1,%s,Smith\n2,Ann,Jones\n", long)
	recs, probs, err := directory.ReadCSV(strings.NewReader(file), mustMapping(t, "key=id,first=first,last=last"), directory.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Line != 2 || !strings.Contains(probs[0].Reason, "longer than 100") {
		t.Errorf("problems %+v", probs)
	}
	recs2, _, _ := directory.ReadCSV(bytes.NewReader(readFile(t, "testdata/export.csv")), mustMapping(t, exportMapping), directory.CSVOptions{})
	for _, r := range append(recs, recs2...) {
		p := desk.Person{FirstName: r.FirstName, LastName: r.LastName, Username: r.Username, Email: r.Email,
			Kind: r.Kind, Source: desk.FromDirectory, DirectoryKey: r.Key}
		if err := p.Validate(); err != nil {
			t.Errorf("line %d: %v", r.Line, err)
		}
	}
}

// FuzzReadCSV: no input panics, and whatever ReadCSV returns keeps its contract (unique keys,
// lines in the file, problems in line order). Run with go test -fuzz; not part of make test.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("id,name,email,kind\n1,Ann,a@example.ac.uk,STF\n"), byte(','))
	f.Add([]byte("id;name;email;kind\r\n1;\"A\r\nnn\";;stu\r\n1;Bob;x;\r\n"), byte(';'))
	f.Add([]byte("\xef\xbb\xbfid\tname\temail\tkind\n2\tZo\xeb\t\t\n\"3\t\"x\"\n"), byte('\t'))
	f.Add([]byte("\xff\xfei\x00d\x00,\x00n\x00"), byte(','))
	m := directory.CSVMapping{Key: "id", LastName: "name", Email: "email", Kind: "kind"}
	f.Fuzz(func(t *testing.T, data []byte, comma byte) {
		opts := directory.CSVOptions{Comma: rune(comma)}
		recs, probs, err := directory.ReadCSV(bytes.NewReader(data), m, opts)
		if err != nil {
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		keys := map[string]bool{}
		for _, r := range recs {
			if keys[r.Key] || r.Key == "" {
				t.Fatalf("key %q twice or empty", r.Key)
			}
			keys[r.Key] = true
			if r.Line < 2 || r.Line > lines {
				t.Fatalf("record line %d outside 2..%d", r.Line, lines)
			}
		}
		for i, p := range probs {
			if p.Line < 1 || p.Line > lines || i > 0 && p.Line < probs[i-1].Line {
				t.Fatalf("problem lines out of order or range: %+v", probs)
			}
			if keys[p.Key] && p.Key != "" {
				t.Fatalf("key %q both a record and a problem", p.Key)
			}
		}
	})
}
