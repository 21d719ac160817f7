package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestMarkLeft: an administrator makes a person a leaver with a reason (required), in one
// transaction with its audit record; the date left is recorded; a leaver cannot leave twice.
func TestMarkLeft(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		if _, err := e.S.MarkLeft(ctx, e.F.Admin, e.F.Dan.ID, "  "); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("no reason: %v, want EINVALID", err)
		}
		p, err := e.S.MarkLeft(ctx, e.F.Admin, e.F.Dan.ID, "contract ended early")
		if err != nil || p.Active || !p.LeftAt.Equal(e.Clock.Now()) {
			t.Fatalf("marked left: active %v, left %v, %v; want inactive, left now", p.Active, p.LeftAt, err)
		}
		if got, err := e.S.FindPerson(ctx, e.F.Dan.ID); err != nil || got.Active || got.LeftAt.IsZero() {
			t.Fatalf("read back: %+v %v", got, err)
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: e.F.Dan.ID, Limit: 5})
		if err != nil || len(recs) == 0 || recs[0].Action != "person.leave" || recs[0].Detail != "marked as left by an administrator: contract ended early" {
			t.Fatalf("audit %+v %v", recs, err)
		}
		if _, err := e.S.MarkLeft(ctx, e.F.Admin, e.F.Dan.ID, "again"); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("leaving twice: %v, want ECONFLICT", err)
		}
		if _, err := e.S.MarkLeft(ctx, e.F.Admin, 999999, "nobody"); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("an unknown person: %v, want ENOTFOUND", err)
		}
	})
}

// personByKey reads the person with directory key key.
func personByKey(t *testing.T, e *storetest.Env, key string) desk.Person {
	t.Helper()
	var id int64
	if err := e.DB.QueryRow(e.DB.Rebind(`SELECT id FROM people WHERE directory_key = ?`), key).Scan(&id); err != nil {
		t.Fatalf("person %s: %v", key, err)
	}
	p, err := e.S.FindPerson(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAdminLeaverStaysLeft: a person an administrator marked as left is not brought back by
// the next import that lists them, nor by a SCIM push: the run says so, and their date left
// stays; an administrator's "Bring back" does, audited, and the import keeps them then.
func TestAdminLeaverStaysLeft(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test"}
		if _, err := e.S.SyncPeople(ctx, staff(40), opt); err != nil {
			t.Fatal(err)
		}
		p := personByKey(t, e, "k0005")
		if _, err := e.S.MarkLeft(ctx, e.F.Admin, p.ID, "dismissed"); err != nil {
			t.Fatal(err)
		}
		leftAt := e.Clock.Now()
		e.Clock.Advance(24 * time.Hour)
		changed := staff(40)
		changed[5].Person.Department = "Mathematics"
		res, err := e.S.SyncPeople(ctx, changed, opt)
		if err != nil {
			t.Fatal(err)
		}
		if res.Returned != 0 {
			t.Fatalf("the import brought back %d people: %+v", res.Returned, res)
		}
		want := `line 7 (key "k0005"): listed by the directory but marked as left by an administrator on 2 March 2026: not brought back`
		if !strings.Contains(strings.Join(res.Notices, "\n"), want) {
			t.Fatalf("notices %q, want %q", res.Notices, want)
		}
		got := personByKey(t, e, "k0005")
		if got.Active || !got.LeftAt.Equal(leftAt) || got.Department != "Mathematics" {
			t.Fatalf("after the import: active %v, left %v (want %v), department %q (the directory still keeps the fields)", got.Active, got.LeftAt, leftAt, got.Department)
		}
		// A SCIM push that says they are active does not bring them back either.
		pushed := staff(40)[5].Person
		pushed.JobTitle = "Technician"
		active := true
		out, _, err := e.S.PushPerson(ctx, "scim", pushed, 0, nil, &active)
		if err != nil || out.Active || !out.LeftAt.Equal(leftAt) || out.JobTitle != "Technician" {
			t.Fatalf("a push of an administrator's leaver: active %v, left %v, title %q, %v", out.Active, out.LeftAt, out.JobTitle, err)
		}
		// An administrator brings them back; the import keeps them.
		if _, err := e.S.BringBack(ctx, e.F.Admin, p.ID, "  "); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("no reason: %v, want EINVALID", err)
		}
		back, err := e.S.BringBack(ctx, e.F.Admin, p.ID, "the dismissal was withdrawn")
		if err != nil || !back.Active || !back.LeftAt.IsZero() {
			t.Fatalf("brought back: active %v, left %v, %v", back.Active, back.LeftAt, err)
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: p.ID, Limit: 1})
		if err != nil || len(recs) == 0 || recs[0].Action != "person.return" || recs[0].Detail != "brought back by an administrator: the dismissal was withdrawn" {
			t.Fatalf("audit %+v %v", recs, err)
		}
		if _, err := e.S.BringBack(ctx, e.F.Admin, p.ID, "again"); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("bringing back an active person: %v, want ECONFLICT", err)
		}
		if res, err := e.S.SyncPeople(ctx, changed, opt); err != nil || res.Left+res.Returned != 0 || !personByKey(t, e, "k0005").Active {
			t.Fatalf("the import after bringing back: %+v %v", res, err)
		}
		// A leaver the directory made is still brought back by the directory.
		if res, err := e.S.SyncPeople(ctx, append(staff(40)[:6:6], staff(40)[7:]...), opt); err != nil || res.Left != 1 {
			t.Fatalf("k0006 leaves: %+v %v", res, err)
		}
		if res, err := e.S.SyncPeople(ctx, staff(40), opt); err != nil || res.Returned != 1 || !personByKey(t, e, "k0006").Active {
			t.Fatalf("k0006 listed again: %+v %v", res, err)
		}
	})
}

