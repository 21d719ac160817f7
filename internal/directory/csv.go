package directory

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"calldesk/internal/desk"
)

// CSVMapping says which column of the nightly export (by its header name, matched without regard
// to case or surrounding spaces) holds each Record field. A field whose column is "" is not
// mapped and stays "" in every Record. Key and a first or last name must be mapped.
//
// Written as one configuration string it is a comma-separated list of field=Column pairs, in
// any order (see ParseCSVMapping and String):
//
//	key=PersonID,first=Forename,last=Surname,username=Login,email=Email,student=StudentNo,
//	department=Dept,phone=Tel,title=JobTitle,manager=ManagerID,kind=Type
type CSVMapping struct {
	Key, FirstName, LastName, Username, Email  string
	StudentNumber, Department, Phone, JobTitle string
	// Manager is the column holding the manager's directory key (Record.ManagerKey).
	Manager string
	// Kind is the column holding what the person is (see CSVOptions.Kinds); when it is not mapped
	// every person is CSVOptions.DefaultKind.
	Kind string
}

// csvField is one mappable field: its name in the configuration string and where its column
// name lives in a CSVMapping.
type csvField struct {
	name   string
	column func(*CSVMapping) *string
}

// Positions of the fields in csvFields, for a row's values.
const (
	fKey = iota
	fFirst
	fLast
	fUsername
	fEmail
	fStudent
	fDepartment
	fPhone
	fTitle
	fManager
	fKind
	nFields
)

// csvFields lists the mappable fields in the order String writes them.
func csvFields() []csvField {
	return []csvField{
		{"key", func(m *CSVMapping) *string { return &m.Key }},
		{"first", func(m *CSVMapping) *string { return &m.FirstName }},
		{"last", func(m *CSVMapping) *string { return &m.LastName }},
		{"username", func(m *CSVMapping) *string { return &m.Username }},
		{"email", func(m *CSVMapping) *string { return &m.Email }},
		{"student", func(m *CSVMapping) *string { return &m.StudentNumber }},
		{"department", func(m *CSVMapping) *string { return &m.Department }},
		{"phone", func(m *CSVMapping) *string { return &m.Phone }},
		{"title", func(m *CSVMapping) *string { return &m.JobTitle }},
		{"manager", func(m *CSVMapping) *string { return &m.Manager }},
		{"kind", func(m *CSVMapping) *string { return &m.Kind }},
	}
}

func csvFieldNames() string {
	var names []string
	for _, f := range csvFields() {
		names = append(names, f.name)
	}
	return strings.Join(names, ", ")
}

// ParseCSVMapping reads a mapping written as field=Column pairs separated by commas (see
// CSVMapping). Field names are key, first, last, username, email, student, department, phone,
// title, manager and kind; column names are kept as written, spaces around them trimmed, and
// may not contain "," or "=". The errors are EINVALID and say what to fix: an unknown field,
// a field or a column given twice, a pair without "=", key or both names missing.
func ParseCSVMapping(s string) (CSVMapping, error) {
	var m CSVMapping
	fields := csvFields()
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, column, ok := strings.Cut(pair, "=")
		name, column = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(column)
		if !ok || name == "" || column == "" {
			return CSVMapping{}, desk.Errorf(desk.EINVALID, "CSV mapping: %q is not field=Column", pair)
		}
		i := slices.IndexFunc(fields, func(f csvField) bool { return f.name == name })
		if i < 0 {
			return CSVMapping{}, desk.Errorf(desk.EINVALID, "CSV mapping: unknown field %q (fields are %s)", name, csvFieldNames())
		}
		p := fields[i].column(&m)
		if *p != "" {
			return CSVMapping{}, desk.Errorf(desk.EINVALID, "CSV mapping: field %s is given twice", name)
		}
		*p = column
	}
	if err := m.Validate(); err != nil {
		return CSVMapping{}, err
	}
	return m, nil
}

