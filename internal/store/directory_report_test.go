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

// syncHelpers are the calls every sync test makes: sync, a person by directory key, their
// audit records.
type syncHelpers struct {
	t   *testing.T
	e   *storetest.Env
	ctx context.Context
}

func (h syncHelpers) sync(recs []store.DirectoryRecord, o store.SyncOptions) store.SyncResult {
	h.t.Helper()
	res, err := h.e.S.SyncPeople(h.ctx, recs, o)
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

func (h syncHelpers) person(key string) desk.Person {
	h.t.Helper()
	var id int64
	if err := h.e.DB.QueryRow(h.e.DB.Rebind(`SELECT id FROM people WHERE directory_key = ?`), key).Scan(&id); err != nil {
		h.t.Fatalf("person %s: %v", key, err)
	}
	p, err := h.e.S.FindPerson(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h syncHelpers) lastSyncAudit(key string) string {
	h.t.Helper()
	var detail string
	if err := h.e.DB.QueryRow(h.e.DB.Rebind(`SELECT detail FROM audit_log WHERE action = 'person.sync' AND object_id = ? ORDER BY id DESC LIMIT 1`),
		fmt.Sprint(h.person(key).ID)).Scan(&detail); err != nil {
		h.t.Fatalf("audit of %s: %v", key, err)
	}
	return detail
}

// TestSyncHoldsLeaversWhenRowsRejected (issue 13, point 15): when any record is rejected, by the
// source (a row it could not read) or by the sync (a bad email), nobody becomes a leaver in that
// run: the rest goes in, the run says how many leavers it held and why, and a clean export or an
// administrator's confirmation (Force) makes them leavers.
func TestSyncHoldsLeaversWhenRowsRejected(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		h := syncHelpers{t, e, context.Background()}
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test"}
		h.sync(staff(40), opt)

		// k0039 is missing (2.5%, within the guard rail), and line 41 could not be read.
		export := staff(39)
		export[3].Person.Department = "Mathematics"
		unreadable := opt
		unreadable.Problems = []string{`line 41: malformed row: bare " in non-quoted-field`}
		res := h.sync(export, unreadable)
		if res.State != store.RunDone || res.Left != 0 || res.LeaversHeld != 1 || res.Updated != 1 || !strings.Contains(res.Reason, "1 records were rejected") {
			t.Fatalf("an export with an unreadable row: %+v", res)
		}
		if !h.person("k0039").Active {
			t.Fatal("a person missing from an export with an unreadable row became a leaver")
		}
		if h.person("k0003").Department != "Mathematics" {
			t.Fatal("the rest of the import did not go in")
		}
		runs, err := e.S.ImportRuns(h.ctx, 1)
		if err != nil || len(runs) != 1 || runs[0].LeaversHeld != 1 || runs[0].State != store.RunDone || !strings.Contains(runs[0].Problems, "line 41") {
			t.Fatalf("the run's record: %+v %v", runs, err)
		}

		// A row the sync itself rejects holds the leavers too.
		bad := append(staff(39), rec(50, "k9001", "Bad", "Email", "bademail", "not an address"))
		if res := h.sync(bad, opt); res.Left != 0 || res.LeaversHeld != 1 || res.Rejected != 1 {
			t.Fatalf("an export with a bad email: %+v", res)
		}
		// A dry run says the leaver is held.
		dry := unreadable
		dry.DryRun = true
		if res := h.sync(staff(39), dry); !strings.Contains(strings.Join(res.Changes, "\n"), "would leave, held: First Person0039 (k0039)") {
			t.Fatalf("dry run changes: %q", res.Changes)
		}

		// Confirmed by an administrator, the leaver leaves.
		force := unreadable
		force.Force = true
		if res := h.sync(staff(39), force); res.Left != 1 || res.LeaversHeld != 0 {
			t.Fatalf("confirmed: %+v", res)
		}
		if h.person("k0039").Active {
			t.Fatal("the confirmed leaver is still active")
		}
		// A clean export makes a missing person a leaver without confirmation.
		if res := h.sync(staff(38), opt); res.Left != 1 || res.LeaversHeld != 0 {
			t.Fatalf("a clean export: %+v", res)
		}
	})
}

