package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// A text names a person by email address or username in any letter case, or by directory key;
// not by a name, nor by the username inside another address.
func TestPeopleNamedInIgnoresCase(t *testing.T) {
	ctx := context.Background()
	storetest.EachEnv(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		jane, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Jane", LastName: "Smith", Username: "jsmith",
			Email: "Jane.Smith@Uni.Example", DirectoryKey: "E1234", Kind: desk.Staff})
		if err != nil {
			t.Fatal(err)
		}
		dan, eve := e.F.Dan.ID, e.F.Eve.ID
		for _, tc := range []struct {
			texts []string
			want  []int64
		}{
			{[]string{"Spoke to DDawson about it."}, []int64{dan}},
			{[]string{"Mail JANE.SMITH@UNI.EXAMPLE, cc eevans@UNI.example."}, []int64{eve, jane.ID}},
			{[]string{"", "directory key e1234 (JSMITH)"}, []int64{jane.ID}},
			{[]string{"Dan Dawson and Jane Smith", "ddawson@other.example", "dd"}, nil},
		} {
			got, err := e.S.PeopleNamedIn(ctx, tc.texts...)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%q: named %v, want %v", tc.texts, got, tc.want)
			}
		}
	})
}

// The lookup reads people through their indexes, not every row: SQLite's plan has no SCAN of
// people, PostgreSQL's (sequential scans priced out, as on a large table) no Seq Scan.
func TestPeopleNamedInUsesIndexes(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		q, args := store.PeopleNamedQuery("Copied Jane.Smith@Uni.Example and DDawson, key E1234.")
		conn, err := e.DB.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		explain := "EXPLAIN QUERY PLAN "
		if e.Engine == "postgres" {
			explain = "EXPLAIN "
			if _, err := conn.ExecContext(context.Background(), "SET enable_seqscan = off"); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := conn.QueryContext(context.Background(), e.DB.Rebind(explain+q), args...)
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
		text := strings.Join(plan, "\n")
		if strings.Contains(text, "SCAN people") || strings.Contains(text, "Seq Scan") || !strings.Contains(strings.ToLower(text), "index") {
			t.Errorf("plan reads every person:\n%s", text)
		}
	})
}
