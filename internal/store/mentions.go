package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"calldesk/internal/desk"
)

// This file finds a person everywhere (issue 15 point 2): every column the register says may name
// anyone (Whose.Anyone) or holds a person's identifier with no id beside it (Whose.Identifier) is
// scanned, each value decoded as the register says it is stored (MIME messages, files, zips, JSON,
// URL encoding) and read whole, however long. Erasure scrubs what it finds; the subject access
// bundle shows it. The full-text index plays no part: it holds only the first 200,000 characters of
// a call and does not tokenise phone numbers the way people write them. Text columns are narrowed
// in the database by the matcher's needles (LIKE), which every written form of an identifier
// contains; so are emails and files, by the decoded text kept beside them (decodedOf), only those
// that may hold a needle (or were stored without it) being read and decoded again (where that
// text is sealed under a data key, issue 20, the database cannot look into it: it is opened and
// matched here, a page of rows at a time, sealedHits; so are the sealed rows of a sealed text
// column, a bundle's redaction candidates); other binary columns (SAR bundles' zips) are read
// and decoded row by row.

// Mention is one place a person's identifier stands.
type Mention struct {
	Table, Column string
	// Key is the row's key as text (its id, or the key of a table without one: a throttle key, a
	// retention class, "<mail id> <address>" for a copy list); ID is the same as a number when
	// the key is an id.
	Key string
	ID  int64
	// CallID is the call the row belongs to (0: none); PersonID the person whose record it is (the
	// call's customer, the record's owner or author; 0: nobody known).
	CallID, PersonID int64
	// Excerpt is the sentence around the first match, as decoded, identifiers intact: what the
	// redaction review shows the Data Protection Officer.
	Excerpt string
	// Decoded says the identifier was found only once the value was decoded: in a MIME part, a
	// file's text, a zip entry, a JSON escape or URL encoding. Such a value cannot be scrubbed in
	// place.
	Decoded bool
}

// Where names the mention's place for people: "diary_entries.body 96333".
func (m Mention) Where() string { return m.Table + "." + m.Column + " " + m.Key }

// MentionOptions tune FindMentions.
type MentionOptions struct {
	// DecodeMail turns a stored raw email into its text; nil: desk.MailText. (The mail package
	// imports store, so a caller with a fuller parser passes it in.) It reads only the emails
	// whose text kept at intake (desk.MailText's, mail_messages.raw_text) holds a needle, or that
	// have none: a decoder finding more than desk.MailText does not widen the search. No caller
	// passes one today: desk.MailText reads the charsets mail arrives in (decode_formats.go).
	DecodeMail func(raw []byte) string
	// Tables limits the search to these tables; nil: every table the register names.
	Tables []string
}

// mentionTable is a table the finder scans: its columns, and how to reach its row's key, call and person.
type mentionTable struct {
	table   string
	key     string // SQL of the row key, as text
	numeric bool   // the key is an id
	call    string // SQL of the call id, or ""
	person  string // SQL of the person id, or ""
	cols    []PersonalColumn
	extra   []string // columns read beside the scanned ones (a file's name and type)
}

// mentionKeys are the keys of the tables without an id column.
var mentionKeys = map[string]string{
	"signin_throttle":     "key",
	"retention_rules":     "class",
	"mail_recipients":     "CAST(mail_id AS TEXT) || ' ' || address",
	"processing_versions": "CAST(activity_id AS TEXT) || ' ' || CAST(version AS TEXT)",
	"privacy_notices":     "CAST(version AS TEXT)",
}

// MentionColumnsScanned returns the register's columns the mention finder scans on engine: those
// whose value may name anyone or is someone's identifier, except search indexes (derived from
// columns scanned themselves, and rebuilt from them) and hashes.
func MentionColumnsScanned(engine string) []PersonalColumn {
	var out []PersonalColumn
	for _, c := range Register() {
		if c.Engine != "" && c.Engine != engine {
			continue
		}
		if !c.Whose.Anyone && !c.Whose.Identifier {
			continue
		}
		if c.Stored == SearchIndex || c.Stored == DecodedText || c.Stored == HexDigest || c.Category == CatCredential {
			continue
		}
		out = append(out, c)
	}
	return out
}

