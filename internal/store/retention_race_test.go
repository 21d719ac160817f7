package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestRetentionBatchHoldAfterRecheck: a hold placed on a call, or a call reopened, after a sweep
// batch's re-check but before its action keeps that call: the action's statements repeat the
// due and not-held conditions. On PostgreSQL the hold and the reopening come from other,
// committed transactions (READ COMMITTED lets the next statement see them); on SQLite, whose one
// writer leaves no such window, they are written in the batch's own transaction.
func TestRetentionBatchHoldAfterRecheck(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		ended := e.S.Now().AddDate(-10, 0, 0).UnixMicro()
		calls := map[string]desk.Call{}
		for _, name := range []string{"goes", "held", "reopened"} {
			c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Summary: "Printer " + name, Description: "Room 4", CustomerID: e.F.Dan.ID, GroupID: e.F.ServiceDesk.ID})
			if err != nil {
				t.Fatal(err)
			}
			e.DB.MustExec(t, `UPDATE calls SET state = 'closed', resolution = 'Fixed', resolved_at = ?, closed_at = ? WHERE id = ?`, ended, ended, c.ID)
			e.DB.MustExec(t, `INSERT INTO attachments (call_id, filename, content_type, size, sha256, data, created_at) VALUES (?, 'a.txt', 'text/plain', 3, 'x', ?, ?)`,
				c.ID, []byte("abc"), ended)
			calls[name] = c
		}
		held, reopened := calls["held"], calls["reopened"]
		hooked := 0
		e.S.SetAfterRecheck(func(ctx context.Context, class string, ids []int64, exec func(string, ...any) error) {
			if class != store.ClassClosedCalls || len(ids) != 3 {
				t.Errorf("batch of %s: %v", class, ids)
				return
			}
			hooked++
			hold := `INSERT INTO legal_holds (call_id, reason, placed_by, placed_at) VALUES (?, 'Grievance', 'DPO', ?)`
			reopen := `UPDATE calls SET state = 'open', closed_at = NULL, resolved_at = NULL WHERE id = ?`
			if e.Engine == "postgres" {
				// Other transactions, committed while the batch's is open.
				e.DB.MustExec(t, hold, held.ID, ended)
				e.DB.MustExec(t, reopen, reopened.ID)
				return
			}
			if err := exec(hold, held.ID, ended); err != nil {
				t.Error(err)
			}
			if err := exec(reopen, reopened.ID); err != nil {
				t.Error(err)
			}
		})
		rules, err := e.S.RetentionRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		line, err := e.S.SweepClass(ctx, ann, store.NewRetentionPlan(rules, e.S.Now()), store.ClassClosedCalls, false)
		if err != nil {
			t.Fatal(err)
		}
		if hooked != 1 || line.Count != 1 {
			t.Errorf("the sweep counted %d calls (hook ran %d times), want 1", line.Count, hooked)
		}
		for name, c := range calls {
			got, err := e.S.FindCallByRef(ctx, c.Ref)
			if err != nil {
				t.Fatal(err)
			}
			gone := name == "goes"
			if (got.Summary == "Anonymised call") != gone {
				t.Errorf("%s: summary %q", name, got.Summary)
			}
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM attachments WHERE call_id = ?`, c.ID); (n == 0) != gone {
				t.Errorf("%s: %d attachments", name, n)
			}
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'retention.anonymise' AND detail LIKE 'anonymised 1 calls%'`); n != 1 {
			t.Errorf("the batch's audit record: %d", n)
		}
		var detail string
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT detail FROM audit_log WHERE action = 'retention.anonymise'`)).Scan(&detail); err != nil ||
			!strings.HasSuffix(detail, "ids "+strconv.FormatInt(calls["goes"].ID, 10)) {
			t.Errorf("audit detail %q: %v", detail, err)
		}
	})
}

// TestRetentionBatchPersonHoldAfterRecheck: the same for subject requests, whose deletion goes by
// the id of the request and a hold on its person: a person held after the re-check keeps theirs.
func TestRetentionBatchPersonHoldAfterRecheck(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		at := e.S.Now().AddDate(-10, 0, 0).UnixMicro()
		for _, p := range []int64{e.F.Dan.ID, e.F.Eve.ID} {
			e.DB.MustExec(t, `INSERT INTO subject_requests (person_id, kind, state, received_at, details, logged_by, channel, created_at, updated_at)
				VALUES (?, 'access', 'done', ?, 'old', 'DPO', 'post', ?, ?)`, p, at, at, at)
		}
		e.S.SetAfterRecheck(func(ctx context.Context, class string, ids []int64, exec func(string, ...any) error) {
			hold := `INSERT INTO legal_holds (person_id, reason, placed_by, placed_at) VALUES (?, 'Tribunal', 'DPO', ?)`
			if e.Engine == "postgres" {
				e.DB.MustExec(t, hold, e.F.Eve.ID, at)
				return
			}
			if err := exec(hold, e.F.Eve.ID, at); err != nil {
				t.Error(err)
			}
		})
		rules, err := e.S.RetentionRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		line, err := e.S.SweepClass(ctx, ann, store.NewRetentionPlan(rules, e.S.Now()), store.ClassSubjectRequests, false)
		if err != nil || line.Count != 1 {
			t.Errorf("the sweep: %+v %v", line, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM subject_requests WHERE person_id = ?`, e.F.Eve.ID); n != 1 {
			t.Errorf("the held person's request: %d left", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM subject_requests WHERE person_id = ?`, e.F.Dan.ID); n != 0 {
			t.Errorf("the other request: %d left", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'retention.delete' AND detail LIKE 'deleted 1 subject requests%'`); n != 1 {
			t.Errorf("the batch's audit record: %d", n)
		}
	})
}
