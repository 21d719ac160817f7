package audit

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// TestVersion1LinksStillVerify: a trail sealed before erasure existed (links of version 1, whose
// hash covered the names themselves) still verifies after the upgrade, still shows tampering,
// carries on with version 2 links, and survives the erasure of a person it names.
func TestVersion1LinksStillVerify(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		admin := e.F.Admin
		old, err := e.S.CreatePerson(ctx, admin, desk.Person{FirstName: "Olwen", LastName: "Legacy", Username: "olegacy", Email: "olegacy@uni.example", Kind: desk.Staff})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.CreateCall(ctx, storetest.Actor(old), desk.NewCall{Summary: "Olwen Legacy's monitor", CustomerID: old.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := Seal(ctx, e.S); err != nil {
			t.Fatal(err)
		}
		// Re-seal everything as an older calldesk did.
		links, err := e.S.AuditChain(ctx, 0, 100000)
		if err != nil || len(links) < 5 {
			t.Fatalf("%d links: %v", len(links), err)
		}
		prev := ""
		for _, l := range links {
			h := hashV1(prev, l.Record)
			e.DB.MustExec(t, `UPDATE audit_chain SET v = 1, prev_hash = ?, hash = ? WHERE seq = ?`, prev, h, l.Seq)
			prev = h
		}
		verify := func(what string) Report {
			t.Helper()
			rep, err := Verify(ctx, e.S)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			return rep
		}
		if rep := verify("legacy"); !rep.OK() {
			t.Fatalf("a version 1 trail does not verify: %v", rep.First)
		}
		victim := links[len(links)/2].AuditID
		e.DB.MustExec(t, `UPDATE audit_log SET actor = 'someone else' WHERE id = ?`, victim)
		if rep := verify("tampered"); rep.OK() || rep.First.AuditID != victim {
			t.Fatalf("tampering with a version 1 record went unseen: %+v", rep.First)
		}
		e.DB.MustExec(t, `UPDATE audit_log SET actor = ? WHERE id = ?`, links[len(links)/2].Record.Actor, victim)

		// New links are version 2, chained on the old ones; erasing Olwen rewrites version 1 records.
		if _, err := e.S.ErasePerson(ctx, admin, desk.Erasure{PersonID: old.ID, Basis: desk.BasisContract, Ground: desk.GroundNotNeeded,
			Decision: "left in 2020", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := Seal(ctx, e.S); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log a JOIN audit_chain c ON c.audit_id = a.id WHERE c.v = 1 AND a.redacted_digest <> ''`); n == 0 {
			t.Fatal("the erasure rewrote no version 1 record: the test proves nothing")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_chain WHERE v = 2`); n == 0 {
			t.Fatal("no version 2 link after the upgrade")
		}
		if rep := verify("after erasure"); !rep.OK() {
			t.Fatalf("after erasing a person named in version 1 links: %v", rep.First)
		}
		// A rewritten version 1 record that no erasure accounts for is still caught.
		var redacted int64
		if err := e.DB.QueryRow(`SELECT MIN(a.id) FROM audit_log a JOIN audit_chain c ON c.audit_id = a.id WHERE c.v = 1 AND a.redacted_digest <> ''`).Scan(&redacted); err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, `UPDATE audit_log SET redacted_by = NULL WHERE id = ?`, redacted)
		if rep := verify("forged"); rep.OK() || rep.First.AuditID != redacted {
			t.Fatalf("a forged redaction of a version 1 record went unseen: %+v", rep.First)
		}
	})
}