// TestSyncUniqueIdentities (point 16): two people may not share an email address, in any case,
// through an import (the second is rejected, naming the holder by key); usernames and email
// addresses handed from one person to another in the same export go through in one run.
func TestSyncUniqueIdentities(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		h := syncHelpers{t, e, context.Background()}
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test", Force: true}
		h.sync(staff(10), opt)

		// A case variant of someone else's address, from a new person and from a known one; two
		// new people with one address between them: the first keeps it.
		export := append(staff(10),
			rec(20, "k9001", "New", "Person", "newp", "P0003@UNI.EXAMPLE"),
			rec(21, "k9002", "Twin", "One", "twin1", "twin@uni.example"),
			rec(22, "k9003", "Twin", "Two", "twin2", "Twin@Uni.Example"))
		export[5].Person.Email = "p0004@uni.example"
		res := h.sync(export, opt)
		text := strings.Join(res.Problems, "\n")
		for _, want := range []string{
			`line 20 (key "k9001"): its email address belongs to another person (key "k0003")`,
			`line 22 (key "k9003"): its email address belongs to another person (key "k9002")`,
			`line 7 (key "k0005"): its email address belongs to another person (key "k0004")`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("problems lack %q:\n%s", want, text)
			}
		}
		if res.Rejected != 3 || res.Created != 1 {
			t.Errorf("rejected %d, created %d; want 3 and 1: %+v", res.Rejected, res.Created, res)
		}
		if p := h.person("k0005"); p.Email != "p0005@uni.example" {
			t.Errorf("k0005's email %q, want it unchanged", p.Email)
		}
		// Sharing with a person typed in by hand is refused too.
		res = h.sync(append(staff(10), rec(30, "k9004", "Hand", "Typed", "handt", strings.ToUpper(e.F.Ann.Email))), opt)
		if !strings.Contains(strings.Join(res.Problems, "\n"), fmt.Sprintf("belongs to another person (person %d, typed in by hand)", e.F.Ann.ID)) {
			t.Errorf("an address of a person typed in by hand: %q", res.Problems)
		}

		// A swap of usernames and of email addresses; k0002 gives its username to k0003 and
		// takes a new one.
		swap := staff(10)
		swap[0].Person.Username, swap[1].Person.Username = "p0001", "p0000"
		swap[0].Person.Email, swap[1].Person.Email = "p0001@uni.example", "p0000@uni.example"
		swap[2].Person.Username, swap[3].Person.Username = "p0002-new", "p0002"
		res = h.sync(swap, opt)
		if res.Rejected != 0 || res.Updated != 4 {
			t.Fatalf("a swap: %+v", res)
		}
		for key, want := range map[string]string{"k0000": "p0001", "k0001": "p0000", "k0002": "p0002-new", "k0003": "p0002"} {
			if p := h.person(key); p.Username != want {
				t.Errorf("%s: username %q, want %q", key, p.Username, want)
			}
		}
		if p := h.person("k0000"); p.Email != "p0001@uni.example" {
			t.Errorf("k0000: email %q after the swap", p.Email)
		}
		// A username given up by a person whose own row is rejected stays theirs: the taker is
		// rejected, not the import.
		give := staff(10)
		give[4].Person.Username, give[4].Person.Email = "p0005", "not an address" // rejected: keeps p0004
		give[5].Person.Username = "p0004"
		res = h.sync(give, opt)
		if res.Rejected != 2 || !strings.Contains(strings.Join(res.Problems, "\n"), `line 7 (key "k0005"): the username "p0004" belongs to another person (key "k0004")`) {
			t.Fatalf("a username given by a rejected row: %+v", res)
		}
		// The register cannot hold such a clash at all since migration 0025: the unique index
		// refuses it, whoever writes.
		if _, err := e.DB.Exec(`UPDATE people SET email = 'P0007@uni.example' WHERE directory_key = 'k0006'`); err == nil {
			t.Fatal("a case variant of another person's email address was stored")
		}
	})
}

// TestSyncKeepsKindAndClearsEmptiedFields (point 16): an empty kind cell leaves the kind as it
// is (a new person gets KindIfNew); a field the source gives emptied in the export is cleared,
// an optional one (not in Given) is kept, and an emptied manager is cleared.
func TestSyncKeepsKindAndClearsEmptiedFields(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		h := syncHelpers{t, e, context.Background()}
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test", Force: true,
			Given: []string{"first_name", "last_name", "username", "email", "phone", "job_title", "manager"}}
		first := staff(5)
		first[2].Person.Kind = desk.Student
		first[2].Person.Phone, first[2].Person.Department, first[2].Person.JobTitle = "01234 560001", "Physics", "Demonstrator"
		h.sync(first, opt)

		again := staff(5)
		again[2].Person.Kind = "" // an empty kind cell
		again[2].KindIfNew = desk.Staff
		again[2].Person.Department = "" // optional: kept
		again[2].ManagerKey = ""        // given: cleared
		newcomer := rec(9, "k9001", "New", "Comer", "newc", "newc@uni.example")
		newcomer.Person.Kind, newcomer.KindIfNew = "", desk.Partner
		res := h.sync(append(again, newcomer), opt)
		if res.Updated != 1 || !strings.Contains(strings.Join(res.Changes, "\n"), "phone, job_title, manager") {
			t.Fatalf("%+v", res)
		}
		p := h.person("k0002")
		if p.Kind != desk.Student || p.Phone != "" || p.JobTitle != "" || p.Department != "Physics" || p.ManagerID != 0 {
			t.Errorf("after the export emptied fields: kind %q, phone %q, title %q, department %q, manager %d; want student, cleared, cleared, Physics, none",
				p.Kind, p.Phone, p.JobTitle, p.Department, p.ManagerID)
		}
		if a := h.lastSyncAudit("k0002"); a != "changed by the directory (campus): phone, job_title, manager" {
			t.Errorf("audit %q", a)
		}
		if p := h.person("k9001"); p.Kind != desk.Partner {
			t.Errorf("a new person with an empty kind cell: %q, want the source's default, partner", p.Kind)
		}
	})
}

