package store_test

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/audit"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestRetentionAuditListsWhatChanged (issue 15 point 10): a sweep batch's audit record lists the
// ids of the records it changed, never a range that takes in the ones it kept, and a batch over
// 200 records is audited in several records. 500 lifted legal holds, every other one lifted long
// ago (due) and the rest last month (kept), interleaved by id.
func TestRetentionAuditListsWhatChanged(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.Clock.Now()
		old, recent := now.AddDate(-10, 0, 0).UnixMicro(), now.AddDate(0, -1, 0).UnixMicro()
		var due, kept []int64
		for i := range 500 {
			lifted := recent
			if i%2 == 0 {
				lifted = old
			}
			var id int64
			if err := e.DB.QueryRow(e.DB.Rebind(`INSERT INTO legal_holds (person_id, reason, placed_by, placed_at, lifted_by, lifted_at, lift_reason)
				VALUES (?, 'claim', 'x', ?, 'x', ?, 'settled') RETURNING id`), e.F.Dan.ID, old, lifted).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if lifted == old {
				due = append(due, id)
			} else {
				kept = append(kept, id)
			}
		}
		rules, err := e.S.RetentionRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		line, err := e.S.SweepClass(ctx, storetest.Actor(e.F.Bob), store.NewRetentionPlan(rules, now), store.ClassLiftedHolds, false)
		if err != nil || line.Count != len(due) {
			t.Fatalf("sweep: %+v %v", line, err)
		}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{ObjectType: "retention", ObjectID: store.ClassLiftedHolds, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 {
			t.Fatalf("%d audit records for a batch of %d, want 2 (200 ids to a record): %+v", len(recs), len(due), recs)
		}
		var listed []int64
		idList := regexp.MustCompile(`ids ([0-9, ]+)`)
		for _, r := range recs {
			m := idList.FindStringSubmatch(r.Detail)
			if m == nil || strings.Contains(r.Detail, " to ") {
				t.Fatalf("audit detail %q lists no ids", r.Detail)
			}
			for _, s := range strings.Split(m[1], ", ") {
				id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
				if err != nil {
					t.Fatalf("audit detail %q: %v", r.Detail, err)
				}
				listed = append(listed, id)
			}
		}
		slices.Sort(listed)
		if !slices.Equal(listed, due) {
			t.Errorf("the audit records list %d ids, want the %d deleted", len(listed), len(due))
		}
		for _, id := range kept {
			if slices.Contains(listed, id) {
				t.Fatalf("kept hold %d is named as deleted", id)
			}
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM legal_holds`); n != len(kept) {
			t.Errorf("%d holds left, want %d", n, len(kept))
		}
	})
}

// TestAuditSweepNamesTheRecordsDeleted (issue 15 point 10): the record of a sweep of the audit
// trail names the records it deleted exactly: record 2, not yet sealed when the chain's prefix
// went, is kept, and the record says "records 1, 3 to N", not "1 to N".
func TestAuditSweepNamesTheRecordsDeleted(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		last := int64(e.DB.Count(t, `SELECT MAX(id) FROM audit_log`))
		if last < 4 {
			t.Fatalf("the fixture wrote %d audit records", last)
		}
		// Record 2 waits outside the sealing queue while the rest are sealed, then joins it again.
		e.DB.MustExec(t, `DELETE FROM audit_pending WHERE audit_id = 2`)
		if _, err := audit.Seal(ctx, e.S); err != nil {
			t.Fatal(err)
		}
		e.DB.MustExec(t, `INSERT INTO audit_pending (audit_id) VALUES (2)`)
		rules, err := e.S.RetentionRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		plan := store.NewRetentionPlan(rules, e.Clock.Now().AddDate(10, 0, 0))
		line, err := e.S.SweepAudit(ctx, storetest.Actor(e.F.Bob), plan, false)
		if err != nil || line.Count != int(last-1) {
			t.Fatalf("sweep: %+v %v, want %d records", line, err, last-1)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE id = 2`); n != 1 {
			t.Fatal("the unsealed record 2 was deleted")
		}
		var detail string
		if err := e.DB.QueryRow(`SELECT detail FROM audit_log WHERE action = 'retention.delete'`).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if want := "(records 1, 3 to " + strconv.FormatInt(last, 10) + ")"; !strings.Contains(detail, want) {
			t.Errorf("the sweep's record says %q, want it to name %s", detail, want)
		}
	})
}
