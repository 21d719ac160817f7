package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestEveryWriteIsAudited (issue 2 item 5): every write appends exactly one audit record naming
// the actor, action, object, the persons concerned, the time from the clock, the client address
// and the reason, and the record is queued for sealing.
func TestEveryWriteIsAudited(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := e.F
		ann := desk.Actor{PersonID: f.Ann.ID, Name: "Ann Archer", Addr: "192.0.2.10", Reason: "customer rang the desk"}
		var call desk.Call
		var person desk.Person
		var account desk.Account
		var token store.Token
		tests := []struct {
			name    string
			write   func() (objectID string, err error)
			actor   desk.Actor
			action  string
			objType string
			persons func() []int64
			detail  string // part of the detail
		}{
			{"create person", func() (string, error) {
				var err error
				person, err = e.S.CreatePerson(ctx, ann, desk.Person{FirstName: "Fay", LastName: "Fox", Username: "ffox", Kind: desk.Visitor})
				return fmt.Sprint(person.ID), err
			}, ann, "person.create", "person", func() []int64 { return []int64{person.ID} }, "created Fay Fox"},
			{"update person", func() (string, error) {
				p := person
				p.Email, p.JobTitle = "fay.fox@example.org", "Visiting professor"
				_, err := e.S.UpdatePerson(ctx, ann, p)
				return fmt.Sprint(person.ID), err
			}, ann, "person.update", "person", func() []int64 { return []int64{person.ID} }, "changed email, job title"},
			{"create group", func() (string, error) {
				g, err := e.S.CreateGroup(ctx, ann, desk.Group{Name: "AV"})
				return fmt.Sprint(g.ID), err
			}, ann, "group.create", "group", func() []int64 { return nil }, "created group AV"},
			{"add member", func() (string, error) {
				return fmt.Sprint(f.Networks.ID), e.S.AddMember(ctx, ann, f.Networks.ID, f.Bob.ID)
			}, ann, "group.add_member", "group", func() []int64 { return []int64{f.Bob.ID} }, "added Bob Baker to Networks"},
			{"create profile", func() (string, error) {
				p, err := e.S.CreateProfile(ctx, ann, desk.Profile{Name: "Eduroam", ParentID: f.Wifi.ID})
				return fmt.Sprint(p.ID), err
			}, ann, "profile.create", "profile", func() []int64 { return nil }, "Wi-Fi > Eduroam"},
			{"create call", func() (string, error) {
				var err error
				call, err = e.S.CreateCall(ctx, ann, desk.NewCall{Summary: "No Wi-Fi in the library", CustomerID: f.Eve.ID, Source: desk.SourcePhone})
				return call.Ref, err
			}, ann, "call.create", "call", func() []int64 { return []int64{f.Eve.ID} }, "logged F0000001 (fault, P3) via phone for Eve Evans"},
			{"assign call", func() (string, error) {
				var err error
				call, err = e.S.UpdateCall(ctx, ann, call.Ref, call.Version, desk.Transition{Action: desk.ActAssign, GroupID: f.Networks.ID, AnalystID: f.Cat.ID})
				return call.Ref, err
			}, ann, "call.assign", "call", func() []int64 { return []int64{f.Eve.ID} }, "assigned to Networks / Cat Carter"},
			{"internal note", func() (string, error) {
				_, err := e.S.AddEntry(ctx, ann, call.Ref, desk.EntryNote, "AP-3 rebooted")
				return call.Ref, err
			}, ann, "call.note", "call", func() []int64 { return []int64{f.Eve.ID} }, "internal note added"},
			{"public update", func() (string, error) {
				_, err := e.S.AddEntry(ctx, ann, call.Ref, desk.EntryUpdate, "We are on it")
				return call.Ref, err
			}, ann, "call.update", "call", func() []int64 { return []int64{f.Eve.ID} }, "public update added"},
			{"hold call", func() (string, error) {
				var err error
				call, err = e.S.UpdateCall(ctx, ann, call.Ref, call.Version, desk.Transition{Action: desk.ActHold, Until: e.Clock.Now().Add(time.Minute), Reason: "engineer visit"})
				return call.Ref, err
			}, ann, "call.hold", "call", func() []int64 { return []int64{f.Eve.ID} }, "engineer visit"},
			{"hold expires", func() (string, error) {
				e.Clock.Advance(2 * time.Minute)
				refs, err := e.S.ReleaseHolds(ctx, 10)
				if err == nil && len(refs) != 1 {
					err = fmt.Errorf("released %v", refs)
				}
				return call.Ref, err
			}, desk.System("hold timer"), "call.off_hold", "call", func() []int64 { return []int64{f.Eve.ID} }, "flagged urgent"},
			{"create account", func() (string, error) {
				var err error
				account, err = e.S.CreateAccount(ctx, ann, desk.Account{PersonID: f.Cat.ID, Login: "ccarter", Roles: []desk.Role{desk.RoleAnalyst}})
				return fmt.Sprint(account.ID), err
			}, ann, "account.create", "account", func() []int64 { return []int64{f.Cat.ID} }, "account ccarter for Cat Carter with roles analyst"},
			{"create token", func() (string, error) {
				var err error
				token, err = e.S.CreateToken(ctx, ann, account.ID, "laptop", "hash-of-a-token", time.Time{})
				return fmt.Sprint(token.ID), err
			}, ann, "token.create", "token", func() []int64 { return []int64{f.Cat.ID} }, "API token laptop"},
			{"revoke token", func() (string, error) {
				return fmt.Sprint(token.ID), e.S.RevokeToken(ctx, ann, token.ID)
			}, ann, "token.revoke", "token", func() []int64 { return []int64{f.Cat.ID} }, "revoked API token laptop"},
		}
		for _, tt := range tests {
			e.Clock.Advance(time.Second)
			before := e.footprint(t)
			objectID, err := tt.write()
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			after := e.footprint(t)
			if after.audit != before.audit+1 || after.pending != before.pending+1 {
				t.Errorf("%s: audit records %d -> %d, pending %d -> %d; want exactly one more of each",
					tt.name, before.audit, after.audit, before.pending, after.pending)
			}
			r := e.lastAudit(t)
			want := desk.AuditRecord{ID: r.ID, At: e.Clock.Now(), ActorID: tt.actor.PersonID, Actor: tt.actor.Name, Action: tt.action,
				ObjectType: tt.objType, ObjectID: objectID, Persons: tt.persons(), ClientAddr: tt.actor.Addr, Reason: tt.actor.Reason, Detail: r.Detail}
			if !reflect.DeepEqual(r, want) {
				t.Errorf("%s: audit record\n got %+v\nwant %+v", tt.name, r, want)
			}
			if !strings.Contains(r.Detail, tt.detail) {
				t.Errorf("%s: detail %q does not contain %q", tt.name, r.Detail, tt.detail)
			}
			// "Who has seen or changed my data": the record is found by each person concerned.
			for _, p := range tt.persons() {
				recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: p, Limit: 1})
				if err != nil || len(recs) != 1 || recs[0].ID != r.ID {
					t.Errorf("%s: FindAudit for person %d: %v %+v", tt.name, p, err, recs)
				}
			}
		}
		recs, total, err := e.S.FindAudit(ctx, store.AuditFilter{ObjectType: "call", ObjectID: call.Ref})
		if err != nil || total != 6 || len(recs) != 6 || recs[0].Action != "call.off_hold" || recs[5].Action != "call.create" {
			t.Errorf("the call's audit trail: %v total %d", err, total)
		}
		// Records of reads, written in a batch, carry their own times; a missing time is the clock's.
		read := e.Clock.Now().Add(-time.Minute)
		if err := e.S.AppendAudit(ctx, []desk.AuditRecord{
			{At: read, ActorID: f.Ann.ID, Actor: "Ann Archer", Action: "call.view", ObjectType: "call", ObjectID: call.Ref, Persons: []int64{f.Eve.ID, f.Eve.ID, 0}, ClientAddr: "192.0.2.10"},
			{ActorID: f.Ann.ID, Actor: "Ann Archer", Action: "person.view", ObjectType: "person", ObjectID: fmt.Sprint(f.Eve.ID), Persons: []int64{f.Eve.ID}},
		}); err != nil {
			t.Fatal(err)
		}
		recs, _, _ = e.S.FindAudit(ctx, store.AuditFilter{Limit: 2})
		if len(recs) != 2 || !recs[1].At.Equal(read) || !recs[0].At.Equal(e.Clock.Now()) || !reflect.DeepEqual(recs[1].Persons, []int64{f.Eve.ID}) {
			t.Errorf("records of reads: %+v", recs)
		}
	})
}

