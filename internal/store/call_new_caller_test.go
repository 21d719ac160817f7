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
// a directory import that lists the same email neither changes nor removes the added person.
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
		if got.Name() != "Lina Haddad" || got.Source != desk.FromManual || got.Kind != desk.Visitor || !got.Active ||
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
		if after.LastName != "Haddad" || !after.Active || after.Source != desk.FromManual || after.DirectoryKey != "" || after.Version != got.Version {
			t.Fatalf("the import changed the added caller: %+v", after)
		}
	})
}
