package audit_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
)

// TestRewrittenRecordsAndPeopleLinksAreSealed (issue 15 point 6): what the hash of a record does
// not cover is sealed too. The words an erasure wrote into a record are attested by the
// erasure's own record, so editing them afterwards shows, and still shows after a second,
// legitimate erasure rewrote the record again; the people a record is linked to in
// audit_persons ("who has seen my data") must be the persons its hash covers, so deleting or
// adding a link shows. Each problem names the record.
func TestRewrittenRecordsAndPeopleLinksAreSealed(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.F.Admin
		person := func(first, last string) desk.Person {
			t.Helper()
			p, err := e.S.CreatePerson(ctx, admin, desk.Person{FirstName: first, LastName: last, Username: strings.ToLower(first),
				Email: strings.ToLower(first) + "@uni.example", Kind: desk.Staff})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		pia, quentin := person("Pia", "Pardoe"), person("Quentin", "Quist")
		// Quentin looked Pia up: a record by one of them, about the other, naming both.
		if err := e.S.AppendAudit(ctx, []desk.AuditRecord{{ActorID: quentin.ID, Actor: "Quentin Quist", Action: "person.view",
			ObjectType: "person", ObjectID: strconv.FormatInt(pia.ID, 10), Persons: []int64{pia.ID}, ClientAddr: "192.0.2.7",
			Detail: "Quentin Quist looked up Pia Pardoe (pia@uni.example)"}}); err != nil {
			t.Fatal(err)
		}
		e.work(t, 2)
		var viewed int64
		if err := e.DB.QueryRow(`SELECT id FROM audit_log WHERE action = 'person.view'`).Scan(&viewed); err != nil {
			t.Fatal(err)
		}
		erase := func(p desk.Person) {
			t.Helper()
			if _, err := e.S.ErasePerson(ctx, admin, desk.Erasure{PersonID: p.ID, Basis: desk.BasisContract, Ground: desk.GroundNotNeeded,
				Decision: "left", Confirmed: true}); err != nil {
				t.Fatal(err)
			}
			seal(t, e.S)
		}
		intact := func(when string) {
			t.Helper()
			if rep := verify(t, e.S); !rep.OK() {
				t.Fatalf("%s: the trail does not verify: %v", when, rep.First)
			}
		}
		tampered := func(what string, id int64, says string) {
			t.Helper()
			rep := verify(t, e.S)
			if rep.OK() {
				t.Fatalf("%s: verify did not see it", what)
			}
			msg := rep.First.String()
			if rep.First.AuditID != id || !strings.Contains(msg, "audit record "+strconv.FormatInt(id, 10)) || !strings.Contains(msg, says) {
				t.Errorf("%s: verify reports %q (record %d), want record %d and %q", what, msg, rep.First.AuditID, id, says)
			}
		}
		detail := func() string {
			t.Helper()
			var d string
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT detail FROM audit_log WHERE id = ?`), viewed).Scan(&d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		editDetail := func(d string) {
			e.DB.MustExec(t, `UPDATE audit_log SET detail = ? WHERE id = ?`, d, viewed)
		}

		seal(t, e.S)
		intact("before any erasure")
		erase(pia)
		intact("after Pia's erasure")
		rewritten := detail()
		if strings.Contains(rewritten, "Pia") || !strings.Contains(rewritten, "Quentin Quist") {
			t.Fatalf("the first erasure did not rewrite the record as expected: %q", rewritten)
		}
		// Someone edits the rewritten record: e.g. puts the erased name back.
		editDetail("Quentin Quist looked up Pia Pardoe")
		tampered("a rewritten record edited", viewed, "its words were changed after erasure record")
		editDetail(rewritten)
		intact("edit undone")
		// Or removes the erasure's entry from the record's list, and then edits it.
		list := rewritesOf(t, e, viewed)
		e.DB.MustExec(t, `UPDATE audit_log SET rewrites = '' WHERE id = ?`, viewed)
		editDetail("Quentin Quist looked up someone")
		tampered("a rewritten record edited, its rewrites list emptied", viewed, "not among the records that erasure attests")
		editDetail(rewritten)
		e.DB.MustExec(t, `UPDATE audit_log SET rewrites = ? WHERE id = ?`, list, viewed)
		intact("list restored")

		// A second, legitimate erasure rewrites the same record again: it verifies.
		erase(quentin)
		intact("after Quentin's erasure rewrote the record again")
		again := detail()
		if strings.Contains(again, "Quentin") || again == rewritten {
			t.Fatalf("the second erasure did not rewrite the record: %q", again)
		}
		if n := strings.Count(rewritesOf(t, e, viewed), ";"); n != 2 {
			t.Fatalf("the record lists %d rewrites, want 2", n)
		}
		editDetail(rewritten) // back to the first erasure's words, with Quentin's name
		tampered("a twice-rewritten record edited", viewed, "its words were changed after erasure record")
		editDetail(again)
		intact("second edit undone")

		// The people links: deleting one, or adding one, shows.
		var linked, who int64
		if err := e.DB.QueryRow(`SELECT p.audit_id, p.person_id FROM audit_persons p JOIN audit_log a ON a.id = p.audit_id
			WHERE a.action = 'call.create' ORDER BY p.audit_id LIMIT 1`).Scan(&linked, &who); err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, `DELETE FROM audit_persons WHERE audit_id = ? AND person_id = ?`, linked, who)
		tampered("a person's link to a record deleted", linked, "links to the people it concerns were changed")
		e.DB.MustExec(t, `INSERT INTO audit_persons (person_id, audit_id) VALUES (?, ?)`, who, linked)
		intact("link restored")
		e.DB.MustExec(t, `INSERT INTO audit_persons (person_id, audit_id) VALUES (?, ?)`, e.F.Eve.ID, linked)
		tampered("a person linked to a record they are not in", linked, "links to the people it concerns were changed")
		e.DB.MustExec(t, `DELETE FROM audit_persons WHERE audit_id = ? AND person_id = ?`, linked, e.F.Eve.ID)
		intact("extra link removed")
	})
}

// rewritesOf reads a record's rewrites list.
func rewritesOf(t *testing.T, e *env, id int64) string {
	t.Helper()
	var s string
	if err := e.DB.QueryRow(e.DB.Rebind(`SELECT rewrites FROM audit_log WHERE id = ?`), id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestErasuresBeforeTheRewriteSealStillVerify: a trail with an erasure made before erasures
// attested the words they wrote (attestation version 1, no rewrites lists) still verifies; a
// new erasure rewriting one of its records again attests that record's new words, so editing it
// afterwards shows.
func TestErasuresBeforeTheRewriteSealStillVerify(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.F.Admin
		pia, err := e.S.CreatePerson(ctx, admin, desk.Person{FirstName: "Pia", LastName: "Pardoe", Username: "pia", Email: "pia@uni.example", Kind: desk.Staff})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.S.AppendAudit(ctx, []desk.AuditRecord{{ActorID: e.F.Ann.ID, Actor: "Ann Analyst", Action: "person.view",
			ObjectType: "person", ObjectID: strconv.FormatInt(pia.ID, 10), Persons: []int64{pia.ID, e.F.Dan.ID},
			Detail: "looked up Pia Pardoe for Dan Dawson"}}); err != nil {
			t.Fatal(err)
		}
		seal(t, e.S)
		if _, err := e.S.ErasePerson(ctx, admin, desk.Erasure{PersonID: pia.ID, Basis: desk.BasisContract, Ground: desk.GroundNotNeeded,
			Decision: "left", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		// Make the erasure as an older calldesk did, before it is sealed: a version 1 attestation
		// of the records it rewrote first, no rewrites lists.
		var eraseID int64
		var eraseDetail string
		if err := e.DB.QueryRow(`SELECT id, detail FROM audit_log WHERE action = 'person.erase'`).Scan(&eraseID, &eraseDetail); err != nil {
			t.Fatal(err)
		}
		links, err := e.S.AuditChain(ctx, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		var first []desk.AuditRecord
		for _, l := range links {
			if l.Record.RedactedBy == eraseID {
				first = append(first, l.Record)
			}
		}
		if len(first) == 0 {
			t.Fatal("the erasure rewrote no sealed record: the test proves nothing")
		}
		i := strings.LastIndex(eraseDetail, "; audit records redacted: ")
		e.DB.MustExec(t, `UPDATE audit_log SET detail = ? WHERE id = ?`,
			eraseDetail[:i]+fmt.Sprintf(desk.AttestationDetail, len(first), desk.RedactionAttestation(first)), eraseID)
		e.DB.MustExec(t, `UPDATE audit_log SET rewrites = ''`)
		seal(t, e.S)
		if rep := verify(t, e.S); !rep.OK() {
			t.Fatalf("a trail with a version 1 erasure does not verify: %v", rep.First)
		}
		var viewed int64
		if err := e.DB.QueryRow(`SELECT id FROM audit_log WHERE action = 'person.view'`).Scan(&viewed); err != nil {
			t.Fatal(err)
		}
		// Dan's erasure rewrites the record again, and seals its new words.
		if _, err := e.S.ErasePerson(ctx, admin, desk.Erasure{PersonID: e.F.Dan.ID, Basis: desk.BasisContract, Ground: desk.GroundNotNeeded,
			Decision: "left", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		seal(t, e.S)
		if rep := verify(t, e.S); !rep.OK() {
			t.Fatalf("after a new erasure rewrote a record of a version 1 erasure: %v", rep.First)
		}
		if n := strings.Count(rewritesOf(t, e, viewed), ";"); n != 1 {
			t.Fatalf("the record lists %d rewrites, want the new erasure's", n)
		}
		e.DB.MustExec(t, `UPDATE audit_log SET detail = 'looked up someone for Dan Dawson' WHERE id = ?`, viewed)
		rep := verify(t, e.S)
		if rep.OK() || rep.First.AuditID != viewed {
			t.Fatalf("an edit of the record the new erasure rewrote went unseen: %+v", rep.First)
		}
	})
}
