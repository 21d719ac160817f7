package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestCreateCallForNewCaller (issue 16, defect 6): a caller not in the register is added while
// their call is logged, in one transaction, as a person typed in at the service desk with only the
// call's fields, audited; a caller whose email someone holds is refused and nothing is written;
// a directory import or SCIM push that gives the same email neither changes nor removes the added person.
func TestCreateCallForNewCaller(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		n := desk.NewCall{Kind: desk.Fault, Source: desk.SourceFaceToFace, Summary: "Guest wifi voucher does not work"}
		caller := desk.NewCaller{FirstName: " Lina ", LastName: "Haddad", Email: "lina.haddad@visitor.example", Phone: "07700 900456"}
		call, p, err := e.S.CreateCallForNewCaller(ctx, ann, caller, n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.S.FindPerson(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name() != "Lina Haddad" || got.Source != desk.FromAnalyst || got.Kind != desk.Visitor || !got.Active ||
			got.Email != caller.Email || got.Phone != caller.Phone || got.Username != "" || got.StudentNumber != "" ||
			got.Department != "" || got.JobTitle != "" || got.DirectoryKey != "" {
			t.Fatalf("the caller's record: %+v", got)
		}
		if call.CustomerID != p.ID || call.Customer.Name != "Lina Haddad" {
			t.Fatalf("the call is for %d (%q), want the new caller %d", call.CustomerID, call.Customer.Name, p.ID)
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: p.ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var created bool
		for _, r := range recs {
			if r.Action == "person.create" && r.ActorID == e.F.Ann.ID && strings.Contains(r.Detail, "while logging "+call.Ref) {
				created = true
			}
		}
		if !created {
			t.Fatalf("the caller's creation is not audited: %+v", recs)
		}

		// Their email is someone's already: refused beside the field, nothing written.
		people := e.DB.Count(t, `SELECT COUNT(*) FROM people`)
		calls := e.DB.Count(t, `SELECT COUNT(*) FROM calls`)
		_, _, err = e.S.CreateCallForNewCaller(ctx, ann, desk.NewCaller{LastName: "Dawson", Email: strings.ToUpper(e.F.Dan.Email)}, n)
		if f := desk.AsError(err); f == nil || !strings.Contains(f.Fields["caller_email"], "find them with the lookup") {
			t.Fatalf("a caller with Dan's email: %v", err)
		}
		// Only the call's fields, and a visitor or partner.
		_, _, err = e.S.CreateCallForNewCaller(ctx, ann, desk.NewCaller{Kind: desk.Student, Phone: "call me"}, desk.NewCall{})
		f := desk.AsError(err)
		if f == nil || f.Fields["caller_last_name"] == "" || f.Fields["caller_kind"] == "" || f.Fields["caller_phone"] == "" || f.Fields["summary"] == "" {
			t.Fatalf("an empty caller and call: %v", err)
		}
		if e.DB.Count(t, `SELECT COUNT(*) FROM people`) != people || e.DB.Count(t, `SELECT COUNT(*) FROM calls`) != calls {
			t.Fatal("a refused caller wrote something")
		}

		// A full directory import listing her email under a key: her record stays hers, as it was.
		res, err := e.S.SyncPeople(ctx, []store.DirectoryRecord{rec(2, "k7001", "Lina", "Haddad-Import", "lhaddad", caller.Email)},
			store.SyncOptions{Source: "campus", Full: true, By: "test", MaxLeaverShare: 1, MaxChangeShare: 1, MaxNewShare: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rejected != 1 || !strings.Contains(strings.Join(res.Problems, "\n"), "typed in by hand") {
			t.Fatalf("the import of a record with her email: %+v", res)
		}
		after, err := e.S.FindPerson(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.LastName != "Haddad" || !after.Active || after.Source != desk.FromAnalyst || after.DirectoryKey != "" || after.Version != got.Version {
			t.Fatalf("the import changed the added caller: %+v", after)
		}
		// Nor does a SCIM push of a person with her email: refused, her record as it was.
		if _, _, err := e.S.PushPerson(ctx, "scim", desk.Person{DirectoryKey: "k7002", FirstName: "Lina", LastName: "Pushed", Email: caller.Email}, 0, nil, nil); err == nil {
			t.Fatal("a SCIM push took the added caller's email")
		}
		if again, err := e.S.FindPerson(ctx, p.ID); err != nil || again.LastName != "Haddad" || again.Version != got.Version || again.Source != desk.FromAnalyst {
			t.Fatalf("after a SCIM push: %+v, %v", again, err)
		}
	})
}

// TestDueLeaversTakesQuietAddedCallers (issue 16 with issue 15's schedule): a caller added by an
// analyst never leaves as the directory's people do, so the leavers rule counts them as having
// left when their last call last changed; not while a call of theirs is open, nor under a legal
// hold, nor people typed in by hand otherwise.
func TestDueLeaversTakesQuietAddedCallers(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		n := desk.NewCall{Kind: desk.Fault, Source: desk.SourcePhone, Summary: "Visitor badge does not open the door"}
		quiet, lina, err := e.S.CreateCallForNewCaller(ctx, ann, desk.NewCaller{FirstName: "Lina", LastName: "Haddad"}, n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.UpdateCall(ctx, ann, quiet.Ref, quiet.Version, desk.Transition{Action: desk.ActCancel, Reason: "sorted at the desk"}); err != nil {
			t.Fatal(err)
		}
		_, omar, err := e.S.CreateCallForNewCaller(ctx, ann, desk.NewCaller{FirstName: "Omar", LastName: "Busy", Kind: desk.Partner}, n)
		if err != nil {
			t.Fatal(err)
		}
		rules, err := e.S.RetentionRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		due := func(at time.Time) map[int64]store.DueLeaver {
			t.Helper()
			ls, err := e.S.DueLeavers(ctx, store.NewRetentionPlan(rules, at))
			if err != nil {
				t.Fatal(err)
			}
			out := map[int64]store.DueLeaver{}
			for _, l := range ls {
				out[l.ID] = l
			}
			return out
		}
		if d := due(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)); len(d) != 0 {
			t.Fatalf("the day after, due: %+v", d)
		}
		later := due(time.Date(2036, 3, 3, 9, 0, 0, 0, time.UTC))
		if l, ok := later[lina.ID]; !ok || !l.Caller || !l.LeftAt.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("ten years on, the quiet added caller is not due as a caller from her last call: %+v", later)
		}
		if _, ok := later[omar.ID]; ok {
			t.Fatal("an added caller with an open call is due")
		}
		for _, p := range []desk.Person{e.F.Dan, e.F.Eve, e.F.Ann} {
			if _, ok := later[p.ID]; ok {
				t.Fatalf("%s, who never left and was not added by an analyst, is due", p.Name())
			}
		}
	})
}