// Validate checks that key and a first or last name are mapped and that no column is mapped to
// two fields (most likely a typo, and a Record's fields are each their own column).
func (m CSVMapping) Validate() error {
	if strings.TrimSpace(m.Key) == "" {
		return desk.Errorf(desk.EINVALID, "CSV mapping: the key column is missing (key=Column: the person's stable directory key)")
	}
	if strings.TrimSpace(m.FirstName) == "" && strings.TrimSpace(m.LastName) == "" {
		return desk.Errorf(desk.EINVALID, "CSV mapping: map a first or a last name column (first=Column, last=Column)")
	}
	seen := map[string]string{}
	for _, f := range csvFields() {
		c := strings.ToLower(strings.TrimSpace(*f.column(&m)))
		if c == "" {
			continue
		}
		if other, ok := seen[c]; ok {
			return desk.Errorf(desk.EINVALID, "CSV mapping: column %q is named twice (for %s and %s)", *f.column(&m), other, f.name)
		}
		seen[c] = f.name
	}
	return nil
}

// String writes the mapping in the syntax ParseCSVMapping reads, fields in a fixed order.
func (m CSVMapping) String() string {
	var b strings.Builder
	for _, f := range csvFields() {
		c := *f.column(&m)
		if c == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f.name + "=" + c)
	}
	return b.String()
}

// CSVEncoding is how the bytes of an export are read as text.
type CSVEncoding string

// Encodings of an export. Whatever the choice, a file that starts with a byte order mark is read
// as the mark says (UTF-8, or UTF-16 as Excel's "Unicode text" writes it) and the mark dropped.
// Besides these, any single-byte code page codePages names (windows-1250 to windows-1258,
// iso-8859-1 to iso-8859-16) may be given. A file that does not decode cleanly in its encoding
// (invalid UTF-8, a byte the code page does not define) is refused with the line, never read
// with its names mangled.
const (
	// EncodingAuto, the default, keeps each field that is valid UTF-8 and reads any other as
	// Windows-1252, which older systems' nightly exports often are. Every byte Windows-1252 gives
	// a letter (é, £, ’) is invalid as UTF-8 in any realistic name, so the guess is safe per field
	// and costs nothing on a UTF-8 file.
	EncodingAuto CSVEncoding = "auto"
	// EncodingUTF8 requires UTF-8.
	EncodingUTF8 CSVEncoding = "utf-8"
	// EncodingWindows1252 reads every byte as Windows-1252 (a superset of ISO-8859-1's letters).
	EncodingWindows1252 CSVEncoding = "windows-1252"
)

// codePages are the single-byte encodings a source may name, by the names the WHATWG encoding
// standard and most tools use. Windows-1250 and ISO-8859-2 are Central European (Polish, Czech,
// Hungarian names), ISO-8859-15 is Latin-1 with the euro sign.
func codePages() map[CSVEncoding]*charmap.Charmap {
	return map[CSVEncoding]*charmap.Charmap{
		"windows-1250": charmap.Windows1250, "windows-1251": charmap.Windows1251, "windows-1252": charmap.Windows1252,
		"windows-1253": charmap.Windows1253, "windows-1254": charmap.Windows1254, "windows-1255": charmap.Windows1255,
		"windows-1256": charmap.Windows1256, "windows-1257": charmap.Windows1257, "windows-1258": charmap.Windows1258,
		"iso-8859-1": charmap.ISO8859_1, "iso-8859-2": charmap.ISO8859_2, "iso-8859-3": charmap.ISO8859_3,
		"iso-8859-4": charmap.ISO8859_4, "iso-8859-5": charmap.ISO8859_5, "iso-8859-6": charmap.ISO8859_6,
		"iso-8859-7": charmap.ISO8859_7, "iso-8859-8": charmap.ISO8859_8, "iso-8859-9": charmap.ISO8859_9,
		"iso-8859-10": charmap.ISO8859_10, "iso-8859-13": charmap.ISO8859_13, "iso-8859-14": charmap.ISO8859_14,
		"iso-8859-15": charmap.ISO8859_15, "iso-8859-16": charmap.ISO8859_16,
	}
}

// encodingNames lists the encodings a source may name, for an error message.
func encodingNames() string {
	names := []string{string(EncodingAuto), string(EncodingUTF8)}
	for n := range codePages() {
		names = append(names, string(n))
	}
	sort.Strings(names[2:])
	return strings.Join(names, ", ")
}

