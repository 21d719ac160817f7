package directory_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"calldesk/internal/directory"
	"calldesk/internal/directory/ldaptest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestCSVImportNUL (issue 13 point 9, reviewer's finding 8): one NUL byte in one cell rejects
// that row, naming its line, key and column, instead of failing the whole import (the register
// refuses to store it; PostgreSQL cannot): the other rows go in, the run is recorded, and the
// person of the rejected row is not made a leaver. A NUL in the key cell is reported with the
// key read without it. Both engines.
func TestCSVImportNUL(t *testing.T) {
	m, err := directory.ParseCSVMapping("key=Key,first=First,last=Last,username=User,email=Email,department=Dept")
	if err != nil {
		t.Fatal(err)
	}
	const header = "Key,First,Last,User,Email,Dept\n"
	clean := header +
		"E1,Ann,Lee,alee,ann.lee@uni.example,Physics\n" +
		"E2,Bob,Patel,bpatel,bob.patel@uni.example,Physics\n" +
		"E3,Cai,Wong,cwong,cai.wong@uni.example,Chemistry\n" +
		"E4,Dee,Shah,dshah,dee.shah@uni.example,Chemistry\n"
	nul := header +
		"E1,Ann,Lee,alee,ann.lee@uni.example,Physics\n" +
		"E2,Bob,Patel,bpatel,bob.patel@uni.example,Phys\x00ics\n" +
		"E3\x00,Cai,Wong,cwong,cai.wong@uni.example,Chemistry\n" +
		"E4,Dee,Shah,dshah,dee.shah@uni.example,Chemistry\n" +
		"E5,Eve,Ng,eng,eve.ng@uni.example,Biology\n"

	recs, problems, err := directory.ReadCSV(strings.NewReader(nul), m, directory.CSVOptions{})
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	if len(recs) != 3 || len(problems) != 2 {
		t.Fatalf("%d records, %d problems %+v; want 3 and 2", len(recs), len(problems), problems)
	}
	for i, want := range []directory.Problem{
		{Line: 3, Key: "E2", Reason: "the department (column Dept) holds a NUL character"},
		{Line: 4, Key: "E3", Reason: "the key (column Key) holds a NUL character"},
	} {
		if p := problems[i]; p.Line != want.Line || p.Key != want.Key || !strings.Contains(p.Reason, want.Reason) {
			t.Errorf("problem %d: %+v, want line %d, key %q and %q", i, p, want.Line, want.Key, want.Reason)
		}
	}

	dir := t.TempDir()
	write := func(name, text string) directory.CSVFile {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return directory.CSVFile{Path: path, Mapping: m}
	}
	first, second := write("clean.csv", clean), write("nul.csv", nul)
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test"}
		if res, err := directory.Import(ctx, e.S, first, opt); err != nil || res.Created != 4 {
			t.Fatalf("clean import: %+v %v", res, err)
		}
		res, err := directory.Import(ctx, e.S, second, opt)
		if err != nil {
			t.Fatalf("an import with a NUL in two rows failed as a whole: %v", err)
		}
		if res.Rejected != 2 || res.Created != 1 || res.Left != 0 || res.State != store.RunDone {
			t.Errorf("rejected %d, created %d, left %d, state %q; want 2, 1, 0, done: %+v", res.Rejected, res.Created, res.Left, res.State, res)
		}
		text := strings.Join(res.Problems, "\n")
		for _, want := range []string{`line 3 (key "E2"): the department (column Dept) holds a NUL character`, `line 4 (key "E3"): the key (column Key)`} {
			if !strings.Contains(text, want) {
				t.Errorf("problems lack %q:\n%s", want, text)
			}
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM import_runs`); n != 2 {
			t.Errorf("%d runs recorded, want 2", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_key IN ('E2', 'E3') AND active = 1 AND department IN ('Physics', 'Chemistry')`); n != 2 {
			t.Errorf("%d of the rejected rows' people active and unchanged, want 2", n)
		}
	})
}

// TestLDAPBadText (issue 13 point 9, reviewer's finding 8): an entry whose mapped attribute
// holds a NUL, or bytes that are not UTF-8, is a Problem naming the attribute and the entry's
// key; the other entries are read. Department is mapped to an octet-string attribute
// (jpegPhoto) here, as a directory mapped wrongly might be: slapd keeps any bytes there.
func TestLDAPBadText(t *testing.T) {
	t.Parallel()
	srv := ldaptest.New(t)
	tr := srv.NewTree(t, 0)
	for uid, dept := range map[string]string{"good": "Physics", "nul": "Phys\x00ics", "latin1": "Chimie g\xe9n\xe9rale"} {
		tr.Add(t, "uid="+uid+","+tr.StaffDN, map[string][]string{"objectClass": {"inetOrgPerson"},
			"uid": {uid}, "cn": {uid}, "sn": {uid}, "employeeNumber": {"N-" + uid}, "jpegPhoto": {dept}})
	}
	cfg := treeConfig(tr)
	cfg.Attributes.Key, cfg.Attributes.Department, cfg.Attributes.StudentNumber = "employeeNumber", "jpegPhoto", ""
	records, problems, err := newLDAP(t, cfg).Read(t.Context())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(records) != 1 || records[0].Key != "N-good" || records[0].Department != "Physics" {
		t.Errorf("records %+v, want the good entry only", records)
	}
	want := map[string]string{"N-nul": "jpegPhoto holds a NUL character", "N-latin1": "jpegPhoto is not valid UTF-8"}
	if len(problems) != len(want) {
		t.Fatalf("problems %+v, want %d", problems, len(want))
	}
	for _, p := range problems {
		if w, ok := want[p.Key]; !ok || !strings.Contains(p.Reason, w) {
			t.Errorf("problem %+v, want key %q to say %q", p, p.Key, w)
		}
	}
}
