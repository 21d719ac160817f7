package store_test

import (
	"context"
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
		text := queryPlan(t, e, q, args...)
		if strings.Contains(text, "SCAN people") || strings.Contains(text, "Seq Scan") || !strings.Contains(strings.ToLower(text), "index") {
			t.Errorf("plan reads every person:\n%s", text)
		}
	})
}
