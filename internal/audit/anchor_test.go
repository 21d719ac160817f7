package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// deletePrefix deletes the first n links after after and their records by hand, as someone with
// the database could, and reports the last one deleted.
func (e *env) deletePrefix(t *testing.T, after int64, n int) store.ChainLink {
	t.Helper()
	links, err := e.S.AuditChain(context.Background(), after, n)
	if err != nil || len(links) != n {
		t.Fatalf("chain: %d links, %v", len(links), err)
	}
	for _, l := range links {
		for _, q := range []string{`DELETE FROM audit_persons WHERE audit_id = ?`, `DELETE FROM audit_chain WHERE audit_id = ?`, `DELETE FROM audit_log WHERE id = ?`} {
			e.DB.MustExec(t, q, l.AuditID)
		}
	}
	return links[n-1]
}

func wantAnchorProblem(t *testing.T, e *env, what string) {
	t.Helper()
	rep := verify(t, e.S)
	if rep.OK() || rep.First.Kind != audit.KindAnchor {
		t.Errorf("%s: verify says %+v", what, rep.First)
	}
}

// TestVerifyAnchor: the anchor must be the one the newest sealed record of a retention sweep's
// audit deletion names. A prefix deleted by hand with an anchor written to match is reported;
// a real sweep's anchor verifies (before and after its record is sealed, and after a second
// sweep); an anchor changed, removed, or moved over a prefix deleted by hand after a real sweep
// is reported.
func TestVerifyAnchor(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.work(t, 5)
		seal(t, e.S)
		if rep := verify(t, e.S); !rep.OK() {
			t.Fatalf("fresh trail: %+v", rep.First)
		}

		// By hand: the oldest links deleted, the anchor written so the rest still chains.
		last := e.deletePrefix(t, 0, 4)
		e.DB.MustExec(t, `INSERT INTO audit_anchor (id, seq, hash, deleted_at) VALUES (1, ?, ?, 0)`, last.Seq, last.Hash)
		wantAnchorProblem(t, e, "a prefix deleted by hand")
	})

	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.work(t, 5)
		seal(t, e.S)
		rules, err := e.S.RetentionRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sweep := func() {
			t.Helper()
			e.Clock.Advance(24 * 365 * 8 * 3600e9)
			line, err := e.S.SweepAudit(ctx, storetest.Actor(e.F.Bob), store.NewRetentionPlan(rules, e.S.Now()), false)
			if err != nil || line.Count == 0 {
				t.Fatalf("sweep: %+v %v", line, err)
			}
		}
		sweep()
		if rep := verify(t, e.S); !rep.OK() || rep.Pending == 0 {
			t.Errorf("after a real sweep, its record not yet sealed: %+v, %d pending", rep.First, rep.Pending)
		}
		seal(t, e.S)
		// The sweep deleted every sealed link: the chain goes on from the anchor, so its own
		// record is the first link verify reads.
		if rep := verify(t, e.S); !rep.OK() || rep.Checked == 0 {
			t.Errorf("after a real sweep: %+v, %d links checked", rep.First, rep.Checked)
		}
		// A second sweep: its record, the newest, names the new anchor.
		e.work(t, 3)
		seal(t, e.S)
		sweep()
		seal(t, e.S)
		if rep := verify(t, e.S); !rep.OK() {
			t.Errorf("after a second sweep: %+v", rep.First)
		}
		seq, hash, err := e.S.AuditAnchor(ctx)
		if err != nil || seq == 0 {
			t.Fatal(seq, err)
		}

		// The anchor changed to another well-formed hash, or removed.
		e.DB.MustExec(t, `UPDATE audit_anchor SET hash = ?`, strings.Repeat("ab", 32))
		wantAnchorProblem(t, e, "an anchor with another hash")
		e.DB.MustExec(t, `DELETE FROM audit_anchor`)
		wantAnchorProblem(t, e, "the anchor removed")
		e.DB.MustExec(t, `INSERT INTO audit_anchor (id, seq, hash, deleted_at) VALUES (1, ?, ?, 0)`, seq, hash)
		if rep := verify(t, e.S); !rep.OK() {
			t.Fatalf("the anchor put back: %+v", rep.First)
		}

		// More records, then a prefix deleted by hand (the sweep's record with it) and the
		// anchor moved over it.
		e.work(t, 3)
		seal(t, e.S)
		last := e.deletePrefix(t, seq, 3)
		e.DB.MustExec(t, `UPDATE audit_anchor SET seq = ?, hash = ?`, last.Seq, last.Hash)
		wantAnchorProblem(t, e, "a prefix deleted by hand after a real sweep")
	})
}

