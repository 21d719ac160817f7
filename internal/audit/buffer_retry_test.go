package audit_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// While the database refuses audit records, records of reads wait in the buffer; once it takes
// them again, they are all written, and Close writes what is left. None is dropped.
func TestBufferKeepsRecordsTheDatabaseRefused(t *testing.T) {
	dsn := storetest.DSN(t, "sqlite")
	s := storetest.OpenDSN(t, "sqlite", dsn, nil)
	raw := storetest.Raw(t, "sqlite", dsn)
	ctx := context.Background()
	count := func() int {
		_, n, err := s.FindAudit(ctx, store.AuditFilter{ObjectType: "call", ObjectID: "F0000001"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	b := audit.NewBuffer(s, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour, 1000)
	raw.MustExec(t, `CREATE TRIGGER outage BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database unavailable'); END`)
	for i := 0; i < 3; i++ {
		if err := b.Add(desk.AuditRecord{Actor: "Ann", Action: "call.view", ObjectType: "call", ObjectID: "F0000001"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err == nil {
		t.Fatal("a flush during the outage reported success")
	}
	if n := count(); n != 0 {
		t.Fatalf("%d records written during the outage", n)
	}
	raw.MustExec(t, `DROP TRIGGER outage`)
	if err := b.Add(desk.AuditRecord{Actor: "Ann", Action: "call.view", ObjectType: "call", ObjectID: "F0000001"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 4 {
		t.Fatalf("%d records after the outage, want all 4", n)
	}
	if err := b.Add(desk.AuditRecord{Actor: "Ann", Action: "call.view", ObjectType: "call", ObjectID: "F0000001"}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if n := count(); n != 5 {
		t.Fatalf("%d records after Close, want 5", n)
	}
}