// ValidEncoding reports whether e names an encoding ReadCSV reads ("" is EncodingAuto).
func ValidEncoding(e CSVEncoding) bool {
	_, cp := codePages()[e]
	return cp || e == "" || e == EncodingAuto || e == EncodingUTF8
}

// CSVOptions are how an export is written, beyond its columns. The zero value reads a
// comma-separated file in UTF-8 or Windows-1252 with the default kind codes.
type CSVOptions struct {
	// Comma is the delimiter: ',' when 0; ';' and '\t' are common in UK universities' exports.
	Comma rune
	// Encoding is EncodingAuto when "".
	Encoding CSVEncoding
	// Kinds maps the kind column's values (matched without regard to case or surrounding
	// spaces) to desk kinds, in addition to the kinds' own names (staff, student, partner,
	// visitor), which are always understood. nil means DefaultKinds.
	Kinds map[string]desk.PersonKind
	// DefaultKind is the kind of everyone when the kind column is not mapped, and of a new
	// person whose kind cell is empty (Record.KindIfNew; an empty cell leaves a known person's
	// kind as it is): desk.Staff when "", as desk.Person.Validate assumes.
	DefaultKind desk.PersonKind
}

// DefaultKinds is the kind codes understood when CSVOptions.Kinds is nil: the usual short codes
// and words of UK university exports (STF/STU, UG/PGT/PGR for students, associates, guests).
func DefaultKinds() map[string]desk.PersonKind {
	return map[string]desk.PersonKind{
		"stf": desk.Staff, "emp": desk.Staff, "employee": desk.Staff, "academic": desk.Staff,
		"stu": desk.Student, "std": desk.Student, "ug": desk.Student, "pgt": desk.Student, "pgr": desk.Student,
		"undergraduate": desk.Student, "postgraduate": desk.Student,
		"ptn": desk.Partner, "associate": desk.Partner, "affiliate": desk.Partner,
		"vis": desk.Visitor, "guest": desk.Visitor,
	}
}

// ParseKinds reads kind codes written as Code=kind pairs separated by commas, such as
// "STF=staff,STU=student,PGR=student,EXT=partner", for CSVOptions.Kinds.
func ParseKinds(s string) (map[string]desk.PersonKind, error) {
	kinds := map[string]desk.PersonKind{}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		code, kind, ok := strings.Cut(pair, "=")
		code = strings.ToLower(strings.TrimSpace(code))
		k := desk.PersonKind(strings.ToLower(strings.TrimSpace(kind)))
		if !ok || code == "" {
			return nil, desk.Errorf(desk.EINVALID, "CSV kinds: %q is not Code=kind", pair)
		}
		if !k.Valid() {
			return nil, desk.Errorf(desk.EINVALID, "CSV kinds: %q: the kind must be staff, student, partner or visitor", pair)
		}
		if _, dup := kinds[code]; dup {
			return nil, desk.Errorf(desk.EINVALID, "CSV kinds: code %q is given twice", code)
		}
		kinds[code] = k
	}
	return kinds, nil
}

// ParseDelimiter reads a delimiter from configuration: a single character, or one of the words
// comma, semicolon, tab and pipe (a tab is hard to write in most configuration files).
func ParseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "", "comma":
		return ',', nil
	case "semicolon":
		return ';', nil
	case "tab", `\t`:
		return '\t', nil
	case "pipe":
		return '|', nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if n != len(s) || !validComma(r) {
		return 0, desk.Errorf(desk.EINVALID, "CSV delimiter %q: give one character (not a quote or a line break) or comma, semicolon, tab, pipe", s)
	}
	return r, nil
}

func validComma(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && r != utf8.RuneError && utf8.ValidRune(r)
}

// nameMaxLen mirrors desk.Person.Validate's limit on first and last names.
const nameMaxLen = 100