// TestFailedWritesLeaveNothing: a write that fails, wherever it fails, leaves no call, no diary
// line, no search entry and no audit record.
func TestFailedWritesLeaveNothing(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := e.F
		c := e.newCall(t, desk.NewCall{Summary: "Keyboard missing keys"})
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		person, _ := e.S.FindPerson(ctx, f.Eve.ID)
		tests := []struct {
			name  string
			write func() error
			code  string
		}{
			{"invalid transition", func() error {
				_, err := e.S.UpdateCall(ctx, storetest.Actor(f.Ann), c.Ref, c.Version, desk.Transition{Action: desk.ActClose})
				return err
			}, desk.EINVALID},
			{"stale version", func() error {
				_, err := e.S.UpdateCall(ctx, storetest.Actor(f.Ann), c.Ref, c.Version+1, desk.Transition{Action: desk.ActCancel, Reason: "x"})
				return err
			}, desk.ECONFLICT},
			{"duplicate username", func() error {
				_, err := e.S.CreatePerson(ctx, f.Admin, desk.Person{FirstName: "Ann", LastName: "Other", Username: "aarcher"})
				return err
			}, desk.EINVALID},
			{"duplicate group", func() error {
				_, err := e.S.CreateGroup(ctx, f.Admin, desk.Group{Name: "networks"})
				return err
			}, desk.EINVALID},
			{"unknown manager", func() error {
				p := person
				p.ManagerID = 9999
				_, err := e.S.UpdatePerson(ctx, f.Admin, p)
				return err
			}, desk.EINVALID},
			{"cancelled context: create", func() error {
				_, err := e.S.CreateCall(cancelled, storetest.Actor(f.Ann), desk.NewCall{Summary: "Never logged", CustomerID: f.Dan.ID})
				return err
			}, desk.EINTERNAL},
			{"cancelled context: update", func() error {
				_, err := e.S.UpdateCall(cancelled, storetest.Actor(f.Ann), c.Ref, c.Version, desk.Transition{Action: desk.ActCancel, Reason: "x"})
				return err
			}, desk.EINTERNAL},
			{"cancelled context: note", func() error {
				_, err := e.S.AddEntry(cancelled, storetest.Actor(f.Ann), c.Ref, desk.EntryNote, "never written")
				return err
			}, desk.EINTERNAL},
		}
		for _, tt := range tests {
			before := e.footprint(t)
			callBefore := e.call(t, c.Ref)
			err := tt.write()
			if codeOf(err) != tt.code {
				t.Errorf("%s: %v (code %q), want code %q", tt.name, err, codeOf(err), tt.code)
			}
			if after := e.footprint(t); after != before {
				t.Errorf("%s left %+v -> %+v", tt.name, before, after)
			}
			if got := e.call(t, c.Ref); !reflect.DeepEqual(got, callBefore) {
				t.Errorf("%s changed the call", tt.name)
			}
		}
		if hits, n, _ := e.S.FindCalls(ctx, store.CallFilter{Text: "never"}); n != 0 || len(hits) != 0 {
			t.Errorf("a failed write reached the search index: %d hits", n)
		}
	})
}

