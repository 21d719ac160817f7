package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"calldesk/internal/store"
)

// liveColumn is a column of the live schema and its declared type.
type liveColumn struct {
	table, column, typ string
}

func (c liveColumn) name() string { return c.table + "." + c.column }

// fts5Shadow are the suffixes of the tables an FTS5 virtual table keeps its index in.
var fts5Shadow = []string{"_data", "_idx", "_content", "_docsize", "_config"}

// liveColumns reads every column of every table of the migrated database from the engine's own
// catalogue. On SQLite it leaves out SQLite's own tables (sqlite_sequence: table names and
// counters) and the shadow tables of each FTS5 index, which hold that index's words in its own
// format: the index is declared by its virtual table's column (call_fts.doc), and what erasure
// does to the shadow tables is what it does to the index (erase_test scans them after erasure).
func liveColumns(t *testing.T, e *env) []liveColumn { return schemaColumns(t, e, false) }

// schemaColumns reads every column of every table from the engine's catalogue (information_schema
// on PostgreSQL, sqlite_master and pragma_table_info on SQLite), with the FTS5 shadow tables when
// shadow is set: the one reader of the schema of the register test and the erasure scan.
func schemaColumns(t *testing.T, e *env, shadow bool) []liveColumn {
	t.Helper()
	q := `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()
		ORDER BY table_name, ordinal_position`
	if e.Engine == "sqlite" {
		q = `SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`
	}
	var fts []string
	if e.Engine == "sqlite" {
		rows, err := e.DB.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND upper(sql) LIKE 'CREATE VIRTUAL TABLE%USING FTS5%'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			fts = append(fts, n)
		}
		rows.Close()
	}
	isShadow := func(table string) bool {
		for _, v := range fts {
			for _, s := range fts5Shadow {
				if table == v+s {
					return true
				}
			}
		}
		return false
	}
	rows, err := e.DB.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []liveColumn
	for rows.Next() {
		var c liveColumn
		if err := rows.Scan(&c.table, &c.column, &c.typ); err != nil {
			t.Fatal(err)
		}
		if shadow || !isShadow(c.table) {
			out = append(out, c)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 200 {
		t.Fatalf("the catalogue lists only %d columns", len(out))
	}
	return out
}

// holdsText says whether a column of declared type typ on engine can hold text, bytes or JSON.
// It is decided by exclusion, so a type nobody thought of counts as text: on SQLite, every type
// but those of integer or real affinity (an untyped or DATETIME column stores text as readily as
// a TEXT one); on PostgreSQL, every type but numbers, booleans, dates and times.
func holdsText(engine, typ string) bool {
	typ = strings.ToUpper(typ)
	if engine == "sqlite" {
		for _, s := range []string{"INT", "REAL", "FLOA", "DOUB", "BOOL"} {
			if strings.Contains(typ, s) {
				return false
			}
		}
		return true
	}
	switch {
	case slices.Contains([]string{"SMALLINT", "INTEGER", "BIGINT", "BOOLEAN", "REAL", "DOUBLE PRECISION", "NUMERIC", "DATE", "INTERVAL"}, typ),
		strings.HasPrefix(typ, "TIMESTAMP"), strings.HasPrefix(typ, "TIME "), typ == "TIME":
		return false
	}
	return true
}

// schemaProblems compares the register and the list of columns without personal data with the
// live schema of engine: a text column in neither, an entry naming no column (or a person link
// naming none), an entry for the other engine's column, a column declared twice.
func schemaProblems(engine string, live []liveColumn, reg []store.PersonalColumn, none []store.NotPersonal) []string {
	var out []string
	exists := map[string]bool{}
	for _, c := range live {
		exists[c.name()] = true
	}
	declared := map[string]string{}
	declare := func(name, list string) {
		if was, ok := declared[name]; ok {
			out = append(out, fmt.Sprintf("%s is declared twice (in %s and in %s): keep one entry", name, was, list))
		}
		declared[name] = list
	}
	type declaration struct {
		table, name, engine, list string
		links                     []store.Link
	}
	var decls []declaration
	for _, c := range reg {
		decls = append(decls, declaration{c.Table, c.Name(), c.Engine, "Register", c.Whose.Links})
	}
	for _, c := range none {
		decls = append(decls, declaration{c.Table, c.Name(), c.Engine, "NotPersonalColumns", nil})
	}
	for _, d := range decls {
		if d.engine != "" && d.engine != engine {
			continue
		}
		declare(d.name, d.list)
		if !exists[d.name] {
			out = append(out, fmt.Sprintf("%s declares %s, which the %s schema does not have: remove or correct the entry "+
				"in internal/store/register.go (or set its Engine)", d.list, d.name, engine))
		}
		for _, l := range d.links {
			if !exists[d.table+"."+l.Column] && !(engine == "sqlite" && l.Column == "rowid") {
				out = append(out, fmt.Sprintf("Register entry %s: its person link %s.%s is not a column", d.name, d.table, l.Column))
			}
			if l.Through != "" && !exists[l.Through] {
				out = append(out, fmt.Sprintf("Register entry %s: its person link goes through %s, which is not a column", d.name, l.Through))
			}
		}
	}
	for _, c := range live {
		if holdsText(engine, c.typ) && declared[c.name()] == "" {
			out = append(out, fmt.Sprintf("%s (%s on %s) can hold text, bytes or JSON but is in neither list of internal/store/register.go: "+
				"declare it in Register (category, whose data, sources, storage, retention class, erasure treatment, SAR section, "+
				"and what erasure and the SAR do with it today) or, if it holds no personal data, in NotPersonalColumns with the reason",
				c.name(), c.typ, engine))
		}
	}
	return out
}

// entryProblems lists the entries that miss something the register promises: a known category,
// treatment, retention class and SAR section, the reasons and gaps those call for, a source, an
// owner, a storage and what erasure does today.
func entryProblems(reg []store.PersonalColumn, none []store.NotPersonal) []string {
	var out []string
	bad := func(c store.PersonalColumn, format string, args ...any) {
		out = append(out, c.Name()+": "+fmt.Sprintf(format, args...))
	}
	for _, c := range reg {
		if c.Table == "" || c.Column == "" {
			bad(c, "names no table or column")
		}
		if !slices.Contains([]string{"", "sqlite", "postgres"}, c.Engine) {
			bad(c, "engine %q is neither sqlite nor postgres", c.Engine)
		}
		if !slices.Contains(store.Categories(), c.Category) {
			bad(c, "category %q is none of store.Categories()", c.Category)
		}
		if !slices.Contains(store.Treatments(), c.Erasure) {
			bad(c, "erasure treatment %q is none of store.Treatments()", c.Erasure)
		}
		if c.Erasure == store.Keep && c.KeepReason == "" {
			bad(c, "kept by erasure without a KeepReason")
		}
		if !slices.Contains(store.RetentionEndings(), c.Retention) {
			bad(c, "retention class %q is none of store.RetentionEndings()", c.Retention)
		}
		if c.Retention == store.RetainNone && c.RetentionGap == "" {
			bad(c, "no retention class ends it, and its RetentionGap does not say so")
		}
		switch {
		case len(c.SAR) == 0:
			bad(c, "no SAR section: name the section that shows it, or store.SectionNone with a SARReason")
		case slices.Contains(c.SAR, store.SectionNone) && (len(c.SAR) > 1 || c.SARReason == ""):
			bad(c, "SectionNone must stand alone, with a SARReason")
		}
		for _, s := range c.SAR {
			if s != store.SectionNone && !slices.Contains(store.SARSections(), s) {
				bad(c, "SAR section %q is none of store.SARSections()", s)
			}
		}
		if len(c.Sources) == 0 {
			bad(c, "no source")
		}
		if len(c.Whose.Links) == 0 && !c.Whose.Identifier && !c.Whose.Anyone {
			bad(c, "does not say whose data it is")
		}
		if c.Stored == "" {
			bad(c, "does not say how it is stored")
		}
		if c.Today == "" {
			bad(c, "does not say what erasure does with it today")
		}
	}
	for _, c := range none {
		if c.Reason == "" {
			out = append(out, c.Name()+": declared as holding no personal data without a reason")
		}
	}
	return out
}

// TestRegisterCoversTheSchema: every column of the live schema that can hold text, bytes or JSON
// is in the register of personal data or among the columns declared to hold none, on both
// engines, and every declaration names a column that exists.
func TestRegisterCoversTheSchema(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		live := liveColumns(t, e)
		for _, p := range schemaProblems(e.Engine, live, store.Register(), store.NotPersonalColumns()) {
			t.Error(p)
		}
	})
}

