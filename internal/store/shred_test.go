package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// TestShredWaitsForReaders: on SQLite, shredding truncates the WAL, which it cannot do while a
// reader still reads older frames of it (a long export): it then stays due and says it did not
// run, rather than failing, and runs once the reader is done.
func TestShredWaitsForReaders(t *testing.T) {
	e := storetest.NewEnv(t, "sqlite", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	p, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Rhea", LastName: "Reader", Email: "rhea@uni.example", Kind: desk.Staff})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.CreateCall(ctx, storetest.Actor(p), desk.NewCall{Summary: "Rhea's laptop", CustomerID: p.ID}); err != nil {
		t.Fatal(err)
	}
	// A reader in the middle of a read transaction over the WAL as it is.
	reader, err := e.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Rollback()
	var n int
	if err := reader.QueryRow(`SELECT COUNT(*) FROM calls`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.ErasePerson(ctx, e.F.Admin, desk.Erasure{PersonID: p.ID, Basis: desk.BasisContract,
		Ground: desk.GroundNotNeeded, Decision: "left", Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	if did, err := e.S.ShredIfDue(ctx); err != nil || did {
		t.Fatalf("shredding while a reader holds the WAL: did %v, err %v; want a quiet wait", did, err)
	}
	reader.Rollback()
	if did, err := e.S.ShredIfDue(ctx); err != nil || !did {
		t.Fatalf("shredding once the reader is done: did %v, err %v", did, err)
	}
	if n := e.DB.Count(t, `SELECT due FROM maintenance WHERE name = 'shred'`); n != 0 {
		t.Fatalf("still due after shredding: %d", n)
	}
}