// ReadCSV reads a directory export: a header line naming the columns, then one person a row.
// It streams the file (one row in memory at a time besides the Records returned).
//
// A lone carriage return ends a line as a line feed does. A row on one line that the strict
// reader refuses for a quote (a bare quote in an unquoted field, Patel "Bob" x; a stray quote in
// a quoted one) is read again with quotes taken leniently, and used when it then has the
// header's number of fields: a row that cannot be read must not look like a person who left.
//
// Each row it cannot use is a Problem with the line the row starts on (right across quoted
// fields holding line breaks) and every reason at once: malformed quoting, a field count that
// is not the header's, an empty key, neither a first nor a last name, a name longer than the
// register holds, an email desk.ValidEmail refuses, a kind it does not know, a NUL character in
// a mapped cell (named with its column; the key reported without it). A key found on more than one row rejects every one of those rows, the
// first included: the export contradicts itself and there is no telling which row is right.
// A Problem carries the row's key when the row has one (for a row with the wrong number of
// fields, what its key column holds, which shifted fields may have made wrong), so a sync can
// treat that person as present but unreadable rather than as a leaver. Rows whose every cell is
// empty, as spreadsheets pad exports with, are skipped without a Problem. Values are trimmed;
// Problems are in line order; no two Records share a key, and every Record passes
// desk.Person.Validate as a directory person.
//
// The error is for a file that cannot be used at all, and then no Records are returned: no
// header, a mapped column missing from the header (or named there twice), an invalid mapping,
// delimiter or encoding, a line that does not decode cleanly in the encoding (named), or an
// I/O error (wrapped).
func ReadCSV(r io.Reader, m CSVMapping, opts CSVOptions) ([]Record, []Problem, error) {
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	rd, err := newCSVReader(r, m, opts)
	if err != nil {
		return nil, nil, err
	}
	return rd.readAll()
}

// csvReader is one ReadCSV run.
type csvReader struct {
	cr     *csv.Reader
	m      CSVMapping
	opts   CSVOptions
	kinds  map[string]desk.PersonKind
	cp1252 *encoding.Decoder // for EncodingAuto's invalid fields
	// codePage is the name of the single-byte code page the text was decoded from ("" for none):
	// a U+FFFD in it is a byte the code page does not define.
	codePage string
	raw      *rawTee // the bytes of the rows being read, for reading a row again leniently
	width    int     // fields in the header
	cols     []int   // column index per csvFields entry, -1 when not mapped
	fields   []csvField
}