// TestVerifyForgedSweepRecordCannotHideARecentPrefix: someone with database access deletes the
// oldest sealed records, writes the anchor, and adds a record of a retention sweep naming it
// (audit_log + audit_pending, as any writer does). Verify reports it, before and after the next
// seal, whether the forged record has no account of the deletion, a true one (the anchor's record
// was not old enough under the audit records' rule), one lying about the anchor's time (its hash
// is then not the anchor's), or one claiming a period shorter than the rule allows.
func TestVerifyForgedSweepRecordCannotHideARecentPrefix(t *testing.T) {
	forge := func(t *testing.T, e *env, detail func(last store.ChainLink) string) {
		t.Helper()
		e.work(t, 5)
		seal(t, e.S)
		last := e.deletePrefix(t, 0, 4)
		e.DB.MustExec(t, `INSERT INTO audit_anchor (id, seq, hash, deleted_at) VALUES (1, ?, ?, 0)`, last.Seq, last.Hash)
		e.Clock.Advance(time.Hour)
		if err := e.S.AppendAudit(context.Background(), []desk.AuditRecord{{Actor: "system", Action: "retention.delete",
			ObjectType: store.AnchorObjectType, ObjectID: store.AnchorObjectID(last.Seq, last.Hash), Detail: detail(last)}}); err != nil {
			t.Fatal(err)
		}
		wantAnchorProblem(t, e, "before the next seal")
		seal(t, e.S)
		wantAnchorProblem(t, e, "after the next seal")
	}
	old := func(last store.ChainLink) string {
		return fmt.Sprintf("deleted 4 audit records, chain links 1 to %d (records 1 to 4); the chain now starts after link %d, hash %s",
			last.Seq, last.Seq, last.Hash)
	}
	proof := func(months int, at time.Time) func(last store.ChainLink) string {
		return func(last store.ChainLink) string {
			r := last.Record
			if !at.IsZero() {
				r.At = at
			}
			p, _ := json.Marshal(store.AnchorProof{Months: months, Version: last.Version, Prev: last.PrevHash, ID: r.ID, At: r.At.UnixMicro(),
				ActorID: r.ActorID, Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID, Persons: r.Persons,
				Digest: r.PersonalDigest(), Surface: string(r.Surface)})
			return old(last) + "; the anchor, sealed: " + string(p)
		}
	}
	for name, detail := range map[string]func(store.ChainLink) string{
		"no account":            func(store.ChainLink) string { return "deleted 4 audit records" },
		"true account":          proof(store.MinAuditMonths, time.Time{}),
		"anchor's time changed": proof(store.MinAuditMonths, time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)),
		"period too short":      proof(0, time.Time{}),
	} {
		t.Run(name, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) { forge(t, e, detail) })
		})
	}
}

// TestVerifyChecksTheRewrittenRecordsLeftAfterASweep: a retention sweep deletes the older of two
// records an erasure rewrote and keeps the erasure's record; the newer record's words, edited
// with its rewrites entry made to match them, still show: the sweep's record seals the deleted
// one as the erasure's attestation covers it, so verify checks that attestation over both.
func TestVerifyChecksTheRewrittenRecordsLeftAfterASweep(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		pia, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Pia", LastName: "Pardoe", Username: "pia",
			Email: "pia@uni.example", Kind: desk.Staff})
		if err != nil {
			t.Fatal(err)
		}
		look := func(detail string) int64 {
			t.Helper()
			if err := e.S.AppendAudit(ctx, []desk.AuditRecord{{ActorID: e.F.Ann.ID, Actor: "Ann", Action: "person.view", ObjectType: "person",
				ObjectID: fmt.Sprint(pia.ID), Persons: []int64{pia.ID}, Detail: detail}}); err != nil {
				t.Fatal(err)
			}
			var id int64
			if err := e.DB.QueryRow(`SELECT MAX(id) FROM audit_log WHERE action = 'person.view'`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		old := look("Ann looked up Pia Pardoe (pia@uni.example)")
		e.work(t, 1)
		seal(t, e.S)
		e.Clock.Advance(13 * 31 * 24 * time.Hour)
		kept := look("Ann looked up Pia Pardoe again")
		if _, err := e.S.ErasePerson(ctx, e.F.Admin, desk.Erasure{PersonID: pia.ID, Basis: desk.BasisContract, Ground: desk.GroundNotNeeded,
			Decision: "left", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		seal(t, e.S)
		e.Clock.Advance(time.Hour)
		plan := store.NewRetentionPlan([]store.RetentionRule{{Class: store.ClassAuditRecords, Months: store.MinAuditMonths, Action: store.Delete}}, e.S.Now())
		if line, err := e.S.SweepAudit(ctx, storetest.Actor(e.F.Bob), plan, false); err != nil || line.Count == 0 {
			t.Fatalf("sweep: %+v %v", line, err)
		}
		seal(t, e.S)
		var left int
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT COUNT(*) FROM audit_log WHERE id IN (?, ?)`), old, kept).Scan(&left); err != nil || left != 1 {
			t.Fatalf("the sweep should delete record %d and keep %d: %d left, %v", old, kept, left, err)
		}
		if rep := verify(t, e.S); !rep.OK() {
			t.Fatalf("after the sweep: %v", rep.First)
		}

		// The kept record's words edited, and its rewrites entry made to match them.
		seq, _, err := e.S.AuditAnchor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		links, err := e.S.AuditChain(ctx, seq, 1000)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(links, func(l store.ChainLink) bool { return l.AuditID == kept })
		rw, ok := desk.ParseRewrites(links[i].Rewrites)
		if i < 0 || !ok || len(rw) != 1 {
			t.Fatalf("record %d: rewrites %q", kept, links[i].Rewrites)
		}
		r := links[i].Record
		r.Detail = "Ann looked up nobody"
		e.DB.MustExec(t, `UPDATE audit_log SET detail = ?, rewrites = ? WHERE id = ?`, r.Detail, desk.RewriteEntry(rw[0].By, r.FieldsDigest()), kept)
		rep := verify(t, e.S)
		if rep.OK() || !strings.Contains(rep.First.String(), fmt.Sprintf("erasure record %d", rw[0].By)) {
			t.Errorf("a record rewritten by an erasure, edited after a sweep deleted another it rewrote: verify says %v", rep.First)
		}
	})
}