// TestCrashMidWriteLeavesNoHalfCall injects a failure at the very last step of a write (its audit
// record, after the call row, the diary and the search text are written) and checks that
// nothing of the write survives: the write and its audit record commit together or not at all.
func TestCrashMidWriteLeavesNoHalfCall(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := e.F
		c := e.newCall(t, desk.NewCall{GroupID: f.ServiceDesk.ID, Summary: "Monitor flickers"})
		injectAuditFailure(t, e, "call.create", "call.accept", "call.note")

		before := e.footprint(t)
		_, err := e.S.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: "Halfway xylophone", Description: "zebra",
			CustomerID: f.Dan.ID, GroupID: f.ServiceDesk.ID, AnalystID: f.Bob.ID})
		if err == nil || !strings.Contains(err.Error(), "injected failure") {
			t.Fatalf("create with a failing audit: %v", err)
		}
		callBefore := e.call(t, c.Ref)
		if _, err := e.S.UpdateCall(ctx, storetest.Actor(f.Ann), c.Ref, c.Version, desk.Transition{Action: desk.ActAccept}); err == nil {
			t.Fatal("update with a failing audit succeeded")
		}
		if _, err := e.S.AddEntry(ctx, storetest.Actor(f.Ann), c.Ref, desk.EntryNote, "xylophone"); err == nil {
			t.Fatal("note with a failing audit succeeded")
		}
		if after := e.footprint(t); after != before {
			t.Errorf("failed writes left %+v -> %+v", before, after)
		}
		if got := e.call(t, c.Ref); !reflect.DeepEqual(got, callBefore) {
			t.Errorf("the failed update changed the call:\n got %+v\nwant %+v", got, callBefore)
		}
		for _, word := range []string{"xylophone", "zebra"} {
			if _, n, err := e.S.FindCalls(ctx, store.CallFilter{Text: word}); err != nil || n != 0 {
				t.Errorf("search for %q after the failed writes: %d hits, %v", word, n, err)
			}
		}
		// Other writes go on working.
		ok, err := e.S.CreatePerson(ctx, f.Admin, desk.Person{FirstName: "Gil", LastName: "Grey"})
		if err != nil || ok.ID == 0 {
			t.Errorf("an unrelated write after the failures: %v", err)
		}
	})
}

