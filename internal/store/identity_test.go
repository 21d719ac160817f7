package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// TestPersonIdentityCase (issue 13 points 10, 16): a person typed in or edited by hand may not
// take another person's username or email address in another letter case; the refusal names
// the field (and the holder) for the form. A person may change the case of their own.
func TestPersonIdentityCase(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := e.F.Ann
		for field, p := range map[string]desk.Person{
			"username": {FirstName: "Other", LastName: "Person", Username: strings.ToUpper(ann.Username), Kind: desk.Staff},
			"email":    {FirstName: "Other", LastName: "Person", Email: strings.ToUpper(ann.Email), Kind: desk.Staff},
		} {
			_, err := e.S.CreatePerson(ctx, e.F.Admin, p)
			if de := desk.AsError(err); de == nil || de.Code != desk.EINVALID || !strings.Contains(de.Fields[field], "taken by another person") {
				t.Errorf("create with Ann's %s in capitals: %v", field, err)
			}
		}
		other, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Other", LastName: "Person", Username: "operson",
			Email: "o.person@uni.example", Kind: desk.Staff})
		if err != nil {
			t.Fatal(err)
		}
		edit := other
		edit.Email = strings.ToUpper(ann.Email)
		if _, err := e.S.UpdatePerson(ctx, e.F.Admin, edit); desk.AsError(err) == nil || desk.AsError(err).Fields["email"] == "" {
			t.Errorf("edit to Ann's email in capitals: %v", err)
		}
		edit = other
		edit.Username, edit.Email = "OPerson", "O.Person@uni.example"
		if _, err := e.S.UpdatePerson(ctx, e.F.Admin, edit); err != nil {
			t.Errorf("a change of the case of one's own: %v", err)
		}
	})
}
