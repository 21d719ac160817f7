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

// A table analysed while it was empty (call_sla, by the migration that added its report indexes
// on a new database) keeps statistics that say its indexes hold nothing, and SQLite's own
// optimize does not take them again: call_sla's indexes are all partial, so SQLite takes the
// table's size for its default of about a million rows, and re-analyses only a table ten times or more
// smaller or larger than that. On a million-call desk the planner believed call_sla's indexes
// empty. Optimize analyses such a table once it holds rows.
func TestOptimizeAnalysesTablesAnalysedEmpty(t *testing.T) {
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	e.DB.MustExec(t, "DELETE FROM call_sla")
	e.DB.MustExec(t, "ANALYZE call_sla")
	// 150,000 rows (within ten times the million SQLite assumes, so its optimize leaves them alone), a third on a queue:
	// the raw connection does not enforce foreign keys, and only the statistics matter here.
	e.DB.MustExec(t, `WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 150000)
		INSERT INTO call_sla (call_id, history, config, evaluated_at, queue_key, group_id, band, risk_at)
		SELECT 1000000 + n, '', 1, 0, CASE WHEN n % 3 = 0 THEN n END, n % 7, 'ok', n FROM r`)
	stat := func() string {
		var s string
		if err := e.DB.QueryRow(`SELECT stat FROM sqlite_stat1 WHERE tbl = 'call_sla' AND idx = 'call_sla_queue'`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// What SQLite's optimize does alone: nothing for call_sla, or the test proves nothing.
	e.DB.MustExec(t, "PRAGMA optimize = 0x10002")
	if s := stat(); !strings.HasPrefix(s, "0 ") {
		t.Fatalf("before Optimize the statistics of call_sla_queue are %q, want those of an empty index", s)
	}
	if err := e.S.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if s := stat(); !strings.HasPrefix(s, "50000 ") {
		t.Errorf("after Optimize the statistics of call_sla_queue are %q, want its 50000 rows counted", s)
	}
	// Taken again, they count the rows: the next Optimize leaves call_sla alone.
	e.DB.MustExec(t, "UPDATE sqlite_stat1 SET stat = '49999 1 1' WHERE tbl = 'call_sla' AND idx = 'call_sla_queue'")
	if err := e.S.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if s := stat(); s != "49999 1 1" {
		t.Errorf("a second Optimize analysed call_sla again (call_sla_queue's statistics are %q, want the '49999 1 1' left there)", s)
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