// injectAuditFailure makes inserting an audit record with one of actions fail inside the
// database, as a crash at the end of a write would.
func injectAuditFailure(t *testing.T, e *env, actions ...string) {
	t.Helper()
	list := "'" + strings.Join(actions, "','") + "'"
	switch e.Engine {
	case "sqlite":
		e.DB.MustExec(t, `CREATE TRIGGER inject_failure BEFORE INSERT ON audit_log WHEN NEW.action IN (`+list+`)
			BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
	case "postgres":
		e.DB.MustExec(t, `CREATE FUNCTION inject_failure() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.action IN (`+list+`) THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`)
		e.DB.MustExec(t, `CREATE TRIGGER inject_failure BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION inject_failure()`)
	}
}

// TestGroupedWritesFailAlone: many writers at once, some of which fail; each failure takes only
// its own write with it (SQLite commits concurrent writes together), and every success is there
// with its audit record.
func TestGroupedWritesFailAlone(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		before := e.footprint(t)
		const n = 40
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				user := fmt.Sprintf("user%02d", i)
				if i%4 == 3 {
					user = "aarcher" // taken: fails inside the database
				}
				_, errs[i] = e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "P", LastName: fmt.Sprint(i), Username: user})
			}()
		}
		wg.Wait()
		failed := 0
		for i, err := range errs {
			if i%4 == 3 {
				if codeOf(err) != desk.EINVALID {
					t.Errorf("writer %d with a taken username: %v", i, err)
				}
				failed++
			} else if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		}
		after := e.footprint(t)
		if after.people != before.people+n-failed || after.audit != before.audit+n-failed {
			t.Errorf("people %d -> %d, audit %d -> %d; want %d more of each", before.people, after.people, before.audit, after.audit, n-failed)
		}
		if got := e.DB.Count(t, `SELECT COUNT(*) FROM people p WHERE p.username LIKE 'user%' AND EXISTS
			(SELECT 1 FROM audit_log a WHERE a.action = 'person.create' AND a.object_id = CAST(p.id AS TEXT))`); got != n-failed {
			t.Errorf("%d new people have their audit record, want %d", got, n-failed)
		}
	})
}

// TestCancelledWritersHarmNoOne: callers who give up (their context is cancelled at some moment
// during the write, as when an HTTP client disconnects) either wrote everything or nothing, and
// writers running beside them, possibly in the same transaction, are not affected. The moments
// are spread so that some cancellations land mid-statement (TestWriterCancelledMidStatement makes
// that happen deterministically on SQLite).
func TestCancelledWritersHarmNoOne(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		const n = 30
		var words []string
		for w := range 4000 {
			words = append(words, fmt.Sprintf("w%d", w))
		}
		longText := strings.Join(words, " ") // slow to index, so cancellations land mid-write
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.Background()
				if i%2 == 1 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					time.AfterFunc(time.Duration(i*397%8000)*time.Microsecond, cancel)
				}
				for j := range 3 {
					if _, errs[i] = e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: fmt.Sprintf("writer %d call %d", i, j),
						Description: longText, CustomerID: e.F.Dan.ID, GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Bob.ID}); errs[i] != nil {
						return
					}
				}
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if i%2 == 0 && err != nil {
				t.Errorf("writer %d, who never gave up, failed: %v", i, err)
			}
		}
		// Every call that exists is whole: its diary line and its audit record are there.
		if half := e.DB.Count(t, `SELECT COUNT(*) FROM calls c WHERE NOT EXISTS (SELECT 1 FROM diary_entries d WHERE d.call_id = c.id)
			OR NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'call.create' AND a.object_id = CASE WHEN c.kind = 'fault' THEN 'F' ELSE 'R' END || substr(CAST(10000000 + c.number AS TEXT), 2))`); half != 0 {
			t.Errorf("%d calls without their diary or audit record", half)
		}
		if orphans := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log a WHERE a.action = 'call.create' AND NOT EXISTS
			(SELECT 1 FROM calls c WHERE CASE WHEN c.kind = 'fault' THEN 'F' ELSE 'R' END || substr(CAST(10000000 + c.number AS TEXT), 2) = a.object_id)`); orphans != 0 {
			t.Errorf("%d audit records of calls that do not exist", orphans)
		}
	})
}

