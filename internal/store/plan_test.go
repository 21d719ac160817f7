package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"calldesk/internal/store/storetest"
)

// queryPlan is the engine's plan of q (? placeholders) with args, a line per step: SQLite's
// EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN with sequential scans priced out (as on a large table,
// so that a plan that needs one shows it).
func queryPlan(t *testing.T, e *storetest.Env, q string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := e.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	explain := "EXPLAIN QUERY PLAN "
	if e.Engine == "postgres" {
		explain = "EXPLAIN "
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := conn.QueryContext(ctx, e.DB.Rebind(explain+q), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