// TestSyncHonestReports (point 17): the guard rail holds a run that would create too many new
// people (not a source's first import); a dry run says how many changes it did not list; a
// manager that cannot be found is reported and is no change; the audit record names only what
// changed; a leaver with open calls is named.
func TestSyncHonestReports(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		h := syncHelpers{t, e, context.Background()}
		opt := store.SyncOptions{Source: "campus", Full: true, By: "test"}

		// A first import of 2,100 people: not held; its dry run lists 2,000 and counts the rest.
		dry := opt
		dry.DryRun = true
		if res := h.sync(staff(2100), dry); res.State != "dry run" || len(res.Changes) != 2000 || res.MoreChanges != 100 {
			t.Fatalf("a dry run of 2,100 changes: state %s, %d listed, %d more", res.State, len(res.Changes), res.MoreChanges)
		}
		h.sync(staff(40), opt)

		// 40 people and 11 new ones (27.5%): held; 10 (25%) go in.
		more := staff(51)
		if res := h.sync(more, opt); res.State != store.RunHeld || !strings.Contains(res.Reason, "add 11 new people to the source's 40") {
			t.Fatalf("11 new to 40: %+v", res)
		}
		if res := h.sync(staff(50), opt); res.State != store.RunDone || res.Created != 10 {
			t.Fatalf("10 new to 40: %+v", res)
		}

		// A manager that cannot be found: reported, and no change, run after run.
		lost := staff(50)
		lost[7].ManagerKey = "k7777"
		lost[8].ManagerKey, lost[8].ManagerRef = "", "CN=Gone,OU=Staff,DC=uni,DC=example"
		for run := range 2 {
			res := h.sync(lost, opt)
			notes := strings.Join(res.Notices, "\n")
			if res.Updated != 0 || !strings.Contains(notes, `line 9 (key "k0007"): the manager "k7777" is not in the register or the export`) ||
				!strings.Contains(notes, `line 10 (key "k0008"): the manager "CN=Gone,OU=Staff,DC=uni,DC=example" is not among the people read`) {
				t.Fatalf("run %d with managers not found: %+v", run, res)
			}
		}

		// A person another source held, matched by key with nothing changed: the audit record
		// says so, not "changed: " and nothing.
		h.sync([]store.DirectoryRecord{rec(2, "s0001", "Sam", "Student", "sstudent", "s@uni.example")}, store.SyncOptions{Source: "scim", By: "test"})
		h.sync(append(staff(50), rec(60, "s0001", "Sam", "Student", "sstudent", "s@uni.example")), opt)
		if a := h.lastSyncAudit("s0001"); a != "kept by the directory (campus) from now, was scim; no field changed" {
			t.Errorf("audit of a person taken over with no change: %q", a)
		}

		// A leaver with open calls is named.
		leaver := h.person("k0049")
		if _, err := e.S.CreateCall(h.ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "Laptop will not boot", CustomerID: leaver.ID, Source: desk.SourcePhone}); err != nil {
			t.Fatal(err)
		}
		res := h.sync(append(staff(49), rec(60, "s0001", "Sam", "Student", "sstudent", "s@uni.example")), opt)
		if res.Left != 1 || !strings.Contains(strings.Join(res.Notices, "\n"), `key "k0049": First Person0049 leaves with open calls (1 logged for them)`) {
			t.Fatalf("a leaver with an open call: %+v", res)
		}
		runs, _ := e.S.ImportRuns(h.ctx, 1)
		if !strings.Contains(runs[0].Problems, "leaves with open calls") {
			t.Errorf("the run's record lacks the leaver's calls: %q", runs[0].Problems)
		}
	})
}