// TestDatabaseFailureIsNotTheCallersFault: when a lookup fails inside the database (here a table
// renamed away underneath the store), the write fails as our fault (EINTERNAL, a 500), not as a
// field error telling the caller that the profile or group they gave does not exist.
func TestDatabaseFailureIsNotTheCallersFault(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := e.F
		classified := e.newCall(t, desk.NewCall{ProfileID: f.Wifi.ID})
		actor := storetest.Actor(f.Ann)
		tests := []struct {
			table string
			write func() error
		}{
			{"profiles", func() error {
				_, err := e.S.CreateCall(ctx, actor, desk.NewCall{Summary: "x", CustomerID: f.Dan.ID, ProfileID: f.Outlook.ID})
				return err
			}},
			{"profiles", func() error {
				_, err := e.S.UpdateCall(ctx, actor, classified.Ref, 0, desk.Transition{Action: desk.ActChange, ProfileID: f.Outlook.ID})
				return err
			}},
			{"profiles", func() error { // assigning to the profile's default group
				_, err := e.S.UpdateCall(ctx, actor, classified.Ref, 0, desk.Transition{Action: desk.ActAssign})
				return err
			}},
			{"support_groups", func() error {
				_, err := e.S.CreateCall(ctx, actor, desk.NewCall{Summary: "x", CustomerID: f.Dan.ID, GroupID: f.Networks.ID})
				return err
			}},
			{"people", func() error {
				_, err := e.S.CreateCall(ctx, actor, desk.NewCall{Summary: "x", CustomerID: f.Dan.ID})
				return err
			}},
		}
		for i, tt := range tests {
			fp := e.footprint(t)
			e.DB.MustExec(t, `ALTER TABLE `+tt.table+` RENAME TO away`)
			err := tt.write()
			e.DB.MustExec(t, `ALTER TABLE away RENAME TO `+tt.table)
			if codeOf(err) != desk.EINTERNAL {
				t.Errorf("write %d with %s gone: %v (code %q), want %s", i, tt.table, err, codeOf(err), desk.EINTERNAL)
			}
			if e.footprint(t) != fp {
				t.Errorf("write %d left something behind", i)
			}
		}
		// Everything works again.
		if c := e.newCall(t, desk.NewCall{ProfileID: f.Outlook.ID, GroupID: f.Networks.ID}); c.Priority != 2 {
			t.Errorf("after the failures: %+v", c)
		}
	})
}