func mentionTables(engine string, only []string) []mentionTable {
	byTable := map[string]*mentionTable{}
	var order []string
	for _, c := range MentionColumnsScanned(engine) {
		if len(only) > 0 && !contains(only, c.Table) {
			continue
		}
		mt := byTable[c.Table]
		if mt == nil {
			mt = &mentionTable{table: c.Table, key: "CAST(id AS TEXT)", numeric: true}
			if k, ok := mentionKeys[c.Table]; ok {
				mt.key, mt.numeric = k, false
			}
			if c.Table == "attachments" {
				mt.extra = []string{"filename", "content_type"}
			}
			byTable[c.Table] = mt
			order = append(order, c.Table)
		}
		mt.cols = append(mt.cols, c)
		for _, l := range c.Whose.Links {
			switch {
			case c.Table == "calls" && mt.call == "":
				mt.call = "id"
			case l.Through == "calls.customer_id" && mt.call == "":
				mt.call = l.Column
			}
			if mt.person == "" {
				if l.Through == "" {
					mt.person = l.Column
				} else if tbl, col, ok := strings.Cut(l.Through, "."); ok {
					mt.person = fmt.Sprintf("(SELECT x.%s FROM %s x WHERE x.id = %s.%s)", col, tbl, c.Table, l.Column)
				}
			}
		}
	}
	out := make([]mentionTable, 0, len(order))
	for _, t := range order {
		out = append(out, *byTable[t])
	}
	return out
}

// decodedOf are the columns of the binary values decoded once when stored (migration 0039): the
// text a person reads in them, which the finder narrows with LIKE as it does plain text. A row
// whose text is NULL (stored before) is read and decoded as it was.
var decodedOf = map[string]string{
	"mail_messages.raw": "raw_text",  // desk.MailText
	"attachments.data":  "data_text", // desk.FileText of its name, type and bytes
}

// decodedText is text decoded from a stored value as a text column keeps it (PostgreSQL's text
// holds neither NUL nor invalid UTF-8; neither is part of an identifier).
func decodedText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", " "), " ")
}

// binary says whether a column's value is read as bytes and decoded in Go (no LIKE narrowing).
func (c PersonalColumn) binary() bool {
	return c.Stored == MIMEMessage || c.Stored == FileBytes || c.Stored == ZipArchive ||
		(c.Table == "sar_bundles" && c.Column == "model")
}

// FindMentions returns every place outside the person records' own fields where sc finds one of
// a person's full identifiers, in register order, then by key.
func (s *Store) FindMentions(ctx context.Context, sc *desk.Scrubber, o MentionOptions) ([]Mention, error) {
	return findMentions(ctx, s, s, sc, o)
}

// findMentions in a transaction: what erasure uses, so it sees its own writes.
func (t *Tx) findMentions(ctx context.Context, sc *desk.Scrubber, o MentionOptions) ([]Mention, error) {
	return findMentions(ctx, t.s, t, sc, o)
}

type queryFunc func(ctx context.Context, query string, args ...any) (*sql.Rows, error)

// mentionQuerier is the store or a transaction: what the finder reads through (a transaction sees
// its own writes, and the data keys it made).
type mentionQuerier interface {
	query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	queryRow(ctx context.Context, query string, args ...any) row
}

// indexedText are the tables the search index narrows: the columns whose text it holds (up to
// maxCallDoc characters of a call: summary, description and the diary, where the lifecycle also
// writes each resolution, hold reason and cancellation note as a status entry), the column of
// their row that is the call's id, and the condition (backed by a partial index) that selects
// the few rows whose other text columns are not empty.
var indexedText = map[string]struct {
	cols       []string
	call, rest string
}{
	"calls":         {[]string{"summary", "description", "resolution", "hold_reason", "cancel_note"}, "id", "(alt_email <> '' OR alt_phone <> '')"},
	"diary_entries": {[]string{"body"}, "call_id", ""},
}