func newCSVReader(r io.Reader, m CSVMapping, opts CSVOptions) (*csvReader, error) {
	if opts.Comma == 0 {
		opts.Comma = ','
	}
	if !validComma(opts.Comma) {
		return nil, desk.Errorf(desk.EINVALID, "CSV delimiter %q cannot be used", opts.Comma)
	}
	opts.Encoding = CSVEncoding(strings.ToLower(strings.TrimSpace(string(opts.Encoding))))
	if opts.Encoding == "" {
		opts.Encoding = EncodingAuto
	}
	if !ValidEncoding(opts.Encoding) {
		return nil, desk.Errorf(desk.EINVALID, "CSV encoding %q: use one of %s", opts.Encoding, encodingNames())
	}
	if opts.DefaultKind == "" {
		opts.DefaultKind = desk.Staff
	}
	if !opts.DefaultKind.Valid() {
		return nil, desk.Errorf(desk.EINVALID, "CSV default kind %q: use staff, student, partner or visitor", opts.DefaultKind)
	}
	kinds := map[string]desk.PersonKind{}
	src := opts.Kinds
	if src == nil {
		src = DefaultKinds()
	}
	for code, k := range src {
		if !k.Valid() {
			return nil, desk.Errorf(desk.EINVALID, "CSV kinds: %q maps to %q, not staff, student, partner or visitor", code, k)
		}
		kinds[strings.ToLower(strings.TrimSpace(code))] = k
	}
	for _, k := range []desk.PersonKind{desk.Staff, desk.Student, desk.Partner, desk.Visitor} {
		kinds[string(k)] = k
	}

	text, enc, codePage, err := decodedText(r, opts.Encoding)
	if err != nil {
		return nil, err
	}
	opts.Encoding = enc
	raw := &rawTee{r: loneCR{bufio.NewReader(text)}}
	cr := csv.NewReader(raw)
	cr.Comma = opts.Comma
	cr.FieldsPerRecord = -1 // checked per row against the header, for a clearer reason
	cr.ReuseRecord = true
	rd := &csvReader{cr: cr, m: m, opts: opts, kinds: kinds, cp1252: charmap.Windows1252.NewDecoder(), codePage: codePage, raw: raw, fields: csvFields()}

	header, err := cr.Read()
	if err == io.EOF {
		return nil, desk.Errorf(desk.EINVALID, "the CSV export is empty: no header line")
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, desk.Errorf(desk.EINVALID, "the CSV export's header line is malformed: %v", pe.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the CSV export's header: %w", err)
	}
	rd.width = len(header)
	index := map[string]int{}
	dup := map[string]bool{}
	line, _ := cr.FieldPos(0)
	for i, h := range header {
		h, err := rd.text(h, line)
		if err != nil {
			return nil, err
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if _, ok := index[h]; ok {
			dup[h] = true
			continue
		}
		index[h] = i
	}
	var missing []string
	for _, f := range rd.fields {
		name := strings.TrimSpace(*f.column(&m))
		if name == "" {
			rd.cols = append(rd.cols, -1)
			continue
		}
		lower := strings.ToLower(name)
		if dup[lower] {
			return nil, desk.Errorf(desk.EINVALID, "the CSV export's header names column %q more than once", name)
		}
		i, ok := index[lower]
		if !ok {
			missing = append(missing, fmt.Sprintf("%q (%s)", name, f.name))
		}
		rd.cols = append(rd.cols, i)
	}
	if len(missing) > 0 {
		return nil, desk.Errorf(desk.EINVALID, "the CSV export's header lacks the mapped column %s", strings.Join(missing, ", "))
	}
	return rd, nil
}

// decodedText drops a byte order mark and puts a decoder in front of r when the file needs one,
// returning the encoding the fields must still be checked for and the name of the code page
// decoded from ("" for none).
func decodedText(r io.Reader, enc CSVEncoding) (io.Reader, CSVEncoding, string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	start, err := br.Peek(3)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", "", fmt.Errorf("reading the CSV export: %w", err)
	}
	switch {
	case len(start) >= 3 && start[0] == 0xEF && start[1] == 0xBB && start[2] == 0xBF:
		_, _ = br.Discard(3)
		if enc != EncodingAuto {
			enc = EncodingUTF8 // the mark says so
		}
		return br, enc, "", nil
	case len(start) >= 2 && (start[0] == 0xFF && start[1] == 0xFE || start[0] == 0xFE && start[1] == 0xFF):
		// UTF-16 with its mark, as Excel saves "Unicode text"; the decoder consumes the mark and
		// replaces invalid sequences, so its output is valid UTF-8.
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Reader(br), EncodingUTF8, "", nil
	}
	if cm, ok := codePages()[enc]; ok {
		// Every byte becomes a rune; one the code page does not define becomes U+FFFD, which
		// text then refuses.
		return cm.NewDecoder().Reader(br), EncodingUTF8, string(enc), nil
	}
	return br, enc, "", nil
}

// text returns s as UTF-8, decoding it as Windows-1252 under EncodingAuto when it is not valid
// UTF-8. A field that does not decode cleanly (invalid UTF-8 under EncodingUTF8, a byte neither
// UTF-8 nor Windows-1252 under EncodingAuto, a byte the code page does not define) refuses the
// whole file: the configured encoding is wrong, and every name read with it would be mangled.
func (rd *csvReader) text(s string, line int) (string, error) {
	if utf8.ValidString(s) {
		if rd.codePage != "" && strings.ContainsRune(s, utf8.RuneError) {
			return "", desk.Errorf(desk.EINVALID, "line %d of the CSV export has a byte that %s does not define: is the source's encoding right?", line, rd.codePage)
		}
		return s, nil
	}
	if rd.opts.Encoding == EncodingAuto {
		if d, err := rd.cp1252.String(s); err == nil && !strings.ContainsRune(d, utf8.RuneError) {
			return d, nil
		}
		return "", desk.Errorf(desk.EINVALID, "line %d of the CSV export is neither UTF-8 nor Windows-1252: set the source's encoding", line)
	}
	return "", desk.Errorf(desk.EINVALID, "line %d of the CSV export is not valid UTF-8: is the source's encoding right?", line)
}

// loneCR reads a carriage return not followed by a line feed as a line feed, so that an export
// whose lines end in CR alone (old Mac tools, some report writers) is read line by line rather
// than as rows merged together. CR LF is left for encoding/csv, which reads it as one break.
type loneCR struct{ r *bufio.Reader }

func (l loneCR) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] != '\r' {
			continue
		}
		if i+1 < n {
			if p[i+1] != '\n' {
				p[i] = '\n'
			}
			continue
		}
		if next, _ := l.r.Peek(1); len(next) == 0 || next[0] != '\n' {
			p[i] = '\n'
		}
	}
	return n, err
}