// TestRegisterEntriesAreComplete: every entry has its category, treatment, retention class, SAR
// section and the rest.
func TestRegisterEntriesAreComplete(t *testing.T) {
	for _, p := range entryProblems(store.Register(), store.NotPersonalColumns()) {
		t.Error(p)
	}
	if n := len(store.Register()); n < 60 {
		t.Errorf("the register has %d entries", n)
	}
}

// TestRegisterChecksFail shows that the checks above catch what they are for, on a schema and
// entries made up for the purpose.
func TestRegisterChecksFail(t *testing.T) {
	live := []liveColumn{{"people", "id", "INTEGER"}, {"people", "email", "TEXT"}, {"notes", "id", "INTEGER"},
		{"notes", "body", "TEXT"}, {"notes", "extra", ""}, {"notes", "blob", "BLOB"}, {"notes", "n", "BIGINT"}}
	email := store.PersonalColumn{Table: "people", Column: "email", Category: store.CatContact, Whose: store.Whose{Links: []store.Link{{Column: "id"}}},
		Sources: []store.Source{store.FromDirectory}, Stored: store.Plain, Retention: store.RetainLeavers, Erasure: store.Remove,
		Today: "emptied", SAR: []store.SARSection{store.SectionPerson}}
	body := email
	body.Table, body.Column, body.Category, body.Whose = "notes", "body", store.CatFreeText, store.Whose{Anyone: true}
	reg := []store.PersonalColumn{email, body}
	none := []store.NotPersonal{{Table: "notes", Column: "extra", Reason: "x"}, {Table: "notes", Column: "blob", Reason: "y"}}
	if got := schemaProblems("sqlite", live, reg, none); len(got) != 0 {
		t.Fatalf("a covered schema: %q", got)
	}
	has := func(got []string, want string) bool {
		for _, g := range got {
			if strings.Contains(g, want) {
				return true
			}
		}
		return false
	}
	// A column added to the schema without a declaration; an untyped SQLite column counts as text.
	for _, c := range []liveColumn{{"notes", "nickname", "TEXT"}, {"notes", "misc", ""}, {"notes", "doc", "JSONB"}} {
		if got := schemaProblems("postgres", append(live, c), reg, none); !has(got, c.name()+" ("+c.typ+" on postgres) can hold text") {
			t.Errorf("an undeclared %s column: %q", c.typ, got)
		}
	}
	if got := schemaProblems("sqlite", append(live, liveColumn{"notes", "at", "INTEGER"}), reg, none); len(got) != 0 {
		t.Errorf("an integer column needs no declaration: %q", got)
	}
	// A declaration of a column that is gone, or whose person link is gone.
	stale := body
	stale.Column = "gone"
	if got := schemaProblems("sqlite", live, append(reg, stale), none); !has(got, "Register declares notes.gone") {
		t.Errorf("a stale entry: %q", got)
	}
	link := body
	link.Column, link.Whose = "extra", store.Whose{Links: []store.Link{{Column: "author_id"}, {Column: "id", Through: "people.nobody"}}}
	got := schemaProblems("sqlite", live, []store.PersonalColumn{email, link}, none[1:])
	if !has(got, "notes.author_id is not a column") || !has(got, "goes through people.nobody") || !has(got, "notes.body (TEXT on sqlite)") {
		t.Errorf("stale person links: %q", got)
	}
	if got := schemaProblems("sqlite", live, reg, append(none, store.NotPersonal{Table: "notes", Column: "body", Reason: "z"})); !has(got, "notes.body is declared twice") {
		t.Errorf("a column in both lists: %q", got)
	}
	// An entry for the other engine only is neither stale nor a declaration here.
	other := stale
	other.Engine = "postgres"
	if got := schemaProblems("sqlite", live, append(reg, other), none); len(got) != 0 {
		t.Errorf("another engine's entry: %q", got)
	}

	// Entries that miss what they must say.
	broken := []store.PersonalColumn{
		{Table: "notes", Column: "a"},
		func() store.PersonalColumn { c := email; c.Erasure = store.Keep; return c }(),
		func() store.PersonalColumn { c := email; c.Retention = store.RetainNone; return c }(),
		func() store.PersonalColumn { c := email; c.Retention = "weekly"; return c }(),
		func() store.PersonalColumn { c := email; c.SAR = []store.SARSection{store.SectionNone}; return c }(),
		func() store.PersonalColumn { c := email; c.SAR = []store.SARSection{"diary.json"}; return c }(),
		func() store.PersonalColumn { c := email; c.Category = "hobbies"; return c }(),
	}
	problems := entryProblems(broken, []store.NotPersonal{{Table: "notes", Column: "b"}})
	for _, want := range []string{"notes.a: category \"\"", "notes.a: erasure treatment \"\"", "notes.a: retention class \"\"",
		"notes.a: no SAR section", "notes.a: no source", "notes.a: does not say whose", "notes.a: does not say how it is stored",
		"notes.a: does not say what erasure does", "without a KeepReason", "its RetentionGap does not say so",
		"retention class \"weekly\"", "SectionNone must stand alone", "SAR section \"diary.json\"", "category \"hobbies\"",
		"notes.b: declared as holding no personal data without a reason"} {
		if !has(problems, want) {
			t.Errorf("no problem %q among %q", want, problems)
		}
	}
	if got := entryProblems(reg, none); len(got) != 0 {
		t.Errorf("complete entries: %q", got)
	}
}