// indexedCalls are the calls whose indexed text may name the person (the index finds one of the
// scrubber's IndexTerms), and the calls whose text may be longer than the index holds
// (search_overflow): the only calls whose indexed columns the finder reads.
func indexedCalls(ctx context.Context, d dialect, query queryFunc, mac *indexMAC, sc *desk.Scrubber) ([]int64, error) {
	set := map[int64]bool{}
	add := func(q string, args ...any) error {
		rows, err := query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			set[id] = true
		}
		return rows.Err()
	}
	for _, term := range sc.IndexTerms() {
		if words := SearchTerms(term); len(words) > 0 {
			// The special-category parts of sealed calls hold the words' blind forms (calls_sealed.go).
			var tokens []string
			if mac != nil {
				tokens = mac.tokens(words)
			}
			if err := add(d.searchPage(true), searchArgBlind(d, words, tokens, colAll, false), 1<<31-1, 0); err != nil {
				return nil, fmt.Errorf("search %q: %w", term, err)
			}
		}
	}
	if err := add(`SELECT call_id FROM search_overflow`); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

func findMentions(ctx context.Context, s *Store, q mentionQuerier, sc *desk.Scrubber, o MentionOptions) ([]Mention, error) {
	d, query := s.d, q.query
	mac, err := s.readIndexKey(ctx, q)
	if err != nil {
		return nil, err
	}
	needles := sc.Needles()
	if len(needles) == 0 {
		return nil, nil
	}
	engine := d.name()
	var calls []int64
	if len(o.Tables) == 0 || contains(o.Tables, "calls") || contains(o.Tables, "diary_entries") {
		var err error
		if calls, err = indexedCalls(ctx, d, query, mac, sc); err != nil {
			return nil, fmt.Errorf("find mentions: %w", err)
		}
	}
	decodeMail := o.DecodeMail
	if decodeMail == nil {
		decodeMail = desk.MailText
	}
	var out []Mention
	for _, mt := range mentionTables(engine, o.Tables) {
		found, err := mt.scan(ctx, s, q, sc, needles, calls, decodeMail)
		if err != nil {
			return nil, fmt.Errorf("find mentions in %s: %w", mt.table, err)
		}
		out = append(out, found...)
	}
	return out, nil
}

