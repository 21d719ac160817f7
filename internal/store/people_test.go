package store_test

import (
	"context"
	"slices"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// TestFindPeopleMatches checks what a person search matches, whole and (Partial) while someone is
// still typing: names by their start, usernames, emails, student numbers and phone numbers however
// their separators are written.
func TestFindPeopleMatches(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		fay, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Fay", LastName: "Fisher", Username: "ffisher",
			Email: "Fay.Fisher@uni.example", StudentNumber: "19870042", Phone: "+44 (0)1632-960 123", Kind: desk.Student})
		if err != nil {
			t.Fatal(err)
		}
		dan := e.F.Dan
		tests := []struct {
			query   string
			partial bool
			want    []int64 // exactly these, in this order
		}{
			{"20231234", false, []int64{dan.ID}},            // student number
			{"19870042", false, []int64{fay.ID}},            // student number
			{"ddawson", false, []int64{dan.ID}},             // username
			{"DDawson@Uni.Example", false, []int64{dan.ID}}, // email, any case
			{"fay fi", false, []int64{fay.ID}},              // the start of a name
			{"fisher", false, []int64{fay.ID}},              // the start of a surname
			{"+44(0)1632 960123", false, []int64{fay.ID}},   // phone, other separators
			{"+44 (0)1632-960 123", false, []int64{fay.ID}},
			{"2023", false, nil},            // not a whole student number
			{"ddaw", false, nil},            // not a whole username
			{"2023", true, []int64{dan.ID}}, // ...but the start of one while typing
			{"ddaw", true, []int64{dan.ID}},
			{"fay.fi", true, []int64{fay.ID}},         // the start of an email
			{"+44 (0)1632-96", true, []int64{fay.ID}}, // the start of a phone number
			{"1987_", true, nil},                      // LIKE wildcards are literal
			{"%", true, nil},
			{"nobody", true, nil},
		}
		for _, tt := range tests {
			got, total, err := e.S.FindPeople(ctx, store.PersonFilter{Query: tt.query, Partial: tt.partial})
			if err != nil {
				t.Fatalf("%q: %v", tt.query, err)
			}
			var ids []int64
			for _, p := range got {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, tt.want) || total != len(tt.want) {
				t.Errorf("FindPeople(%q, partial %v) = %v (total %d), want %v", tt.query, tt.partial, ids, total, tt.want)
			}
		}
		// The fixture's people share one phone number: an exact phone search finds all of them.
		got, _, err := e.S.FindPeople(ctx, store.PersonFilter{Query: "01234567890"})
		if err != nil || len(got) != 5 {
			t.Fatalf("phone search found %d people (%v), want the fixture's 5", len(got), err)
		}
	})
}