// TestRegisterLookups: the functions erasure and the SAR will call find the right columns, and
// each call returns a copy of its own.
func TestRegisterLookups(t *testing.T) {
	names := func(cs []store.PersonalColumn) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name())
		}
		return out
	}
	free := names(store.FreeTextColumns())
	for _, want := range []string{"calls.description", "diary_entries.body", "audit_log.detail", "legal_holds.reason", "subject_requests.details"} {
		if !slices.Contains(free, want) {
			t.Errorf("FreeTextColumns lacks %s: %v", want, free)
		}
	}
	for _, not := range []string{"people.email", "attachments.data", "mail_messages.raw"} {
		if slices.Contains(free, not) {
			t.Errorf("FreeTextColumns lists %s", not)
		}
	}
	creds := names(store.ColumnsOf(store.CatCredential))
	if !slices.Equal(creds, []string{"accounts.password_hash", "api_tokens.token_hash", "sessions.token_hash", "password_resets.token_hash",
		"second_factors.secret", "recovery_codes.code_hash"}) {
		t.Errorf("credentials: %v", creds)
	}
	if got := names(store.ColumnsOf(store.CatRawEmail, store.CatNetwork)); !slices.Contains(got, "mail_messages.raw") || !slices.Contains(got, "sessions.user_agent") {
		t.Errorf("raw email and network addresses: %v", got)
	}
	sqlite, pg := names(store.MentionColumns("sqlite")), names(store.MentionColumns("postgres"))
	for _, want := range []string{"attachments.data", "mail_messages.raw", "calls.summary", "audit_log.detail", "people.job_title"} {
		if !slices.Contains(sqlite, want) || !slices.Contains(pg, want) {
			t.Errorf("MentionColumns lacks %s", want)
		}
	}
	if slices.Contains(sqlite, "people.email") {
		t.Error("MentionColumns lists people.email, which names only its own person")
	}
	if !slices.Contains(sqlite, "call_fts.doc") || slices.Contains(sqlite, "calls.search") ||
		!slices.Contains(pg, "calls.search") || slices.Contains(pg, "call_fts.doc") {
		t.Errorf("each engine's search index: sqlite %v, postgres %v", sqlite, pg)
	}
	r := store.Register()
	r[0].Table = "changed"
	r[0].SAR[0] = "changed"
	if again := store.Register(); again[0].Table == "changed" || again[0].SAR[0] == "changed" {
		t.Error("a change to what Register returned is seen by the next caller")
	}
	if !store.RetainLeavers.Scheduled() || store.RetainExpiry.Scheduled() || store.RetainNone.Scheduled() {
		t.Error("Scheduled does not tell the schedule's classes from the endings outside it")
	}
	if len(store.RetentionEndings()) != len(store.RetentionClasses())+3 {
		t.Errorf("retention endings %v", store.RetentionEndings())
	}
	if w := (store.Whose{Links: []store.Link{{Column: "call_id", Through: "calls.customer_id"}}, Anyone: true}).String(); w !=
		"the person in calls.customer_id of the row call_id names; anyone the text names" {
		t.Errorf("whose in words: %q", w)
	}
}