// scan reads the table's rows that may hold a mention and matches each column's decoded value.
func (mt mentionTable) scan(ctx context.Context, s *Store, q mentionQuerier, sc *desk.Scrubber, needles []string, calls []int64, decodeMail func([]byte) string) ([]Mention, error) {
	d := s.d
	// A table whose content may be sealed (issue 20 point 3): the database cannot narrow sealed
	// decoded text with LIKE, so sealedHits opens it in batches and matches the needles here; the
	// rows are then read a page at a time, their sealed values opened (mentionTable.read).
	tb, sealed := sealedTableOf(mt.table)
	sel := []string{mt.key, "0", "0"}
	if mt.call != "" {
		sel[1] = "COALESCE(" + mt.call + ", 0)"
	}
	if mt.person != "" {
		sel[2] = "COALESCE(" + mt.person + ", 0)"
	}
	// likeAny: the columns, looked at as one, hold a needle (one regular expression per row on
	// PostgreSQL, where a LIKE per needle took seconds over the 45 needles of a person with many
	// alternative contacts).
	likeAny := func(cols []string) (string, []any) {
		return d.containsAnyCI(strings.Join(cols, " || ' | ' || "), needles)
	}
	var where []string
	var args []any
	idx, narrowed := indexedText[mt.table]
	// The text columns the database narrows are looked at as one (a needle, letters and digits
	// only, cannot straddle the separator): one LIKE per needle and row, however many columns.
	var texts []string
	// sealedText: a text column the database narrows is sealed in some rows (issue 20 point 3):
	// LIKE cannot look into those, so every sealed row is read too (readSealed, a page at a time)
	// and matched once opened.
	sealedText := false
	// rest selects what the second query reads: the columns the index narrows are not read
	// there (NULL), only on the calls the index points to.
	rest := append([]string(nil), sel...)
	for _, c := range mt.cols {
		sel = append(sel, c.Column)
		if narrowed && contains(idx.cols, c.Column) {
			rest = append(rest, "NULL")
		} else {
			rest = append(rest, c.Column)
		}
		switch {
		case narrowed && contains(idx.cols, c.Column):
			// Read only on the calls the index (or search_overflow) points to.
		case c.binary() && decodedOf[c.Table+"."+c.Column] != "":
			// Only the values whose decoded text holds a needle, or not decoded yet.
			dc := decodedOf[c.Table+"."+c.Column]
			cond, a := d.containsAnyCI(dc, needles)
			if !sealed || !contains(tb.cols, c.Column) {
				where = append(where, "("+c.Column+" IS NOT NULL AND ("+dc+" IS NULL OR "+cond+"))")
				args = append(args, a...)
				break
			}
			// Plain rows narrowed as before; sealed ones by their opened text.
			hits, err := sealedHits(ctx, s, q, tb, c.Column, dc, needles)
			if err != nil {
				return nil, err
			}
			w := "(" + tb.keyCol + " IS NULL AND " + c.Column + " IS NOT NULL AND (" + dc + " IS NULL OR " + cond + "))"
			if len(hits) > 0 {
				w = "(" + w + " OR " + tb.idCol + " IN " + d.idSet() + ")"
				a = append(a, d.idSetArg(hits))
			}
			where, args = append(where, w), append(args, a...)
		case c.binary():
			where = append(where, c.Column+" IS NOT NULL")
		default:
			texts = append(texts, "COALESCE("+c.Column+", '')")
			sealedText = sealedText || (sealed && contains(tb.cols, c.Column))
		}
	}
	if len(texts) > 0 {
		cond, a := likeAny(texts)
		if sealedText {
			cond = "(" + cond + " OR " + tb.keyCol + " IS NOT NULL)"
		}
		where, args = append(where, cond), append(args, a...)
	}
	sel = append(sel, mt.extra...)
	rest = append(rest, mt.extra...)
	if sealed {
		sel = append(sel, tb.keyCol, tb.ownerKind, tb.ownerID)
		rest = append(rest, tb.keyCol, tb.ownerKind, tb.ownerID)
	}
	var queries []string
	var queryArgs [][]any
	if narrowed && len(calls) > 0 {
		// The calls the index points to, their indexed columns holding a needle.
		var cols []string
		for _, c := range idx.cols {
			cols = append(cols, "COALESCE("+c+", '')")
		}
		cond, a := likeAny(cols)
		// A sealed row's text is read whatever LIKE says of its ciphertext: opened, it is matched here.
		sealedCond := ""
		if sealed {
			sealedCond = " OR " + tb.keyCol + " IS NOT NULL"
		}
		queries = append(queries, "SELECT "+strings.Join(sel, ", ")+" FROM "+mt.table+" WHERE "+idx.call+" IN "+d.idSet()+" AND ("+cond+sealedCond+")")
		queryArgs = append(queryArgs, append([]any{d.idSetArg(calls)}, a...))
	}
	if len(where) > 0 {
		cond := "(" + strings.Join(where, " OR ") + ")"
		if narrowed && idx.rest != "" {
			cond = idx.rest + " AND " + cond
		}
		queries = append(queries, "SELECT "+strings.Join(rest, ", ")+" FROM "+mt.table+" WHERE "+cond)
		queryArgs = append(queryArgs, args)
	}
	seen := map[string]bool{}
	var out []Mention
	for i, sq := range queries {
		var found []Mention
		var err error
		if sealed {
			found, err = mt.readSealed(ctx, s, q, tb, sq, queryArgs[i], sc, decodeMail)
		} else {
			found, err = mt.read(ctx, q.query, sq, queryArgs[i], sc, decodeMail)
		}
		if err != nil {
			return nil, err
		}
		for _, m := range found {
			if k := m.Column + " " + m.Key; !seen[k] {
				seen[k] = true
				out = append(out, m)
			}
		}
	}
	col := map[string]int{}
	for i, c := range mt.cols {
		col[c.Column] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := col[out[i].Column], col[out[j].Column]; a != b {
			return a < b
		}
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// mentionRow is one row a query of scan read: its key, call, person, the scanned columns'
// values, the extra columns, and (sealed tables) its data key and the key's owner.
type mentionRow struct {
	key          string
	call, person int64
	vals         [][]byte
	extra        []sql.NullString
	keyID        sql.NullInt64
	kind         string
	owner        int64
}

func (mt mentionTable) scanRow(rows *sql.Rows, sealed bool) (mentionRow, error) {
	r := mentionRow{vals: make([][]byte, len(mt.cols)), extra: make([]sql.NullString, len(mt.extra))}
	dest := []any{&r.key, &r.call, &r.person}
	for i := range r.vals {
		dest = append(dest, &r.vals[i])
	}
	for i := range r.extra {
		dest = append(dest, &r.extra[i])
	}
	if sealed {
		dest = append(dest, &r.keyID, &r.kind, &r.owner)
	}
	return r, rows.Scan(dest...)
}

// match matches a row's decoded values.
func (mt mentionTable) match(r mentionRow, sc *desk.Scrubber, decodeMail func([]byte) string) []Mention {
	var out []Mention
	for i, c := range mt.cols {
		if r.vals[i] == nil {
			continue
		}
		text, decoded := mentionText(c, r.vals[i], r.extra, decodeMail)
		m := Mention{Table: mt.table, Column: c.Column, Key: r.key, CallID: r.call, PersonID: r.person}
		if mt.numeric {
			m.ID, _ = strconv.ParseInt(r.key, 10, 64)
		}
		if locs := sc.Find(text); len(locs) > 0 {
			m.Excerpt = desk.Excerpt(text, locs[0][0], locs[0][1])
			m.Decoded = decoded && len(sc.Find(string(r.vals[i]))) == 0
			out = append(out, m)
		}
	}
	return out
}

// read runs one query of scan and matches each row's decoded values.
func (mt mentionTable) read(ctx context.Context, query queryFunc, q string, args []any, sc *desk.Scrubber, decodeMail func([]byte) string) ([]Mention, error) {
	rows, err := query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Mention
	for rows.Next() {
		r, err := mt.scanRow(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, mt.match(r, sc, decodeMail)...)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// sealedPage is how many rows of a sealed table the finder holds at once: a page is read whole,
// its rows closed, then its sealed values opened (opening may read a data key, and a
// transaction's connection runs one query at a time).
const sealedPage = 200

// readSealed is read for a table of sealedTables (q ends with its WHERE condition): a page of
// rows at a time, in id order, each sealed value opened before it is matched.
func (mt mentionTable) readSealed(ctx context.Context, s *Store, qr mentionQuerier, tb sealedTable, q string, args []any, sc *desk.Scrubber, decodeMail func([]byte) string) ([]Mention, error) {
	var out []Mention
	var after int64
	for {
		// The id qualified: on PostgreSQL the key's output column, CAST(id AS TEXT), is named id,
		// and ORDER BY id would sort it as text.
		id := tb.table + "." + tb.idCol
		rows, err := qr.query(ctx, q+" AND "+id+" > ? ORDER BY "+id+" LIMIT ?", append(append([]any{}, args...), after, sealedPage)...)
		if err != nil {
			return nil, err
		}
		var page []mentionRow
		for rows.Next() {
			r, err := mt.scanRow(rows, true)
			if err != nil {
				rows.Close()
				return nil, err
			}
			page = append(page, r)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		for _, r := range page {
			id, _ := strconv.ParseInt(r.key, 10, 64)
			after = max(after, id)
			for i, c := range mt.cols {
				if r.vals[i] == nil || !contains(tb.cols, c.Column) {
					continue
				}
				v, err := openSealed(ctx, s, qr, tb, c.Column, r.keyID, r.kind, r.owner, r.vals[i])
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", mt.table, r.key, err)
				}
				r.vals[i] = v
			}
			out = append(out, mt.match(r, sc, decodeMail)...)
		}
		if len(page) < sealedPage {
			return out, nil
		}
	}
}

// openSealed opens value v of column col of a row of tb (sealed under keyID, of owner kind/owner;
// NULL: plain).
func openSealed(ctx context.Context, s *Store, q rowQuerier, tb sealedTable, col string, keyID sql.NullInt64, kind string, owner int64, v []byte) ([]byte, error) {
	if tb.text[col] {
		p, err := s.openString(ctx, q, keyID, kind, owner, tb.table+"."+col, string(v))
		return []byte(p), err
	}
	return s.openBytes(ctx, q, keyID, kind, owner, tb.table+"."+col, v)
}

// sealedHits are the rows of tb whose column col (whose decoded text is column dc) is sealed
// and may name the person: the opened text holds a needle (case-insensitively, as the database's
// narrowing of plain rows), or there is none. The rows are read a page at a time (id, key and
// text only, never the value itself), so memory stays bounded however large the table.
func sealedHits(ctx context.Context, s *Store, q mentionQuerier, tb sealedTable, col, dc string, needles []string) ([]int64, error) {
	lower := make([]string, len(needles))
	for i, n := range needles {
		lower[i] = strings.ToLower(n)
	}
	type sealedText struct {
		id, owner int64
		kind      string
		key       sql.NullInt64
		text      sql.NullString
	}
	var hits []int64
	var after int64
	for {
		rows, err := q.query(ctx, `SELECT `+tb.idCol+`, `+tb.keyCol+`, `+tb.ownerKind+`, `+tb.ownerID+`, `+dc+` FROM `+tb.table+`
			WHERE `+tb.keyCol+` IS NOT NULL AND `+col+` IS NOT NULL AND `+tb.idCol+` > ? ORDER BY `+tb.idCol+` LIMIT ?`, after, sealedPage)
		if err != nil {
			return nil, err
		}
		var page []sealedText
		for rows.Next() {
			var r sealedText
			if err := rows.Scan(&r.id, &r.key, &r.kind, &r.owner, &r.text); err != nil {
				rows.Close()
				return nil, err
			}
			page = append(page, r)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		for _, r := range page {
			after = r.id
			if !r.text.Valid {
				hits = append(hits, r.id) // not decoded when stored: the value itself is read
				continue
			}
			text, err := s.openString(ctx, q, r.key, r.kind, r.owner, tb.table+"."+dc, r.text.String)
			if err != nil {
				return nil, fmt.Errorf("%s %d: %w", tb.table, r.id, err)
			}
			text = strings.ToLower(text)
			for _, n := range lower {
				if strings.Contains(text, n) {
					hits = append(hits, r.id)
					break
				}
			}
		}
		if len(page) < sealedPage {
			return hits, nil
		}
	}
}

// mentionText is a stored value as a person reads it, and whether that took decoding.
func mentionText(c PersonalColumn, v []byte, extra []sql.NullString, decodeMail func([]byte) string) (string, bool) {
	switch {
	case c.Stored == MIMEMessage:
		return decodeMail(v), true
	case c.Stored == FileBytes:
		name, ctype := "", ""
		if len(extra) == 2 {
			name, ctype = extra[0].String, extra[1].String
		}
		return desk.FileText(name, ctype, v), true
	case c.Stored == ZipArchive:
		return desk.FileText("", "application/zip", v), true
	case c.Stored == JSONText:
		s := string(v)
		if c.binary() {
			if t := desk.FileText("", "application/json", v); t != "" {
				s = t
			}
		}
		return s + "\n" + desk.JSONText(s), true
	}
	s := string(v)
	if u := desk.URLText(s); u != s {
		return s + "\n" + u, true
	}
	return s, false
}