// rawTee keeps the bytes csv.Reader has read since the row being read began, so that a row the
// strict reader refuses can be read again leniently. It holds one row and the reader's
// read-ahead, not the file.
type rawTee struct {
	r    io.Reader
	buf  []byte
	base int64 // the input offset of buf[0]
}

func (t *rawTee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// between is the input from offset start to end.
func (t *rawTee) between(start, end int64) []byte {
	return t.buf[start-t.base : end-t.base]
}

// forget drops the input before offset upto.
func (t *rawTee) forget(upto int64) {
	if d := upto - t.base; d > 64<<10 {
		t.buf = append(t.buf[:0], t.buf[d:]...)
		t.base = upto
	}
}

// lenient reads the row that began at input offset start again, quotes read leniently
// (csv.Reader.LazyQuotes), when the strict reader refused it for a quote and the row is on one
// line: a bare quote inside an unquoted field (Patel "Bob" x), a stray quote inside a quoted one
// ("Ann "Nan" Lee"). Read so, a quote that opens a field and never closes takes the rest of the
// line, so a row whose quotes are truly broken comes out with too few fields and is still
// rejected for that (ReadCSV checks the count); nil when the row cannot be read again.
func (rd *csvReader) lenient(pe *csv.ParseError, start int64) []string {
	if pe.StartLine != pe.Line || !errors.Is(pe.Err, csv.ErrBareQuote) && !errors.Is(pe.Err, csv.ErrQuote) {
		return nil
	}
	lr := csv.NewReader(bytes.NewReader(rd.raw.between(start, rd.cr.InputOffset())))
	lr.Comma, lr.LazyQuotes, lr.FieldsPerRecord = rd.cr.Comma, true, -1
	row, err := lr.Read()
	if err != nil {
		return nil
	}
	return row
}

func (rd *csvReader) readAll() ([]Record, []Problem, error) {
	type first struct {
		line, record int // record is -1 when the first row was itself a problem
		reported     bool
	}
	var (
		records  []Record
		problems []Problem
		seen     = map[string]first{}
		dropped  = false
		reasons  []string
	)
	for {
		start := rd.cr.InputOffset()
		rd.raw.forget(start)
		row, err := rd.cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		line := 0
		reasons = reasons[:0]
		if errors.As(err, &pe) {
			reason := fmt.Sprintf("malformed row: %v (line %d, column %d)", pe.Err, pe.Line, pe.Column)
			lenient := rd.lenient(pe, start)
			if lenient == nil {
				if pe.Line > pe.StartLine {
					reason += fmt.Sprintf("; lines %d to %d were not read", pe.StartLine, pe.Line)
				}
				problems = append(problems, Problem{Line: pe.StartLine, Reason: reason})
				continue
			}
			// Read leniently, the row is used when it is whole; when it is not, it is rejected
			// below with its key, for its field count, and the quote named too.
			row, err, line = lenient, nil, pe.StartLine
			if len(row) != rd.width {
				reasons = append(reasons, reason)
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading the CSV export: %w", err)
		}
		if blank(row) {
			continue // spreadsheets pad an export with rows of empty cells
		}
		if line == 0 {
			line, _ = rd.cr.FieldPos(0)
		}
		var rec Record
		var key string
		rec, key, reasons, err = rd.record(row, line, reasons)
		if err != nil {
			return nil, nil, err
		}
		if key != "" {
			if f, ok := seen[key]; ok {
				reasons = append(reasons, fmt.Sprintf("duplicate key (also on line %d)", f.line))
				if !f.reported {
					f.reported = true
					seen[key] = f
					p := Problem{Line: f.line, Key: key, Reason: fmt.Sprintf("duplicate key (also on line %d)", line)}
					if f.record >= 0 {
						records[f.record].Line = 0 // dropped below
						dropped = true
						problems = append(problems, p)
					} else {
						// The first row is already a Problem: say why again there.
						for i := range problems {
							if problems[i].Line == f.line && problems[i].Key == key {
								problems[i].Reason += "; " + p.Reason
							}
						}
					}
				}
			} else {
				idx := -1
				if len(reasons) == 0 {
					idx = len(records)
				}
				seen[key] = first{line: line, record: idx}
			}
		}
		if len(reasons) > 0 {
			problems = append(problems, Problem{Line: line, Key: key, Reason: strings.Join(reasons, "; ")})
			continue
		}
		records = append(records, rec)
	}
	if dropped {
		records = slices.DeleteFunc(records, func(r Record) bool { return r.Line == 0 })
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	return records, problems, nil
}

// record turns one row into a Record, or the reasons it cannot be one (appended to reasons). key
// is the row's key whenever the row has one, even a malformed row's.
func (rd *csvReader) record(row []string, line int, reasons []string) (Record, string, []string, error) {
	var v [nFields]string
	for i, c := range rd.cols {
		if c < 0 || c >= len(row) {
			continue
		}
		s, err := rd.text(row[c], line)
		if err != nil {
			return Record{}, "", nil, err
		}
		v[i] = strings.TrimSpace(s)
	}
	// A NUL in any cell rejects the row, said here with its column, rather than failing the
	// whole import where the register refuses to store it. A key holding one is reported
	// without it, so that its person (if that is who it is) is held, not made a leaver.
	var bad []string
	for i, c := range rd.cols {
		if c < 0 || c >= len(row) {
			continue
		}
		if problem := desk.TextProblem(v[i]); problem != "" {
			bad = append(bad, fmt.Sprintf("the %s (column %s) %s", rd.fields[i].name, strings.TrimSpace(*rd.fields[i].column(&rd.m)), problem))
			v[i] = strings.TrimSpace(strings.ReplaceAll(v[i], "\x00", ""))
		}
	}
	reasons = append(reasons, bad...)
	rec := Record{Key: v[fKey], Line: line, FirstName: v[fFirst], LastName: v[fLast], Username: v[fUsername],
		Email: v[fEmail], StudentNumber: v[fStudent], Department: v[fDepartment], Phone: v[fPhone],
		JobTitle: v[fTitle], ManagerKey: v[fManager], Kind: rd.opts.DefaultKind}
	if len(row) != rd.width {
		// Other checks would only guess at shifted fields.
		return rec, rec.Key, append(reasons, fmt.Sprintf("malformed row: %d fields where the header has %d", len(row), rd.width)), nil
	}
	// The register's own rules (desk.Person.Validate's, for a directory person), so that the
	// sync never meets a record it must refuse, said in the export's terms.
	if rec.Key == "" {
		reasons = append(reasons, fmt.Sprintf("no key (column %s is empty)", strings.TrimSpace(rd.m.Key)))
	}
	if rec.FirstName == "" && rec.LastName == "" {
		reasons = append(reasons, "no name (a first or a last name is required)")
	}
	if len(rec.FirstName) > nameMaxLen || len(rec.LastName) > nameMaxLen {
		reasons = append(reasons, fmt.Sprintf("a name is longer than %d bytes", nameMaxLen))
	}
	if rec.Email != "" && !desk.ValidEmail(rec.Email) {
		reasons = append(reasons, fmt.Sprintf("not a valid email address (column %s)", strings.TrimSpace(rd.m.Email)))
	}
	switch kind := v[fKind]; {
	case kind != "":
		k, ok := rd.kinds[strings.ToLower(kind)]
		if !ok {
			reasons = append(reasons, fmt.Sprintf("unknown kind %q", truncate(kind, 40)))
		}
		rec.Kind = k
	case rd.cols[fKind] >= 0:
		// An empty cell says nothing: a known person stays what they are.
		rec.Kind, rec.KindIfNew = "", rd.opts.DefaultKind
	}
	return rec, rec.Key, reasons, nil
}

// blank reports whether every cell of row is empty or spaces.
func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
