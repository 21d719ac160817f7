package directory_test

import (
	"bytes"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/directory"
	"calldesk/internal/directory/csvtest"
)

func writeExport(tb testing.TB, n int, seed int64, changed float64) ([]byte, int) {
	tb.Helper()
	var buf bytes.Buffer
	count, err := csvtest.Write(&buf, n, seed, changed)
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), count
}

func readExport(tb testing.TB, file []byte) []directory.Record {
	tb.Helper()
	m, err := directory.ParseCSVMapping(csvtest.Mapping)
	if err != nil {
		tb.Fatal(err)
	}
	recs, probs, err := directory.ReadCSV(bytes.NewReader(file), m, directory.CSVOptions{})
	if err != nil || len(probs) > 0 {
		tb.Fatalf("ReadCSV: %v, problems %+v", err, probs)
	}
	return recs
}

// TestCSVTestWrite: the generated export is deterministic, reads without a problem, holds staff
// and students with unique usernames and emails and managers who are earlier staff rows, and
// the "next night" differs from it in exactly the people Write says it changed, a larger
// share changing the same people and more.
func TestCSVTestWrite(t *testing.T) {
	t.Parallel()
	const n = 5000
	base, none := writeExport(t, n, 7, 0)
	if again, _ := writeExport(t, n, 7, 0); !bytes.Equal(base, again) || none != 0 {
		t.Fatal("Write is not deterministic, or changed people at share 0")
	}
	if other, _ := writeExport(t, n, 8, 0); bytes.Equal(base, other) {
		t.Fatal("another seed gives the same export")
	}
	recs := readExport(t, base)
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}
	kinds := map[desk.PersonKind]int{}
	usernames, emails, keys := map[string]bool{}, map[string]bool{}, map[string]desk.PersonKind{}
	for _, r := range recs {
		kinds[r.Kind]++
		if usernames[r.Username] || emails[r.Email] {
			t.Fatalf("line %d: username %q or email %q twice", r.Line, r.Username, r.Email)
		}
		usernames[r.Username], emails[r.Email] = true, true
		if r.ManagerKey != "" && keys[r.ManagerKey] != desk.Staff {
			t.Fatalf("line %d: manager %q is not an earlier staff row", r.Line, r.ManagerKey)
		}
		keys[r.Key] = r.Kind
	}
	if kinds[desk.Staff] < n/10 || kinds[desk.Student] < n/2 {
		t.Errorf("kinds %v: want about a fifth staff, the rest students", kinds)
	}

	changedAt := func(share float64) map[string]bool {
		file, count := writeExport(t, n, 7, share)
		next := readExport(t, file)
		diff := map[string]bool{}
		for i := range next {
			if next[i] != recs[i] {
				diff[next[i].Key] = true
			}
		}
		if len(diff) != count {
			t.Errorf("share %v: %d records differ, Write says %d", share, len(diff), count)
		}
		if count < int(share*n/2) || count > int(share*n*2) {
			t.Errorf("share %v: %d changed of %d", share, count, n)
		}
		return diff
	}
	one, two := changedAt(0.01), changedAt(0.02)
	for k := range one {
		if !two[k] {
			t.Errorf("%s changed at 1%% but not at 2%%", k)
		}
	}
}

// BenchmarkReadCSV50000 reads the 50,000-person export (about 5 MB), the reading part of
// the < 10 s import target.
func BenchmarkReadCSV50000(b *testing.B) {
	file, _ := writeExport(b, 50000, 1, 0)
	m, err := directory.ParseCSVMapping(csvtest.Mapping)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		recs, probs, err := directory.ReadCSV(bytes.NewReader(file), m, directory.CSVOptions{})
		if err != nil || len(probs) > 0 || len(recs) != 50000 {
			b.Fatalf("%d records, %d problems, error %v", len(recs), len(probs), err)
		}
	}
}