// TestRestrictedPeopleLeave: leaving ends access and processes nothing else, so a person whose
// processing is restricted (article 18) leaves like anyone else, whoever says so: an import that
// no longer lists them, a SCIM push of active false (its other changes are not made: the record
// stays frozen), an administrator. One audit record each.
func TestRestrictedPeopleLeave(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test", Force: true}
		if _, err := e.S.SyncPeople(ctx, staff(40), opt); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"k0003", "k0004"} {
			if err := e.S.Restrict(ctx, e.F.Admin, personByKey(t, e, key).ID, true, "contested"); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.S.Restrict(ctx, e.F.Admin, e.F.Dan.ID, true, "contested"); err != nil {
			t.Fatal(err)
		}
		leaves := func(id int64) int {
			return e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'person.leave' AND object_type = 'person' AND object_id = ?`, strconv.FormatInt(id, 10))
		}

		// An import that no longer lists k0003.
		res, err := e.S.SyncPeople(ctx, append(staff(40)[:3:3], staff(40)[4:]...), opt)
		if err != nil || res.Left != 1 {
			t.Fatalf("a restricted person missing from the export: %+v %v", res, err)
		}
		if p := personByKey(t, e, "k0003"); p.Active || p.LeftAt.IsZero() || p.Department != "Computing" || leaves(p.ID) != 1 {
			t.Fatalf("k0003 after the import: %+v, %d leave records", p, leaves(p.ID))
		}

		// A push of active false for k0004, with a changed title.
		pushed := staff(40)[4].Person
		pushed.JobTitle = "Changed"
		out, err := pushLeaving(ctx, e.S, pushed)
		if err != nil || out.Active || out.LeftAt.IsZero() || out.JobTitle != "" || leaves(out.ID) != 1 {
			t.Fatalf("a restricted person pushed as inactive: %+v %v, %d leave records", out, err, leaves(out.ID))
		}

		// An administrator.
		if p, err := e.S.MarkLeft(ctx, e.F.Admin, e.F.Dan.ID, "contract ended"); err != nil || p.Active || leaves(p.ID) != 1 {
			t.Fatalf("an administrator marks a restricted person left: %+v %v", p, err)
		}
	})
}

// pushLeaving pushes p as SCIM does a user whose active is false.
func pushLeaving(ctx context.Context, s *store.Store, p desk.Person) (desk.Person, error) {
	inactive := false
	out, _, err := s.PushPerson(ctx, "scim", p, 0, nil, &inactive)
	return out, err
}

// TestLeftByMigration: migration 0024 says who made each earlier leaver from their last leave
// record, so that an administrator's leavers from before it stay left at the next import.
func TestLeftByMigration(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test", Force: true}
		if _, err := e.S.SyncPeople(ctx, staff(10), opt); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.SyncPeople(ctx, staff(9), opt); err != nil { // k0009 leaves
			t.Fatal(err)
		}
		// k0007: the directory made them a leaver, they returned, then an administrator.
		if _, err := e.S.SyncPeople(ctx, append(staff(7), staff(9)[8]), opt); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.SyncPeople(ctx, staff(9), opt); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.LeavePerson(ctx, "scim", personByKey(t, e, "k0008").ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.MarkLeft(ctx, e.F.Admin, personByKey(t, e, "k0007").ID, "dismissed"); err != nil {
			t.Fatal(err)
		}
		// Back to the schema before 0024, then 0024 itself as Migrate runs it (the file, as one
		// script), so later migrations need not be undone here.
		e.DB.MustExec(t, `ALTER TABLE people DROP COLUMN left_by`)
		script, err := os.ReadFile(filepath.Join("migrations", e.Engine, "0024_left_by.sql"))
		if err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, string(script))
		for key, want := range map[string]desk.LeftBy{"k0006": "", "k0007": desk.LeftByAdmin, "k0008": desk.LeftBySCIM, "k0009": desk.LeftByDirectory} {
			if got := personByKey(t, e, key).LeftBy; got != want {
				t.Errorf("%s: left by %q, want %q", key, got, want)
			}
		}
	})
}

// TestLeaversRace: an import that finds a person gone, and a SCIM delete of that person, at the
// same moment (on PostgreSQL, each reads before the other writes): both succeed, the person
// leaves once. Before, whichever came second failed ("the person has left already"), the
// import as a whole.
func TestLeaversRace(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		const rounds = 12
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test", MaxLeaverShare: 1}
		if _, err := e.S.SyncPeople(ctx, staff(rounds+2), opt); err != nil {
			t.Fatal(err)
		}
		for i := rounds + 1; i >= 2; i-- {
			key := fmt.Sprintf("k%04d", i)
			id := personByKey(t, e, key).ID
			var wg sync.WaitGroup
			var importErr, deleteErr error
			wg.Add(2)
			go func() { defer wg.Done(); _, importErr = e.S.SyncPeople(ctx, staff(i), opt) }()
			go func() { defer wg.Done(); _, deleteErr = e.S.LeavePerson(ctx, "scim", id) }()
			wg.Wait()
			if importErr != nil || deleteErr != nil {
				t.Fatalf("%s left by an import and a SCIM delete at once: import %v, delete %v", key, importErr, deleteErr)
			}
			if p := personByKey(t, e, key); p.Active {
				t.Fatalf("%s is still active", key)
			}
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'person.leave' AND object_id = ?`, fmt.Sprint(id)); n != 1 {
				t.Fatalf("%s: %d leave records, want 1", key, n)
			}
		}
	})
}

// TestConfirmOnceAtOnce: two confirmations of one held import sent at the same moment (an
// administrator's double click, two instances): one applies it, the other is told it was
// confirmed already; the leavers leave once.
func TestConfirmOnceAtOnce(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test", Digest: "first"}
		if _, err := e.S.SyncPeople(ctx, staff(600), opt); err != nil {
			t.Fatal(err)
		}
		opt.Digest = "half"
		if res, err := e.S.SyncPeople(ctx, staff(300), opt); err != nil || res.State != store.RunHeld {
			t.Fatalf("half the people gone: %+v %v, want held", res, err)
		}
		opt.Force = true
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() { defer wg.Done(); _, errs[i] = e.S.SyncPeople(ctx, staff(300), opt) }()
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case desk.ErrorCode(err) == desk.ECONFLICT:
				refused++
			default:
				t.Fatalf("a confirmation failed otherwise: %v", err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("%d confirmations applied, %d refused (%v), want 1 and 1", ok, refused, errs)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'person.leave'`); n != 300 {
			t.Fatalf("%d leave records, want 300", n)
		}
	})
}
