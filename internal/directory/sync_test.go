package directory_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"calldesk/internal/directory"
	"calldesk/internal/directory/csvtest"
	"calldesk/internal/directory/ldaptest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestLDAPSync5000: an Active-Directory-like tree of 5,000 people in a real slapd, synced into
// the register (issue 6: under 10 s): everyone created, students with their numbers and staff with
// their managers; the same tree again changes nothing.
func TestLDAPSync5000(t *testing.T) {
	srv := ldaptest.New(t)
	tr := srv.NewTree(t, 5000)
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		src := newLDAP(t, treeConfig(tr))
		opt := store.SyncOptions{Source: "ad", Full: true, By: "test"}
		began := time.Now()
		res, err := directory.Import(ctx, e.S, src, opt)
		took := time.Since(began)
		if err != nil || res.Created != 5000 || res.Rejected != 0 {
			t.Fatalf("first sync: %+v %v", res, err)
		}
		t.Logf("%s: 5,000 people from LDAP into the register in %v", e.Engine, took)
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_source = 'ad' AND manager_id IS NOT NULL`); n != 999 {
			t.Fatalf("%d people with a manager, want 999", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE directory_source = 'ad' AND kind = 'student' AND student_number <> ''`); n != 4000 {
			t.Fatalf("%d students with a number, want 4000", n)
		}
		began = time.Now()
		if res, err := directory.Import(ctx, e.S, src, opt); err != nil || res.Kept != 5000 || res.Updated+res.Created+res.Left != 0 {
			t.Fatalf("the same tree again: %+v %v", res, err)
		}
		t.Logf("%s: the same 5,000 again in %v", e.Engine, time.Since(began))
	})
}

// BenchmarkCSVImport50000 is issue 6's CSV target on SQLite: a 50,000-person nightly export read
// and taken in from nothing (under 10 s), then the next night's with 1% changed (under 5 s).
func BenchmarkCSVImport50000(b *testing.B) {
	dir := b.TempDir()
	write := func(name string, changed float64) string {
		var buf bytes.Buffer
		if _, err := csvtest.Write(&buf, 50_000, 11, changed); err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
		return path
	}
	first, next := write("monday.csv", 0), write("tuesday.csv", 0.01)
	m, err := directory.ParseCSVMapping(csvtest.Mapping)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		e := storetest.NewEnv(b, "sqlite", time.Now())
		b.StartTimer()
		began := time.Now()
		res, err := directory.Import(ctx, e.S, directory.CSVFile{Path: first, Mapping: m}, store.SyncOptions{Source: "campus", Full: true, By: "bench"})
		if err != nil || res.Created != 50_000 {
			b.Fatalf("first night: %+v %v", res, err)
		}
		monday := time.Since(began)
		began = time.Now()
		res, err = directory.Import(ctx, e.S, directory.CSVFile{Path: next, Mapping: m}, store.SyncOptions{Source: "campus", Full: true, By: "bench"})
		if err != nil || res.Updated == 0 || res.Updated > 600 {
			b.Fatalf("next night: %+v %v", res, err)
		}
		b.ReportMetric(monday.Seconds(), "s-first-import")
		b.ReportMetric(time.Since(began).Seconds(), "s-rerun-1pct")
	}
}

// BenchmarkLDAPSync5000 is issue 6's LDAP target: 5,000 people from slapd into the register on
// SQLite (under 10 s).
func BenchmarkLDAPSync5000(b *testing.B) {
	srv := ldaptest.New(b)
	tr := srv.NewTree(b, 5000)
	src := newLDAP(b, treeConfig(tr))
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		e := storetest.NewEnv(b, "sqlite", time.Now())
		b.StartTimer()
		began := time.Now()
		if res, err := directory.Import(ctx, e.S, src, store.SyncOptions{Source: "ad", Full: true, By: "bench"}); err != nil || res.Created != 5000 {
			b.Fatalf("%+v %v", res, err)
		}
		b.ReportMetric(time.Since(began).Seconds(), "s-sync")
	}
}
