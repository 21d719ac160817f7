package audit_test

import (
	"strings"
	"testing"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
)

// While the database refuses audit records, Add says so to every reader (who must then not show
// what they read) and nothing is held back in memory to be lost later; once the database takes
// records again, Add writes at once.
func TestRecorderRefusesWhatItCannotRecord(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		count := func() int {
			return e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE object_type = 'call' AND object_id = 'F0000001'`)
		}
		b := audit.NewRecorder(e.S)
		defer b.Close()
		view := desk.AuditRecord{Actor: "Ann", Action: "call.view", ObjectType: "call", ObjectID: "F0000001"}
		restore := e.RefuseAuditRecords(t)
		for range 3 {
			err := b.Add(view)
			if err == nil {
				t.Fatal("Add reported a record the database refused as written")
			}
			if !strings.Contains(err.Error(), "audit records refused") {
				t.Errorf("the refusal does not carry the database's reason: %v", err)
			}
		}
		if n := count(); n != 0 {
			t.Fatalf("%d records written during the outage", n)
		}
		restore()
		if err := b.Add(view); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 1 {
			t.Fatalf("%d records after the outage, want only the one added since", n)
		}
	})
}
