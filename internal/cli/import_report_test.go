package cli

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"calldesk/internal/directory/csvtest"
)

// TestImportCommandHoldsLeavers (issue 13, points 15 to 17), end to end through calldesk import
// and the import configuration: a Windows-1250 export keeps Polish names; a row with bare quotes
// and rows split by a lone carriage return are read; a rejected row holds the leaver (the rest
// goes in, the command fails saying so) until --force; an emptied field is cleared unless the
// configuration calls it optional; an empty kind cell keeps the kind; a file that does not
// decode is refused with its line; a dry run of more than 2,000 changes says how many it left
// out; mistakes in the new keys are named.
func TestImportCommandHoldsLeavers(t *testing.T) {
	path, _, _, _ := seededDB(t)
	dir := t.TempDir()
	csvPath, bigPath, cfgPath := filepath.Join(dir, "people.csv"), filepath.Join(dir, "big.csv"), filepath.Join(dir, "import.json")
	config := func(extra string) {
		t.Helper()
		cfg := fmt.Sprintf(`{"max_new_share": 0.25 %s, "sources": [
			{"name": "campus", "kind": "csv", "path": %q, "encoding": "windows-1250", "optional": ["department"],
			 "mapping": "key=ID,first=First,last=Last,username=Login,email=Email,department=Dept,title=Title,kind=Type"},
			{"name": "big", "kind": "csv", "path": %q, "mapping": %q}]}`, extra, csvPath, bigPath, csvtest.Mapping)
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	config("")
	type row struct{ id, first, last, dept, title, kind string }
	rows := func() []row {
		var out []row
		for i := 1; i <= 20; i++ {
			out = append(out, row{fmt.Sprintf("E%03d", i), fmt.Sprintf("Name%d", i), fmt.Sprintf("Surname%d", i), fmt.Sprintf("Dept%d", i), fmt.Sprintf("Title%d", i), "STF"})
		}
		out[6] = row{"E007", "Łukasz", "Wróblewski", "Physics", "", "STU"}
		return out
	}
	write := func(rs []row, ending func(i int) string) {
		t.Helper()
		var b strings.Builder
		b.WriteString("ID,First,Last,Login,Email,Dept,Title,Type\r\n")
		for i, r := range rs {
			login := strings.ToLower(r.id)
			fmt.Fprintf(&b, "%s,%s,%s,%s,%s@uni.example,%s,%s,%s%s", r.id, r.first, r.last, login, login, r.dept, r.title, r.kind, ending(i))
		}
		enc, err := charmap.Windows1250.NewEncoder().Bytes([]byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(csvPath, enc, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	crlf := func(int) string { return "\r\n" }
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	field := func(key, col string) string {
		t.Helper()
		var v string
		if err := db.QueryRow(`SELECT `+col+` FROM people WHERE directory_key = ?`, key).Scan(&v); err != nil {
			t.Fatalf("%s of %s: %v", col, key, err)
		}
		return v
	}
	run := func(source string, extra ...string) run {
		return runCLI(t, nil, append([]string{"import", "--db", path, "--import-config", cfgPath, "--source", source}, extra...)...)
	}

	write(rows(), crlf)
	if r := run("campus"); r.code != 0 || !strings.Contains(r.stdout, "campus: done: 20 read, 20 created") {
		t.Fatalf("first import: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if first, last := field("E007", "first_name"), field("E007", "last_name"); first != "Łukasz" || last != "Wróblewski" {
		t.Fatalf("a Windows-1250 name read as %s %s", first, last)
	}

	// E020 has gone; one row has an unknown kind; E005's surname has bare quotes; a lone CR ends
	// the line after E010; E003's optional department and E004's title are emptied; E007's kind
	// cell is empty.
	next := rows()[:19]
	next[4].last = `Patel "Bob" x`
	next[2].dept, next[3].title, next[6].kind = "", "", ""
	next = append(next, row{"E099", "Emma", "Wilson", "Estates", "Porter", "CONTRACTOR"})
	write(next, func(i int) string {
		if i == 9 {
			return "\r"
		}
		return "\r\n"
	})
	r := run("campus")
	if r.code == 0 || !strings.Contains(r.stdout, `rejected: line 21 (key "E099"): unknown kind "CONTRACTOR"`) ||
		!strings.Contains(r.stdout, "0 left, 1 leavers held") || !strings.Contains(r.stderr, "made nobody a leaver") {
		t.Fatalf("an export with a rejected row: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if a := field("E020", "active"); a != "1" {
		t.Fatal("E020 became a leaver although a row was rejected")
	}
	for _, c := range []struct{ key, col, want string }{
		{"E005", "last_name", `Patel "Bob" x`}, {"E011", "first_name", "Name11"}, {"E003", "department", "Dept3"},
		{"E004", "job_title", ""}, {"E007", "kind", "student"},
	} {
		if got := field(c.key, c.col); got != c.want {
			t.Errorf("%s's %s: %q, want %q", c.key, c.col, got, c.want)
		}
	}
	if r := run("campus", "--force"); r.code != 0 || !strings.Contains(r.stdout, "1 left") {
		t.Fatalf("forced: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if a := field("E020", "active"); a != "0" {
		t.Fatal("E020 is still active after --force")
	}

	// A byte Windows-1250 does not define: the file is refused, with its line.
	b, _ := os.ReadFile(csvPath)
	os.WriteFile(csvPath, bytes.Replace(b, []byte("Name12"), []byte("Name\x9812"), 1), 0o600)
	if r := run("campus"); r.code == 0 || !strings.Contains(r.stderr, "line 13") || !strings.Contains(r.stderr, "windows-1250 does not define") {
		t.Fatalf("an undecodable file: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// A dry run of 2,100 new people lists 2,000 and counts the rest.
	var big bytes.Buffer
	if _, err := csvtest.Write(&big, 2100, 5, 0); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bigPath, big.Bytes(), 0o600)
	if r := run("big", "--dry-run"); r.code != 0 || !strings.Contains(r.stdout, "… and 100 more changes not listed") {
		t.Fatalf("a big dry run: %d %q", r.code, r.stderr)
	}

	// Mistakes in the new keys are named.
	for extra, says := range map[string]string{
		`, "max_new_share": 2`: "max_new_share",
	} {
		config(extra)
		if r := run("campus"); r.code != 2 || !strings.Contains(r.stderr, says) {
			t.Errorf("config %s: %d %q", extra, r.code, r.stderr)
		}
	}
	os.WriteFile(cfgPath, []byte(`{"sources": [{"name": "c", "kind": "csv", "path": "x.csv", "mapping": "key=ID,last=L", "optional": ["surname"]}]}`), 0o600)
	if r := runCLI(t, nil, "import", "--db", path, "--import-config", cfgPath, "--source", "c"); r.code != 2 || !strings.Contains(r.stderr, `optional: "surname" is not one of`) {
		t.Errorf("a bad optional field: %d %q", r.code, r.stderr)
	}
	os.WriteFile(cfgPath, []byte(`{"sources": [{"name": "c", "kind": "csv", "path": "x.csv", "mapping": "key=ID,last=L", "encoding": "ebcdic"}]}`), 0o600)
	if r := runCLI(t, nil, "import", "--db", path, "--import-config", cfgPath, "--source", "c"); r.code != 2 || !strings.Contains(r.stderr, "windows-1250") {
		t.Errorf("an unknown encoding: %d %q", r.code, r.stderr)
	}
}
