package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

func rec(line int, key, first, last, user, email string) store.DirectoryRecord {
	return store.DirectoryRecord{Line: line, Person: desk.Person{DirectoryKey: key, FirstName: first, LastName: last, Username: user,
		Email: email, Kind: desk.Staff}}
}

// staff is a full export of n people, keys k0001…, managers the first person.
func staff(n int) []store.DirectoryRecord {
	out := make([]store.DirectoryRecord, n)
	for i := range out {
		out[i] = rec(i+2, fmt.Sprintf("k%04d", i), "First", fmt.Sprintf("Person%04d", i), fmt.Sprintf("p%04d", i), fmt.Sprintf("p%04d@uni.example", i))
		out[i].Person.Department = "Computing"
		if i > 0 {
			out[i].ManagerKey = "k0000"
		}
	}
	return out
}

func TestSyncPeople(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test"}
		sync := func(recs []store.DirectoryRecord, o store.SyncOptions) store.SyncResult {
			t.Helper()
			res, err := e.S.SyncPeople(ctx, recs, o)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		person := func(key string) (desk.Person, bool, string) {
			t.Helper()
			var id int64
			var active bool
			var source string
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT id, active, directory_source FROM people WHERE directory_key = ?`), key).Scan(&id, &active, &source); err != nil {
				t.Fatalf("person %s: %v", key, err)
			}
			p, err := e.S.FindPerson(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return p, active, source
		}

		// The first import creates everyone, with managers and where each field came from.
		res := sync(staff(100), opt)
		if res.State != store.RunDone || res.Created != 100 || res.Rejected != 0 || res.RunID == 0 {
			t.Fatalf("first import: %+v", res)
		}
		p5, _, src := person("k0005")
		boss, _, _ := person("k0000")
		if p5.Source != desk.FromDirectory || src != "campus" || p5.ManagerID != boss.ID || p5.Email != "p0005@uni.example" {
			t.Fatalf("imported %+v (source %s)", p5, src)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM person_field_sources WHERE person_id = ? AND source = 'campus'`, p5.ID); n != 6 {
			t.Fatalf("%d field sources for an imported person, want 6 (five fields and the manager)", n)
		}

		// A field typed in by hand that the directory does not give is never overwritten.
		e.DB.MustExec(t, `UPDATE people SET phone = '01234 999999' WHERE id = ?`, p5.ID)

		// The same export again: nothing changes; dry run of a change writes nothing.
		if res := sync(staff(100), opt); res.Kept != 100 || res.Updated+res.Created+res.Left != 0 {
			t.Fatalf("the same export again: %+v", res)
		}
		changed := staff(100)
		changed[5].Person.Department = "Mathematics"
		dry := opt
		dry.DryRun = true
		if res := sync(changed, dry); res.Updated != 1 || res.RunID != 0 || !strings.Contains(strings.Join(res.Changes, "\n"), "department") {
			t.Fatalf("dry run: %+v", res)
		}
		if p, _, _ := person("k0005"); p.Department != "Computing" {
			t.Fatal("a dry run wrote")
		}
		runs := e.DB.Count(t, `SELECT COUNT(*) FROM import_runs`)
		if res := sync(changed, opt); res.Updated != 1 {
			t.Fatalf("one department changed: %+v", res)
		}
		if p, _, _ := person("k0005"); p.Department != "Mathematics" || p.Phone != "01234 999999" {
			t.Fatalf("after the change: department %q, phone %q", p.Department, p.Phone)
		}
		if e.DB.Count(t, `SELECT COUNT(*) FROM import_runs`) != runs+1 {
			t.Fatal("the run was not recorded")
		}

		// Bad rows are rejected with their line and reason; the good ones still go in.
		bad := append(staff(100),
			rec(200, "", "No", "Key", "nokey", "nokey@uni.example"),
			rec(201, "k0001", "Twice", "Listed", "twice", "twice@uni.example"),
			rec(202, "k9001", "Bad", "Email", "bademail", "not an address"),
			rec(203, "k9002", "", "", "noname", "noname@uni.example"),
			rec(204, "k9003", "Taken", "Username", e.F.Ann.Username, "taken@uni.example"),
			rec(205, "k9004", "Good", "Newcomer", "newcomer", "newcomer@uni.example"))
		res = sync(bad, opt)
		if res.Rejected != 5 || res.Created != 1 {
			t.Fatalf("bad rows: %+v", res)
		}
		text := strings.Join(res.Problems, "\n")
		for _, want := range []string{"line 200", "no directory key", "line 201", "listed twice", "line 202", "not an address",
			"line 203", "line 204", "belongs to another person"} {
			if !strings.Contains(text, want) {
				t.Errorf("problems lack %q:\n%s", want, text)
			}
		}
		if ann, _ := e.S.FindPerson(ctx, e.F.Ann.ID); ann.DirectoryKey != "" || ann.Email != e.F.Ann.Email {
			t.Fatal("a directory row changed a person typed in by hand")
		}

		// Three people missing from the full export leave (kept, inactive, date left).
		short := append(staff(100)[3:], rec(205, "k9004", "Good", "Newcomer", "newcomer", "newcomer@uni.example"))
		short[0].ManagerKey, short[1].ManagerKey = "", ""
		res = sync(append(staff(3)[:0], short...), opt)
		if res.Left != 3 {
			t.Fatalf("leavers: %+v", res)
		}
		gone, active, _ := person("k0001")
		if active || e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE id = ? AND left_at IS NOT NULL`, gone.ID) != 1 {
			t.Fatal("a leaver is still active, or has no date left")
		}
		// Listed again, they return.
		if res := sync(append(staff(100), rec(205, "k9004", "Good", "Newcomer", "newcomer", "newcomer@uni.example")), opt); res.Returned != 3 {
			t.Fatalf("returners: %+v", res)
		}
		if _, active, _ := person("k0001"); !active {
			t.Fatal("a returning person is still inactive")
		}

		// Another source's full import never touches campus people.
		if res := sync([]store.DirectoryRecord{rec(2, "s0001", "Sam", "Student", "sstudent", "s@uni.example")}, store.SyncOptions{Source: "students", Full: true, By: "test"}); res.Left != 0 || res.Created != 1 {
			t.Fatalf("another source: %+v", res)
		}

		// The guard rail: an export cut short holds, and writes nothing but its record.
		before := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE active = 1`)
		res = sync(staff(10), opt)
		if res.State != store.RunHeld || !strings.Contains(res.Reason, "leavers") || res.RunID == 0 {
			t.Fatalf("a truncated export: %+v", res)
		}
		if after := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE active = 1`); after != before {
			t.Fatalf("a held import changed the register: %d active, was %d", after, before)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM import_runs WHERE state = 'held'`); n != 1 {
			t.Fatalf("%d held runs recorded", n)
		}
		// Too many changes hold too.
		renamed := staff(100)
		for i := range renamed[:40] {
			renamed[i].Person.Department = "Renamed"
		}
		if res := sync(append(renamed, rec(205, "k9004", "Good", "Newcomer", "newcomer", "newcomer@uni.example")), opt); res.State != store.RunHeld || !strings.Contains(res.Reason, "change") {
			t.Fatalf("40%% changed: %+v", res)
		}
		// An administrator confirms: it goes through.
		force := opt
		force.Force, force.By = true, "Olivia Johnson (administrator)"
		if res := sync(staff(10), force); res.State != store.RunDone || res.Left != 91 {
			t.Fatalf("confirmed: %+v", res)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'person.leave'`); n < 94 {
			t.Fatalf("%d leavings audited", n)
		}
	})
}

// TestSyncLeavesRestrictedPeopleAlone: a person whose processing is restricted is frozen for the
// directory too: a change is not made, and leaving the export does not make them a leaver; both
// are reported with the run.
func TestSyncLeavesRestrictedPeopleAlone(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test", Force: true}
		if _, err := e.S.SyncPeople(ctx, staff(20), opt); err != nil {
			t.Fatal(err)
		}
		var id int64
		e.DB.QueryRow(e.DB.Rebind(`SELECT id FROM people WHERE directory_key = 'k0003'`)).Scan(&id)
		if err := e.S.Restrict(ctx, e.F.Admin, id, true, "contested"); err != nil {
			t.Fatal(err)
		}
		changed := staff(20)
		changed[3].Person.Department = "Elsewhere"
		res, err := e.S.SyncPeople(ctx, changed, opt)
		if err != nil || res.Updated != 0 || !strings.Contains(strings.Join(res.Problems, "\n"), "processing is restricted") {
			t.Fatalf("a change of a restricted person: %+v %v", res, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE id = ? AND active = 1 AND department = 'Computing'`, id); n != 1 {
			t.Fatal("the restricted person was changed")
		}
		// Missing from the export, they leave (nothing else of theirs changes): see
		// TestRestrictedPeopleLeave.
	})
}
