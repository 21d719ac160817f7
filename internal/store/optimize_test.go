package store_test

import (
	"context"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// Statistics taken while the audit log was tiny made SQLite scan the whole log for every record
// the sealer read. Optimize must refresh them once the log has grown, so the sealer's query looks
// records up by id.
func TestOptimizeRefreshesStaleStatistics(t *testing.T) {
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	// The statistics a bulk load left behind on the benchmark database: an audit log of one row.
	e.DB.MustExec(t, "ANALYZE")
	e.DB.MustExec(t, "DELETE FROM sqlite_stat1 WHERE tbl = 'audit_log'")
	e.DB.MustExec(t, "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('audit_log', 'audit_log_object', '1 1 1')")
	e.DB.MustExec(t, "ANALYZE sqlite_schema")
	recs := make([]desk.AuditRecord, 3000)
	for i := range recs {
		recs[i] = desk.AuditRecord{Actor: "t", Action: "call.view", ObjectType: "call", ObjectID: "F0000001", Persons: []int64{e.F.Dan.ID}}
	}
	if err := e.S.AppendAudit(ctx, recs); err != nil {
		t.Fatal(err)
	}
	const byID = "SEARCH a USING INTEGER PRIMARY KEY"
	if plan := sealPlan(t, e); strings.Contains(plan, byID) {
		t.Fatalf("the stale statistics did not reproduce the scan (plan %q): the test proves nothing", plan)
	}
	if err := e.S.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if plan := sealPlan(t, e); !strings.Contains(plan, byID) {
		t.Errorf("after Optimize the sealer's query plan is %q: it must look audit records up by id", plan)
	}
}

// sealPlan is SQLite's plan for the sealer's query, on a fresh connection.
func sealPlan(t *testing.T, e *env) string {
	t.Helper()
	raw := storetest.Raw(t, "sqlite", e.DSN)
	rows, err := raw.Query(`EXPLAIN QUERY PLAN SELECT a.id FROM audit_pending p CROSS JOIN audit_log a
		WHERE a.id = p.audit_id ORDER BY p.audit_id LIMIT 250`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}
